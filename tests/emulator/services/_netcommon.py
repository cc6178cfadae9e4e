"""Helpers shared by the networking and compute services (ec2, ecs, elbv2,
iam, servicediscovery). Not a service file: the leading underscore keeps
registry.load_directory from loading it; the service files import it by
path (see `load()` at the bottom of each of them), so there is one copy.

Delays. AWS moves resources through states over time (NAT gateways pending
-> available, ECS deployments IN_PROGRESS -> COMPLETED, load balancers
provisioning -> active, Cloud Map operations SUBMITTED -> SUCCESS). The
emulator does the same, lazily: each resource records when it entered a
state, and every request to one of these services first advances whatever
is due (`tick`). Delays are read from the environment of the emulator
process:

  BERTH_EMU_DELAY          seconds for every transition (default 1.0)
  BERTH_EMU_DELAY_<KIND>   one kind: NAT, INSTANCE, ECS, ELB, SD, ENI
  BERTH_EMU_DELETED_TTL    how long deleted NAT gateways, terminated
                           instances, INACTIVE ECS services and stopped
                           tasks stay visible (default 3600; AWS: ~1 hour)

The emulator's clock (POST /_emulator/clock) moves them too."""

import datetime
import fnmatch
import ipaddress
import os
import random
import secrets
import uuid

from awsemu import AwsError, timing
from awsemu.state import Resource


def delay(kind=None, key=None, owner=None, holds=None):
    """Seconds a transition of `kind` takes: from the AWS timing table for
    the resource `key` under --aws-timing (owner, holds: see
    timing.seconds), else BERTH_EMU_DELAY_<KIND> (NAT_DELETE falls back to
    NAT's), else BERTH_EMU_DELAY."""
    if kind and timing.on() and kind in timing.TABLE:
        return timing.seconds(kind, key, owner, holds)
    if kind:
        for name in (kind, kind.split('_')[0]):
            value = os.environ.get(f'BERTH_EMU_DELAY_{name.upper()}')
            if value:
                return float(value)
    return float(os.environ.get('BERTH_EMU_DELAY', '1.0'))


def deleted_ttl():
    return float(os.environ.get('BERTH_EMU_DELETED_TTL', '3600'))


def due(since, now, kind=None, seconds=None, key=None, owner=None):
    """True once `delay(kind, key)` (or `seconds`) has passed since `since`."""
    wait = delay(kind, key, owner) if seconds is None else seconds
    return now >= since + datetime.timedelta(seconds=wait)


# Functions one service offers the others, registered by the offering
# service file when it loads ('service_linked_role' from iam.py).
HOOKS = {}


def hook(name, *args):
    fn = HOOKS.get(name)
    if fn is not None:
        return fn(*args)
    return None


# ---- tick: advance time-based state of every service ---------------------

TICKERS = []


def ticker(fn):
    """Register fn(store, now) to advance time-based state. Every handler
    of the services using this module calls tick() first, so an EC2
    DescribeNetworkInterfaces sees the ENIs an ECS task released."""
    TICKERS.append(fn)
    return fn


def tick(ctx):
    now = ctx.now()
    for fn in TICKERS:
        fn(ctx.store, now)


# ---- deleted resources AWS still shows -----------------------------------

def entomb(resource):
    """A deleted resource AWS still describes for a while (deleted NAT
    gateways, terminated instances, INACTIVE ECS clusters/services/task
    definitions, STOPPED tasks, namespaces being deleted): no longer live,
    so the tagging API and GET /_emulator/resources?stack= skip it (its tags
    move aside, kept for Describe), and the control API's unfiltered listing
    marks it with info {"_deleted": true}."""
    resource.data['_tomb_tags'] = dict(resource.tags)
    resource.tags.clear()
    resource.taggable = False
    resource.data['_deleted'] = True
    resource.info_keys = tuple(resource.info_keys) + ('_deleted',)


def mark_record(resource):
    """Bookkeeping that is not an AWS resource (Cloud Map operations, IAM
    deletion tasks): shown in the unfiltered control listing with info
    {"_record": true}."""
    resource.data['_record'] = True
    resource.info_keys = tuple(resource.info_keys) + ('_record',)
    return resource


