"""Elastic Load Balancing v2: application and network load balancers,
target groups, listeners, targets and their health, tags, attributes.

AWS behaviour kept:
- CreateLoadBalancer: subnets must exist, in one VPC, in distinct zones
  (an ALB needs two zones); an internet-facing one needs an internet
  gateway in the VPC; security groups must exist (an ALB without any gets
  the VPC's default group). State provisioning -> active after a delay
  (botocore's load_balancer_available waiter works). DNSName
  NAME-NNNNNNNNNN.REGION.elb.amazonaws.com (internal-... for internal
  ones; NLB: NAME-HEX.elb.REGION.amazonaws.com) and the region's
  CanonicalHostedZoneId. One requester-managed ENI per subnet (so the
  subnets and groups cannot be deleted); after DeleteLoadBalancer the ENIs
  linger for a delay, as AWS's do. AWSServiceRoleForElasticLoadBalancing
  is created on first use. DeleteLoadBalancer of a missing one succeeds
  (documented); deletion_protection.enabled makes it OperationNotPermitted.
  Creating the same name with the same settings is idempotent; otherwise
  DuplicateLoadBalancerName (likewise target groups).
- Target group health check defaults, exactly as AWS applies them:
    protocol HTTP/HTTPS: health check protocol = the group's, port
      traffic-port, path /, interval 30, timeout 5, healthy 5, unhealthy 2,
      matcher 200, protocol version HTTP1;
    protocol TCP/TLS/UDP/TCP_UDP: health check TCP, interval 30,
      timeout 10 (6 with an HTTP health check), healthy 5, unhealthy 2,
      no path or matcher unless the health check is HTTP/HTTPS
      (then path / and matcher 200-399);
    GENEVE: HTTP on port 80, interval 10, timeout 5, healthy 5,
      unhealthy 2; lambda: health checks disabled, interval 35,
      timeout 30, healthy 5, unhealthy 5, matcher 200.
  (The API reference says "HTTP: 6 seconds"; that value is the one AWS
  applies to HTTP health checks of TCP groups -- HTTP groups get 5, as the
  CloudFormation reference and real responses say.)
- A target group can serve one load balancer (TargetGroupAssociationLimit);
  DeleteTargetGroup is ResourceInUse while a listener forwards to it.
- DescribeTargetHealth: unused (Target.NotInUse) until a listener uses the
  group, initial (Elb.RegistrationInProgress) for a delay after
  registration, then healthy; draining (Target.DeregistrationInProgress)
  after deregistration -- for min(deregistration_delay, the emulator
  delay) -- then gone; botocore's target_in_service and
  target_deregistered waiters work. Instances must be running.

Simplifications: every registered target becomes healthy (nothing is
probed); no listener rules beyond default actions, certificates are not
checked against ACM, no gateway load balancers, IPv4 only."""

import importlib.util
import ipaddress
import os
import random
import re
import secrets
import sys

from awsemu import timing
from awsemu import AwsError, op, service_options
from awsemu.faults import ignores_filters


