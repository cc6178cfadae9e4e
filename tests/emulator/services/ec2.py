"""Amazon EC2: the VPC networking berth builds (VPCs, subnets, internet
gateways, route tables, Elastic IPs, NAT gateways, security groups and
their rules, network interfaces), instances, availability zones and tags.

AWS behaviour kept, because berth must cope with it:
- CreateVpc also creates the VPC's default security group (egress all,
  ingress from itself), main route table (local route) and default
  network ACL; DeleteVpc removes them and fails with DependencyViolation
  while subnets, attached gateways, other groups or route tables remain.
- Subnets: /16../28 inside the VPC's CIDR (InvalidSubnet.Range), no
  overlap (InvalidSubnet.Conflict), an existing zone; DeleteSubnet is a
  DependencyViolation while network interfaces (instances, NAT gateways,
  ECS tasks, load balancers) remain in it.
- NAT gateways: pending -> available after a delay (or `failed` with
  Gateway.NotAttached when the VPC had no internet gateway), deleting ->
  deleted, and then still listed as `deleted` (BERTH_EMU_DELETED_TTL).
  Their ENI and Elastic IP association go only once deleted; detaching the
  internet gateway meanwhile is a DependencyViolation (mapped public
  addresses), as is deleting an attached gateway.
- Security groups: a default egress rule on creation, InvalidPermission.
  Duplicate, DependencyViolation while another group's rule references
  the group or a network interface uses it, the default group cannot be
  deleted (CannotDelete).
- Instances: pending -> running, shutting-down -> terminated, terminated
  instances stay visible for a while.
- Every Describe takes the filters the API reference lists for what is
  modelled here (plus tag:KEY, tag-key, tag-value), with * and ? wildcards;
  an unknown filter is InvalidParameterValue. MaxResults/NextToken where
  the model has them (without MaxResults everything comes in one page, as
  EC2 does). DryRun answers DryRunOperation (412).
- TagSpecifications on every create; CreateTags/DeleteTags/DescribeTags
  on every resource here, sharing the framework's tag index.

Simplifications: no default VPC (as in an account whose default VPC was
deleted: RunInstances without a subnet is VPCIdNotSpecified); IPv4 only;
no network ACL entries beyond the defaults and no NACL calls but
DescribeNetworkAcls; any well-formed AMI id exists; instances have no
volumes; Elastic IPs come from made-up public ranges; malformed ids are
reported as NotFound rather than *.Malformed; RevokeSecurityGroup* of a
rule that does not exist is InvalidPermission.NotFound."""

import base64
import importlib.util
import ipaddress
import os
import re
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

service_options('ec2')

MAX_TAGS = 50

ZONES = {
    'us-west-2': [('a', 'usw2-az2'), ('b', 'usw2-az1'), ('c', 'usw2-az3'), ('d', 'usw2-az4')],
    'us-east-1': [('a', 'use1-az6'), ('b', 'use1-az1'), ('c', 'use1-az2'), ('d', 'use1-az4'),
                  ('e', 'use1-az3'), ('f', 'use1-az5')],
    'eu-west-1': [('a', 'euw1-az2'), ('b', 'euw1-az3'), ('c', 'euw1-az1')],
}


def zones(region):
    listed = ZONES.get(region)
    if listed is None:
        short = ''.join(part[0] for part in region.split('-')[:-1]) + region.split('-')[-1]
        listed = [(letter, f'{short}-az{i}') for i, letter in enumerate('abc', 1)]
    return [(region + letter, zone_id) for letter, zone_id in listed]


NOT_FOUND = {
    'vpc': ('InvalidVpcID.NotFound', "The vpc ID '{}' does not exist"),
    'subnet': ('InvalidSubnetID.NotFound', "The subnet ID '{}' does not exist"),
    'security-group': ('InvalidGroup.NotFound', "The security group '{}' does not exist"),
    'internet-gateway': ('InvalidInternetGatewayID.NotFound',
                         "The internetGateway ID '{}' does not exist"),
    'route-table': ('InvalidRouteTableID.NotFound', "The routeTable ID '{}' does not exist"),
    'elastic-ip': ('InvalidAllocationID.NotFound', "The allocation ID '{}' does not exist"),
    'natgateway': ('NatGatewayNotFound', 'The Nat Gateway {} was not found'),
    'instance': ('InvalidInstanceID.NotFound', "The instance ID '{}' does not exist"),
    'network-interface': ('InvalidNetworkInterfaceID.NotFound',
                          "The networkInterface ID '{}' does not exist"),
    'security-group-rule': ('InvalidSecurityGroupRuleId.NotFound',
                            "The security group rule ID '{}' does not exist"),
    'network-acl': ('InvalidNetworkAclID.NotFound', "The networkAcl ID '{}' does not exist"),
}

PREFIX_TYPES = {'vpc': 'vpc', 'subnet': 'subnet', 'sg': 'security-group',
                'igw': 'internet-gateway', 'rtb': 'route-table', 'eipalloc': 'elastic-ip',
                'nat': 'natgateway', 'i': 'instance', 'eni': 'network-interface',
                'sgr': 'security-group-rule', 'acl': 'network-acl'}


def _invalid(message):
    return AwsError('InvalidParameterValue', message)


def _not_found(type, id):
    code, message = NOT_FOUND[type]
    return AwsError(code, message.format(id))


def ec2op(name):
    """@op('ec2', name) plus what every EC2 call does first: advance
    time-based state, and answer DryRun."""
    def register(fn):
        def handler(ctx, params):
            nc.tick(ctx)
            if params.get('DryRun'):
                raise AwsError('DryRunOperation',
                               'Request would have succeeded, but DryRun flag is set.', 412)
            return nc.fit_output(ctx, fn(ctx, params))
        handler.__name__ = fn.__name__
        handler.__doc__ = fn.__doc__
        return op('ec2', name)(handler)
    return register


# ---- resources, tags, rendering -------------------------------------------

def _tags_of(resource):
    return resource.tags if resource.taggable else resource.data.get('_tomb_tags', {})


def _entomb(resource):
    nc.entomb(resource)


def _render(resource, tag_key='Tags'):
    out = {k: v for k, v in resource.data.items() if not k.startswith('_')}
    tags = _tags_of(resource)
    if tags:
        out[tag_key] = nc.tag_list(tags)
    return out


def _check_tags(tags):
    for key, value in tags.items():
        if key.lower().startswith('aws:'):
            raise _invalid("Tag keys starting with 'aws:' are reserved for internal use")
        if not key or len(key) > 128:
            raise _invalid(f"Tag key exceeds the maximum length of 128 characters: '{key}'")
        if len(value) > 256:
            raise _invalid(f"Tag value exceeds the maximum length of 256 characters: '{value}'")
    if len(tags) > MAX_TAGS:
        raise AwsError('TagLimitExceeded',
                       'The maximum number of Tags for a resource has been reached.')


def _spec_tags(params, allowed):
    """Tags from TagSpecifications, by resource type; `allowed` the types
    this call creates (the first is the main one)."""
    result = {}
    for spec in params.get('TagSpecifications') or []:
        kind = spec.get('ResourceType')
        if kind not in allowed:
            raise _invalid(f"'{kind}' is not a valid taggable resource type for this operation.")
        tags = {t['Key']: t.get('Value', '') for t in spec.get('Tags') or []}
        _check_tags(tags)
        result.setdefault(kind, {}).update(tags)
    return result


def _new(ctx, type, prefix, data, tags=None, id=None):
    id = id or nc.ec2_id(prefix)
    return ctx.add_resource(type, id, nc.ec2_arn(ctx.region, ctx.account, type, id), data,
                            tags or {})


def _get(ctx, type, id, live_only=True):
    resource = ctx.find_resource(type, id)
    if resource is None or (live_only and not resource.taggable) or not ctx.propagated(resource):
        raise _not_found(type, id)
    return resource


def _any(ctx, id):
    """Any taggable EC2 resource by id (CreateTags, DeleteTags)."""
    prefix = id.rsplit('-', 1)[0] if '-' in id else ''
    type = PREFIX_TYPES.get(prefix)
    if type is None:
        raise AwsError('InvalidID', f'The ID \'{id}\' is not valid')
    return _get(ctx, type, id)


def _describe(ctx, params, type, ids_key, table, out_key, render=_render, filters_key='Filters',
              paginated=True, items=None):
    items = ctx.resources(type) if items is None else items
    ids = params.get(ids_key) if ids_key else None
    if ids:
        present = {r.id for r in items}
        missing = [i for i in ids if i not in present]
        if missing:
            raise _not_found(type, ', '.join(missing) if type != 'natgateway' else missing[0])
        items = [r for r in items if r.id in set(ids)]
    filters = params.get(filters_key) or []
    nc.check_filter_names(filters, table)
    if not ignores_filters(ctx):
        items = [r for r in items if nc.match_filters(r, filters, table, _tags_of(r))]
    result = {}
    if paginated and (params.get('MaxResults') or params.get('NextToken')):
        if ids and params.get('MaxResults') and ids_key == 'InstanceIds':
            # Documented for DescribeInstances ("You cannot specify this
            # parameter and the instance IDs parameter in the same request").
            raise AwsError('InvalidParameterCombination',
                           f'The parameter {ids_key} cannot be used with the parameter MaxResults')
        items = sorted(items, key=lambda r: r.id)
        items, token = ctx.paginate(
            items, params.get('NextToken'), params.get('MaxResults') or 1000, key=lambda r: r.id,
            invalid_token=AwsError('InvalidPaginationToken',
                                   'The pagination token is invalid or expired.'))
        if token:
            result['NextToken'] = token
    result[out_key] = [render(r) for r in items]
    return result


def _f(key):
    return lambda r: [r.data.get(key)]


# ---- CIDRs -----------------------------------------------------------------

def _network(cidr, param):
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        raise _invalid(f'Value ({cidr}) for parameter {param} is invalid. '
                       'This is not a valid CIDR block.')


# ---- availability zones ------------------------------------------------------

def _zone_id(region, name):
    for zone_name, zone_id in zones(region):
        if zone_name == name:
            return zone_id
    return None


ZONE_FILTERS = {'zone-name': lambda z: [z['ZoneName']], 'zone-id': lambda z: [z['ZoneId']],
                'state': lambda z: ['available'], 'region-name': lambda z: [z['RegionName']],
                'zone-type': lambda z: ['availability-zone'],
                'group-name': lambda z: [z['GroupName']],
                'opt-in-status': lambda z: ['opt-in-not-required']}


class _Zone:
    def __init__(self, item):
        self.data = item
        self.tags = {}


@ec2op('DescribeAvailabilityZones')
def describe_availability_zones(ctx, params):
    items = [{'ZoneName': name, 'ZoneId': zone_id, 'State': 'available',
              'RegionName': ctx.region, 'Messages': [], 'OptInStatus': 'opt-in-not-required',
              'GroupName': ctx.region, 'NetworkBorderGroup': ctx.region,
              'ZoneType': 'availability-zone'} for name, zone_id in zones(ctx.region)]
    for key, field in (('ZoneNames', 'ZoneName'), ('ZoneIds', 'ZoneId')):
        wanted = params.get(key)
        if wanted:
            known = {z[field] for z in items}
            for name in wanted:
                if name not in known:
                    raise _invalid(f"The zone '{name}' does not exist in region {ctx.region}."
                                   if field == 'ZoneName' else
                                   f"Invalid availability zone id: [{name}]")
            items = [z for z in items if z[field] in wanted]
    table = {k: (lambda fn: lambda r: fn(r.data))(fn) for k, fn in ZONE_FILTERS.items()}
    nc.check_filter_names(params.get('Filters'), table)
    items = [z for z in items if nc.match_filters(_Zone(z), params.get('Filters'), table)]
    return {'AvailabilityZones': items}