# ---- ids ---------------------------------------------------------------

def ec2_id(prefix):
    """vpc-0123456789abcdef0: AWS's 17-hex-digit ids."""
    return f'{prefix}-{secrets.token_hex(9)[:17]}'


def new_uuid():
    return str(uuid.uuid4())


# ---- EC2 objects other services create ----------------------------------

def find_ec2(store, account, region, type, id):
    return store.find(account, region, 'ec2', type, id)


def ec2_arn(region, account, type, id):
    return f'arn:aws:ec2:{region}:{account}:{type}/{id}'


def allocate_ip(subnet):
    """The next free private address of a subnet (AWS keeps the first four
    and the last one)."""
    network = ipaddress.ip_network(subnet.data['CidrBlock'])
    used = subnet.data.setdefault('_used_ips', [])
    for offset in range(4, network.num_addresses - 1):
        address = str(network.network_address + offset)
        if address not in used:
            used.append(address)
            subnet.data['AvailableIpAddressCount'] -= 1
            return address
    raise AwsError('InsufficientFreeAddressesInSubnet',
                   f"There are not enough free addresses in subnet '{subnet.id}' to satisfy "
                   'the requested number of instances.')


def free_ip(subnet, address):
    used = subnet.data.get('_used_ips', [])
    if address in used:
        used.remove(address)
        subnet.data['AvailableIpAddressCount'] += 1


def public_ip():
    return f'{random.choice((3, 18, 34, 35, 44, 52, 54))}.{random.randint(0, 255)}.' \
           f'{random.randint(0, 255)}.{random.randint(1, 254)}'


def private_dns(region, address):
    suffix = 'ec2.internal' if region == 'us-east-1' else f'{region}.compute.internal'
    return f'ip-{address.replace(".", "-")}.{suffix}'


def create_eni(store, account, region, now, subnet, group_ids, description,
               interface_type='interface', requester_id=None, attachment=None, tags=None,
               owner=None):
    """A network interface in `subnet` (an ec2 subnet Resource), as ECS
    tasks, NAT gateways, load balancers and instances get. Requester-managed
    when `requester_id` is given."""
    eni_id = ec2_id('eni')
    address = allocate_ip(subnet)
    groups = []
    for group_id in group_ids:
        group = find_ec2(store, account, region, 'security-group', group_id)
        groups.append({'GroupId': group_id,
                       'GroupName': group.data['GroupName'] if group else group_id})
    dns = private_dns(region, address)
    data = {
        'NetworkInterfaceId': eni_id, 'SubnetId': subnet.id, 'VpcId': subnet.data['VpcId'],
        'AvailabilityZone': subnet.data['AvailabilityZone'],
        'AvailabilityZoneId': subnet.data['AvailabilityZoneId'],
        'Description': description, 'Groups': groups, 'InterfaceType': interface_type,
        'Ipv6Addresses': [], 'MacAddress': '02:%02x:%02x:%02x:%02x:%02x' % tuple(
            random.randint(0, 255) for _ in range(5)),
        'OwnerId': owner or account, 'PrivateDnsName': dns, 'PrivateIpAddress': address,
        'PrivateIpAddresses': [{'Primary': True, 'PrivateIpAddress': address,
                                'PrivateDnsName': dns}],
        'RequesterManaged': requester_id is not None, 'SourceDestCheck': True,
        'Status': 'in-use' if attachment or requester_id else 'available',
    }
    if requester_id is not None:
        data['RequesterId'] = requester_id
    if attachment is not None:
        attachment = dict(attachment)
        attachment.setdefault('AttachmentId', ec2_id('eni-attach'))
        attachment.setdefault('AttachTime', now)
        attachment.setdefault('DeleteOnTermination', True)
        attachment.setdefault('DeviceIndex', 0)
        attachment.setdefault('Status', 'attached')
        attachment.setdefault('InstanceOwnerId', requester_id or account)
        data['Attachment'] = attachment
    resource = Resource('ec2', 'network-interface', eni_id,
                        ec2_arn(region, account, 'network-interface', eni_id), account, region,
                        data, tags, True, now)
    store.add(resource)
    return resource