def _load_common():
    name = 'berth_emu_netcommon'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(os.path.dirname(os.path.abspath(__file__)), '_netcommon.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


nc = _load_common()

service_options('elbv2')

MAX_TAGS = 50
ZONE_IDS = {  # CanonicalHostedZoneId: (application, network)
    'us-east-1': ('Z35SXDOTRQ7X7K', 'Z26RNL4JYFTOTI'),
    'us-east-2': ('Z3AADJGX6KTTL2', 'ZLMOA37VPKANP'),
    'us-west-1': ('Z368ELLRRE2KJ0', 'Z24FKFUX50B4VW'),
    'us-west-2': ('Z1H1FL5HABSF5', 'Z18D5FSROUN65G'),
    'eu-west-1': ('Z32O12XQLNTSW2', 'Z2IFOLAFXWLO4F'),
    'eu-central-1': ('Z215JYRZR1TBD5', 'Z3F0SRJ5LGBH90'),
}
LB_ATTRIBUTES = {
    'application': {
        'deletion_protection.enabled': 'false', 'access_logs.s3.enabled': 'false',
        'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '',
        'connection_logs.s3.enabled': 'false', 'connection_logs.s3.bucket': '',
        'connection_logs.s3.prefix': '', 'idle_timeout.timeout_seconds': '60',
        'client_keep_alive.seconds': '3600', 'routing.http2.enabled': 'true',
        'routing.http.drop_invalid_header_fields.enabled': 'false',
        'routing.http.desync_mitigation_mode': 'defensive',
        'routing.http.preserve_host_header.enabled': 'false',
        'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
        'routing.http.xff_client_port.enabled': 'false',
        'routing.http.xff_header_processing.mode': 'append',
        'waf.fail_open.enabled': 'false', 'load_balancing.cross_zone.enabled': 'true',
        'zonal_shift.config.enabled': 'false'},
    'network': {
        'deletion_protection.enabled': 'false', 'access_logs.s3.enabled': 'false',
        'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '',
        'load_balancing.cross_zone.enabled': 'false',
        'dns_record.client_routing_policy': 'any_availability_zone',
        'zonal_shift.config.enabled': 'false'},
}
TG_ATTRIBUTES = {
    'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false',
    'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': '86400',
    'stickiness.app_cookie.cookie_name': '', 'stickiness.app_cookie.duration_seconds': '86400',
    'slow_start.duration_seconds': '0', 'load_balancing.algorithm.type': 'round_robin',
    'load_balancing.algorithm.anomaly_mitigation': 'off',
    'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
    'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
    'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
}
_NAME_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$')


def elbop(name):
    def register(fn):
        def handler(ctx, params):
            nc.tick(ctx)
            return nc.fit_output(ctx, fn(ctx, params))
        handler.__name__ = fn.__name__
        return op('elbv2', name)(handler)
    return register


def _validation(message):
    return AwsError('ValidationError', message)


def _tags_in(tag_list):
    tags = {}
    for tag in tag_list or []:
        if tag['Key'] in tags:
            raise AwsError('DuplicateTagKeys', f"Tag key '{tag['Key']}' specified more than once")
        if tag['Key'].lower().startswith('aws:'):
            raise _validation("Tag keys cannot start with 'aws:'")
        tags[tag['Key']] = tag.get('Value', '')
    if len(tags) > MAX_TAGS:
        raise AwsError('TooManyTags', 'The quota for the number of tags that can be assigned to '
                       'a load balancer has been reached')
    return tags


def _paged(ctx, params, items, out_key, render):
    page, token = ctx.paginate(items, params.get('Marker'),
                               ctx.page_limit(params.get('PageSize'), 400), key=lambda r: r.arn,
                               invalid_token=_validation('Invalid value for Marker'))
    result = {out_key: [render(r) for r in page]}
    if token:
        result['NextMarker'] = token
    return result


# ---- load balancers -------------------------------------------------------------

def _lb(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'elbv2' or resource.type != 'loadbalancer':
        raise AwsError('LoadBalancerNotFound', f"Load balancer '{arn}' not found")
    return resource


def _ec2(ctx, type, id):
    return nc.find_ec2(ctx.store, ctx.account, ctx.region, type, id)


def _subnets(ctx, params, lb_type, required=True):
    ids = list(params.get('Subnets') or [])
    ids += [m['SubnetId'] for m in params.get('SubnetMappings') or []]
    if not ids:
        if not required:
            return []
        raise _validation('At least one subnet must be specified')
    subnets = []
    for subnet_id in ids:
        subnet = _ec2(ctx, 'subnet', subnet_id)
        if subnet is None:
            raise AwsError('SubnetNotFound', f"The subnet ID '{subnet_id}' is not valid")
        subnets.append(subnet)
    if len({s.data['VpcId'] for s in subnets}) > 1:
        raise AwsError('InvalidConfigurationRequest', 'The subnets must all be in the same VPC')
    zones = [s.data['AvailabilityZone'] for s in subnets]
    if len(set(zones)) != len(zones):
        raise AwsError('InvalidConfigurationRequest', 'A load balancer cannot be attached to '
                       'multiple subnets in the same Availability Zone')
    if lb_type == 'application' and len(zones) < 2:
        raise _validation('At least two subnets in two different Availability Zones must be '
                          'specified')
    return subnets


def _groups(ctx, ids, vpc_id):
    for group_id in ids:
        group = _ec2(ctx, 'security-group', group_id)
        if group is None or group.data['VpcId'] != vpc_id:
            raise AwsError('InvalidSecurityGroup', f"Security group '{group_id}' does not exist")
    return list(ids)


def _make_enis(ctx, lb, subnets, now):
    enis = []
    for subnet in subnets:
        eni = nc.create_eni(ctx.store, ctx.account, ctx.region, now, subnet,
                            lb.data['SecurityGroups'], f"ELB {lb.data['_short']}",
                            interface_type='network_load_balancer' if lb.data['Type'] == 'network'
                            else 'interface', requester_id='amazon-elb')
        enis.append(eni.id)
    return enis


def _release_enis(ctx, lb, subnet_ids=None, at=None):
    """Mark the load balancer's ENIs (in `subnet_ids`, default all) for
    release after a delay, as AWS lets them linger."""
    kept = []
    for eni_id in lb.data['_enis']:
        eni = _ec2(ctx, 'network-interface', eni_id)
        if eni is None:
            continue
        if subnet_ids is None or eni.data['SubnetId'] in subnet_ids:
            eni.data['_owner'] = lb.arn
            eni.data['_release_at'] = at or ctx.now()
        else:
            kept.append(eni_id)
    lb.data['_enis'] = kept


def _zones(lb):
    return [{'ZoneName': z, 'SubnetId': s, 'LoadBalancerAddresses': []}
            for z, s in lb.data['_zones']]


def _lb_out(lb):
    data = lb.data
    out = {k: v for k, v in data.items() if not k.startswith('_')}
    out['AvailabilityZones'] = _zones(lb)
    out['CreatedTime'] = lb.created
    if data['Type'] == 'network' and not data['SecurityGroups']:
        out.pop('SecurityGroups')
    return out


@elbop('CreateLoadBalancer')
def create_load_balancer(ctx, params):
    name = params['Name']
    if not _NAME_RE.match(name) or name.lower().startswith('internal-'):
        raise _validation(f"Load balancer name '{name}' is not valid: up to 32 alphanumeric "
                          "characters or hyphens, not beginning or ending with a hyphen, not "
                          "beginning with 'internal-'")
    lb_type = params.get('Type', 'application')
    if lb_type not in ('application', 'network'):
        raise _validation(f"berth-emulator does not model load balancers of type '{lb_type}'")
    scheme = params.get('Scheme', 'internet-facing')
    subnets = _subnets(ctx, params, lb_type)
    vpc_id = subnets[0].data['VpcId']
    groups = params.get('SecurityGroups')
    if groups is not None:
        groups = _groups(ctx, groups, vpc_id)
    elif lb_type == 'application':
        groups = [g.id for g in ctx.resources('security-group', service='ec2')
                  if g.data['VpcId'] == vpc_id and g.data['GroupName'] == 'default']
    else:
        groups = []
    if scheme == 'internet-facing' and not any(
            any(a['VpcId'] == vpc_id for a in g.data['Attachments'])
            for g in ctx.resources('internet-gateway', service='ec2')):
        raise AwsError('InvalidSubnet', f'VPC {vpc_id} has no internet gateway')
    tags = _tags_in(params.get('Tags'))
    for existing in ctx.resources('loadbalancer'):
        if existing.data['LoadBalancerName'] == name:
            same = (existing.data['Type'] == lb_type and existing.data['Scheme'] == scheme and
                    sorted(s for _, s in existing.data['_zones']) == sorted(s.id for s in subnets))
            if same:
                return {'LoadBalancers': [_lb_out(existing)]}
            raise AwsError('DuplicateLoadBalancerName', f"A load balancer with the same name "
                           f"'{name}' exists, but with different settings")
    nc.hook('service_linked_role', ctx.store, ctx.account, ctx.now(),
            'elasticloadbalancing.amazonaws.com')
    kind = 'app' if lb_type == 'application' else 'net'
    suffix = secrets.token_hex(8)
    arn = ctx.arn(f'loadbalancer/{kind}/{name}/{suffix}')
    prefix = 'internal-' if scheme == 'internal' else ''
    if lb_type == 'application':
        dns = f'{prefix}{name}-{random.randint(100000000, 2099999999)}.{ctx.region}.elb.amazonaws.com'
    else:
        dns = f'{prefix}{name}-{secrets.token_hex(8)}.elb.{ctx.region}.amazonaws.com'
    zone_ids = ZONE_IDS.get(ctx.region, ('Z1H1FL5HABSF5', 'Z18D5FSROUN65G'))
    data = {'LoadBalancerArn': arn, 'DNSName': dns,
            'CanonicalHostedZoneId': zone_ids[0 if lb_type == 'application' else 1],
            'LoadBalancerName': name, 'Scheme': scheme, 'VpcId': vpc_id,
            'State': {'Code': 'provisioning'}, 'Type': lb_type, 'SecurityGroups': groups,
            'IpAddressType': params.get('IpAddressType', 'ipv4'),
            '_zones': [(s.data['AvailabilityZone'], s.id) for s in subnets],
            '_short': f'{kind}/{name}/{suffix}', '_since': ctx.now(),
            '_attributes': dict(LB_ATTRIBUTES[lb_type]), '_enis': []}
    lb = ctx.add_resource('loadbalancer', arn, arn, data, tags)
    data['_enis'] = _make_enis(ctx, lb, subnets, ctx.now())
    return {'LoadBalancers': [_lb_out(lb)]}


@nc.ticker
def _advance_elb(store, now):
    for lb in store.select(service='elbv2', type='loadbalancer'):
        if lb.data['State']['Code'] == 'provisioning' and nc.due(lb.data['_since'], now, 'ELB',
                                                                 key=lb.arn):
            lb.data['State'] = {'Code': 'active'}
    for group in store.select(service='elbv2', type='targetgroup'):
        stated = float(group.data['_attributes']['deregistration_delay.timeout_seconds'])
        delay = timing.scaled(stated) if timing.on() else min(stated, nc.delay('ELB'))
        group.data['_targets'] = [
            t for t in group.data.get('_targets', [])
            if t['draining_since'] is None or not nc.due(t['draining_since'], now, seconds=delay)]


@elbop('DescribeLoadBalancers')
def describe_load_balancers(ctx, params):
    items = sorted(ctx.resources('loadbalancer'), key=lambda r: r.arn)
    if params.get('LoadBalancerArns'):
        wanted = params['LoadBalancerArns']
        found = [r for r in items if r.arn in wanted]
        if len(found) != len(set(wanted)):
            raise AwsError('LoadBalancerNotFound', 'One or more load balancers not found')
        items = found
    if params.get('Names') and not ignores_filters(ctx):
        wanted = params['Names']
        found = [r for r in items if r.data['LoadBalancerName'] in wanted]
        missing = sorted(set(wanted) - {r.data['LoadBalancerName'] for r in found})
        if missing:
            raise AwsError('LoadBalancerNotFound',
                           f"Load balancers '[{', '.join(missing)}]' not found")
        items = found
    return _paged(ctx, params, items, 'LoadBalancers', _lb_out)


@elbop('DeleteLoadBalancer')
def delete_load_balancer(ctx, params):
    lb = ctx.resource_by_arn(params['LoadBalancerArn'])
    if lb is None or lb.type != 'loadbalancer':
        return {}  # "If the load balancer does not exist... the call succeeds."
    if lb.data['_attributes'].get('deletion_protection.enabled') == 'true':
        raise AwsError('OperationNotPermitted', f"Load balancer '{lb.arn}' cannot be deleted "
                       'because deletion protection is enabled')
    for listener in _listeners(ctx, lb.arn):
        ctx.remove_resource(listener.arn)
    _release_enis(ctx, lb)
    ctx.remove_resource(lb.arn)
    return {}


def _set_attributes(current, changes, allowed):
    for item in changes:
        key, value = item.get('Key'), item.get('Value', '')
        if key not in allowed:
            raise AwsError('InvalidConfigurationRequest', f"Key {key} not valid")
        if key.endswith('.enabled') and value not in ('true', 'false'):
            raise AwsError('InvalidConfigurationRequest',
                           f"{key} must be one of: true, false" if 'cross_zone' not in key or
                           allowed is LB_ATTRIBUTES['application'] else f'Invalid value {value}')
        if key.endswith('seconds') and not (value.isdigit()):
            raise AwsError('InvalidConfigurationRequest', f"{key} must be an integer")
        if key == 'idle_timeout.timeout_seconds' and not 1 <= int(value) <= 4000:
            raise AwsError('InvalidConfigurationRequest', 'Idle timeout must be between 1 and '
                           '4000 seconds')
        if key == 'deregistration_delay.timeout_seconds' and not 0 <= int(value) <= 3600:
            raise AwsError('InvalidConfigurationRequest', 'Deregistration delay must be between '
                           '0 and 3600 seconds')
        if key == 'access_logs.s3.enabled' and value == 'true' and not \
                (current.get('access_logs.s3.bucket') or any(
                    c.get('Key') == 'access_logs.s3.bucket' and c.get('Value') for c in changes)):
            raise AwsError('InvalidConfigurationRequest', 'The value of '
                           "'access_logs.s3.bucket' cannot be empty")
    for item in changes:
        current[item['Key']] = item.get('Value', '')


def _attributes_out(attributes):
    return [{'Key': k, 'Value': v} for k, v in sorted(attributes.items())]


@elbop('DescribeLoadBalancerAttributes')
def describe_load_balancer_attributes(ctx, params):
    return {'Attributes': _attributes_out(_lb(ctx, params['LoadBalancerArn']).data['_attributes'])}


@elbop('ModifyLoadBalancerAttributes')
def modify_load_balancer_attributes(ctx, params):
    lb = _lb(ctx, params['LoadBalancerArn'])
    _set_attributes(lb.data['_attributes'], params['Attributes'],
                    LB_ATTRIBUTES[lb.data['Type']])
    return {'Attributes': _attributes_out(lb.data['_attributes'])}


@elbop('SetSecurityGroups')
def set_security_groups(ctx, params):
    lb = _lb(ctx, params['LoadBalancerArn'])
    if lb.data['Type'] == 'network' and not lb.data['SecurityGroups']:
        raise AwsError('InvalidConfigurationRequest', 'You cannot set security groups on a '
                       'Network Load Balancer which was created without any security groups.')
    groups = _groups(ctx, params['SecurityGroups'], lb.data['VpcId'])
    if lb.data['Type'] == 'application' and not groups:
        raise _validation('At least one security group must be specified')
    lb.data['SecurityGroups'] = groups
    refs = []
    for group_id in groups:
        group = _ec2(ctx, 'security-group', group_id)
        refs.append({'GroupId': group_id, 'GroupName': group.data['GroupName']})
    for eni_id in lb.data['_enis']:
        eni = _ec2(ctx, 'network-interface', eni_id)
        if eni is not None:
            eni.data['Groups'] = [dict(r) for r in refs]
    return {'SecurityGroupIds': groups}


@elbop('SetSubnets')
def set_subnets(ctx, params):
    lb = _lb(ctx, params['LoadBalancerArn'])
    subnets = _subnets(ctx, params, lb.data['Type'])
    if subnets[0].data['VpcId'] != lb.data['VpcId']:
        raise AwsError('InvalidConfigurationRequest', 'The subnets must be in the VPC of the '
                       'load balancer')
    if lb.data['Type'] == 'network':
        current = {s for _, s in lb.data['_zones']}
        if not current <= {s.id for s in subnets}:
            raise AwsError('InvalidConfigurationRequest', 'Subnets cannot be removed from a '
                           'Network Load Balancer')
    wanted = {s.id for s in subnets}
    kept_ids = {s for _, s in lb.data['_zones']} & wanted
    _release_enis(ctx, lb, {s for _, s in lb.data['_zones']} - wanted)
    new = [s for s in subnets if s.id not in kept_ids]
    lb.data['_enis'] += _make_enis(ctx, lb, new, ctx.now())
    lb.data['_zones'] = [(s.data['AvailabilityZone'], s.id) for s in subnets]
    return {'AvailabilityZones': _zones(lb), 'IpAddressType': lb.data['IpAddressType']}


# ---- target groups ----------------------------------------------------------------

def _tg(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'elbv2' or resource.type != 'targetgroup':
        raise AwsError('TargetGroupNotFound', f"Target groups '[{arn}]' not found")
    return resource


def _health_defaults(protocol, target_type, health_protocol):
    """What AWS fills in for an unspecified health check (see the top of
    the file)."""
    if target_type == 'lambda':
        return {'HealthCheckEnabled': False, 'HealthCheckIntervalSeconds': 35,
                'HealthCheckTimeoutSeconds': 30, 'HealthyThresholdCount': 5,
                'UnhealthyThresholdCount': 5, 'HealthCheckPath': '/',
                'Matcher': {'HttpCode': '200'}}
    if protocol == 'GENEVE':
        return {'HealthCheckEnabled': True, 'HealthCheckProtocol': health_protocol or 'HTTP',
                'HealthCheckPort': '80', 'HealthCheckIntervalSeconds': 10,
                'HealthCheckTimeoutSeconds': 5, 'HealthyThresholdCount': 5,
                'UnhealthyThresholdCount': 2, 'HealthCheckPath': '/',
                'Matcher': {'HttpCode': '200-399'}}
    if protocol in ('HTTP', 'HTTPS'):
        return {'HealthCheckEnabled': True, 'HealthCheckProtocol': health_protocol or protocol,
                'HealthCheckPort': 'traffic-port', 'HealthCheckIntervalSeconds': 30,
                'HealthCheckTimeoutSeconds': 5, 'HealthyThresholdCount': 5,
                'UnhealthyThresholdCount': 2, 'HealthCheckPath': '/',
                'Matcher': {'HttpCode': '200'}}
    health_protocol = health_protocol or 'TCP'
    out = {'HealthCheckEnabled': True, 'HealthCheckProtocol': health_protocol,
           'HealthCheckPort': 'traffic-port', 'HealthCheckIntervalSeconds': 30,
           'HealthCheckTimeoutSeconds': {'HTTP': 6, 'HTTPS': 10}.get(health_protocol, 10),
           'HealthyThresholdCount': 5, 'UnhealthyThresholdCount': 2}
    if health_protocol in ('HTTP', 'HTTPS'):
        out['HealthCheckPath'] = '/'
        out['Matcher'] = {'HttpCode': '200-399'}
    return out


HEALTH_KEYS = ('HealthCheckProtocol', 'HealthCheckPort', 'HealthCheckEnabled', 'HealthCheckPath',
               'HealthCheckIntervalSeconds', 'HealthCheckTimeoutSeconds', 'HealthyThresholdCount',
               'UnhealthyThresholdCount', 'Matcher')


def _check_health(data):
    if data.get('HealthCheckProtocol') == 'TCP' and data.get('Protocol') in ('HTTP', 'HTTPS'):
        raise _validation('Health check protocol TCP is not supported for target groups with '
                          'protocol HTTP or HTTPS')
    if data.get('HealthCheckTimeoutSeconds', 0) >= data.get('HealthCheckIntervalSeconds', 300):
        raise _validation('Health check timeout must be smaller than the interval')
    port = data.get('HealthCheckPort', 'traffic-port')
    if port != 'traffic-port' and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise _validation(f"Health check port '{port}' must be 'traffic-port' or a port number")


def _tg_out(ctx, group):
    out = {k: v for k, v in group.data.items() if not k.startswith('_')}
    out['LoadBalancerArns'] = _tg_balancers(ctx, group.arn)
    return out


def _tg_balancers(ctx, arn):
    balancers = []
    for listener in ctx.resources('listener'):
        if arn in _action_groups(listener.data['DefaultActions']) and \
                listener.data['LoadBalancerArn'] not in balancers:
            balancers.append(listener.data['LoadBalancerArn'])
    return balancers


@elbop('CreateTargetGroup')
def create_target_group(ctx, params):
    name = params['Name']
    if not _NAME_RE.match(name):
        raise _validation(f"Target group name '{name}' can have a maximum of 32 characters, "
                          'must contain only alphanumeric characters or hyphens, and must not '
                          'begin or end with a hyphen')
    target_type = params.get('TargetType', 'instance')
    protocol = params.get('Protocol')
    data = {'TargetGroupName': name, 'TargetType': target_type}
    if target_type != 'lambda':
        for key, what in (('Protocol', 'A protocol'), ('Port', 'A port'), ('VpcId', 'A VPC ID')):
            if key not in params:
                raise _validation(f'{what} must be specified')
        if _ec2(ctx, 'vpc', params['VpcId']) is None:
            raise _validation(f"The VPC ID '{params['VpcId']}' is not found")
        data.update({'Protocol': protocol, 'Port': params['Port'], 'VpcId': params['VpcId'],
                     'IpAddressType': params.get('IpAddressType', 'ipv4')})
        if protocol in ('HTTP', 'HTTPS'):
            data['ProtocolVersion'] = params.get('ProtocolVersion', 'HTTP1')
    elif any(k in params for k in ('Protocol', 'Port', 'VpcId')):
        raise _validation('Protocol, port and VPC ID cannot be specified for target groups '
                          'with target type lambda')
    data.update(_health_defaults(protocol, target_type, params.get('HealthCheckProtocol')))
    if data.get('ProtocolVersion') == 'GRPC':
        data['HealthCheckPath'] = '/AWS.ALB/healthcheck'
        data['Matcher'] = {'GrpcCode': '12'}
    for key in HEALTH_KEYS:
        if key in params:
            data[key] = params[key]
    if target_type in ('instance', 'ip', 'alb') and data['HealthCheckEnabled'] is False:
        raise _validation(f"Health checks cannot be disabled for target groups with target "
                          f"type '{target_type}'")
    _check_health(data)
    tags = _tags_in(params.get('Tags'))
    for existing in ctx.resources('targetgroup'):
        if existing.data['TargetGroupName'] == name:
            if all(existing.data.get(k) == v for k, v in data.items()):
                return {'TargetGroups': [_tg_out(ctx, existing)]}
            raise AwsError('DuplicateTargetGroupName', f"A target group with the same name "
                           f"'{name}' exists, but with different settings")
    arn = ctx.arn(f'targetgroup/{name}/{secrets.token_hex(8)}')
    data['TargetGroupArn'] = arn
    data['_attributes'] = dict(TG_ATTRIBUTES)
    data['_targets'] = []
    group = ctx.add_resource('targetgroup', arn, arn, data, tags)
    return {'TargetGroups': [_tg_out(ctx, group)]}


@elbop('DescribeTargetGroups')
def describe_target_groups(ctx, params):
    items = sorted(ctx.resources('targetgroup'), key=lambda r: r.arn)
    if params.get('LoadBalancerArn'):
        _lb(ctx, params['LoadBalancerArn'])
        items = [g for g in items if params['LoadBalancerArn'] in _tg_balancers(ctx, g.arn)]
    if params.get('TargetGroupArns'):
        wanted = params['TargetGroupArns']
        found = [g for g in items if g.arn in wanted]
        if len(found) != len(set(wanted)):
            raise AwsError('TargetGroupNotFound', 'One or more target groups not found')
        items = found
    if params.get('Names') and not ignores_filters(ctx):
        wanted = params['Names']
        found = [g for g in items if g.data['TargetGroupName'] in wanted]
        missing = sorted(set(wanted) - {g.data['TargetGroupName'] for g in found})
        if missing:
            raise AwsError('TargetGroupNotFound',
                           f"Target groups '[{', '.join(missing)}]' not found")
        items = found
    return _paged(ctx, params, items, 'TargetGroups', lambda g: _tg_out(ctx, g))


@elbop('ModifyTargetGroup')
def modify_target_group(ctx, params):
    group = _tg(ctx, params['TargetGroupArn'])
    changed = dict(group.data)
    for key in HEALTH_KEYS:
        if key in params:
            changed[key] = params[key]
    _check_health(changed)
    group.data.update({k: changed[k] for k in HEALTH_KEYS if k in changed})
    return {'TargetGroups': [_tg_out(ctx, group)]}


@elbop('DeleteTargetGroup')
def delete_target_group(ctx, params):
    group = _tg(ctx, params['TargetGroupArn'])
    if _tg_balancers(ctx, group.arn):
        raise AwsError('ResourceInUse', f"Target group '{group.arn}' is currently in use by a "
                       'listener or a rule')
    ctx.remove_resource(group.arn)
    return {}


@elbop('DescribeTargetGroupAttributes')
def describe_target_group_attributes(ctx, params):
    return {'Attributes': _attributes_out(_tg(ctx, params['TargetGroupArn']).data['_attributes'])}


@elbop('ModifyTargetGroupAttributes')
def modify_target_group_attributes(ctx, params):
    group = _tg(ctx, params['TargetGroupArn'])
    _set_attributes(group.data['_attributes'], params['Attributes'], TG_ATTRIBUTES)
    return {'Attributes': _attributes_out(group.data['_attributes'])}


# ---- targets ------------------------------------------------------------------------

def _check_targets(ctx, group, targets):
    for target in targets:
        target_id = target['Id']
        if group.data['TargetType'] == 'instance':
            instance = _ec2(ctx, 'instance', target_id)
            if instance is None:
                raise AwsError('InvalidTarget', f"The following targets are not valid "
                               f"instances: '{target_id}'")
            if instance.data['State']['Name'] != 'running':
                raise AwsError('InvalidTarget', 'The following targets are not in a running '
                               f"state and cannot be registered: '{target_id}'")
            if instance.data['VpcId'] != group.data['VpcId']:
                raise AwsError('InvalidTarget', f"The following targets are not in the target "
                               f"group VPC '{group.data['VpcId']}': '{target_id}'")
        elif group.data['TargetType'] == 'ip':
            try:
                address = ipaddress.ip_address(target_id)
            except ValueError:
                raise AwsError('InvalidTarget', f"The IP address '{target_id}' is not a valid "
                               'IPv4 address')
            vpc = _ec2(ctx, 'vpc', group.data['VpcId'])
            inside = vpc is not None and address in ipaddress.ip_network(vpc.data['CidrBlock'])
            if not inside and target.get('AvailabilityZone') != 'all':
                raise AwsError('InvalidTarget', f"The IP address '{target_id}' is not within the "
                               "VPC's CIDR blocks; specify AvailabilityZone 'all'")
        if 'Port' not in target and 'Port' not in group.data:
            raise _validation('A port must be specified')


@elbop('RegisterTargets')
def register_targets(ctx, params):
    group = _tg(ctx, params['TargetGroupArn'])
    _check_targets(ctx, group, params['Targets'])
    nc.tg_register(group, params['Targets'], ctx.now())
    return {}


@elbop('DeregisterTargets')
def deregister_targets(ctx, params):
    group = _tg(ctx, params['TargetGroupArn'])
    missing = nc.tg_deregister(group, params['Targets'], ctx.now())
    if missing:
        raise AwsError('InvalidTarget', 'The following targets are not registered in the target '
                       'group: ' + ', '.join(f"'{t['Id']}'" for t in missing))
    return {}


def _health(ctx, group, target, now):
    in_use = bool(_tg_balancers(ctx, group.arn))
    if target.get('draining_since') is not None:
        return {'State': 'draining', 'Reason': 'Target.DeregistrationInProgress',
                'Description': 'Target deregistration is in progress'}
    if not in_use:
        return {'State': 'unused', 'Reason': 'Target.NotInUse',
                'Description': 'Target group is not configured to receive traffic from the '
                               'load balancer'}
    if group.data['TargetType'] == 'instance':
        instance = _ec2(ctx, 'instance', target['Id'])
        if instance is None or instance.data['State']['Name'] != 'running':
            state = instance.data['State']['Name'] if instance else 'terminated'
            return {'State': 'unused', 'Reason': 'Target.InvalidState',
                    'Description': f'Target is in the {state} state'}
    if not group.data.get('HealthCheckEnabled', True):
        return {'State': 'unavailable', 'Reason': 'Target.HealthCheckDisabled',
                'Description': 'Health checks are disabled for the target group'}
    start = max(target['since'], group.data.get('_in_use_since') or target['since'])
    if not nc.due(start, now, 'ELB_HEALTH' if timing.on() else 'ELB', key=target['Id']):
        return {'State': 'initial', 'Reason': 'Elb.RegistrationInProgress',
                'Description': 'Target registration is in progress'}
    return {'State': 'healthy'}


@elbop('DescribeTargetHealth')
def describe_target_health(ctx, params):
    group = _tg(ctx, params['TargetGroupArn'])
    registered = group.data.get('_targets', [])
    now = ctx.now()
    descriptions = []
    wanted = params.get('Targets')
    if wanted:
        _check_targets(ctx, group, [t for t in wanted if group.data['TargetType'] != 'instance'
                                    or _ec2(ctx, 'instance', t['Id']) is not None])
        if group.data['TargetType'] == 'instance':
            for target in wanted:
                if _ec2(ctx, 'instance', target['Id']) is None:
                    raise AwsError('InvalidTarget', f"The following targets are not valid "
                                   f"instances: '{target['Id']}'")
        for target in wanted:
            port = target.get('Port', group.data.get('Port'))
            match = next((r for r in registered if r['Id'] == target['Id'] and
                          ('Port' not in target or r['Port'] == port)), None)
            item = {'Target': {'Id': target['Id'], 'Port': port}}
            if match is None:
                item['TargetHealth'] = {'State': 'unused', 'Reason': 'Target.NotRegistered',
                                        'Description': 'Target is not registered to the target '
                                                       'group'}
            else:
                item['TargetHealth'] = _health(ctx, group, match, now)
                item['HealthCheckPort'] = str(match['Port']) if \
                    group.data.get('HealthCheckPort') == 'traffic-port' else \
                    group.data.get('HealthCheckPort')
            descriptions.append(item)
    else:
        for target in registered:
            item = {'Target': {'Id': target['Id'], 'Port': target['Port']},
                    'TargetHealth': _health(ctx, group, target, now)}
            if target.get('AvailabilityZone'):
                item['Target']['AvailabilityZone'] = target['AvailabilityZone']
            port = group.data.get('HealthCheckPort', 'traffic-port')
            item['HealthCheckPort'] = str(target['Port']) if port == 'traffic-port' else port
            descriptions.append(item)
    return {'TargetHealthDescriptions': descriptions}


# ---- listeners ----------------------------------------------------------------------

def _listeners(ctx, lb_arn):
    return [r for r in ctx.resources('listener') if r.data['LoadBalancerArn'] == lb_arn]


def _action_groups(actions):
    groups = []
    for action in actions:
        if action.get('TargetGroupArn'):
            groups.append(action['TargetGroupArn'])
        for item in ((action.get('ForwardConfig') or {}).get('TargetGroups') or []):
            groups.append(item['TargetGroupArn'])
    return groups


def _check_actions(ctx, lb, actions, listener_arn=None):
    if not actions:
        raise _validation('At least one default action must be specified')
    for action in actions:
        kind = action['Type']
        if kind == 'forward':
            if not _action_groups([action]):
                raise _validation('A target group ARN must be specified')
        elif kind == 'redirect':
            if 'RedirectConfig' not in action:
                raise _validation('A redirect config must be specified')
        elif kind == 'fixed-response':
            if 'FixedResponseConfig' not in action:
                raise _validation('A fixed response config must be specified')
        else:
            raise AwsError('InvalidLoadBalancerAction', f"berth-emulator does not model "
                           f"actions of type '{kind}'")
        if kind != 'forward' and lb.data['Type'] == 'network':
            raise AwsError('InvalidLoadBalancerAction', f"Network load balancers support only "
                           "forward actions")
    for arn in _action_groups(actions):
        group = ctx.resource_by_arn(arn)
        if group is None or group.type != 'targetgroup':
            raise AwsError('TargetGroupNotFound', f"Target groups '[{arn}]' not found")
        protocol = group.data.get('Protocol')
        if lb.data['Type'] == 'application' and protocol not in ('HTTP', 'HTTPS', None):
            raise AwsError('IncompatibleProtocols', f"The target group '{arn}' has protocol "
                           f"{protocol}, which an Application Load Balancer cannot use")
        if lb.data['Type'] == 'network' and protocol in ('HTTP', 'HTTPS'):
            raise AwsError('IncompatibleProtocols', f"The target group '{arn}' has protocol "
                           f"{protocol}, which a Network Load Balancer cannot use")
        if group.data.get('VpcId') and group.data['VpcId'] != lb.data['VpcId']:
            raise AwsError('InvalidConfigurationRequest', f"The target group '{arn}' is not in "
                           'the VPC of the load balancer')
        others = [b for b in _tg_balancers(ctx, arn) if b != lb.arn]
        if others:
            raise AwsError('TargetGroupAssociationLimit', 'The following target groups cannot '
                           f'be associated with more than one load balancer: {arn}')


def _check_protocol(lb, protocol, certificates):
    if lb.data['Type'] == 'application' and protocol not in ('HTTP', 'HTTPS'):
        raise AwsError('UnsupportedProtocol', f"Protocol '{protocol}' is not supported by "
                       'Application Load Balancers')
    if lb.data['Type'] == 'network' and protocol not in ('TCP', 'TLS', 'UDP', 'TCP_UDP'):
        raise AwsError('UnsupportedProtocol', f"Protocol '{protocol}' is not supported by "
                       'Network Load Balancers')
    if protocol in ('HTTPS', 'TLS') and not certificates:
        raise AwsError('CertificateNotFound', f'A certificate must be specified for {protocol} '
                       'listeners')


def _mark_in_use(ctx, actions):
    """Health checks start when a group starts receiving traffic."""
    for arn in _action_groups(actions):
        group = ctx.resource_by_arn(arn)
        if group is not None and not _tg_balancers(ctx, arn):
            group.data['_in_use_since'] = ctx.now()


def _listener_out(listener):
    return {k: v for k, v in listener.data.items() if not k.startswith('_')}


@elbop('CreateListener')
def create_listener(ctx, params):
    lb = _lb(ctx, params['LoadBalancerArn'])
    protocol = params.get('Protocol', 'HTTP' if lb.data['Type'] == 'application' else 'TCP')
    port = params.get('Port')
    if port is None:
        raise _validation('A listener port must be specified')
    _check_protocol(lb, protocol, params.get('Certificates'))
    actions = params['DefaultActions']
    _check_actions(ctx, lb, actions)
    tags = _tags_in(params.get('Tags'))
    for existing in _listeners(ctx, lb.arn):
        if existing.data['Port'] == port:
            if existing.data['Protocol'] == protocol and \
                    existing.data['DefaultActions'] == _actions_out(actions):
                return {'Listeners': [_listener_out(existing)]}
            raise AwsError('DuplicateListener', 'A listener already exists on this port for '
                           f"this load balancer '{lb.arn}'")
    _mark_in_use(ctx, actions)
    arn = lb.arn.replace(':loadbalancer/', ':listener/') + '/' + secrets.token_hex(8)
    data = {'ListenerArn': arn, 'LoadBalancerArn': lb.arn, 'Port': port, 'Protocol': protocol,
            'DefaultActions': _actions_out(actions)}
    if params.get('Certificates'):
        data['Certificates'] = params['Certificates']
        data['SslPolicy'] = params.get('SslPolicy', 'ELBSecurityPolicy-2016-08')
    if params.get('AlpnPolicy'):
        data['AlpnPolicy'] = params['AlpnPolicy']
    listener = ctx.add_resource('listener', arn, arn, data, tags)
    return {'Listeners': [_listener_out(listener)]}


def _actions_out(actions):
    out = []
    for index, action in enumerate(actions, 1):
        action = dict(action)
        if action['Type'] == 'forward':
            groups = _action_groups([action])
            if 'TargetGroupArn' not in action and len(groups) == 1:
                action['TargetGroupArn'] = groups[0]
            action.setdefault('ForwardConfig', {
                'TargetGroups': [{'TargetGroupArn': g, 'Weight': 1} for g in groups],
                'TargetGroupStickinessConfig': {'Enabled': False}})
        action.setdefault('Order', index)
        out.append(action)
    return out


def _listener(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'elbv2' or resource.type != 'listener':
        raise AwsError('ListenerNotFound', 'One or more listeners not found')
    return resource


@elbop('DescribeListeners')
def describe_listeners(ctx, params):
    if not params.get('LoadBalancerArn') and not params.get('ListenerArns'):
        raise _validation('You must specify either listener ARNs or a load balancer ARN')
    if params.get('LoadBalancerArn'):
        items = _listeners(ctx, _lb(ctx, params['LoadBalancerArn']).arn)
    else:
        items = [_listener(ctx, arn) for arn in params['ListenerArns']]
    items.sort(key=lambda r: r.arn)
    return _paged(ctx, params, items, 'Listeners', _listener_out)


@elbop('ModifyListener')
def modify_listener(ctx, params):
    listener = _listener(ctx, params['ListenerArn'])
    lb = _lb(ctx, listener.data['LoadBalancerArn'])
    protocol = params.get('Protocol', listener.data['Protocol'])
    _check_protocol(lb, protocol, params.get('Certificates') or listener.data.get('Certificates'))
    if 'Port' in params and any(other.data['Port'] == params['Port'] and other is not listener
                                for other in _listeners(ctx, lb.arn)):
        raise AwsError('DuplicateListener', 'A listener already exists on this port for this '
                       f"load balancer '{lb.arn}'")
    if 'DefaultActions' in params:
        _check_actions(ctx, lb, params['DefaultActions'])
        _mark_in_use(ctx, params['DefaultActions'])
        listener.data['DefaultActions'] = _actions_out(params['DefaultActions'])
    listener.data['Protocol'] = protocol
    for key in ('Port', 'Certificates', 'SslPolicy', 'AlpnPolicy'):
        if key in params:
            listener.data[key] = params[key]
    return {'Listeners': [_listener_out(listener)]}


@elbop('DeleteListener')
def delete_listener(ctx, params):
    listener = _listener(ctx, params['ListenerArn'])
    ctx.remove_resource(listener.arn)
    return {}


# Listener attributes are newer than Debian's botocore: registered only when
# the model has them.
LISTENER_ATTRIBUTES = {
    'application': {'routing.http.response.server.enabled': 'true',
                    'routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name':
                        'X-Amzn-Mtls-Clientcert-Serial-Number',
                    'routing.http.request.x_amzn_tls_version.header_name': 'X-Amzn-Tls-Version',
                    'routing.http.request.x_amzn_tls_cipher_suite.header_name':
                        'X-Amzn-Tls-Cipher-Suite'},
    'network': {'tcp.idle_timeout.seconds': '350'},
}


def _listener_attributes(ctx, listener):
    lb = _lb(ctx, listener.data['LoadBalancerArn'])
    return listener.data.setdefault('_attributes', dict(LISTENER_ATTRIBUTES[lb.data['Type']]))


if 'DescribeListenerAttributes' in nc.operations('elbv2'):
    @elbop('DescribeListenerAttributes')
    def describe_listener_attributes(ctx, params):
        listener = _listener(ctx, params['ListenerArn'])
        return {'Attributes': _attributes_out(_listener_attributes(ctx, listener))}

    @elbop('ModifyListenerAttributes')
    def modify_listener_attributes(ctx, params):
        listener = _listener(ctx, params['ListenerArn'])
        current = _listener_attributes(ctx, listener)
        _set_attributes(current, params['Attributes'], dict(current))
        return {'Attributes': _attributes_out(current)}


# ---- tags ----------------------------------------------------------------------------

def _taggable(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'elbv2':
        if ':targetgroup/' in arn:
            raise AwsError('TargetGroupNotFound', f"Target groups '[{arn}]' not found")
        if ':listener/' in arn:
            raise AwsError('ListenerNotFound', 'One or more listeners not found')
        raise AwsError('LoadBalancerNotFound', f"Load balancer '{arn}' not found")
    return resource


@elbop('AddTags')
def add_tags(ctx, params):
    tags = _tags_in(params['Tags'])
    resources = [_taggable(ctx, arn) for arn in params['ResourceArns']]
    for resource in resources:
        if len(set(resource.tags) | set(tags)) > MAX_TAGS:
            raise AwsError('TooManyTags', 'The quota for the number of tags that can be assigned '
                           'to a load balancer has been reached')
    for resource in resources:
        resource.set_tags(tags)
    return {}


@elbop('RemoveTags')
def remove_tags(ctx, params):
    for arn in params['ResourceArns']:
        _taggable(ctx, arn).remove_tags(params['TagKeys'])
    return {}


@elbop('DescribeTags')
def describe_tags(ctx, params):
    if len(params['ResourceArns']) > 20:
        raise _validation('A maximum of 20 resource ARNs can be specified')
    return {'TagDescriptions': [
        {'ResourceArn': arn, 'Tags': nc.tag_list(_taggable(ctx, arn).tags)}
        for arn in params['ResourceArns']]}
