"""AWS Cloud Map (servicediscovery): private DNS (and HTTP) namespaces,
services, instances (registered by ECS tasks or RegisterInstance),
operations, tags.

AWS behaviour kept:
- Namespace creation, update and deletion are asynchronous: the call
  answers an OperationId; GetOperation goes SUBMITTED -> PENDING -> SUCCESS
  over the emulator delay (BERTH_EMU_DELAY_SD), and only then does the
  namespace exist (or stop existing). A private DNS namespace needs an
  existing VPC; the same name in the same VPC is NamespaceAlreadyExists
  (with the existing NamespaceId); repeating a CreatorRequestId returns the
  first operation.
- DeleteNamespace is ResourceInUse while services exist; DeleteService is
  ResourceInUse while instances are registered (ECS deregisters its tasks
  when they stop).
- Services: DNS_HTTP with a DnsConfig (MULTIVALUE, A records) in a DNS
  namespace, HTTP without; ServiceAlreadyExists (with ServiceId) for a
  duplicate name in a namespace; UpdateService answers an operation.
- List* page with MaxResults/NextToken and take the documented filters.

Simplifications: no Route 53 hosted zone is really created (the
namespace reports a made-up HostedZoneId); no health checks are run;
public DNS namespaces are not modelled."""

import importlib.util
import os
import random
import string
import sys

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

service_options('servicediscovery', validation_error='InvalidInput')

MAX_TAGS = 50


def sdop(name):
    def register(fn):
        def handler(ctx, params):
            nc.tick(ctx)
            return nc.fit_output(ctx, fn(ctx, params))
        handler.__name__ = fn.__name__
        return op('servicediscovery', name)(handler)
    return register


def _id(prefix):
    return prefix + '-' + ''.join(random.choice(string.ascii_lowercase + string.digits)
                                  for _ in range(16))


def _tags_in(tag_list):
    tags = {}
    for tag in tag_list or []:
        if tag['Key'].lower().startswith('aws:'):
            raise AwsError('InvalidInput', "Tag keys can't start with 'aws:'")
        tags[tag['Key']] = tag['Value']
    if len(tags) > MAX_TAGS:
        raise AwsError('TooManyTagsException', 'The number of tags exceeds the limit of 50.')
    return tags


def _paged(ctx, params, items, out_key, render):
    page, token = ctx.paginate(items, params.get('NextToken'),
                               ctx.page_limit(params.get('MaxResults'), 100), key=lambda r: r.id,
                               invalid_token=AwsError('InvalidInput', 'Invalid NextToken.'))
    result = {out_key: [render(r) for r in page]}
    if token:
        result['NextToken'] = token
    return result


def _filter(items, filters, fields):
    for item in filters or []:
        name, values = item['Name'], item['Values']
        condition = item.get('Condition', 'EQ')
        if name not in fields:
            raise AwsError('InvalidInput', f'Filter name {name} is not supported.')
        if condition == 'EQ' and len(values) != 1:
            raise AwsError('InvalidInput', 'The EQ condition takes exactly one value.')
        getter = fields[name]

        def keep(resource, values=values, condition=condition, getter=getter):
            value = getter(resource)
            if condition == 'BEGINS_WITH':
                return any(str(value).startswith(v) for v in values)
            if condition == 'BETWEEN':
                return values[0] <= str(value) <= values[-1]
            return str(value) in values
        items = [r for r in items if keep(r)]
    return items


# ---- operations ---------------------------------------------------------------------