def delete_eni(store, eni):
    """Remove an ENI and give its address back to the subnet."""
    subnet = store.find(eni.account, eni.region, 'ec2', 'subnet', eni.data['SubnetId'])
    if subnet is not None:
        free_ip(subnet, eni.data['PrivateIpAddress'])
    store.remove(eni.arn)


def release_eni_later(store, eni, now, kind, owner=None):
    """Let an ENI linger after what used it went (a load balancer, a
    Fargate task, a NAT gateway; `owner` its ARN or id, for the record of
    draws): it stays, blocking DeleteSubnet and DeleteSecurityGroup with
    DependencyViolation, for `delay(kind)`. Without AWS timing the ENI of
    a task or NAT gateway goes at once."""
    if not timing.on() and kind != 'ENI_ELB':
        delete_eni(store, eni)
        return
    eni.data['_owner'] = owner
    eni.data['_release_at'] = now
    eni.data['_release_kind'] = kind
    eni.data['Status'] = 'available'
    eni.data.pop('Attachment', None)


@ticker
def _release_enis(store, now):
    for eni in store.select(service='ec2', type='network-interface'):
        release = eni.data.get('_release_at')
        if release is None:
            continue
        kind = eni.data.get('_release_kind') or 'ENI_ELB'
        fallback = 'ELB' if kind == 'ENI_ELB' else None
        if timing.on():
            wait = delay(kind, eni.id, eni.data.get('_owner'),
                         [eni.data['SubnetId']] + [g['GroupId'] for g in eni.data['Groups']])
        elif fallback:
            wait = delay(fallback)
        else:
            wait = 0.0
        if due(release, now, seconds=wait):
            delete_eni(store, eni)


def enis(store, account, region):
    return store.select(account, region, 'ec2', 'network-interface')


# ---- CloudWatch Logs side effects ----------------------------------------

def ensure_log_group(store, account, region, now, name):
    """Create a log group the way the Logs service stores them (services/
    logs.py), as ECS does for Container Insights and awslogs-create-group."""
    if store.find(account, region, 'logs', 'log-group', name) is not None:
        return
    store.add(Resource('logs', 'log-group', name,
                       f'arn:aws:logs:{region}:{account}:log-group:{name}', account, region,
                       {'creationTime': int(now.timestamp() * 1000), 'logGroupClass': 'STANDARD',
                        'deletionProtectionEnabled': False}, None, True, now))


# ---- IAM lookups ---------------------------------------------------------

def iam_role_by_arn(store, account, arn):
    resource = store.get(arn)
    if resource is None or resource.service != 'iam' or resource.type != 'role':
        return None
    return resource


def role_propagated(store, account, arn, now):
    """Whether the IAM role `arn` can be assumed yet: under AWS timing a
    new role needs IAM['IAM'] seconds to propagate (IAM is eventually
    consistent: "changes ... take time to become visible"); a role that
    does not exist never can. Always True without AWS timing."""
    if not timing.on() or not arn:
        return True
    role = iam_role_by_arn(store, account, arn)
    if role is None:
        return False
    return due(role.created, now, 'IAM', key=role.arn)


def role_propagating(store, account, arn, now):
    """Whether `arn` names a role that exists but has not propagated yet
    (AWS timing): the window in which a service that checks the role at
    once refuses it, where a role that does not exist fails otherwise."""
    return bool(arn) and iam_role_by_arn(store, account, arn) is not None and \
        not role_propagated(store, account, arn, now)


def iam_instance_profile(store, account, name=None, arn=None):
    if arn:
        resource = store.get(arn)
        return resource if resource is not None and resource.type == 'instance-profile' else None
    return store.find(account, '', 'iam', 'instance-profile', name)


# ---- EC2-style filters ---------------------------------------------------