# ---- VPCs --------------------------------------------------------------------

VPC_FILTERS = {
    'vpc-id': _f('VpcId'), 'cidr': _f('CidrBlock'), 'cidr-block': _f('CidrBlock'),
    'cidr-block-association.cidr-block': _f('CidrBlock'),
    'cidr-block-association.association-id':
        lambda r: [a['AssociationId'] for a in r.data['CidrBlockAssociationSet']],
    'cidr-block-association.state': lambda r: ['associated'],
    'state': _f('State'), 'is-default': _f('IsDefault'), 'owner-id': _f('OwnerId'),
    'dhcp-options-id': _f('DhcpOptionsId'), 'instance-tenancy': _f('InstanceTenancy')}


@ec2op('CreateVpc')
def create_vpc(ctx, params):
    if 'CidrBlock' not in params:
        if 'Ipv4IpamPoolId' in params:
            raise AwsError('InvalidParameterValue', 'IPAM pools are not supported by berth-emulator')
        raise AwsError('MissingParameter', 'Either \'cidrBlock\' or \'ipv4IpamPoolId\' should be provided.')
    network = _network(params['CidrBlock'], 'cidrBlock')
    if not 16 <= network.prefixlen <= 28:
        raise AwsError('InvalidVpc.Range', f"The CIDR '{params['CidrBlock']}' is invalid.")
    tags = _spec_tags(params, ('vpc',))
    vpc_id = nc.ec2_id('vpc')
    data = {'VpcId': vpc_id, 'CidrBlock': str(network), 'State': 'available',
            'DhcpOptionsId': 'dopt-' + ctx.account[-8:].rjust(8, '0')[:8],
            'InstanceTenancy': params.get('InstanceTenancy', 'default'), 'IsDefault': False,
            'OwnerId': ctx.account, 'Ipv6CidrBlockAssociationSet': [],
            'CidrBlockAssociationSet': [{'AssociationId': nc.ec2_id('vpc-cidr-assoc'),
                                         'CidrBlock': str(network),
                                         'CidrBlockState': {'State': 'associated'}}],
            'BlockPublicAccessStates': {'InternetGatewayBlockMode': 'off'},
            '_attributes': {'EnableDnsSupport': True, 'EnableDnsHostnames': False,
                            'EnableNetworkAddressUsageMetrics': False}}
    vpc = _new(ctx, 'vpc', 'vpc', data, tags.get('vpc'), id=vpc_id)
    # What AWS creates with every VPC.
    group = _create_group(ctx, vpc_id, 'default', 'default VPC security group', {})
    _add_rule(ctx, group, False, {'IpProtocol': '-1', 'ReferencedGroupInfo': {
        'GroupId': group.id, 'UserId': ctx.account}})
    _add_rule(ctx, group, True, {'IpProtocol': '-1', 'CidrIpv4': '0.0.0.0/0'})
    _fix_route_table(_new(ctx, 'route-table', 'rtb', {
        'VpcId': vpc_id, 'OwnerId': ctx.account, 'PropagatingVgws': [],
        'Routes': [{'DestinationCidrBlock': str(network), 'GatewayId': 'local',
                    'Origin': 'CreateRouteTable', 'State': 'active'}],
        'Associations': [], '_main': True}))
    acl_id = nc.ec2_id('acl')
    _new(ctx, 'network-acl', 'acl', {
        'NetworkAclId': acl_id, 'VpcId': vpc_id, 'IsDefault': True, 'OwnerId': ctx.account,
        'Associations': [],
        'Entries': [entry for egress in (True, False) for entry in (
            {'CidrBlock': '0.0.0.0/0', 'Egress': egress, 'Protocol': '-1',
             'RuleAction': 'allow', 'RuleNumber': 100},
            {'CidrBlock': '0.0.0.0/0', 'Egress': egress, 'Protocol': '-1',
             'RuleAction': 'deny', 'RuleNumber': 32767})]}, id=acl_id)
    out = _render(vpc)
    out['State'] = 'pending'  # AWS answers CreateVpc with the VPC still pending
    return {'Vpc': out}


def _main_table(ctx, vpc_id):
    for table in ctx.resources('route-table'):
        if table.data['VpcId'] == vpc_id and table.data.get('_main'):
            return table
    return None


def _fix_route_table(table):
    table.data['RouteTableId'] = table.id
    if table.data.get('_main') and not any(a.get('Main') for a in table.data['Associations']):
        table.data['Associations'].append({
            'Main': True, 'RouteTableAssociationId': nc.ec2_id('rtbassoc'),
            'RouteTableId': table.id, 'AssociationState': {'State': 'associated'}})


@ec2op('DescribeVpcs')
def describe_vpcs(ctx, params):
    return _describe(ctx, params, 'vpc', 'VpcIds', VPC_FILTERS, 'Vpcs')