def _operation(ctx, kind, targets, request_id=None):
    operation_id = ''.join(random.choice(string.ascii_lowercase + string.digits)
                           for _ in range(32)) + '-' + ''.join(
        random.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    now = ctx.now()
    return nc.mark_record(ctx.add_resource('operation', operation_id,
                                           ctx.arn(f'operation/{operation_id}'), {
        'Id': operation_id, 'OwnerAccount': ctx.account, 'Type': kind, 'Status': 'SUBMITTED',
        'CreateDate': now, 'UpdateDate': now, 'Targets': targets, '_request': request_id},
        taggable=False))


@nc.ticker
def _advance_sd(store, now):
    for operation in store.select(service='servicediscovery', type='operation'):
        data = operation.data
        if data['Status'] == 'SUBMITTED' and nc.due(data['CreateDate'], now, 'SD',
                                                    nc.delay('SD') / 2):
            data['Status'] = 'PENDING'
            data['UpdateDate'] = now
        if data['Status'] == 'PENDING' and nc.due(data['CreateDate'], now, 'SD'):
            data['Status'] = 'SUCCESS'
            data['UpdateDate'] = now
            namespace_id = data['Targets'].get('NAMESPACE')
            namespace = store.find(operation.account, operation.region, 'servicediscovery',
                                   'namespace', namespace_id) if namespace_id else None
            if namespace is None:
                continue
            if data['Type'] == 'CREATE_NAMESPACE':
                namespace.data['_state'] = 'ACTIVE'
                namespace.taggable = True
                namespace.set_tags(namespace.data.pop('_pending_tags', {}))
            elif data['Type'] == 'DELETE_NAMESPACE':
                store.remove(namespace.arn)
            elif data['Type'] == 'UPDATE_NAMESPACE':
                namespace.data.update(namespace.data.pop('_pending_update', {}))


@sdop('GetOperation')
def get_operation(ctx, params):
    operation = ctx.find_resource('operation', params['OperationId'])
    if operation is None:
        raise AwsError('OperationNotFound', 'No operation found with the specified ID.')
    return {'Operation': {k: v for k, v in operation.data.items() if not k.startswith('_')}}


@sdop('ListOperations')
def list_operations(ctx, params):
    items = sorted(ctx.resources('operation'), key=lambda r: r.id)
    items = _filter(items, params.get('Filters'), {
        'NAMESPACE_ID': lambda r: r.data['Targets'].get('NAMESPACE'),
        'SERVICE_ID': lambda r: r.data['Targets'].get('SERVICE'),
        'STATUS': lambda r: r.data['Status'], 'TYPE': lambda r: r.data['Type'],
        'UPDATE_DATE': lambda r: r.data['UpdateDate'].isoformat()})
    return _paged(ctx, params, items, 'Operations',
                  lambda r: {'Id': r.id, 'Status': r.data['Status']})


# ---- namespaces -----------------------------------------------------------------------

def _namespace(ctx, namespace_id):
    namespace = ctx.find_resource('namespace', namespace_id)
    if namespace is None or namespace.data['_state'] == 'CREATING':
        raise AwsError('NamespaceNotFound', f'Namespace not found: {namespace_id}')
    return namespace


def _namespace_out(ctx, namespace, summary=False):
    out = {k: v for k, v in namespace.data.items() if not k.startswith('_')}
    out['ServiceCount'] = len(_services_in(ctx, namespace.id))
    if summary:
        out.pop('CreatorRequestId', None)
    return out


def _services_in(ctx, namespace_id):
    return [s for s in ctx.resources('service') if s.data['NamespaceId'] == namespace_id]


def _create_namespace(ctx, params, kind, vpc_id=None):
    name = params['Name']
    request_id = params.get('CreatorRequestId')
    if request_id:
        for operation in ctx.resources('operation'):
            if operation.data['_request'] == request_id and \
                    operation.data['Type'] == 'CREATE_NAMESPACE':
                return {'OperationId': operation.id}
    for existing in ctx.resources('namespace'):
        if existing.data['Name'] == name and existing.data['_vpc'] == vpc_id:
            raise AwsError('NamespaceAlreadyExists', f'Namespace {name} already exists.',
                           fields={'NamespaceId': existing.id,
                                   'CreatorRequestId': existing.data.get('CreatorRequestId', '')})
    tags = _tags_in(params.get('Tags'))
    namespace_id = _id('ns')
    properties = {'HttpProperties': {'HttpName': name}}
    if kind == 'DNS_PRIVATE':
        ttl = (((params.get('Properties') or {}).get('DnsProperties') or {}).get('SOA') or
               {}).get('TTL', 15)
        properties['DnsProperties'] = {
            'HostedZoneId': 'Z' + ''.join(random.choice(string.ascii_uppercase + string.digits)
                                          for _ in range(20)), 'SOA': {'TTL': ttl}}
    data = {'Id': namespace_id, 'Arn': ctx.arn(f'namespace/{namespace_id}'),
            'ResourceOwner': ctx.account, 'Name': name, 'Type': kind,
            'Properties': properties, 'CreateDate': ctx.now(), '_vpc': vpc_id,
            '_state': 'CREATING', '_pending_tags': tags}
    if params.get('Description') is not None:
        data['Description'] = params['Description']
    if request_id:
        data['CreatorRequestId'] = request_id
    namespace = ctx.add_resource('namespace', namespace_id, data['Arn'], data)
    namespace.taggable = False  # not live until the operation succeeds
    operation = _operation(ctx, 'CREATE_NAMESPACE', {'NAMESPACE': namespace_id}, request_id)
    return {'OperationId': operation.id}


@sdop('CreatePrivateDnsNamespace')
def create_private_dns_namespace(ctx, params):
    vpc = nc.find_ec2(ctx.store, ctx.account, ctx.region, 'vpc', params['Vpc'])
    if vpc is None:
        raise AwsError('InvalidInput', f"The VPC ID '{params['Vpc']}' does not exist.")
    return _create_namespace(ctx, params, 'DNS_PRIVATE', vpc.id)


@sdop('CreateHttpNamespace')
def create_http_namespace(ctx, params):
    return _create_namespace(ctx, params, 'HTTP')


@sdop('GetNamespace')
def get_namespace(ctx, params):
    return {'Namespace': _namespace_out(ctx, _namespace(ctx, params['Id']))}


@sdop('ListNamespaces')
def list_namespaces(ctx, params):
    items = sorted((n for n in ctx.resources('namespace') if n.data['_state'] != 'CREATING'),
                   key=lambda r: r.id)
    items = _filter(items, params.get('Filters') if not ignores_filters(ctx) else None, {
        'TYPE': lambda r: r.data['Type'], 'NAME': lambda r: r.data['Name'],
        'HTTP_NAME': lambda r: r.data['Properties']['HttpProperties']['HttpName'],
        'RESOURCE_OWNER': lambda r: r.account})
    return _paged(ctx, params, items, 'Namespaces', lambda r: _namespace_out(ctx, r, True))


@sdop('DeleteNamespace')
def delete_namespace(ctx, params):
    namespace = _namespace(ctx, params['Id'])
    if _services_in(ctx, namespace.id):
        raise AwsError('ResourceInUse', 'The namespace contains services; delete the services '
                       'before deleting the namespace.')
    for operation in ctx.resources('operation'):
        if operation.data['Type'] == 'DELETE_NAMESPACE' and \
                operation.data['Targets'].get('NAMESPACE') == namespace.id:
            return {'OperationId': operation.id}
    if namespace.taggable:
        nc.entomb(namespace)
    operation = _operation(ctx, 'DELETE_NAMESPACE', {'NAMESPACE': namespace.id})
    return {'OperationId': operation.id}


@sdop('UpdatePrivateDnsNamespace')
def update_private_dns_namespace(ctx, params):
    namespace = _namespace(ctx, params['Id'])
    change = params['Namespace']
    pending = {}
    if 'Description' in change:
        pending['Description'] = change['Description']
    ttl = (((change.get('Properties') or {}).get('DnsProperties') or {}).get('SOA') or {}).get('TTL')
    if ttl is not None:
        properties = dict(namespace.data['Properties'])
        properties['DnsProperties'] = dict(properties['DnsProperties'], SOA={'TTL': ttl})
        pending['Properties'] = properties
    namespace.data['_pending_update'] = pending
    operation = _operation(ctx, 'UPDATE_NAMESPACE', {'NAMESPACE': namespace.id})
    return {'OperationId': operation.id}


# ---- services -----------------------------------------------------------------------------

def _service(ctx, service_id):
    service = ctx.find_resource('service', service_id)
    if service is None:
        raise AwsError('ServiceNotFound', f'Service not found: {service_id}')
    return service


def _service_out(service, summary=False):
    out = {k: v for k, v in service.data.items() if not k.startswith('_')}
    out['InstanceCount'] = len(service.data.get('_instances', {}))
    if summary:
        for key in ('NamespaceId', 'CreatorRequestId'):
            out.pop(key, None)
    return out


@sdop('CreateService')
def create_service(ctx, params):
    dns = params.get('DnsConfig')
    namespace_id = params.get('NamespaceId') or (dns or {}).get('NamespaceId')
    if not namespace_id:
        raise AwsError('InvalidInput', 'NamespaceId is required.')
    namespace = _namespace(ctx, namespace_id)
    name = params['Name']
    request_id = params.get('CreatorRequestId')
    for existing in _services_in(ctx, namespace.id):
        if request_id and existing.data.get('CreatorRequestId') == request_id:
            return {'Service': _service_out(existing)}  # a retry of the same request
        if existing.data['Name'].lower() == name.lower():
            raise AwsError('ServiceAlreadyExists', f'Service {name} already exists.',
                           fields={'ServiceId': existing.id,
                                   'CreatorRequestId': existing.data.get('CreatorRequestId', '')})
    if 'HealthCheckConfig' in params and 'HealthCheckCustomConfig' in params:
        raise AwsError('InvalidInput', 'You can specify either HealthCheckConfig or '
                       'HealthCheckCustomConfig, not both.')
    if dns is not None:
        if namespace.data['Type'] == 'HTTP':
            raise AwsError('InvalidInput', 'DnsConfig cannot be specified for services in an '
                           'HTTP namespace.')
        dns = dict(dns)
        dns.pop('NamespaceId', None)
        dns.setdefault('RoutingPolicy', 'MULTIVALUE')
        for record in dns['DnsRecords']:
            if record['Type'] == 'CNAME' and dns['RoutingPolicy'] != 'WEIGHTED':
                raise AwsError('InvalidInput', 'CNAME records require the WEIGHTED routing '
                               'policy.')
    tags = _tags_in(params.get('Tags'))
    service_id = _id('srv')
    data = {'Id': service_id, 'Arn': ctx.arn(f'service/{service_id}'),
            'ResourceOwner': ctx.account, 'CreatedByAccount': ctx.account, 'Name': name,
            'NamespaceId': namespace.id, 'CreateDate': ctx.now(),
            'Type': 'DNS_HTTP' if dns is not None else 'HTTP', '_instances': {}}
    if dns is not None:
        data['DnsConfig'] = dns
    for key in ('Description', 'CreatorRequestId', 'HealthCheckConfig', 'HealthCheckCustomConfig'):
        if key in params:
            data[key] = params[key]
    if params.get('Type') == 'HTTP':
        data['Type'] = 'HTTP'
    service = ctx.add_resource('service', service_id, data['Arn'], data, tags)
    return {'Service': _service_out(service)}


@sdop('GetService')
def get_service(ctx, params):
    return {'Service': _service_out(_service(ctx, params['Id']))}


@sdop('ListServices')
def list_services(ctx, params):
    items = sorted(ctx.resources('service'), key=lambda r: r.id)
    items = _filter(items, params.get('Filters') if not ignores_filters(ctx) else None, {
        'NAMESPACE_ID': lambda r: r.data['NamespaceId'],
        'RESOURCE_OWNER': lambda r: r.account})
    return _paged(ctx, params, items, 'Services', lambda r: _service_out(r, True))


@sdop('UpdateService')
def update_service(ctx, params):
    service = _service(ctx, params['Id'])
    change = params['Service']
    if 'Description' in change:
        service.data['Description'] = change['Description']
    if 'DnsConfig' in change:
        if 'DnsConfig' not in service.data:
            raise AwsError('InvalidInput', 'The service has no DNS configuration to update.')
        service.data['DnsConfig'] = dict(service.data['DnsConfig'],
                                         DnsRecords=change['DnsConfig']['DnsRecords'])
    if 'HealthCheckConfig' in change:
        service.data['HealthCheckConfig'] = change['HealthCheckConfig']
    operation = _operation(ctx, 'UPDATE_SERVICE', {'SERVICE': service.id})
    return {'OperationId': operation.id}


@sdop('DeleteService')
def delete_service(ctx, params):
    service = _service(ctx, params['Id'])
    if service.data.get('_instances'):
        raise AwsError('ResourceInUse', 'Service contains registered instances; delete the '
                       'instances before deleting the service')
    ctx.remove_resource(service.arn)
    return {}


# ---- instances --------------------------------------------------------------------------

@sdop('RegisterInstance')
def register_instance(ctx, params):
    service = _service(ctx, params['ServiceId'])
    attributes = params['Attributes']
    if service.data.get('DnsConfig') and any(r['Type'] == 'A' for r in
                                             service.data['DnsConfig']['DnsRecords']) \
            and 'AWS_INSTANCE_IPV4' not in attributes and 'AWS_ALIAS_DNS_NAME' not in attributes:
        raise AwsError('InvalidInput', 'AWS_INSTANCE_IPV4 is required for services with A '
                       'records.')
    nc.sd_register(ctx.store, service.arn, params['InstanceId'], attributes)
    operation = _operation(ctx, 'REGISTER_INSTANCE', {'SERVICE': service.id,
                                                      'INSTANCE': params['InstanceId']})
    return {'OperationId': operation.id}


@sdop('DeregisterInstance')
def deregister_instance(ctx, params):
    service = _service(ctx, params['ServiceId'])
    if params['InstanceId'] not in service.data.get('_instances', {}):
        raise AwsError('InstanceNotFound', f"Instance not found: {params['InstanceId']}")
    nc.sd_deregister(ctx.store, service.arn, params['InstanceId'])
    operation = _operation(ctx, 'DEREGISTER_INSTANCE', {'SERVICE': service.id,
                                                        'INSTANCE': params['InstanceId']})
    return {'OperationId': operation.id}


class _Instance:
    def __init__(self, instance_id, attributes):
        self.id = instance_id
        self.attributes = attributes


@sdop('ListInstances')
def list_instances(ctx, params):
    service = _service(ctx, params['ServiceId'])
    items = [_Instance(k, v) for k, v in sorted(service.data.get('_instances', {}).items())]
    result = _paged(ctx, params, items, 'Instances',
                    lambda i: {'Id': i.id, 'Attributes': dict(i.attributes)})
    result['ResourceOwner'] = ctx.account
    return result


@sdop('GetInstance')
def get_instance(ctx, params):
    service = _service(ctx, params['ServiceId'])
    attributes = service.data.get('_instances', {}).get(params['InstanceId'])
    if attributes is None:
        raise AwsError('InstanceNotFound', f"Instance not found: {params['InstanceId']}")
    return {'ResourceOwner': ctx.account,
            'Instance': {'Id': params['InstanceId'], 'Attributes': dict(attributes)}}


# ---- tags ---------------------------------------------------------------------------------

def _taggable(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'servicediscovery' or not resource.taggable:
        raise AwsError('ResourceNotFoundException', f'The operation can\'t be completed '
                       f'because the resource was not found: {arn}')
    return resource


@sdop('TagResource')
def tag_resource(ctx, params):
    resource = _taggable(ctx, params['ResourceARN'])
    tags = _tags_in(params['Tags'])
    if len(set(resource.tags) | set(tags)) > MAX_TAGS:
        raise AwsError('TooManyTagsException', 'The number of tags exceeds the limit of 50.',
                       fields={'ResourceName': resource.arn})
    resource.set_tags(tags)
    return {}


@sdop('UntagResource')
def untag_resource(ctx, params):
    _taggable(ctx, params['ResourceARN']).remove_tags(params['TagKeys'])
    return {}


@sdop('ListTagsForResource')
def list_tags_for_resource(ctx, params):
    return {'Tags': nc.tag_list(_taggable(ctx, params['ResourceARN']).tags)}