def match_filters(resource, filters, table, tags=None):
    """EC2 Describe filters: every filter must match (AND), any of a
    filter's values may (OR), values take * and ? wildcards. `table` maps
    filter names to functions resource -> list of strings. tag:KEY,
    tag-key and tag-value work everywhere. Unknown names are
    InvalidParameterValue, as EC2 answers."""
    tags = resource.tags if tags is None else tags
    for item in filters or []:
        name = item.get('Name')
        wanted = item.get('Values') or []
        if name is None:
            raise AwsError('InvalidParameterValue', 'The filter \'null\' is invalid')
        if name.startswith('tag:'):
            key = name[4:]
            have = [tags[key]] if key in tags else []
        elif name == 'tag-key':
            have = list(tags)
        elif name == 'tag-value':
            have = list(tags.values())
        elif name in table:
            have = [_filter_text(v) for v in table[name](resource) if v is not None]
        else:
            raise AwsError('InvalidParameterValue', f"The filter '{name}' is invalid")
        if not any(fnmatch.fnmatchcase(h, w) for h in have for w in wanted):
            return False
    return True


def check_filter_names(filters, table):
    for item in filters or []:
        name = item.get('Name') or 'null'
        if not (name.startswith('tag:') or name in ('tag-key', 'tag-value') or name in table):
            raise AwsError('InvalidParameterValue', f"The filter '{name}' is invalid")


def _filter_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def tag_list(tags):
    return [{'Key': k, 'Value': v} for k, v in sorted(tags.items())]


# ---- ELBv2 targets (registered by ECS tasks and RegisterTargets) -----------

def tg_register(tg, targets, now):
    """Add targets ({'Id', 'Port'?, 'AvailabilityZone'?}) to a target group
    Resource of elbv2; a target being drained comes back."""
    registered = tg.data.setdefault('_targets', [])
    for target in targets:
        port = target.get('Port', tg.data.get('Port'))
        for existing in registered:
            if existing['Id'] == target['Id'] and existing['Port'] == port:
                existing['draining_since'] = None
                break
        else:
            entry = {'Id': target['Id'], 'Port': port, 'since': now, 'draining_since': None}
            if target.get('AvailabilityZone'):
                entry['AvailabilityZone'] = target['AvailabilityZone']
            registered.append(entry)


def tg_deregister(tg, targets, now):
    """Start draining targets; returns the ones that were not registered."""
    missing = []
    registered = tg.data.setdefault('_targets', [])
    for target in targets:
        port = target.get('Port', tg.data.get('Port'))
        for existing in registered:
            if existing['Id'] == target['Id'] and (existing['Port'] == port or
                                                   'Port' not in target):
                if existing['draining_since'] is None:
                    existing['draining_since'] = now
                break
        else:
            missing.append(target)
    return missing


# ---- Cloud Map instances (registered by ECS tasks) ---------------------------

def sd_service(store, arn):
    resource = store.get(arn)
    if resource is None or resource.service != 'servicediscovery' or resource.type != 'service':
        return None
    return resource


def sd_register(store, arn, instance_id, attributes):
    service = sd_service(store, arn)
    if service is not None:
        service.data.setdefault('_instances', {})[instance_id] = dict(attributes)


def sd_deregister(store, arn, instance_id):
    service = sd_service(store, arn)
    if service is not None:
        service.data.setdefault('_instances', {}).pop(instance_id, None)


def tg_balancers(store, account, region, arn):
    """The load balancers whose listeners forward to target group `arn`."""
    balancers = []
    for listener in store.select(account, region, 'elbv2', 'listener'):
        for action in listener.data['DefaultActions']:
            groups = [action.get('TargetGroupArn')] + [
                g['TargetGroupArn'] for g in (action.get('ForwardConfig') or {}).get(
                    'TargetGroups') or []]
            if arn in groups and listener.data['LoadBalancerArn'] not in balancers:
                balancers.append(listener.data['LoadBalancerArn'])
    return balancers


def fit_output(ctx, result):
    """Handlers are written for the newest models; in an older botocore
    (Debian's 1.29) some operations have no output shape at all (EC2
    DeleteSecurityGroup), and the framework treats any output for those as
    an emulator bug. Drop the result then (unknown members inside an
    existing shape the framework already drops itself)."""
    if result:
        from awsemu import models
        operation = models.service_model(ctx.service).operation_model(ctx.operation)
        if operation.output_shape is None:
            return None
    return result


def operations(service):
    """The operation names the installed botocore models for `service`."""
    from awsemu import models
    return set(models.service_model(service).operation_names)