@ec2op('DeleteVpc')
def delete_vpc(ctx, params):
    vpc = _get(ctx, 'vpc', params['VpcId'])
    vpc_id = vpc.id

    def in_vpc(type, keep=lambda r: False):
        return [r for r in ctx.resources(type) if r.taggable and r.data.get('VpcId') == vpc_id
                and not keep(r)]

    blockers = (in_vpc('subnet') + in_vpc('security-group', lambda r: r.data['GroupName'] == 'default')
                + in_vpc('route-table', lambda r: r.data.get('_main'))
                + [g for g in ctx.resources('internet-gateway')
                   if any(a['VpcId'] == vpc_id for a in g.data['Attachments'])]
                + in_vpc('network-interface'))
    if blockers:
        raise AwsError('DependencyViolation',
                       f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
    for type in ('security-group', 'route-table', 'network-acl'):
        for resource in ctx.resources(type):
            if resource.data.get('VpcId') == vpc_id:
                ctx.remove_resource(resource.arn)
                if type == 'security-group':
                    for rule in _rules_of(ctx, resource.id):
                        ctx.remove_resource(rule.arn)
    # Deleted NAT gateways of the VPC stay listed, as in AWS.
    ctx.remove_resource(vpc.arn)


VPC_ATTRIBUTES = {'enableDnsSupport': 'EnableDnsSupport',
                  'enableDnsHostnames': 'EnableDnsHostnames',
                  'enableNetworkAddressUsageMetrics': 'EnableNetworkAddressUsageMetrics'}


@ec2op('DescribeVpcAttribute')
def describe_vpc_attribute(ctx, params):
    vpc = _get(ctx, 'vpc', params['VpcId'])
    member = VPC_ATTRIBUTES[params['Attribute']]
    return {'VpcId': vpc.id, member: {'Value': vpc.data['_attributes'][member]}}


@ec2op('ModifyVpcAttribute')
def modify_vpc_attribute(ctx, params):
    vpc = _get(ctx, 'vpc', params['VpcId'])
    given = [m for m in VPC_ATTRIBUTES.values() if m in params]
    if len(given) != 1:
        raise AwsError('InvalidParameterCombination' if given else 'MissingParameter',
                       'Only one attribute can be modified at a time' if given else
                       'The request must contain exactly one attribute to modify')
    member = given[0]
    value = params[member].get('Value')
    if value is None:
        raise AwsError('MissingParameter', f'The request must contain the parameter {member}.Value')
    attributes = vpc.data['_attributes']
    if member == 'EnableDnsHostnames' and value and not attributes['EnableDnsSupport']:
        raise _invalid('Cannot enable DNS hostnames when DNS support is disabled')
    attributes[member] = value


# ---- subnets -------------------------------------------------------------------

SUBNET_FILTERS = {
    'subnet-id': _f('SubnetId'), 'vpc-id': _f('VpcId'), 'cidr': _f('CidrBlock'),
    'cidr-block': _f('CidrBlock'), 'cidrBlock': _f('CidrBlock'),
    'availability-zone': _f('AvailabilityZone'), 'availabilityZone': _f('AvailabilityZone'),
    'availability-zone-id': _f('AvailabilityZoneId'), 'state': _f('State'),
    'default-for-az': _f('DefaultForAz'), 'defaultForAz': _f('DefaultForAz'),
    'map-public-ip-on-launch': _f('MapPublicIpOnLaunch'), 'owner-id': _f('OwnerId'),
    'subnet-arn': _f('SubnetArn'),
    'available-ip-address-count': _f('AvailableIpAddressCount')}


@ec2op('CreateSubnet')
def create_subnet(ctx, params):
    vpc = _get(ctx, 'vpc', params['VpcId'])
    if 'CidrBlock' not in params:
        raise AwsError('MissingParameter', 'The request must contain the parameter CidrBlock')
    network = _network(params['CidrBlock'], 'cidrBlock')
    vpc_network = ipaddress.ip_network(vpc.data['CidrBlock'])
    if not 16 <= network.prefixlen <= 28 or not network.subnet_of(vpc_network):
        raise AwsError('InvalidSubnet.Range', f"The CIDR '{params['CidrBlock']}' is invalid.")
    for other in ctx.resources('subnet'):
        if other.data['VpcId'] == vpc.id and \
                ipaddress.ip_network(other.data['CidrBlock']).overlaps(network):
            raise AwsError('InvalidSubnet.Conflict',
                           f"The CIDR '{params['CidrBlock']}' conflicts with another subnet")
    names = [name for name, _ in zones(ctx.region)]
    zone = params.get('AvailabilityZone')
    if 'AvailabilityZoneId' in params:
        by_id = {zone_id: name for name, zone_id in zones(ctx.region)}
        if params['AvailabilityZoneId'] not in by_id or (zone and by_id[params['AvailabilityZoneId']] != zone):
            raise _invalid(f"Value ({params['AvailabilityZoneId']}) for parameter "
                           'availabilityZoneId is invalid. Subnets can currently only be created '
                           'in the following availability zones: ' +
                           ', '.join(zone_id for _, zone_id in zones(ctx.region)) + '.')
        zone = by_id[params['AvailabilityZoneId']]
    if zone is None:
        zone = names[len(ctx.resources('subnet')) % len(names)]
    if zone not in names:
        raise _invalid(f'Value ({zone}) for parameter availabilityZone is invalid. Subnets can '
                       'currently only be created in the following availability zones: '
                       + ', '.join(names) + '.')
    tags = _spec_tags(params, ('subnet',))
    subnet_id = nc.ec2_id('subnet')
    data = {'SubnetId': subnet_id, 'VpcId': vpc.id, 'CidrBlock': str(network),
            'AvailabilityZone': zone, 'AvailabilityZoneId': _zone_id(ctx.region, zone),
            'AvailableIpAddressCount': network.num_addresses - 5, 'DefaultForAz': False,
            'MapPublicIpOnLaunch': False, 'MapCustomerOwnedIpOnLaunch': False,
            'State': 'available', 'OwnerId': ctx.account,
            'SubnetArn': nc.ec2_arn(ctx.region, ctx.account, 'subnet', subnet_id),
            'AssignIpv6AddressOnCreation': False, 'Ipv6CidrBlockAssociationSet': [],
            'EnableDns64': False, 'Ipv6Native': False,
            'PrivateDnsNameOptionsOnLaunch': {'HostnameType': 'ip-name',
                                              'EnableResourceNameDnsARecord': False,
                                              'EnableResourceNameDnsAAAARecord': False},
            'BlockPublicAccessStates': {'InternetGatewayBlockMode': 'off'}}
    subnet = _new(ctx, 'subnet', 'subnet', data, tags.get('subnet'), id=subnet_id)
    return {'Subnet': _render(subnet)}


@ec2op('DescribeSubnets')
def describe_subnets(ctx, params):
    return _describe(ctx, params, 'subnet', 'SubnetIds', SUBNET_FILTERS, 'Subnets')


@ec2op('DeleteSubnet')
def delete_subnet(ctx, params):
    subnet = _get(ctx, 'subnet', params['SubnetId'])
    if any(e.data['SubnetId'] == subnet.id for e in nc.enis(ctx.store, ctx.account, ctx.region)):
        raise AwsError('DependencyViolation',
                       f"The subnet '{subnet.id}' has dependencies and cannot be deleted.")
    for table in ctx.resources('route-table'):
        table.data['Associations'] = [a for a in table.data['Associations']
                                      if a.get('SubnetId') != subnet.id]
    ctx.remove_resource(subnet.arn)


@ec2op('ModifySubnetAttribute')
def modify_subnet_attribute(ctx, params):
    subnet = _get(ctx, 'subnet', params['SubnetId'])
    settable = {'MapPublicIpOnLaunch': 'MapPublicIpOnLaunch',
                'AssignIpv6AddressOnCreation': 'AssignIpv6AddressOnCreation',
                'EnableDns64': 'EnableDns64',
                'MapCustomerOwnedIpOnLaunch': 'MapCustomerOwnedIpOnLaunch'}
    given = [k for k in params if k not in ('SubnetId', 'DryRun')]
    if len(given) != 1:
        raise AwsError('InvalidParameterCombination' if given else 'MissingParameter',
                       'Only one attribute can be modified at a time')
    key = given[0]
    if key in settable:
        if key == 'AssignIpv6AddressOnCreation' and params[key].get('Value'):
            raise _invalid('Cannot set assignIpv6AddressOnCreation to true unless the subnet '
                           f'({subnet.id}) has an IPv6 CIDR block associated with it.')
        subnet.data[settable[key]] = bool(params[key].get('Value'))
    elif key == 'PrivateDnsHostnameTypeOnLaunch':
        subnet.data['PrivateDnsNameOptionsOnLaunch']['HostnameType'] = params[key]
    elif key in ('EnableResourceNameDnsARecordOnLaunch', 'EnableResourceNameDnsAAAARecordOnLaunch'):
        member = key.replace('OnLaunch', '')
        subnet.data['PrivateDnsNameOptionsOnLaunch'][member] = bool(params[key].get('Value'))
    else:
        raise _invalid(f'The attribute {key} is not supported by berth-emulator')


# ---- network ACLs (the defaults only) --------------------------------------

ACL_FILTERS = {'network-acl-id': _f('NetworkAclId'), 'vpc-id': _f('VpcId'),
               'default': _f('IsDefault'), 'owner-id': _f('OwnerId'),
               'association.subnet-id': lambda r: [a['SubnetId'] for a in _acl_associations(r)],
               'association.network-acl-id': lambda r: [r.id]}


def _acl_associations(acl):
    store = acl._store
    return [{'NetworkAclAssociationId': s.data.setdefault('_acl_assoc', nc.ec2_id('aclassoc')),
             'NetworkAclId': acl.id, 'SubnetId': s.id}
            for s in store.select(acl.account, acl.region, 'ec2', 'subnet')
            if s.data['VpcId'] == acl.data['VpcId']]


@ec2op('DescribeNetworkAcls')
def describe_network_acls(ctx, params):
    items = ctx.resources('network-acl')
    for acl in items:
        acl._store = ctx.store

    def render(acl):
        out = _render(acl)
        out['Associations'] = _acl_associations(acl)
        return out
    return _describe(ctx, params, 'network-acl', 'NetworkAclIds', ACL_FILTERS, 'NetworkAcls',
                     render=render, items=items)


# ---- internet gateways -----------------------------------------------------

IGW_FILTERS = {'internet-gateway-id': _f('InternetGatewayId'), 'owner-id': _f('OwnerId'),
               'attachment.vpc-id': lambda r: [a['VpcId'] for a in r.data['Attachments']],
               'attachment.state': lambda r: [a['State'] for a in r.data['Attachments']]}


@ec2op('CreateInternetGateway')
def create_internet_gateway(ctx, params):
    tags = _spec_tags(params, ('internet-gateway',))
    igw_id = nc.ec2_id('igw')
    gateway = _new(ctx, 'internet-gateway', 'igw', {
        'InternetGatewayId': igw_id, 'OwnerId': ctx.account, 'Attachments': []},
        tags.get('internet-gateway'), id=igw_id)
    return {'InternetGateway': _render(gateway)}


@ec2op('DescribeInternetGateways')
def describe_internet_gateways(ctx, params):
    return _describe(ctx, params, 'internet-gateway', 'InternetGatewayIds', IGW_FILTERS,
                     'InternetGateways')


def _vpc_gateway(ctx, vpc_id):
    for gateway in ctx.resources('internet-gateway'):
        if any(a['VpcId'] == vpc_id for a in gateway.data['Attachments']):
            return gateway
    return None


@ec2op('AttachInternetGateway')
def attach_internet_gateway(ctx, params):
    gateway = _get(ctx, 'internet-gateway', params['InternetGatewayId'])
    vpc = _get(ctx, 'vpc', params['VpcId'])
    if gateway.data['Attachments']:
        raise AwsError('Resource.AlreadyAssociated',
                       f"resource {gateway.id} is already attached to network "
                       f"{gateway.data['Attachments'][0]['VpcId']}")
    if _vpc_gateway(ctx, vpc.id) is not None:
        raise AwsError('InvalidParameterValue',
                       f'Network {vpc.id} already has an internet gateway attached')
    # AWS itself reports 'available' here, outside the model's enum; the
    # framework's output check only lets the modelled 'attached' through.
    gateway.data['Attachments'] = [{'State': 'attached', 'VpcId': vpc.id}]


def _mapped_public_addresses(ctx, vpc_id):
    return [a for a in ctx.resources('elastic-ip') if a.data.get('NetworkInterfaceId') and
            any(e.id == a.data['NetworkInterfaceId'] and e.data['VpcId'] == vpc_id
                for e in nc.enis(ctx.store, ctx.account, ctx.region))] + \
        [e for e in nc.enis(ctx.store, ctx.account, ctx.region)
         if e.data['VpcId'] == vpc_id and e.data.get('Association')]


@ec2op('DetachInternetGateway')
def detach_internet_gateway(ctx, params):
    gateway = _get(ctx, 'internet-gateway', params['InternetGatewayId'])
    vpc_id = params['VpcId']
    if not any(a['VpcId'] == vpc_id for a in gateway.data['Attachments']):
        _get(ctx, 'vpc', vpc_id)
        raise AwsError('Gateway.NotAttached',
                       f'resource {gateway.id} is not attached to network {vpc_id}')
    if _mapped_public_addresses(ctx, vpc_id):
        raise AwsError('DependencyViolation',
                       f'Network {vpc_id} has some mapped public address(es). Please unmap '
                       'those public address(es) before detaching the gateway.')
    gateway.data['Attachments'] = []


@ec2op('DeleteInternetGateway')
def delete_internet_gateway(ctx, params):
    gateway = _get(ctx, 'internet-gateway', params['InternetGatewayId'])
    if gateway.data['Attachments']:
        raise AwsError('DependencyViolation',
                       f"The internetGateway '{gateway.id}' has dependencies and cannot be "
                       'deleted.')
    ctx.remove_resource(gateway.arn)


# ---- route tables --------------------------------------------------------

RTB_FILTERS = {
    'route-table-id': _f('RouteTableId'), 'vpc-id': _f('VpcId'), 'owner-id': _f('OwnerId'),
    'association.main': lambda r: [bool(r.data.get('_main'))] if r.data.get('_main') else
    [False],
    'association.subnet-id': lambda r: [a.get('SubnetId') for a in r.data['Associations']],
    'association.route-table-association-id':
        lambda r: [a['RouteTableAssociationId'] for a in r.data['Associations']],
    'association.route-table-id': lambda r: [r.id] if r.data['Associations'] else [],
    'route.destination-cidr-block': lambda r: [x.get('DestinationCidrBlock') for x in r.data['Routes']],
    'route.gateway-id': lambda r: [x.get('GatewayId') for x in r.data['Routes']],
    'route.nat-gateway-id': lambda r: [x.get('NatGatewayId') for x in r.data['Routes']],
    'route.state': lambda r: [x.get('State') for x in r.data['Routes']],
    'route.origin': lambda r: [x.get('Origin') for x in r.data['Routes']]}


@ec2op('CreateRouteTable')
def create_route_table(ctx, params):
    vpc = _get(ctx, 'vpc', params['VpcId'])
    tags = _spec_tags(params, ('route-table',))
    table = _new(ctx, 'route-table', 'rtb', {
        'VpcId': vpc.id, 'OwnerId': ctx.account, 'PropagatingVgws': [], 'Associations': [],
        'Routes': [{'DestinationCidrBlock': vpc.data['CidrBlock'], 'GatewayId': 'local',
                    'Origin': 'CreateRouteTable', 'State': 'active'}]},
        tags.get('route-table'))
    _fix_route_table(table)
    result = {'RouteTable': _render(table)}
    if 'ClientToken' in params:
        result['ClientToken'] = params['ClientToken']
    return result


@ec2op('DescribeRouteTables')
def describe_route_tables(ctx, params):
    return _describe(ctx, params, 'route-table', 'RouteTableIds', RTB_FILTERS, 'RouteTables')


@ec2op('DeleteRouteTable')
def delete_route_table(ctx, params):
    table = _get(ctx, 'route-table', params['RouteTableId'])
    if table.data['Associations']:
        raise AwsError('DependencyViolation',
                       f"The routeTable '{table.id}' has dependencies and cannot be deleted.")
    ctx.remove_resource(table.arn)


ROUTE_TARGETS = ('GatewayId', 'NatGatewayId', 'NetworkInterfaceId', 'InstanceId',
                 'VpcPeeringConnectionId', 'TransitGatewayId', 'EgressOnlyInternetGatewayId',
                 'LocalGatewayId', 'CarrierGatewayId', 'VpcEndpointId', 'CoreNetworkArn')


def _route_target(ctx, table, params):
    targets = [k for k in ROUTE_TARGETS if k in params]
    if len(targets) != 1:
        raise AwsError('InvalidParameterCombination' if targets else 'MissingParameter',
                       'The request must contain exactly one of gatewayId, natGatewayId, '
                       'networkInterfaceId, instanceId, vpcPeeringConnectionId, '
                       'transitGatewayId, egressOnlyInternetGatewayId, localGatewayId, '
                       'carrierGatewayId, vpcEndpointId or coreNetworkArn')
    key = targets[0]
    value = params[key]
    route = {key: value, 'Origin': 'CreateRoute', 'State': 'active'}
    if key == 'GatewayId':
        if value.startswith('igw-'):
            gateway = ctx.find_resource('internet-gateway', value)
            if gateway is None or not ctx.propagated(gateway):
                raise AwsError('InvalidGatewayID.NotFound', f"The gateway ID '{value}' does not exist")
            if not any(a['VpcId'] == table.data['VpcId'] for a in gateway.data['Attachments']):
                raise _invalid(f'route table {table.id} and network gateway {value} belong to '
                               'different networks')
        elif value != 'local':
            raise AwsError('InvalidGatewayID.NotFound', f"The gateway ID '{value}' does not exist")
    elif key == 'NatGatewayId':
        nat = ctx.find_resource('natgateway', value)
        if nat is None or not ctx.propagated(nat) or nat.data['State'] in ('deleted', 'deleting', 'failed'):
            raise AwsError('InvalidNatGatewayID.NotFound', f'The natGateway ID \'{value}\' does '
                           'not exist')
        if nat.data['VpcId'] != table.data['VpcId']:
            raise _invalid(f'route table {table.id} and network gateway {value} belong to '
                           'different networks')
    elif key == 'NetworkInterfaceId':
        eni = _get(ctx, 'network-interface', value)
        if eni.data['VpcId'] != table.data['VpcId']:
            raise _invalid(f'route table {table.id} and interface {value} belong to different '
                           'networks')
    elif key == 'InstanceId':
        instance = _get(ctx, 'instance', value)
        route['InstanceOwnerId'] = ctx.account
        route['NetworkInterfaceId'] = instance.data['NetworkInterfaces'][0]['NetworkInterfaceId']
    else:
        raise _invalid(f'berth-emulator does not model route targets of kind {key}')
    return route


def _destination(params):
    if 'DestinationCidrBlock' not in params:
        raise AwsError('MissingParameter', 'The request must contain the parameter '
                       'destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId')
    return str(_network(params['DestinationCidrBlock'], 'destinationCidrBlock'))


@ec2op('CreateRoute')
def create_route(ctx, params):
    table = _get(ctx, 'route-table', params['RouteTableId'])
    destination = _destination(params)
    route = _route_target(ctx, table, params)
    for existing in table.data['Routes']:
        if existing.get('DestinationCidrBlock') == destination:
            if existing.get('GatewayId') == 'local':
                raise _invalid(f"The destination CIDR block {destination} is equal to or more "
                               f"specific than one of this VPC's CIDR blocks. This route can "
                               'target only an interface or an instance.')
            raise AwsError('RouteAlreadyExists', f'The route identified by {destination} '
                           'already exists.')
    route['DestinationCidrBlock'] = destination
    table.data['Routes'].append(route)
    return {'Return': True}


@ec2op('ReplaceRoute')
def replace_route(ctx, params):
    table = _get(ctx, 'route-table', params['RouteTableId'])
    destination = _destination(params)
    for index, existing in enumerate(table.data['Routes']):
        if existing.get('DestinationCidrBlock') == destination:
            if existing.get('GatewayId') == 'local':
                raise _invalid(f'cannot replace local route {destination} in route table '
                               f'{table.id}')
            route = _route_target(ctx, table, params)
            route['DestinationCidrBlock'] = destination
            route['Origin'] = 'CreateRoute'
            table.data['Routes'][index] = route
            return
    raise _invalid(f"There is no route defined for '{destination}' in the route table. Must use "
                   'CreateRoute instead.')


@ec2op('DeleteRoute')
def delete_route(ctx, params):
    table = _get(ctx, 'route-table', params['RouteTableId'])
    destination = _destination(params)
    for existing in table.data['Routes']:
        if existing.get('DestinationCidrBlock') == destination:
            if existing.get('GatewayId') == 'local':
                raise _invalid(f'cannot remove local route {destination} in route table {table.id}')
            table.data['Routes'].remove(existing)
            return
    raise AwsError('InvalidRoute.NotFound', f'no route with destination-cidr-block {destination} '
                   f'in route table {table.id}')


@ec2op('AssociateRouteTable')
def associate_route_table(ctx, params):
    table = _get(ctx, 'route-table', params['RouteTableId'])
    if 'SubnetId' not in params:
        raise AwsError('MissingParameter', 'The request must contain the parameter subnetId or '
                       'gatewayId')
    subnet = _get(ctx, 'subnet', params['SubnetId'])
    if subnet.data['VpcId'] != table.data['VpcId']:
        raise _invalid(f'Route table {table.id} and subnet {subnet.id} belong to different '
                       'networks')
    for other in ctx.resources('route-table'):
        for association in other.data['Associations']:
            if association.get('SubnetId') == subnet.id:
                raise AwsError('Resource.AlreadyAssociated',
                               f'the specified association for route table {other.id} '
                               'conflicts with an existing association')
    association_id = nc.ec2_id('rtbassoc')
    table.data['Associations'].append({
        'Main': False, 'RouteTableAssociationId': association_id, 'RouteTableId': table.id,
        'SubnetId': subnet.id, 'AssociationState': {'State': 'associated'}})
    return {'AssociationId': association_id, 'AssociationState': {'State': 'associated'}}


def _association(ctx, association_id):
    for table in ctx.resources('route-table'):
        for association in table.data['Associations']:
            if association['RouteTableAssociationId'] == association_id:
                return table, association
    raise AwsError('InvalidAssociationID.NotFound',
                   f"The association ID '{association_id}' does not exist")


@ec2op('DisassociateRouteTable')
def disassociate_route_table(ctx, params):
    table, association = _association(ctx, params['AssociationId'])
    if association.get('Main'):
        raise _invalid(f"cannot disassociate the main route table association "
                       f"{association['RouteTableAssociationId']}")
    table.data['Associations'].remove(association)


@ec2op('ReplaceRouteTableAssociation')
def replace_route_table_association(ctx, params):
    old_table, association = _association(ctx, params['AssociationId'])
    table = _get(ctx, 'route-table', params['RouteTableId'])
    if table.data['VpcId'] != old_table.data['VpcId']:
        raise _invalid(f'Route table {table.id} belongs to a different network')
    old_table.data['Associations'].remove(association)
    new_id = nc.ec2_id('rtbassoc')
    replacement = dict(association, RouteTableAssociationId=new_id, RouteTableId=table.id)
    if association.get('Main'):
        old_table.data['_main'] = False
        table.data['_main'] = True
    table.data['Associations'].append(replacement)
    return {'NewAssociationId': new_id, 'AssociationState': {'State': 'associated'}}


# ---- Elastic IPs --------------------------------------------------------------

EIP_FILTERS = {'allocation-id': _f('AllocationId'), 'association-id': _f('AssociationId'),
               'domain': _f('Domain'), 'instance-id': _f('InstanceId'),
               'network-interface-id': _f('NetworkInterfaceId'),
               'network-interface-owner-id': _f('NetworkInterfaceOwnerId'),
               'private-ip-address': _f('PrivateIpAddress'), 'public-ip': _f('PublicIp'),
               'network-border-group': _f('NetworkBorderGroup')}


@ec2op('AllocateAddress')
def allocate_address(ctx, params):
    if params.get('Domain', 'vpc') != 'vpc':
        raise _invalid(f"Invalid value '{params['Domain']}' for domain.")
    if 'Address' in params or 'IpamPoolId' in params:
        raise _invalid('berth-emulator allocates only from the Amazon pool')
    tags = _spec_tags(params, ('elastic-ip',))
    allocation_id = nc.ec2_id('eipalloc')
    used = {a.data['PublicIp'] for a in ctx.resources('elastic-ip')}
    address = nc.public_ip()
    while address in used:
        address = nc.public_ip()
    data = {'AllocationId': allocation_id, 'PublicIp': address, 'Domain': 'vpc',
            'PublicIpv4Pool': 'amazon',
            'NetworkBorderGroup': params.get('NetworkBorderGroup', ctx.region)}
    _new(ctx, 'elastic-ip', 'eipalloc', data, tags.get('elastic-ip'), id=allocation_id)
    return dict(data)


@ec2op('DescribeAddresses')
def describe_addresses(ctx, params):
    items = ctx.resources('elastic-ip')
    if params.get('PublicIps'):
        known = {a.data['PublicIp'] for a in items}
        for address in params['PublicIps']:
            if address not in known:
                raise AwsError('InvalidAddress.NotFound',
                               f"Address '{address}' not found.")
        items = [a for a in items if a.data['PublicIp'] in params['PublicIps']]
    return _describe(ctx, params, 'elastic-ip', 'AllocationIds', EIP_FILTERS, 'Addresses',
                     paginated=False, items=items)


def _address(ctx, params):
    if 'AllocationId' in params:
        return _get(ctx, 'elastic-ip', params['AllocationId'])
    for address in ctx.resources('elastic-ip'):
        if address.data['PublicIp'] == params.get('PublicIp'):
            return address
    raise AwsError('InvalidAddress.NotFound', f"Address '{params.get('PublicIp')}' not found.")


@ec2op('ReleaseAddress')
def release_address(ctx, params):
    address = _address(ctx, params)
    nat = ctx.store.find(ctx.account, ctx.region, 'ec2', 'natgateway',
                         address.data.get('_nat'))
    if nat is not None and nat.data['State'] in ('pending', 'deleting'):
        # What AWS answers while the NAT gateway using the address is still
        # being deleted (kubernetes/kops#1604, terraform-provider-aws#2968).
        raise AwsError('AuthFailure', 'You do not have permission to access the specified '
                       'resource.')
    if address.data.get('AssociationId'):
        raise AwsError('InvalidIPAddress.InUse', f"Address {address.data['PublicIp']} is in use.")
    lingering = address.data.get('_lingering_eni')
    if lingering and nc.find_ec2(ctx.store, ctx.account, ctx.region, 'network-interface',
                                 lingering) is not None:
        raise AwsError('InvalidNetworkInterfaceID.NotFound',
                       f"The networkInterface ID '{lingering}' does not exist")
    ctx.remove_resource(address.arn)


@ec2op('AssociateAddress')
def associate_address(ctx, params):
    address = _address(ctx, params)
    if 'InstanceId' in params:
        instance = _get(ctx, 'instance', params['InstanceId'])
        if instance.data['State']['Name'] not in ('pending', 'running', 'stopped'):
            raise AwsError('IncorrectInstanceState',
                           f"The instance '{instance.id}' is not in a valid state for this "
                           'operation.')
        eni = _get(ctx, 'network-interface',
                   instance.data['NetworkInterfaces'][0]['NetworkInterfaceId'])
    elif 'NetworkInterfaceId' in params:
        eni = _get(ctx, 'network-interface', params['NetworkInterfaceId'])
        instance = None
    else:
        raise AwsError('MissingParameter', 'Either instance ID or network interface id must be '
                       'specified')
    if address.data.get('AssociationId') and not params.get('AllowReassociation'):
        raise AwsError('Resource.AlreadyAssociated',
                       f"resource {address.id} is already associated with associate-id "
                       f"{address.data['AssociationId']}")
    if not _vpc_gateway(ctx, eni.data['VpcId']):
        raise AwsError('Gateway.NotAttached',
                       f"Network {eni.data['VpcId']} is not attached to any internet gateway")
    _associate(ctx, address, eni, instance)
    return {'AssociationId': address.data['AssociationId']}


def _associate(ctx, address, eni, instance=None):
    association_id = nc.ec2_id('eipassoc')
    address.data.update({'AssociationId': association_id, 'NetworkInterfaceId': eni.id,
                         'NetworkInterfaceOwnerId': ctx.account,
                         'PrivateIpAddress': eni.data['PrivateIpAddress']})
    if instance is not None:
        address.data['InstanceId'] = instance.id
        instance.data['PublicIpAddress'] = address.data['PublicIp']
    eni.data['Association'] = {'AllocationId': address.id, 'AssociationId': association_id,
                               'IpOwnerId': ctx.account, 'PublicIp': address.data['PublicIp'],
                               'PublicDnsName': ''}


def _disassociate(store, address):
    eni = store.find(address.account, address.region, 'ec2', 'network-interface',
                     address.data.get('NetworkInterfaceId'))
    if eni is not None:
        eni.data.pop('Association', None)
    instance = store.find(address.account, address.region, 'ec2', 'instance',
                          address.data.get('InstanceId'))
    if instance is not None:
        instance.data.pop('PublicIpAddress', None)
    for key in ('AssociationId', 'NetworkInterfaceId', 'NetworkInterfaceOwnerId',
                'PrivateIpAddress', 'InstanceId'):
        address.data.pop(key, None)


@ec2op('DisassociateAddress')
def disassociate_address(ctx, params):
    for address in ctx.resources('elastic-ip'):
        if address.data.get('AssociationId') == params.get('AssociationId') or \
                (params.get('PublicIp') and address.data['PublicIp'] == params.get('PublicIp')):
            eni = ctx.find_resource('network-interface', address.data.get('NetworkInterfaceId'))
            if eni is not None and eni.data.get('InterfaceType') == 'natGateway':
                raise AwsError('InvalidParameterValue', 'You cannot disassociate the primary '
                               'Elastic IP address of a NAT gateway')
            _disassociate(ctx.store, address)
            return
    raise AwsError('InvalidAssociationID.NotFound',
                   f"The association ID '{params.get('AssociationId')}' does not exist")


# ---- NAT gateways ---------------------------------------------------------------

NAT_FILTERS = {'nat-gateway-id': _f('NatGatewayId'), 'state': _f('State'),
               'subnet-id': _f('SubnetId'), 'vpc-id': _f('VpcId')}


@ec2op('CreateNatGateway')
def create_nat_gateway(ctx, params):
    if 'SubnetId' not in params:
        raise AwsError('MissingParameter', 'The request must contain the parameter SubnetId')
    subnet = _get(ctx, 'subnet', params['SubnetId'])
    connectivity = params.get('ConnectivityType', 'public')
    tags = _spec_tags(params, ('natgateway',))
    token = params.get('ClientToken')
    if token:
        for nat in ctx.resources('natgateway'):
            if nat.data.get('_token') == token:
                return {'ClientToken': token, 'NatGateway': _render(nat)}
    address = None
    if connectivity == 'public':
        if 'AllocationId' not in params:
            raise AwsError('MissingParameter', 'The request must contain the parameter '
                           'AllocationId')
        address = _get(ctx, 'elastic-ip', params['AllocationId'])
        if address.data.get('AssociationId') or address.data.get('_nat'):
            raise AwsError('Resource.AlreadyAssociated',
                           f'Elastic IP address [{address.id}] is already associated')
    elif 'AllocationId' in params:
        raise _invalid('AllocationId is not supported for private NAT gateways')
    nat_id = nc.ec2_id('nat')
    eni = nc.create_eni(ctx.store, ctx.account, ctx.region, ctx.now(), subnet, [],
                        f'Interface for NAT Gateway {nat_id}', interface_type='natGateway',
                        requester_id='amazon-vpc')  # hidden requester as AWS shows
    nat_address = {'NetworkInterfaceId': eni.id, 'PrivateIp': eni.data['PrivateIpAddress'],
                   'IsPrimary': True, 'Status': 'associating'}
    if address is not None:
        nat_address.update({'AllocationId': address.id, 'PublicIp': address.data['PublicIp']})
        address.data['_nat'] = nat_id
    data = {'NatGatewayId': nat_id, 'SubnetId': subnet.id, 'VpcId': subnet.data['VpcId'],
            'State': 'pending', 'ConnectivityType': connectivity, 'CreateTime': ctx.now(),
            'NatGatewayAddresses': [nat_address], '_since': ctx.now(), '_token': token,
            '_no_gateway': connectivity == 'public' and
            _vpc_gateway(ctx, subnet.data['VpcId']) is None}
    nat = _new(ctx, 'natgateway', 'nat', data, tags.get('natgateway'), id=nat_id)
    result = {'NatGateway': _render(nat)}
    if token:
        result['ClientToken'] = token
    return result


@ec2op('DescribeNatGateways')
def describe_nat_gateways(ctx, params):
    return _describe(ctx, params, 'natgateway', 'NatGatewayIds', NAT_FILTERS, 'NatGateways',
                     filters_key='Filter')


@ec2op('DeleteNatGateway')
def delete_nat_gateway(ctx, params):
    nat = ctx.find_resource('natgateway', params['NatGatewayId'])
    if nat is None or nat.data['State'] == 'deleted':
        raise _not_found('natgateway', params['NatGatewayId'])
    if nat.data['State'] != 'deleting':
        nat.data['State'] = 'deleting'
        nat.data['_since'] = ctx.now()
        for item in nat.data['NatGatewayAddresses']:
            item['Status'] = 'disassociating'
    return {'NatGatewayId': nat.id}


def _release_nat(store, nat, now):
    for item in nat.data['NatGatewayAddresses']:
        eni = store.find(nat.account, nat.region, 'ec2', 'network-interface',
                         item.get('NetworkInterfaceId'))
        if eni is not None:
            if nat.data['State'] == 'failed':
                nc.delete_eni(store, eni)
            else:
                nc.release_eni_later(store, eni, now, 'ENI_NAT', nat.id)
        if item.get('AllocationId'):
            address = store.find(nat.account, nat.region, 'ec2', 'elastic-ip',
                                 item['AllocationId'])
            if address is not None:
                if eni is not None and timing.on() and nat.data['State'] != 'failed':
                    # Right after the gateway is deleted, ReleaseAddress
                    # still trips over its ENI (terraform-provider-aws#49299).
                    address.data['_lingering_eni'] = eni.id
                _disassociate(store, address)
                address.data.pop('_nat', None)
    for table in store.select(nat.account, nat.region, 'ec2', 'route-table'):
        for route in table.data['Routes']:
            if route.get('NatGatewayId') == nat.id:
                route['State'] = 'blackhole'


@nc.ticker
def _advance_ec2(store, now):
    ttl = nc.deleted_ttl()
    for nat in store.select(service='ec2', type='natgateway'):
        data = nat.data
        if data['State'] == 'pending' and nc.due(data['_since'], now, 'NAT', key=nat.id):
            data['_since'] = now
            if data['_no_gateway']:
                data['State'] = 'failed'
                data['FailureCode'] = 'Gateway.NotAttached'
                data['FailureMessage'] = f"Network {data['VpcId']} has no Internet gateway attached"
                data['DeleteTime'] = now
                _release_nat(store, nat, now)
                _entomb(nat)
            else:
                data['State'] = 'available'
                for item in data['NatGatewayAddresses']:
                    item['Status'] = 'succeeded'
                    if item.get('AllocationId'):
                        address = store.find(nat.account, nat.region, 'ec2', 'elastic-ip',
                                             item['AllocationId'])
                        eni = store.find(nat.account, nat.region, 'ec2', 'network-interface',
                                         item['NetworkInterfaceId'])
                        if address is not None and eni is not None:
                            association_id = nc.ec2_id('eipassoc')
                            item['AssociationId'] = association_id
                            address.data.update({
                                'AssociationId': association_id, 'NetworkInterfaceId': eni.id,
                                'NetworkInterfaceOwnerId': nat.account,
                                'PrivateIpAddress': eni.data['PrivateIpAddress']})
                            eni.data['Association'] = {
                                'AllocationId': address.id, 'AssociationId': association_id,
                                'IpOwnerId': nat.account, 'PublicIp': address.data['PublicIp'],
                                'PublicDnsName': ''}
        elif data['State'] == 'deleting' and nc.due(data['_since'], now, 'NAT_DELETE',
                                                     key=nat.id):
            data['State'] = 'deleted'
            data['DeleteTime'] = now
            data['_since'] = now
            for item in data['NatGatewayAddresses']:
                item['Status'] = 'succeeded'
                item.pop('AssociationId', None)
            _release_nat(store, nat, now)
            _entomb(nat)
        elif data['State'] in ('deleted', 'failed') and nc.due(data['_since'], now, seconds=ttl):
            store.remove(nat.arn)
    for instance in store.select(service='ec2', type='instance'):
        state = instance.data['State']['Name']
        since = instance.data['_since']
        if state == 'pending' and nc.due(since, now, 'INSTANCE'):
            instance.data['State'] = {'Code': 16, 'Name': 'running'}
            instance.data['_since'] = now
        elif state == 'stopping' and nc.due(since, now, 'INSTANCE'):
            instance.data['State'] = {'Code': 80, 'Name': 'stopped'}
            instance.data['StateReason'] = {'Code': 'Client.UserInitiatedShutdown',
                                            'Message': 'Client.UserInitiatedShutdown: User '
                                                       'initiated shutdown'}
            instance.data['_since'] = now
            if instance.data.get('PublicIpAddress') and not any(
                    a.data.get('InstanceId') == instance.id
                    for a in store.select(instance.account, instance.region, 'ec2', 'elastic-ip')):
                # An auto-assigned public address goes with the stop.
                instance.data.pop('PublicIpAddress')
                for item in instance.data['NetworkInterfaces']:
                    eni = store.find(instance.account, instance.region, 'ec2',
                                     'network-interface', item['NetworkInterfaceId'])
                    if eni is not None:
                        eni.data.pop('Association', None)
        elif state == 'shutting-down' and nc.due(since, now, 'INSTANCE'):
            instance.data['State'] = {'Code': 48, 'Name': 'terminated'}
            instance.data['StateReason'] = {'Code': 'Client.UserInitiatedShutdown',
                                            'Message': 'Client.UserInitiatedShutdown: User '
                                                       'initiated shutdown'}
            instance.data['_since'] = now
            _release_instance(store, instance)
            _entomb(instance)
        elif state == 'terminated' and nc.due(since, now, seconds=ttl):
            store.remove(instance.arn)


# ---- security groups ------------------------------------------------------------

SG_FILTERS = {
    'group-id': _f('GroupId'), 'group-name': _f('GroupName'), 'vpc-id': _f('VpcId'),
    'description': _f('Description'), 'owner-id': _f('OwnerId'),
    'ip-permission.protocol': lambda r: [p['IpProtocol'] for p in r.data['IpPermissions']],
    'ip-permission.from-port': lambda r: [p.get('FromPort') for p in r.data['IpPermissions']],
    'ip-permission.to-port': lambda r: [p.get('ToPort') for p in r.data['IpPermissions']],
    'ip-permission.cidr': lambda r: [x['CidrIp'] for p in r.data['IpPermissions']
                                     for x in p['IpRanges']],
    'ip-permission.group-id': lambda r: [x['GroupId'] for p in r.data['IpPermissions']
                                         for x in p['UserIdGroupPairs']],
    'egress.ip-permission.cidr': lambda r: [x['CidrIp'] for p in r.data['IpPermissionsEgress']
                                            for x in p['IpRanges']],
    'egress.ip-permission.group-id': lambda r: [x['GroupId'] for p in r.data['IpPermissionsEgress']
                                                for x in p['UserIdGroupPairs']],
}

PROTOCOL_NAMES = {'6': 'tcp', '17': 'udp', '1': 'icmp', 'all': '-1', '58': 'icmpv6'}


def _create_group(ctx, vpc_id, name, description, tags):
    group_id = nc.ec2_id('sg')
    return _new(ctx, 'security-group', 'sg', {
        'GroupId': group_id, 'GroupName': name, 'Description': description, 'VpcId': vpc_id,
        'OwnerId': ctx.account, 'IpPermissions': [], 'IpPermissionsEgress': [],
        'SecurityGroupArn': nc.ec2_arn(ctx.region, ctx.account, 'security-group', group_id)},
        tags, id=group_id)


@ec2op('CreateSecurityGroup')
def create_security_group(ctx, params):
    name = params['GroupName']
    if 'VpcId' not in params:
        raise AwsError('VPCIdNotSpecified', 'No default VPC for this user')
    vpc = _get(ctx, 'vpc', params['VpcId'])
    if name.lower().startswith('sg-'):
        raise _invalid("Group names may not be in the format sg-*.")
    if name == 'default':
        raise AwsError('InvalidGroup.Reserved', "The security group 'default' is reserved")
    if len(name) > 255 or len(params['Description']) > 255:
        raise _invalid('Group name and description must be at most 255 characters long')
    for group in ctx.resources('security-group'):
        if group.data['VpcId'] == vpc.id and group.data['GroupName'] == name:
            raise AwsError('InvalidGroup.Duplicate',
                           f"The security group '{name}' already exists for VPC '{vpc.id}'")
    tags = _spec_tags(params, ('security-group',))
    group = _create_group(ctx, vpc.id, name, params['Description'], tags.get('security-group'))
    _add_rule(ctx, group, True, {'IpProtocol': '-1', 'CidrIpv4': '0.0.0.0/0'})
    result = {'GroupId': group.id, 'SecurityGroupArn': group.data['SecurityGroupArn']}
    if group.tags:
        result['Tags'] = nc.tag_list(group.tags)
    return result


def _group_of(ctx, params):
    if 'GroupId' in params:
        return _get(ctx, 'security-group', params['GroupId'])
    if 'GroupName' in params:
        raise AwsError('InvalidGroup.NotFound', f"The security group '{params['GroupName']}' "
                       'does not exist in default VPC \'none\'')
    raise AwsError('MissingParameter', 'The request must contain the parameter groupName or '
                   'groupId')


@ec2op('DescribeSecurityGroups')
def describe_security_groups(ctx, params):
    items = ctx.resources('security-group')
    if params.get('GroupNames'):
        # Names only address groups of the default VPC, which this account
        # does not have.
        raise AwsError('InvalidGroup.NotFound', f"The security group "
                       f"'{params['GroupNames'][0]}' does not exist in default VPC 'none'")
    for group in items:
        _refresh_group(ctx, group)
    return _describe(ctx, params, 'security-group', 'GroupIds', SG_FILTERS, 'SecurityGroups',
                     items=items)


def _rules_of(ctx, group_id):
    return [r for r in ctx.resources('security-group-rule') if r.data['GroupId'] == group_id]


def _refresh_group(ctx, group):
    """IpPermissions/IpPermissionsEgress from the group's rules, grouped by
    protocol and ports as AWS presents them."""
    for egress, key in ((False, 'IpPermissions'), (True, 'IpPermissionsEgress')):
        permissions = []
        index = {}
        for rule in _rules_of(ctx, group.id):
            data = rule.data
            if data['IsEgress'] != egress:
                continue
            ident = (data['IpProtocol'], data.get('FromPort'), data.get('ToPort'))
            permission = index.get(ident)
            if permission is None:
                permission = {'IpProtocol': data['IpProtocol'], 'IpRanges': [],
                              'Ipv6Ranges': [], 'PrefixListIds': [], 'UserIdGroupPairs': []}
                if data.get('FromPort') is not None:
                    permission['FromPort'] = data['FromPort']
                    permission['ToPort'] = data['ToPort']
                index[ident] = permission
                permissions.append(permission)
            description = {'Description': data['Description']} if data.get('Description') \
                else {}
            if 'CidrIpv4' in data:
                permission['IpRanges'].append(dict(CidrIp=data['CidrIpv4'], **description))
            elif 'CidrIpv6' in data:
                permission['Ipv6Ranges'].append(dict(CidrIpv6=data['CidrIpv6'], **description))
            elif 'PrefixListId' in data:
                permission['PrefixListIds'].append(dict(PrefixListId=data['PrefixListId'],
                                                        **description))
            else:
                pair = {'GroupId': data['ReferencedGroupInfo']['GroupId'],
                        'UserId': data['ReferencedGroupInfo']['UserId']}
                pair.update(description)
                permission['UserIdGroupPairs'].append(pair)
        group.data[key] = permissions


def _add_rule(ctx, group, egress, fields, tags=None):
    rule_id = nc.ec2_id('sgr')
    data = {'SecurityGroupRuleId': rule_id, 'GroupId': group.id, 'GroupOwnerId': ctx.account,
            'IsEgress': egress, 'SecurityGroupRuleArn':
                nc.ec2_arn(ctx.region, ctx.account, 'security-group-rule', rule_id)}
    data.update(fields)
    if data['IpProtocol'] == '-1' or data.get('FromPort') is None:
        data.setdefault('FromPort', -1)
        data.setdefault('ToPort', -1)
    rule = _new(ctx, 'security-group-rule', 'sgr', data, tags, id=rule_id)
    return rule


def _rule_key(data):
    peer = data.get('CidrIpv4') or data.get('CidrIpv6') or data.get('PrefixListId') or \
        (data.get('ReferencedGroupInfo') or {}).get('GroupId')
    return (data['IsEgress'], data['IpProtocol'], data.get('FromPort'), data.get('ToPort'), peer)


def _permissions(ctx, params):
    """The rules a request describes, as rule fields (one per peer)."""
    permissions = list(params.get('IpPermissions') or [])
    if 'IpProtocol' in params or 'CidrIp' in params or 'SourceSecurityGroupName' in params:
        legacy = {'IpProtocol': params.get('IpProtocol', '-1')}
        for key in ('FromPort', 'ToPort'):
            if key in params:
                legacy[key] = params[key]
        if 'CidrIp' in params:
            legacy['IpRanges'] = [{'CidrIp': params['CidrIp']}]
        if 'SourceSecurityGroupName' in params:
            raise _invalid('SourceSecurityGroupName is only supported for EC2-Classic and default '
                           'VPC; use IpPermissions with UserIdGroupPairs')
        permissions.append(legacy)
    if not permissions:
        raise AwsError('MissingParameter', 'The request must contain the parameter ipPermissions')
    rules = []
    for permission in permissions:
        protocol = str(permission.get('IpProtocol', '')).lower()
        protocol = PROTOCOL_NAMES.get(protocol, protocol)
        if protocol not in ('tcp', 'udp', 'icmp', 'icmpv6', '-1') and not protocol.isdigit():
            raise _invalid(f"Invalid value '{permission.get('IpProtocol')}' for IP protocol. "
                           'Unknown protocol.')
        base = {'IpProtocol': protocol}
        if protocol in ('tcp', 'udp'):
            if 'FromPort' not in permission or 'ToPort' not in permission:
                raise _invalid("Invalid value 'Must specify both from and to ports with "
                               "TCP/UDP.' for portRange")
            if not (0 <= permission['FromPort'] <= permission['ToPort'] <= 65535):
                raise _invalid(f"Invalid value 'Invalid port range {permission['FromPort']}"
                               f"-{permission['ToPort']}' for portRange")
            base['FromPort'], base['ToPort'] = permission['FromPort'], permission['ToPort']
        elif protocol in ('icmp', 'icmpv6'):
            base['FromPort'] = permission.get('FromPort', -1)
            base['ToPort'] = permission.get('ToPort', -1)
        peers = []
        for item in permission.get('IpRanges') or []:
            if 'CidrIp' not in item:
                raise AwsError('MissingParameter', 'The request must contain the parameter cidrIp')
            try:
                cidr = str(ipaddress.ip_network(item['CidrIp'], strict=False))
            except ValueError:
                raise _invalid(f"CIDR block {item['CidrIp']} is malformed")
            peers.append(({'CidrIpv4': cidr}, item.get('Description')))
        for item in permission.get('Ipv6Ranges') or []:
            peers.append(({'CidrIpv6': item['CidrIpv6']}, item.get('Description')))
        for item in permission.get('PrefixListIds') or []:
            peers.append(({'PrefixListId': item['PrefixListId']}, item.get('Description')))
        for item in permission.get('UserIdGroupPairs') or []:
            if 'GroupId' not in item:
                raise _invalid('UserIdGroupPairs need a GroupId in a VPC')
            referenced = _get(ctx, 'security-group', item['GroupId'])
            peers.append(({'ReferencedGroupInfo': {'GroupId': referenced.id,
                                                   'UserId': item.get('UserId', ctx.account)}},
                          item.get('Description')))
        if not peers:
            raise AwsError('MissingParameter', 'The request must contain the parameter '
                           'ipRanges, ipv6Ranges, prefixListIds or groups')
        for peer, description in peers:
            fields = dict(base, **peer)
            if description is not None:
                fields['Description'] = description
            if fields.get('FromPort') is None:
                fields['FromPort'] = fields['ToPort'] = -1
            rules.append(fields)
    return rules


def _describe_rule(data):
    peer = data.get('CidrIpv4') or data.get('CidrIpv6') or data.get('PrefixListId') or \
        (data.get('ReferencedGroupInfo') or {}).get('GroupId')
    proto = {'-1': '-1'}.get(data['IpProtocol'], data['IpProtocol'].upper())
    ports = f", from port: {data['FromPort']}, to port: {data['ToPort']}" \
        if data['IpProtocol'] in ('tcp', 'udp') else ''
    return f'peer: {peer}, {proto}{ports}, ALLOW'


def _authorize(ctx, params, egress):
    group = _group_of(ctx, params)
    rules = _permissions(ctx, params)
    existing = {_rule_key(r.data) for r in _rules_of(ctx, group.id)}
    seen = set()
    for fields in rules:
        key = _rule_key(dict(fields, IsEgress=egress))
        if key in existing or key in seen:
            raise AwsError('InvalidPermission.Duplicate',
                           f'the specified rule "{_describe_rule(fields)}" already exists')
        seen.add(key)
    if len(_rules_of(ctx, group.id)) + len(rules) > 120:
        raise AwsError('RulesPerSecurityGroupLimitExceeded',
                       'The maximum number of rules per security group has been reached.')
    tags = _spec_tags(params, ('security-group-rule',)).get('security-group-rule')
    created = [_add_rule(ctx, group, egress, fields, tags) for fields in rules]
    return {'Return': True, 'SecurityGroupRules': [_render(r) for r in created]}


def _revoke(ctx, params, egress):
    group = _group_of(ctx, params)
    rules = _rules_of(ctx, group.id)
    if params.get('SecurityGroupRuleIds'):
        by_id = {r.id: r for r in rules if r.data['IsEgress'] == egress}
        for rule_id in params['SecurityGroupRuleIds']:
            if rule_id not in by_id:
                raise AwsError('InvalidSecurityGroupRuleId.NotFound',
                               f"The security group rule ID '{rule_id}' does not exist")
        doomed = [by_id[i] for i in params['SecurityGroupRuleIds']]
    else:
        doomed = []
        by_key = {_rule_key(r.data): r for r in rules}
        for fields in _permissions(ctx, params):
            rule = by_key.get(_rule_key(dict(fields, IsEgress=egress)))
            if rule is None:
                raise AwsError('InvalidPermission.NotFound',
                               'The specified rule does not exist in this security group.')
            doomed.append(rule)
    revoked = []
    for rule in doomed:
        ctx.remove_resource(rule.arn)
        revoked.append({k: v for k, v in _render(rule).items()
                        if k in ('SecurityGroupRuleId', 'GroupId', 'IsEgress', 'IpProtocol',
                                 'FromPort', 'ToPort', 'CidrIpv4', 'CidrIpv6', 'PrefixListId',
                                 'Description')})
        if 'ReferencedGroupInfo' in rule.data:
            revoked[-1]['ReferencedGroupId'] = rule.data['ReferencedGroupInfo']['GroupId']
    return {'Return': True, 'RevokedSecurityGroupRules': revoked}


@ec2op('AuthorizeSecurityGroupIngress')
def authorize_security_group_ingress(ctx, params):
    return _authorize(ctx, params, False)


@ec2op('AuthorizeSecurityGroupEgress')
def authorize_security_group_egress(ctx, params):
    return _authorize(ctx, params, True)


@ec2op('RevokeSecurityGroupIngress')
def revoke_security_group_ingress(ctx, params):
    return _revoke(ctx, params, False)


@ec2op('RevokeSecurityGroupEgress')
def revoke_security_group_egress(ctx, params):
    return _revoke(ctx, params, True)


@ec2op('DeleteSecurityGroup')
def delete_security_group(ctx, params):
    group = _group_of(ctx, params)
    if group.data['GroupName'] == 'default':
        raise AwsError('CannotDelete', f'the specified group: "{group.id}" name: "default" '
                       'cannot be deleted by a user')
    referenced = [r for r in ctx.resources('security-group-rule')
                  if r.data['GroupId'] != group.id and
                  (r.data.get('ReferencedGroupInfo') or {}).get('GroupId') == group.id]
    in_use = [e for e in nc.enis(ctx.store, ctx.account, ctx.region)
              if any(g['GroupId'] == group.id for g in e.data['Groups'])]
    if referenced or in_use:
        raise AwsError('DependencyViolation', f'resource {group.id} has a dependent object')
    for rule in _rules_of(ctx, group.id):
        ctx.remove_resource(rule.arn)
    ctx.remove_resource(group.arn)
    return {'Return': True, 'GroupId': group.id}


RULE_FILTERS = {'group-id': _f('GroupId'), 'security-group-rule-id': _f('SecurityGroupRuleId'),
                'is-egress': _f('IsEgress')}


@ec2op('DescribeSecurityGroupRules')
def describe_security_group_rules(ctx, params):
    return _describe(ctx, params, 'security-group-rule', 'SecurityGroupRuleIds', RULE_FILTERS,
                     'SecurityGroupRules')


# ---- network interfaces -----------------------------------------------------------

ENI_FILTERS = {
    'network-interface-id': _f('NetworkInterfaceId'), 'subnet-id': _f('SubnetId'),
    'vpc-id': _f('VpcId'), 'availability-zone': _f('AvailabilityZone'),
    'description': _f('Description'), 'status': _f('Status'),
    'interface-type': _f('InterfaceType'), 'requester-id': _f('RequesterId'),
    'requester-managed': _f('RequesterManaged'), 'owner-id': _f('OwnerId'),
    'private-ip-address': _f('PrivateIpAddress'), 'addresses.private-ip-address':
        _f('PrivateIpAddress'), 'private-dns-name': _f('PrivateDnsName'),
    'mac-address': _f('MacAddress'), 'source-dest-check': _f('SourceDestCheck'),
    'group-id': lambda r: [g['GroupId'] for g in r.data['Groups']],
    'group-name': lambda r: [g['GroupName'] for g in r.data['Groups']],
    'attachment.instance-id': lambda r: [(r.data.get('Attachment') or {}).get('InstanceId')],
    'attachment.status': lambda r: [(r.data.get('Attachment') or {}).get('Status')],
    'attachment.attachment-id': lambda r: [(r.data.get('Attachment') or {}).get('AttachmentId')],
    'association.public-ip': lambda r: [(r.data.get('Association') or {}).get('PublicIp')],
    'association.allocation-id':
        lambda r: [(r.data.get('Association') or {}).get('AllocationId')]}


@ec2op('DescribeNetworkInterfaces')
def describe_network_interfaces(ctx, params):
    return _describe(ctx, params, 'network-interface', 'NetworkInterfaceIds', ENI_FILTERS,
                     'NetworkInterfaces', render=lambda r: _render(r, 'TagSet'))


@ec2op('DeleteNetworkInterface')
def delete_network_interface(ctx, params):
    eni = _get(ctx, 'network-interface', params['NetworkInterfaceId'])
    if eni.data.get('RequesterManaged') or eni.data.get('Attachment'):
        raise AwsError('InvalidParameterValue' if eni.data.get('RequesterManaged') else
                       'InvalidNetworkInterface.InUse',
                       f'Network interface \'{eni.id}\' is currently in use.')
    nc.delete_eni(ctx.store, eni)


# ---- instances --------------------------------------------------------------------

INSTANCE_FILTERS = {
    'instance-id': _f('InstanceId'), 'image-id': _f('ImageId'),
    'instance-type': _f('InstanceType'), 'subnet-id': _f('SubnetId'), 'vpc-id': _f('VpcId'),
    'instance-state-name': lambda r: [r.data['State']['Name']],
    'instance-state-code': lambda r: [r.data['State']['Code']],
    'availability-zone': lambda r: [r.data['Placement']['AvailabilityZone']],
    'private-ip-address': _f('PrivateIpAddress'), 'ip-address': _f('PublicIpAddress'),
    'key-name': _f('KeyName'), 'reservation-id': _f('_reservation'),
    'instance.group-id': lambda r: [g['GroupId'] for g in r.data['SecurityGroups']],
    'instance.group-name': lambda r: [g['GroupName'] for g in r.data['SecurityGroups']],
    'iam-instance-profile.arn': lambda r: [(r.data.get('IamInstanceProfile') or {}).get('Arn')],
    'network-interface.network-interface-id':
        lambda r: [n['NetworkInterfaceId'] for n in r.data['NetworkInterfaces']],
    'owner-id': lambda r: [r.account]}

_INSTANCE_TYPE_RE = re.compile(r'^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|'
                               r'[0-9]*xlarge|metal(-[0-9]+xl)?)$')


@ec2op('RunInstances')
def run_instances(ctx, params):
    image = params.get('ImageId')
    if image is None and 'LaunchTemplate' not in params:
        raise AwsError('MissingParameter', 'The request must contain the parameter ImageId')
    if 'LaunchTemplate' in params:
        raise _invalid('berth-emulator does not model launch templates')
    if not re.fullmatch(r'ami-[0-9a-f]{8}([0-9a-f]{9})?', image):
        raise AwsError('InvalidAMIID.Malformed', f'Invalid id: "{image}" (expecting "ami-...")')
    instance_type = params.get('InstanceType', 'm1.small')
    if not _INSTANCE_TYPE_RE.match(instance_type):
        raise _invalid(f"Invalid value '{instance_type}' for InstanceType.")
    low, high = params['MinCount'], params['MaxCount']
    if low < 1 or high < low:
        raise _invalid('Value (%d) for parameter minCount is invalid. Expected a positive '
                       'integer no larger than maxCount.' % low)
    interfaces = params.get('NetworkInterfaces') or []
    subnet_id = params.get('SubnetId') or (interfaces[0].get('SubnetId') if interfaces else None)
    if subnet_id is None:
        raise AwsError('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only '
                       'supported for EC2-Classic and default VPC.')
    subnet = _get(ctx, 'subnet', subnet_id)
    if params.get('SecurityGroups'):
        raise _invalid('The parameter groupName cannot be used with the parameter subnet')
    group_ids = params.get('SecurityGroupIds') or \
        (interfaces[0].get('Groups') if interfaces else None)
    groups = []
    for group_id in group_ids or []:
        group = _get(ctx, 'security-group', group_id)
        if group.data['VpcId'] != subnet.data['VpcId']:
            raise AwsError('InvalidParameter', f'Security group {group.id} and subnet '
                           f'{subnet.id} belong to different networks.')
        groups.append(group)
    if not groups:
        groups = [g for g in ctx.resources('security-group')
                  if g.data['VpcId'] == subnet.data['VpcId'] and g.data['GroupName'] == 'default']
    zone = (params.get('Placement') or {}).get('AvailabilityZone')
    if zone and zone != subnet.data['AvailabilityZone']:
        raise _invalid(f'Value ({zone}) for parameter availabilityZone is invalid. Subnet '
                       f"'{subnet.id}' is in the availability zone "
                       f"{subnet.data['AvailabilityZone']}")
    profile = None
    wanted_profile = params.get('IamInstanceProfile')
    if wanted_profile:
        profile = nc.iam_instance_profile(ctx.store, ctx.account, wanted_profile.get('Name'),
                                          wanted_profile.get('Arn'))
        if profile is None:
            which = 'arn' if 'Arn' in wanted_profile else 'name'
            raise _invalid(f"Value ({wanted_profile.get('Arn') or wanted_profile.get('Name')}) "
                           f'for parameter iamInstanceProfile.{which} is invalid. Invalid IAM '
                           f'Instance Profile {which}')
    user_data = params.get('UserData')
    if user_data is not None:
        try:
            base64.b64decode(user_data, validate=True)
        except ValueError:
            raise _invalid('Invalid BASE64 encoding of user data.')
        if len(user_data) > 21848:
            raise _invalid('User data is limited to 16384 bytes')
    tags = _spec_tags(params, ('instance', 'volume', 'network-interface'))
    token = params.get('ClientToken')
    if token:  # idempotent retries (botocore fills ClientToken itself)
        same = [i for i in ctx.resources('instance') if i.data['ClientToken'] == token]
        if same:
            return {'ReservationId': same[0].data['_reservation'], 'OwnerId': ctx.account,
                    'Groups': [], 'Instances': [_render(i) for i in same]}
    public = (interfaces[0].get('AssociatePublicIpAddress') if interfaces else None)
    if public is None:
        public = subnet.data['MapPublicIpOnLaunch']
    reservation_id = nc.ec2_id('r')
    group_refs = [{'GroupId': g.id, 'GroupName': g.data['GroupName']} for g in groups]
    created = []
    for index in range(high):
        instance_id = nc.ec2_id('i')
        eni = nc.create_eni(ctx.store, ctx.account, ctx.region, ctx.now(), subnet,
                            [g.id for g in groups], 'Primary network interface',
                            attachment={'InstanceId': instance_id},
                            tags=tags.get('network-interface'))
        eni.data['RequesterManaged'] = False
        eni.data.pop('RequesterId', None)
        address = eni.data['PrivateIpAddress']
        data = {
            'InstanceId': instance_id, 'ImageId': image, 'InstanceType': instance_type,
            'State': {'Code': 0, 'Name': 'pending'}, 'StateTransitionReason': '',
            'PrivateDnsName': eni.data['PrivateDnsName'], 'PrivateIpAddress': address,
            'PublicDnsName': '', 'AmiLaunchIndex': index, 'ProductCodes': [],
            'LaunchTime': ctx.now(), 'Placement': {
                'AvailabilityZone': subnet.data['AvailabilityZone'], 'GroupName': '',
                'Tenancy': (params.get('Placement') or {}).get('Tenancy', 'default')},
            'Monitoring': {'State': 'enabled' if (params.get('Monitoring') or {}).get('Enabled')
                           else 'disabled'},
            'SubnetId': subnet.id, 'VpcId': subnet.data['VpcId'], 'Architecture': 'x86_64',
            'BlockDeviceMappings': [], 'ClientToken': params.get('ClientToken', ''),
            'EbsOptimized': params.get('EbsOptimized', False), 'EnaSupport': True,
            'Hypervisor': 'xen', 'RootDeviceName': '/dev/xvda', 'RootDeviceType': 'ebs',
            'SecurityGroups': group_refs, 'SourceDestCheck': True,
            'VirtualizationType': 'hvm', 'PlatformDetails': 'Linux/UNIX',
            'UsageOperation': 'RunInstances',
            'CpuOptions': {'CoreCount': 1, 'ThreadsPerCore': 2},
            'MetadataOptions': dict({'State': 'pending', 'HttpTokens': 'required',
                                     'HttpPutResponseHopLimit': 2, 'HttpEndpoint': 'enabled',
                                     'HttpProtocolIpv6': 'disabled',
                                     'InstanceMetadataTags': 'disabled'},
                                    **(params.get('MetadataOptions') or {})),
            'HibernationOptions': {'Configured': False},
            'EnclaveOptions': {'Enabled': False},
            'NetworkInterfaces': [{
                'Attachment': {k: eni.data['Attachment'][k] for k in
                               ('AttachmentId', 'AttachTime', 'DeleteOnTermination',
                                'DeviceIndex', 'Status')},
                'Description': eni.data['Description'], 'Groups': group_refs,
                'Ipv6Addresses': [], 'MacAddress': eni.data['MacAddress'],
                'NetworkInterfaceId': eni.id, 'OwnerId': ctx.account,
                'PrivateDnsName': eni.data['PrivateDnsName'], 'PrivateIpAddress': address,
                'PrivateIpAddresses': eni.data['PrivateIpAddresses'], 'SourceDestCheck': True,
                'Status': 'in-use', 'SubnetId': subnet.id, 'VpcId': subnet.data['VpcId'],
                'InterfaceType': 'interface'}],
            '_since': ctx.now(), '_reservation': reservation_id, '_user_data': user_data,
            '_shutdown': params.get('InstanceInitiatedShutdownBehavior', 'stop'),
            '_no_terminate': params.get('DisableApiTermination', False)}
        if params.get('KeyName'):
            data['KeyName'] = params['KeyName']
        if profile is not None:
            data['IamInstanceProfile'] = {'Arn': profile.arn, 'Id': profile.data['InstanceProfileId']}
        if public:
            data['PublicIpAddress'] = nc.public_ip()
            data['PublicDnsName'] = ''
            eni.data['Association'] = {'IpOwnerId': 'amazon', 'PublicIp': data['PublicIpAddress'],
                                       'PublicDnsName': ''}
        created.append(_new(ctx, 'instance', 'i', data, tags.get('instance'), id=instance_id))
    return {'ReservationId': reservation_id, 'OwnerId': ctx.account, 'Groups': [],
            'Instances': [_render(i) for i in created]}


def _release_instance(store, instance):
    for item in instance.data['NetworkInterfaces']:
        eni = store.find(instance.account, instance.region, 'ec2', 'network-interface',
                         item['NetworkInterfaceId'])
        if eni is None:
            continue
        for address in store.select(instance.account, instance.region, 'ec2', 'elastic-ip'):
            if address.data.get('NetworkInterfaceId') == eni.id:
                _disassociate(store, address)
        nc.delete_eni(store, eni)
    instance.data.pop('PublicIpAddress', None)
    instance.data['NetworkInterfaces'] = []
    instance.data['SecurityGroups'] = []
    instance.data.pop('PrivateIpAddress', None)
    instance.data['PrivateDnsName'] = ''


@ec2op('DescribeInstances')
def describe_instances(ctx, params):
    listing = _describe(ctx, params, 'instance', 'InstanceIds', INSTANCE_FILTERS, 'Instances',
                        render=lambda r: r)
    reservations = []
    by_id = {}
    for instance in listing['Instances']:
        reservation_id = instance.data['_reservation']
        if reservation_id not in by_id:
            by_id[reservation_id] = {'ReservationId': reservation_id, 'OwnerId': ctx.account,
                                     'Groups': [], 'Instances': []}
            reservations.append(by_id[reservation_id])
        by_id[reservation_id]['Instances'].append(_render(instance))
    result = {'Reservations': reservations}
    if 'NextToken' in listing:
        result['NextToken'] = listing['NextToken']
    return result


@ec2op('TerminateInstances')
def terminate_instances(ctx, params):
    changes = []
    instances = [_get(ctx, 'instance', i, live_only=False) for i in params['InstanceIds']]
    for instance in instances:
        if instance.data['_no_terminate']:
            raise AwsError('OperationNotPermitted', f"The instance '{instance.id}' may not be "
                           "terminated. Modify its 'disableApiTermination' instance attribute "
                           'and try again.')
    for instance in instances:
        previous = dict(instance.data['State'])
        if previous['Name'] not in ('shutting-down', 'terminated'):
            instance.data['State'] = {'Code': 32, 'Name': 'shutting-down'}
            instance.data['_since'] = ctx.now()
            instance.data['StateTransitionReason'] = \
                f"User initiated ({ctx.now().strftime('%Y-%m-%d %H:%M:%S GMT')})"
        changes.append({'InstanceId': instance.id, 'PreviousState': previous,
                        'CurrentState': dict(instance.data['State'])})
    return {'TerminatingInstances': changes}


def _instances_for(ctx, params):
    instances = [_get(ctx, 'instance', i, live_only=False) for i in params['InstanceIds']]
    for instance in instances:
        if instance.data['State']['Name'] in ('shutting-down', 'terminated'):
            raise AwsError('IncorrectInstanceState', f"This instance '{instance.id}' is not in a "
                           'state from which it can be stopped.' if 'Stop' in ctx.operation else
                           f"The instance '{instance.id}' is not in a state from which it can "
                           'be started.')
    return instances


@ec2op('StopInstances')
def stop_instances(ctx, params):
    changes = []
    for instance in _instances_for(ctx, params):
        previous = dict(instance.data['State'])
        if previous['Name'] in ('pending', 'running'):
            instance.data['State'] = {'Code': 64, 'Name': 'stopping'}
            instance.data['_since'] = ctx.now()
            instance.data['StateTransitionReason'] = \
                f"User initiated ({ctx.now().strftime('%Y-%m-%d %H:%M:%S GMT')})"
        changes.append({'InstanceId': instance.id, 'PreviousState': previous,
                        'CurrentState': dict(instance.data['State'])})
    return {'StoppingInstances': changes}


@ec2op('StartInstances')
def start_instances(ctx, params):
    changes = []
    for instance in _instances_for(ctx, params):
        previous = dict(instance.data['State'])
        if previous['Name'] == 'stopping':
            raise AwsError('IncorrectInstanceState', f"The instance '{instance.id}' is not in a "
                           'state from which it can be started.')
        if previous['Name'] == 'stopped':
            instance.data['State'] = {'Code': 0, 'Name': 'pending'}
            instance.data['_since'] = ctx.now()
        changes.append({'InstanceId': instance.id, 'PreviousState': previous,
                        'CurrentState': dict(instance.data['State'])})
    return {'StartingInstances': changes}


@ec2op('DescribeInstanceAttribute')
def describe_instance_attribute(ctx, params):
    instance = _get(ctx, 'instance', params['InstanceId'], live_only=False)
    attribute = params['Attribute']
    result = {'InstanceId': instance.id}
    data = instance.data
    if attribute == 'userData':
        result['UserData'] = {'Value': data['_user_data']} if data['_user_data'] else {}
    elif attribute == 'instanceType':
        result['InstanceType'] = {'Value': data['InstanceType']}
    elif attribute == 'disableApiTermination':
        result['DisableApiTermination'] = {'Value': data['_no_terminate']}
    elif attribute == 'instanceInitiatedShutdownBehavior':
        result['InstanceInitiatedShutdownBehavior'] = {'Value': data['_shutdown']}
    elif attribute == 'groupSet':
        result['Groups'] = data['SecurityGroups']
    elif attribute == 'sourceDestCheck':
        result['SourceDestCheck'] = {'Value': True}
    elif attribute == 'ebsOptimized':
        result['EbsOptimized'] = {'Value': data['EbsOptimized']}
    elif attribute == 'rootDeviceName':
        result['RootDeviceName'] = {'Value': data['RootDeviceName']}
    elif attribute == 'blockDeviceMapping':
        result['BlockDeviceMappings'] = []
    else:
        raise _invalid(f'The attribute {attribute} is not modelled by berth-emulator')
    return result


# ---- tags ---------------------------------------------------------------------------

@ec2op('CreateTags')
def create_tags(ctx, params):
    tags = {t['Key']: t.get('Value', '') for t in params['Tags']}
    _check_tags(tags)
    resources = [_any(ctx, i) for i in params['Resources']]
    for resource in resources:
        if len(set(resource.tags) | set(tags)) > MAX_TAGS:
            raise AwsError('TagLimitExceeded',
                           'The maximum number of Tags for a resource has been reached.')
    for resource in resources:
        resource.set_tags(tags)


@ec2op('DeleteTags')
def delete_tags(ctx, params):
    resources = [_any(ctx, i) for i in params['Resources']]
    for item in params.get('Tags') or []:
        if item['Key'].lower().startswith('aws:'):
            raise _invalid("Tag keys starting with 'aws:' are reserved for internal use")
    for resource in resources:
        if not params.get('Tags'):
            resource.remove_tags(list(resource.tags))
            continue
        for item in params['Tags']:
            if 'Value' in item and resource.tags.get(item['Key']) != item['Value']:
                continue
            resource.remove_tags([item['Key']])


class _TagRow:
    def __init__(self, resource, key, value):
        self.id = f'{resource.id}\0{key}'
        self.data = {'ResourceId': resource.id, 'ResourceType': resource.type,
                     'Key': key, 'Value': value}
        self.tags = {}
        self.taggable = True


TAG_FILTERS = {'resource-id': _f('ResourceId'), 'resource-type': _f('ResourceType'),
               'key': _f('Key'), 'value': _f('Value')}


@ec2op('DescribeTags')
def describe_tags(ctx, params):
    rows = [_TagRow(r, k, v) for r in ctx.resources(service='ec2')
            if r.taggable and r.type in NOT_FOUND for k, v in sorted(r.tags.items())]
    rows = [r for r in rows if r.data['ResourceType'] in NOT_FOUND]
    filters = params.get('Filters') or []
    for item in filters:
        if item.get('Name', '').startswith('tag'):
            raise AwsError('InvalidParameterValue', f"The filter '{item['Name']}' is invalid")
    return _describe(ctx, params, 'tag', None, TAG_FILTERS, 'Tags', render=lambda r: r.data,
                     items=rows)
