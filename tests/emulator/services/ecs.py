"""Amazon ECS: clusters, task definitions, services, their tasks, tags.

AWS behaviour kept:
- CreateCluster is idempotent and creates AWSServiceRoleForECS on first
  use; DeleteCluster is ClusterContainsServicesException while services
  are ACTIVE or DRAINING; deleted clusters describe as INACTIVE.
  containerInsights defaults to disabled; settings and tags come back
  from DescribeClusters only with include SETTINGS / TAGS.
- Task definitions: family:revision, revisions count up per family and
  never reuse a number; Deregister -> INACTIVE (still describable, still
  tagged and listed by the tagging API: AWS keeps INACTIVE revisions with
  their tags indefinitely). DeleteTaskDefinitions (at most 10, each with
  its revision) moves INACTIVE ones to DELETE_IN_PROGRESS (describable,
  no longer in the tagging API); an ACTIVE or unknown one is a `failures`
  entry, not an error. A DELETE_IN_PROGRESS revision is gone from Describe
  and List once no task that is not STOPPED and no deployment of a live
  service uses it, as AWS's "periodically verifies ... then deletes" says.
  Fargate: networkMode awsvpc, task-level cpu/memory from the documented
  combinations ("1 vCPU"/"2 GB" forms converted), an execution role for
  awslogs -- all ClientException as ECS answers.
- Services (REPLICA, DAEMON; FARGATE, EC2): awsvpc network configuration
  checked against EC2 (subnets, groups), load balancers against ELBv2 (the
  target group must exist, be of target type ip for awsvpc and be used by a
  load balancer -- the listener must come first), service registries against
  Cloud Map. A deployment goes IN_PROGRESS -> COMPLETED once its tasks run
  (botocore's services_stable waiter works); an update with a new task
  definition or forceNewDeployment makes a new PRIMARY deployment, and the
  old one drains. Tasks go PROVISIONING -> RUNNING, get an ENI in one of
  the service's subnets (which blocks DeleteSubnet and DeleteSecurityGroup
  until they stop), register with the target groups and Cloud Map
  services, and stop through STOPPING (targets drain) to STOPPED (ENI
  released). A task whose awslogs group does not exist (and has no
  awslogs-create-group) stops with ResourceInitializationError; with the
  deployment circuit breaker on, the rollout then FAILS after 3 failures.
- DeleteService needs desiredCount 0 unless force; the service is DRAINING
  until its tasks have stopped, then INACTIVE.
- Container Insights (enabled/enhanced) creates the log group
  /aws/ecs/containerinsights/CLUSTER/performance when tasks start;
  awslogs-create-group "true" creates the awslogs group (untagged), as the
  ECS agent does when a task starts; the value is read as Go's
  strconv.ParseBool reads it (true, True, TRUE, t, T, 1).

Simplifications: no container instances, so EC2 REPLICA services never
place tasks (an event says so) and DAEMON services have no tasks; no
RunTask/StartTask, task sets, capacity provider resources or service
connect; one task definition revision per register call; the scheduler
starts all missing tasks at once. With the circuit breaker's rollback on,
a failed deployment rolls back to the last task definition that completed
(the service's taskDefinition changes back, as in AWS)."""

import importlib.util
import os
import random
import re
import sys

from awsemu import timing
from awsemu import AwsError, op, service_options
from awsemu.faults import ignores_filters
from awsemu.state import Resource


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

service_options('ecs', validation_error='InvalidParameterException')

MAX_TAGS = 50
ECS_ACCOUNT = '578734482556'  # the requester AWS shows on task ENIs
FARGATE_MEMORY = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}


def ecsop(name):
    def register(fn):
        def handler(ctx, params):
            nc.tick(ctx)
            return nc.fit_output(ctx, fn(ctx, params))
        handler.__name__ = fn.__name__
        return op('ecs', name)(handler)
    return register


def _client(message):
    return AwsError('ClientException', message)


def _invalid(message):
    return AwsError('InvalidParameterException', message)


def _tags_in(tag_list):
    tags = {}
    for tag in tag_list or []:
        key = tag.get('key')
        if key is None:
            raise _invalid('Tag key must not be null.')
        if key.lower().startswith('aws:'):
            raise _invalid('Tag keys starting with aws: are reserved.')
        tags[key] = tag.get('value', '')
    if len(tags) > MAX_TAGS:
        raise _invalid('The maximum number of tags for a resource is 50.')
    return tags


def _tags_out(tags):
    return [{'key': k, 'value': v} for k, v in sorted(tags.items())]


def _tags_of(resource):
    return resource.tags if resource.taggable else resource.data.get('_tomb_tags', {})


def _entomb(resource):
    nc.entomb(resource)


def _ms_id():
    return ''.join(random.choice('0123456789') for _ in range(19))


# ---- clusters ---------------------------------------------------------------------

def _cluster_name(ref):
    if ref.startswith('arn:'):
        return ref.split('/', 1)[1] if '/' in ref else ref
    return ref


def _find_cluster(ctx, ref):
    return ctx.find_resource('cluster', _cluster_name(ref or 'default'))


def _cluster(ctx, ref):
    cluster = _find_cluster(ctx, ref)
    if cluster is None or cluster.data['status'] != 'ACTIVE':
        raise AwsError('ClusterNotFoundException', 'Cluster not found.')
    return cluster


def _insights(cluster):
    for setting in cluster.data['settings']:
        if setting['name'] == 'containerInsights':
            return setting['value'] in ('enabled', 'enhanced')
    return False


def _cluster_out(ctx, cluster, include=()):
    services = [s for s in _services(ctx, cluster) if s.data['status'] == 'ACTIVE']
    tasks = [t for t in ctx.resources('task') if t.data['clusterArn'] == cluster.arn]
    out = {'clusterArn': cluster.arn, 'clusterName': cluster.id,
           'status': cluster.data['status'], 'registeredContainerInstancesCount': 0,
           'runningTasksCount': sum(1 for t in tasks if t.data['lastStatus'] == 'RUNNING'),
           'pendingTasksCount': sum(1 for t in tasks if t.data['lastStatus'] in
                                    ('PROVISIONING', 'PENDING', 'ACTIVATING')),
           'activeServicesCount': len(services), 'statistics': [],
           'capacityProviders': list(cluster.data['capacityProviders']),
           'defaultCapacityProviderStrategy': list(cluster.data['defaultCapacityProviderStrategy'])}
    if cluster.data.get('configuration'):
        out['configuration'] = cluster.data['configuration']
    if 'SETTINGS' in include:
        out['settings'] = [dict(s) for s in cluster.data['settings']]
    if 'TAGS' in include:
        out['tags'] = _tags_out(_tags_of(cluster))
    return out


def _check_settings(settings):
    for setting in settings:
        if setting.get('name') != 'containerInsights':
            raise _invalid(f"Invalid setting name: {setting.get('name')}")
        if setting.get('value') not in ('enabled', 'disabled', 'enhanced'):
            raise _invalid('Cluster setting value must be enabled, enhanced or disabled.')


def _check_capacity_providers(providers, strategy):
    for provider in providers:
        if provider not in ('FARGATE', 'FARGATE_SPOT'):
            raise _invalid(f'The specified capacity provider {provider} does not exist. '
                           'Specify a valid capacity provider and try again.')
    for item in strategy:
        if item.get('capacityProvider') not in providers:
            raise _invalid(f"The specified capacity provider strategy cannot contain a capacity "
                           f"provider that is not associated with the cluster. Associate the "
                           f"capacity provider with the cluster or specify a valid capacity "
                           f"provider and try again.")


@ecsop('CreateCluster')
def create_cluster(ctx, params):
    name = params.get('clusterName', 'default')
    if not re.fullmatch(r'[A-Za-z0-9_-]{1,255}', name):
        raise _invalid('Cluster name can only contain letters, numbers, hyphens and '
                       'underscores, up to 255 characters.')
    settings = params.get('settings') or [{'name': 'containerInsights', 'value': 'disabled'}]
    _check_settings(settings)
    providers = params.get('capacityProviders') or []
    strategy = params.get('defaultCapacityProviderStrategy') or []
    _check_capacity_providers(providers, strategy)
    tags = _tags_in(params.get('tags'))
    nc.hook('service_linked_role', ctx.store, ctx.account, ctx.now(), 'ecs.amazonaws.com')
    existing = ctx.find_resource('cluster', name)
    if existing is not None:
        if existing.data['status'] == 'ACTIVE':
            return {'cluster': _cluster_out(ctx, existing, ('SETTINGS', 'TAGS'))}
        ctx.remove_resource(existing.arn)
    cluster = ctx.add_resource('cluster', name, ctx.arn(f'cluster/{name}'), {
        'status': 'ACTIVE', 'settings': [dict(s) for s in settings],
        'capacityProviders': providers, 'defaultCapacityProviderStrategy': strategy,
        'configuration': params.get('configuration')}, tags)
    return {'cluster': _cluster_out(ctx, cluster, ('SETTINGS', 'TAGS'))}


@ecsop('DescribeClusters')
def describe_clusters(ctx, params):
    include = params.get('include') or []
    clusters, failures = [], []
    if ignores_filters(ctx):
        # A server that ignores the names answers every cluster it has.
        return {'clusters': [_cluster_out(ctx, c, include)
                             for c in sorted(ctx.resources('cluster'), key=lambda c: c.arn)
                             if c.data['status'] == 'ACTIVE'], 'failures': []}
    for ref in params.get('clusters') or ['default']:
        cluster = _find_cluster(ctx, ref)
        if cluster is None:
            arn = ref if ref.startswith('arn:') else ctx.arn(f'cluster/{ref}')
            failures.append({'arn': arn, 'reason': 'MISSING'})
        else:
            clusters.append(_cluster_out(ctx, cluster, include))
    return {'clusters': clusters, 'failures': failures}


@ecsop('ListClusters')
def list_clusters(ctx, params):
    clusters = sorted((c for c in ctx.resources('cluster') if c.data['status'] == 'ACTIVE'),
                      key=lambda c: c.arn)
    page, token = ctx.paginate(clusters, params.get('nextToken'),
                               ctx.page_limit(params.get('maxResults'), 100), key=lambda c: c.arn,
                               invalid_token=_invalid('Invalid nextToken.'))
    result = {'clusterArns': [c.arn for c in page]}
    if token:
        result['nextToken'] = token
    return result


@ecsop('DeleteCluster')
def delete_cluster(ctx, params):
    cluster = _cluster(ctx, params['cluster'])
    if any(s.data['status'] in ('ACTIVE', 'DRAINING') for s in _services(ctx, cluster)):
        raise AwsError('ClusterContainsServicesException',
                       'The Cluster cannot be deleted while Services are active.')
    if any(t.data['lastStatus'] != 'STOPPED' for t in ctx.resources('task')
           if t.data['clusterArn'] == cluster.arn):
        raise AwsError('ClusterContainsTasksException',
                       'The Cluster cannot be deleted while Tasks are active.')
    cluster.data['status'] = 'INACTIVE'
    _entomb(cluster)
    return {'cluster': _cluster_out(ctx, cluster, ('SETTINGS',))}


@ecsop('UpdateClusterSettings')
def update_cluster_settings(ctx, params):
    cluster = _cluster(ctx, params['cluster'])
    _check_settings(params['settings'])
    for setting in params['settings']:
        cluster.data['settings'] = [s for s in cluster.data['settings']
                                    if s['name'] != setting['name']] + [dict(setting)]
    _insights_side_effects(ctx.store, cluster, ctx.now())
    return {'cluster': _cluster_out(ctx, cluster, ('SETTINGS',))}


@ecsop('UpdateCluster')
def update_cluster(ctx, params):
    cluster = _cluster(ctx, params['cluster'])
    if 'settings' in params:
        _check_settings(params['settings'])
        for setting in params['settings']:
            cluster.data['settings'] = [s for s in cluster.data['settings']
                                        if s['name'] != setting['name']] + [dict(setting)]
    if 'configuration' in params:
        cluster.data['configuration'] = params['configuration']
    _insights_side_effects(ctx.store, cluster, ctx.now())
    return {'cluster': _cluster_out(ctx, cluster, ('SETTINGS',))}


@ecsop('PutClusterCapacityProviders')
def put_cluster_capacity_providers(ctx, params):
    cluster = _cluster(ctx, params['cluster'])
    _check_capacity_providers(params['capacityProviders'],
                              params['defaultCapacityProviderStrategy'])
    cluster.data['capacityProviders'] = list(params['capacityProviders'])
    cluster.data['defaultCapacityProviderStrategy'] = list(params['defaultCapacityProviderStrategy'])
    return {'cluster': _cluster_out(ctx, cluster, ('SETTINGS',))}


def _insights_side_effects(store, cluster, now):
    """AWS creates the performance log group once Container Insights is on
    and tasks run in the cluster."""
    if not _insights(cluster):
        return
    if any(t.data['clusterArn'] == cluster.arn and t.data['lastStatus'] != 'STOPPED'
           for t in store.select(cluster.account, cluster.region, 'ecs', 'task')):
        nc.ensure_log_group(store, cluster.account, cluster.region, now,
                            f'/aws/ecs/containerinsights/{cluster.id}/performance')


# ---- task definitions -------------------------------------------------------------

def _units(value, kind):
    """Task cpu/memory: '256', '0.25 vCPU', '1 vCPU', '512', '2 GB', '2GB'."""
    text = str(value).strip()
    match = re.fullmatch(r'(\d+(\.\d+)?)\s*(vcpu|gb)?', text, re.IGNORECASE)
    if not match:
        raise _client(f'Invalid {kind} value: {value}')
    number = float(match.group(1))
    unit = (match.group(3) or '').lower()
    if unit == 'vcpu':
        number *= 1024
    elif unit == 'gb':
        number *= 1024
    return int(number)


def _role_arn(ctx, value):
    if value is None or value.startswith('arn:'):
        return value
    return f'arn:aws:iam::{ctx.account}:role/{value}'


def _container_out(container, network_mode):
    out = dict(container)
    out.setdefault('cpu', 0)
    out.setdefault('essential', True)
    for key in ('environment', 'mountPoints', 'volumesFrom', 'systemControls'):
        out.setdefault(key, [])
    mappings = []
    for mapping in container.get('portMappings') or []:
        mapping = dict(mapping)
        mapping.setdefault('protocol', 'tcp')
        if network_mode in ('awsvpc', 'host') and 'containerPort' in mapping:
            if mapping.setdefault('hostPort', mapping['containerPort']) != mapping['containerPort']:
                raise _client('When networkMode=awsvpc, the host ports and container ports in '
                              'port mappings must match.')
        mappings.append(mapping)
    out['portMappings'] = mappings
    return out


@ecsop('RegisterTaskDefinition')
def register_task_definition(ctx, params):
    family = params['family']
    if not re.fullmatch(r'[A-Za-z0-9_-]{1,255}', family):
        raise _client('Family contains invalid characters; up to 255 letters (uppercase and '
                      'lowercase), numbers, hyphens, and underscores are allowed.')
    requires = params.get('requiresCompatibilities') or []
    fargate = 'FARGATE' in requires
    network_mode = params.get('networkMode', 'awsvpc' if fargate else 'bridge')
    containers = params['containerDefinitions']
    if not containers:
        raise _client('Container list cannot be empty.')
    names = set()
    cpu = memory = None
    if 'cpu' in params:
        cpu = _units(params['cpu'], 'cpu')
    if 'memory' in params:
        memory = _units(params['memory'], 'memory')
    if fargate:
        if network_mode != 'awsvpc':
            raise _client('Fargate only supports network mode \u2018awsvpc\u2019.')
        if cpu is None:
            raise _client("Fargate requires that 'cpu' be defined at the task level.")
        if memory is None:
            raise _client("Fargate requires that 'memory' be defined at the task level.")
        if memory not in FARGATE_MEMORY.get(cpu, []):
            raise _client(f'No Fargate configuration exists for given values: {cpu} CPU, '
                          f'{memory} memory. See the Amazon ECS documentation for the valid '
                          'values.')
    for container in containers:
        name = container.get('name')
        if not name:
            raise _client('Container.name should not be null or empty.')
        if name in names:
            raise _client(f'Duplicate container name: {name}')
        names.add(name)
        if not container.get('image'):
            raise _client('Container.image should not be null or empty.')
        if memory is None and 'memory' not in container and 'memoryReservation' not in container:
            raise _client(f"Invalid setting for container '{name}'. At least one of 'memory' or "
                          "'memoryReservation' must be specified.")
        if 'memory' in container and 'memoryReservation' in container and \
                container['memoryReservation'] > container['memory']:
            raise _client(f"Invalid setting for container '{name}'. 'memoryReservation' must be "
                          "less than or equal to 'memory'.")
        logging = container.get('logConfiguration') or {}
        if logging.get('logDriver') == 'awslogs':
            options = logging.get('options') or {}
            if 'awslogs-group' not in options or 'awslogs-region' not in options:
                raise _client('Log driver awslogs option \'awslogs-group\' and '
                              '\'awslogs-region\' should not be null or empty.')
            if fargate and not params.get('executionRoleArn'):
                raise _client('Fargate requires task definition to have execution role ARN to '
                              'support log driver awslogs.')
    tags = _tags_in(params.get('tags'))
    # Revisions are never reused, even once deleted.
    revision = 1 + max([d.data['revision'] for d in ctx.resources('task-definition')
                        if d.data['family'] == family] or [0])
    compatibilities = ['EC2']
    if network_mode == 'awsvpc' and cpu is not None and memory is not None:
        compatibilities.append('FARGATE')
    definition = {
        'taskDefinitionArn': ctx.arn(f'task-definition/{family}:{revision}'),
        'family': family, 'revision': revision, 'status': 'ACTIVE',
        'containerDefinitions': [_container_out(c, network_mode) for c in containers],
        'networkMode': network_mode, 'volumes': params.get('volumes') or [],
        'placementConstraints': params.get('placementConstraints') or [],
        'compatibilities': compatibilities, 'requiresCompatibilities': requires,
        'requiresAttributes': [], 'registeredAt': ctx.now(),
        'registeredBy': ctx.identity.arn if ctx.identity else f'arn:aws:iam::{ctx.account}:root'}
    for key in ('taskRoleArn', 'executionRoleArn'):
        if params.get(key):
            definition[key] = _role_arn(ctx, params[key])
    if cpu is not None:
        definition['cpu'] = str(cpu)
    if memory is not None:
        definition['memory'] = str(memory)
    for key in ('pidMode', 'ipcMode', 'proxyConfiguration', 'ephemeralStorage',
                'runtimePlatform', 'enableFaultInjection'):
        if key in params:
            definition[key] = params[key]
    resource = ctx.add_resource('task-definition', f'{family}:{revision}',
                                definition['taskDefinitionArn'], definition, tags)
    result = {'taskDefinition': dict(definition)}
    if tags:
        result['tags'] = _tags_out(tags)
    del resource
    return result


def _task_definition(ctx, ref, active_only=False):
    """A task definition by family (latest ACTIVE revision), family:revision
    or ARN."""
    if ref.startswith('arn:'):
        ref = ref.split('task-definition/', 1)[-1]
    if ':' in ref:
        definition = ctx.find_resource('task-definition', ref)
    else:
        candidates = [d for d in ctx.resources('task-definition')
                      if d.data['family'] == ref and d.data['status'] == 'ACTIVE']
        definition = max(candidates, key=lambda d: d.data['revision']) if candidates else None
    if definition is None:
        raise _client('Unable to describe task definition.')
    if active_only and definition.data['status'] != 'ACTIVE':
        raise _client(f"TaskDefinition is inactive")
    return definition


@ecsop('DescribeTaskDefinition')
def describe_task_definition(ctx, params):
    definition = _task_definition(ctx, params['taskDefinition'])
    result = {'taskDefinition': dict(definition.data)}
    for key in ('_tomb_tags', '_deleted'):
        result['taskDefinition'].pop(key, None)
    if 'TAGS' in (params.get('include') or []):
        result['tags'] = _tags_out(_tags_of(definition))
    return result


@ecsop('DeregisterTaskDefinition')
def deregister_task_definition(ctx, params):
    ref = params['taskDefinition']
    if ':' not in ref.split('task-definition/', 1)[-1]:
        raise _client('Revision must be specified: family:revision')
    definition = _task_definition(ctx, ref)
    if definition.data['status'] == 'ACTIVE':
        definition.data['status'] = 'INACTIVE'
        definition.data['deregisteredAt'] = ctx.now()
    out = dict(definition.data)
    for key in ('_tomb_tags', '_deleted'):
        out.pop(key, None)
    return {'taskDefinition': out}


@ecsop('DeleteTaskDefinitions')
def delete_task_definitions(ctx, params):
    refs = params['taskDefinitions']
    if not refs or len(refs) > 10:
        raise _invalid('You can specify up to 10 task definitions as a comma separated list.')
    deleted, failures = [], []
    for ref in refs:
        arn = ref if ref.startswith('arn:') else ctx.arn(f'task-definition/{ref}')
        if ':' not in ref.split('task-definition/', 1)[-1]:
            raise _client('Revision must be specified: family:revision')
        try:
            definition = _task_definition(ctx, ref)
        except AwsError:
            definition = None
        if definition is None:
            failures.append({'arn': arn, 'reason': 'TASK_DEFINITION_NOT_FOUND',
                             'detail': 'The specified task definition does not exist.'})
            continue
        if definition.data['status'] == 'ACTIVE':
            failures.append({'arn': definition.arn, 'reason': 'TASK_DEFINITION_NOT_INACTIVE',
                             'detail': 'The task definition must be deregistered (INACTIVE) '
                                       'before it can be deleted.'})
            continue
        if definition.data['status'] == 'INACTIVE':
            definition.data['status'] = 'DELETE_IN_PROGRESS'
            definition.data['deleteRequestedAt'] = ctx.now()
            _entomb(definition)
        out = dict(definition.data)
        for key in ('_tomb_tags', '_deleted'):
            out.pop(key, None)
        deleted.append(out)
    _purge_task_definitions(ctx.store)
    return {'taskDefinitions': deleted, 'failures': failures}


def _purge_task_definitions(store):
    """DELETE_IN_PROGRESS revisions nothing uses any more are gone."""
    used = {t.data.get('taskDefinitionArn') for t in store.select(service='ecs', type='task')
            if t.data.get('lastStatus') != 'STOPPED'}
    for service in store.select(service='ecs', type='service'):
        if service.data.get('status') != 'INACTIVE':
            used.update(d.get('taskDefinition') for d in service.data.get('deployments') or [])
    for definition in list(store.select(service='ecs', type='task-definition')):
        if definition.data['status'] == 'DELETE_IN_PROGRESS' and definition.arn not in used:
            store.remove(definition.arn)


def _list(ctx, params, items, key, out_key, render):
    page, token = ctx.paginate(items, params.get('nextToken'),
                               ctx.page_limit(params.get('maxResults'), 100), key=key,
                               invalid_token=_invalid('Invalid nextToken.'))
    result = {out_key: [render(i) for i in page]}
    if token:
        result['nextToken'] = token
    return result


@ecsop('ListTaskDefinitions')
def list_task_definitions(ctx, params):
    status = params.get('status', 'ACTIVE')
    items = [d for d in ctx.resources('task-definition') if d.data['status'] == status and
             (not params.get('familyPrefix') or d.data['family'] == params['familyPrefix'])]
    reverse = params.get('sort') == 'DESC'
    items.sort(key=lambda d: (d.data['family'], d.data['revision']), reverse=reverse)
    keyed = [(f"{'~' if reverse else ''}{i:08d}", d) for i, d in enumerate(items)]
    return _list(ctx, params, keyed, lambda x: x[0], 'taskDefinitionArns', lambda x: x[1].arn)


@ecsop('ListTaskDefinitionFamilies')
def list_task_definition_families(ctx, params):
    status = params.get('status', 'ACTIVE')
    families = {}
    for definition in ctx.resources('task-definition'):
        families.setdefault(definition.data['family'], set()).add(definition.data['status'])
    names = sorted(f for f, statuses in families.items()
                   if f.startswith(params.get('familyPrefix', '')) and
                   (status == 'ALL' or (status == 'ACTIVE' and 'ACTIVE' in statuses) or
                    (status == 'INACTIVE' and 'ACTIVE' not in statuses)))
    return _list(ctx, params, names, lambda n: n, 'families', lambda n: n)


# ---- services ---------------------------------------------------------------------

def _services(ctx, cluster):
    return [s for s in ctx.resources('service') if s.data['clusterArn'] == cluster.arn]


def _service_name(ref):
    return ref.rsplit('/', 1)[-1] if ref.startswith('arn:') else ref


def _find_service(ctx, cluster, ref):
    return ctx.find_resource('service', f'{cluster.id}/{_service_name(ref)}')


def _ec2(ctx, type, id):
    return nc.find_ec2(ctx.store, ctx.account, ctx.region, type, id)


def _check_network(ctx, configuration, definition):
    mode = definition.data['networkMode']
    if mode != 'awsvpc':
        if configuration:
            raise _invalid('Network Configuration is not valid for the given networkMode of '
                           'this task definition.')
        return None
    if not configuration or 'awsvpcConfiguration' not in configuration:
        raise _invalid("Network Configuration must be provided when networkMode 'awsvpc' is "
                       'specified.')
    vpc_config = dict(configuration['awsvpcConfiguration'])
    subnets = vpc_config.get('subnets') or []
    if not subnets:
        raise _invalid('subnets can not be empty.')
    if len(subnets) > 16:
        raise _invalid('subnets can have at most 16 items.')
    vpcs = set()
    for subnet_id in subnets:
        subnet = _ec2(ctx, 'subnet', subnet_id)
        if subnet is None:
            raise _invalid(f'Error retrieving subnet information for [{subnet_id}]: The subnet ID '
                           f"'{subnet_id}' does not exist (ErrorCode: InvalidSubnetID.NotFound)")
        vpcs.add(subnet.data['VpcId'])
    if len(vpcs) > 1:
        raise _invalid('The subnets provided are not in the same VPC.')
    for group_id in vpc_config.get('securityGroups') or []:
        group = _ec2(ctx, 'security-group', group_id)
        if group is None:
            raise _invalid(f'Error retrieving security group information for [{group_id}]: The '
                           f"security group '{group_id}' does not exist (ErrorCode: "
                           'InvalidGroup.NotFound)')
        if group.data['VpcId'] not in vpcs:
            raise _invalid(f'Security group {group_id} is not in the VPC of the subnets.')
    vpc_config.setdefault('securityGroups', [])
    vpc_config.setdefault('assignPublicIp', 'DISABLED')
    if not vpc_config['securityGroups']:
        default = [g for g in ctx.resources('security-group', service='ec2')
                   if g.data['VpcId'] in vpcs and g.data['GroupName'] == 'default']
        vpc_config['_groups'] = [g.id for g in default]
    return {'awsvpcConfiguration': vpc_config}


def _check_load_balancers(ctx, balancers, definition):
    for balancer in balancers:
        arn = balancer.get('targetGroupArn')
        if not arn:
            raise _invalid('targetGroupArn must be specified for application and network load '
                           'balancers.')
        group = ctx.store.get(arn)
        if group is None or group.service != 'elbv2' or group.type != 'targetgroup':
            raise _invalid(f'The target group with targetGroupArn {arn} does not exist.')
        if not nc.tg_balancers(ctx.store, ctx.account, ctx.region, arn):
            raise _invalid(f'The target group with targetGroupArn {arn} does not have an '
                           'associated load balancer.')
        if definition.data['networkMode'] == 'awsvpc' and group.data['TargetType'] != 'ip':
            raise _invalid(f"The provided target group {arn} has target type "
                           f"{group.data['TargetType']}, which is incompatible with the awsvpc "
                           'network mode specified in the task definition.')
        name, port = balancer.get('containerName'), balancer.get('containerPort')
        container = next((c for c in definition.data['containerDefinitions']
                          if c['name'] == name), None)
        if container is None:
            raise _invalid(f'The container {name} does not exist in the task definition.')
        if not any(m.get('containerPort') == port for m in container['portMappings']):
            raise _invalid(f'The container {name} did not have a container port {port} defined.')


def _check_registries(ctx, registries):
    for registry in registries:
        arn = registry.get('registryArn', '')
        if nc.sd_service(ctx.store, arn) is None:
            raise _invalid(f'Service Registry {arn} does not exist.')


def _new_deployment(ctx, service, definition, desired, now=None):
    data = service.data
    now = now or ctx.now()
    deployment = {
        'id': f'ecs-svc/{_ms_id()}', 'status': 'PRIMARY', 'taskDefinition': definition.arn,
        'desiredCount': desired, 'pendingCount': 0, 'runningCount': 0, 'failedTasks': 0,
        'createdAt': now, 'updatedAt': now,
        'rolloutState': 'IN_PROGRESS'}
    deployment['rolloutStateReason'] = f"ECS deployment {deployment['id']} in progress."
    if data.get('launchType'):
        deployment['launchType'] = data['launchType']
    if data.get('launchType') == 'FARGATE':
        deployment['platformVersion'] = '1.4.0'
        deployment['platformFamily'] = 'Linux'
    if data.get('capacityProviderStrategy'):
        deployment['capacityProviderStrategy'] = data['capacityProviderStrategy']
    if data.get('networkConfiguration'):
        deployment['networkConfiguration'] = data['networkConfiguration']
    for old in data['deployments']:
        old['status'] = 'ACTIVE'
        old['updatedAt'] = now
    data['deployments'].insert(0, deployment)
    return deployment


def _event(service, now, message):
    service.data['events'].insert(0, {'id': nc.new_uuid(), 'createdAt': now,
                                      'message': f"(service {service.data['serviceName']}) "
                                                 + message})
    del service.data['events'][100:]


def _public_network(configuration):
    if not configuration:
        return None
    vpc = {k: v for k, v in configuration['awsvpcConfiguration'].items() if not k.startswith('_')}
    return {'awsvpcConfiguration': vpc}


def _service_out(ctx, service, include=()):
    data = service.data
    tasks = [t for t in ctx.resources('task') if t.data.get('_service') == service.arn]
    for deployment in data['deployments']:
        mine = [t for t in tasks if t.data['startedBy'] == deployment['id']]
        deployment['runningCount'] = sum(1 for t in mine if t.data['lastStatus'] == 'RUNNING')
        deployment['pendingCount'] = sum(1 for t in mine if t.data['lastStatus'] in
                                         ('PROVISIONING', 'PENDING', 'ACTIVATING'))
    out = {k: v for k, v in data.items() if not k.startswith('_')}
    out['networkConfiguration'] = _public_network(data.get('networkConfiguration'))
    out['deployments'] = []
    for deployment in data['deployments']:
        shown = dict(deployment)
        shown['networkConfiguration'] = _public_network(deployment.get('networkConfiguration'))
        out['deployments'].append(shown)
    out['runningCount'] = sum(1 for t in tasks if t.data['lastStatus'] == 'RUNNING')
    out['pendingCount'] = sum(1 for t in tasks if t.data['lastStatus'] in
                              ('PROVISIONING', 'PENDING', 'ACTIVATING'))
    if 'TAGS' in include:
        out['tags'] = _tags_out(_tags_of(service))
    return out


@ecsop('CreateService')
def create_service(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    name = params['serviceName']
    if not re.fullmatch(r'[A-Za-z0-9_-]{1,255}', name):
        raise _invalid('Service name can only contain letters, numbers, hyphens and underscores.')
    existing = _find_service(ctx, cluster, name)
    if existing is not None and existing.data['status'] in ('ACTIVE', 'DRAINING'):
        raise _invalid('Creation of service was not idempotent.')
    if 'taskDefinition' not in params:
        raise _invalid('TaskDefinition must be specified for ECS deployment controller.')
    definition = _task_definition(ctx, params['taskDefinition'], active_only=True)
    strategy = params.get('schedulingStrategy', 'REPLICA')
    launch_type = params.get('launchType')
    providers = params.get('capacityProviderStrategy')
    if launch_type and providers:
        raise _invalid('Specifying both a launch type and capacity provider strategy is not '
                       'supported. Remove one and try again.')
    if not launch_type and not providers:
        providers = cluster.data['defaultCapacityProviderStrategy'] or None
        if not providers:
            launch_type = 'EC2'
    if providers:
        _check_capacity_providers(cluster.data['capacityProviders'], providers)
    fargate = launch_type == 'FARGATE' or bool(providers)
    if fargate and 'FARGATE' not in definition.data['compatibilities']:
        raise _invalid('Task definition does not support launch_type FARGATE.')
    if strategy == 'DAEMON':
        if fargate:
            raise _invalid('The daemon scheduling strategy does not support the FARGATE launch '
                           'type.')
        if params.get('desiredCount'):
            raise _invalid('The daemon scheduling strategy does not support a desired count '
                           'for services.')
    desired = params.get('desiredCount', 0) if strategy == 'REPLICA' else 0
    if params.get('role') and definition.data['networkMode'] == 'awsvpc':
        raise _invalid('You cannot specify an IAM role for services that require a service '
                       'linked role.')
    network = _check_network(ctx, params.get('networkConfiguration'), definition)
    balancers = params.get('loadBalancers') or []
    _check_load_balancers(ctx, balancers, definition)
    registries = params.get('serviceRegistries') or []
    _check_registries(ctx, registries)
    tags = _tags_in(params.get('tags'))
    if existing is not None:
        ctx.remove_resource(existing.arn)
    arn = ctx.arn(f'service/{cluster.id}/{name}')
    configuration = params.get('deploymentConfiguration') or {}
    configuration.setdefault('deploymentCircuitBreaker', {'enable': False, 'rollback': False})
    configuration.setdefault('maximumPercent', 100 if strategy == 'DAEMON' else 200)
    configuration.setdefault('minimumHealthyPercent', 0 if strategy == 'DAEMON' else 100)
    data = {
        'serviceArn': arn, 'serviceName': name, 'clusterArn': cluster.arn,
        'loadBalancers': balancers, 'serviceRegistries': registries, 'status': 'ACTIVE',
        'desiredCount': desired, 'runningCount': 0, 'pendingCount': 0,
        'taskDefinition': definition.arn, 'deploymentConfiguration': configuration,
        'taskSets': [], 'deployments': [], 'events': [], 'createdAt': ctx.now(),
        'placementConstraints': params.get('placementConstraints') or [],
        'placementStrategy': params.get('placementStrategy') or [],
        'networkConfiguration': network, 'schedulingStrategy': strategy,
        'deploymentController': params.get('deploymentController') or {'type': 'ECS'},
        'createdBy': ctx.identity.arn if ctx.identity else f'arn:aws:iam::{ctx.account}:root',
        'enableECSManagedTags': params.get('enableECSManagedTags', False),
        'propagateTags': params.get('propagateTags', 'NONE'),
        'enableExecuteCommand': params.get('enableExecuteCommand', False),
        'availabilityZoneRebalancing': params.get('availabilityZoneRebalancing',
                                                  'ENABLED' if strategy == 'REPLICA' else
                                                  'DISABLED'),
        '_next_subnet': 0}
    if launch_type:
        data['launchType'] = launch_type
    else:
        data['capacityProviderStrategy'] = providers
    if fargate:
        data['platformVersion'] = params.get('platformVersion', 'LATEST')
        data['platformFamily'] = 'Linux'
    if balancers:
        data['healthCheckGracePeriodSeconds'] = params.get('healthCheckGracePeriodSeconds', 0)
        if params.get('role'):
            data['roleArn'] = _role_arn(ctx, params['role'])
    if params.get('role') and not nc.role_propagated(ctx.store, ctx.account,
                                                     _role_arn(ctx, params['role']), ctx.now()):
        # A role created a moment ago has not propagated (AWS timing).
        raise _invalid('Unable to assume role and validate the specified '
                       'targetGroupArn. Please verify that the ECS service role being '
                       'passed has the proper permissions.')
    service = ctx.add_resource('service', f'{cluster.id}/{name}', arn, data, tags)
    _new_deployment(ctx, service, definition, desired)
    _reconcile(ctx.store, service, ctx.now())
    _insights_side_effects(ctx.store, cluster, ctx.now())
    return {'service': _service_out(ctx, service, ('TAGS',))}


def _service(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    service = _find_service(ctx, cluster, params['service'])
    if service is None:
        raise AwsError('ServiceNotFoundException', 'Service not found.')
    return cluster, service


@ecsop('UpdateService')
def update_service(ctx, params):
    cluster, service = _service(ctx, params)
    data = service.data
    if data['status'] != 'ACTIVE':
        raise AwsError('ServiceNotActiveException', 'Service was not ACTIVE.')
    definition = _task_definition(ctx, params.get('taskDefinition') or data['taskDefinition'],
                                  active_only='taskDefinition' in params)
    if 'loadBalancers' in params and data.get('roleArn') and \
            not nc.role_propagated(ctx.store, ctx.account, data['roleArn'], ctx.now()):
        # ECS validates the target groups with the service's role again;
        # one created a moment ago has not propagated (AWS timing).
        raise _invalid('Unable to assume role and validate the specified '
                       'targetGroupArn. Please verify that the ECS service role being '
                       'passed has the proper permissions.')
    new_deployment = params.get('forceNewDeployment') or definition.arn != data['taskDefinition']
    if 'desiredCount' in params:
        if data['schedulingStrategy'] == 'DAEMON':
            raise _invalid('The daemon scheduling strategy does not support a desired count '
                           'for services.')
        data['desiredCount'] = params['desiredCount']
    if 'networkConfiguration' in params:
        data['networkConfiguration'] = _check_network(ctx, params['networkConfiguration'],
                                                      definition)
        new_deployment = True
    if 'loadBalancers' in params:
        _check_load_balancers(ctx, params['loadBalancers'], definition)
        data['loadBalancers'] = params['loadBalancers']
        new_deployment = True
    if 'serviceRegistries' in params:
        _check_registries(ctx, params['serviceRegistries'])
        data['serviceRegistries'] = params['serviceRegistries']
        new_deployment = True
    for key in ('deploymentConfiguration', 'healthCheckGracePeriodSeconds', 'enableExecuteCommand',
                'enableECSManagedTags', 'propagateTags', 'placementConstraints',
                'placementStrategy', 'availabilityZoneRebalancing'):
        if key in params:
            data[key] = params[key]
    if 'platformVersion' in params:
        data['platformVersion'] = params['platformVersion']
        new_deployment = True
    if new_deployment:
        data['taskDefinition'] = definition.arn
        _new_deployment(ctx, service, definition, data['desiredCount'])
    else:
        primary = data['deployments'][0]
        if primary['desiredCount'] != data['desiredCount']:
            primary['desiredCount'] = data['desiredCount']
            primary['updatedAt'] = ctx.now()
            if primary['rolloutState'] == 'COMPLETED':
                primary['rolloutState'] = 'IN_PROGRESS'
                primary['rolloutStateReason'] = f"ECS deployment {primary['id']} in progress."
    _reconcile(ctx.store, service, ctx.now())
    _insights_side_effects(ctx.store, cluster, ctx.now())
    return {'service': _service_out(ctx, service)}


@ecsop('DeleteService')
def delete_service(ctx, params):
    cluster, service = _service(ctx, params)
    data = service.data
    if data['status'] == 'INACTIVE':
        raise AwsError('ServiceNotActiveException', 'Service was not ACTIVE.')
    if data['status'] == 'ACTIVE':
        if data['desiredCount'] > 0 and data['schedulingStrategy'] == 'REPLICA' \
                and not params.get('force'):
            raise _invalid('The service cannot be stopped while it is scaled above 0.')
        data['status'] = 'DRAINING'
        data['desiredCount'] = 0
        for deployment in data['deployments']:
            deployment['desiredCount'] = 0
        data['_draining_since'] = ctx.now()
        _reconcile(ctx.store, service, ctx.now())
    return {'service': _service_out(ctx, service)}


@ecsop('DescribeServices')
def describe_services(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    refs = params['services']
    if len(refs) > 10:
        raise _invalid('services can have at most 10 items.')
    services, failures = [], []
    if ignores_filters(ctx):
        # ... and every service of the cluster.
        return {'services': [_service_out(ctx, s, params.get('include') or [])
                             for s in sorted(_services(ctx, cluster), key=lambda s: s.arn)
                             if s.data['status'] != 'INACTIVE'], 'failures': []}
    for ref in refs:
        service = _find_service(ctx, cluster, ref)
        if service is None:
            arn = ref if ref.startswith('arn:') else ctx.arn(f'service/{cluster.id}/{ref}')
            failures.append({'arn': arn, 'reason': 'MISSING'})
        else:
            services.append(_service_out(ctx, service, params.get('include') or []))
    return {'services': services, 'failures': failures}


@ecsop('ListServices')
def list_services(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    items = sorted((s for s in _services(ctx, cluster) if s.data['status'] != 'INACTIVE'
                    and (not params.get('launchType') or
                         s.data.get('launchType') == params['launchType'])
                    and (not params.get('schedulingStrategy') or
                         s.data['schedulingStrategy'] == params['schedulingStrategy'])),
                   key=lambda s: s.arn)
    return _list(ctx, params, items, lambda s: s.arn, 'serviceArns', lambda s: s.arn)


# ---- tasks and the scheduler -----------------------------------------------------

def _task_out(task, include=()):
    out = {k: v for k, v in task.data.items() if not k.startswith('_')}
    if 'TAGS' in include:
        out['tags'] = _tags_out(_tags_of(task))
    return out


def _start_task(store, service, deployment, now):
    data = service.data
    cluster = store.get(data['clusterArn'])
    definition = store.get(deployment['taskDefinition'])
    task_id = nc.new_uuid().replace('-', '')
    arn = f'arn:aws:ecs:{service.region}:{service.account}:task/{cluster.id}/{task_id}'
    attachments = []
    zone = None
    eni = None
    network = deployment.get('networkConfiguration')
    if network:
        vpc = network['awsvpcConfiguration']
        subnets = vpc['subnets']
        subnet = nc.find_ec2(store, service.account, service.region, 'subnet',
                             subnets[data['_next_subnet'] % len(subnets)])
        data['_next_subnet'] += 1
        if subnet is None:
            _event(service, now, f"was unable to place a task. Reason: The subnet ID "
                                  f"'{subnets[0]}' does not exist.")
            return None
        attachment_id = nc.new_uuid()
        groups = vpc['securityGroups'] or vpc.get('_groups', [])
        eni = nc.create_eni(
            store, service.account, service.region, now, subnet, groups,
            f'arn:aws:ecs:{service.region}:{service.account}:attachment/{attachment_id}',
            requester_id=ECS_ACCOUNT)
        if vpc.get('assignPublicIp') == 'ENABLED':
            eni.data['Association'] = {'IpOwnerId': 'amazon', 'PublicIp': nc.public_ip(),
                                       'PublicDnsName': ''}
        zone = subnet.data['AvailabilityZone']
        attachments.append({'id': attachment_id, 'type': 'ElasticNetworkInterface',
                            'status': 'PRECREATED', 'details': [
                                {'name': 'subnetId', 'value': subnet.id},
                                {'name': 'networkInterfaceId', 'value': eni.id},
                                {'name': 'macAddress', 'value': eni.data['MacAddress']},
                                {'name': 'privateDnsName', 'value': eni.data['PrivateDnsName']},
                                {'name': 'privateIPv4Address',
                                 'value': eni.data['PrivateIpAddress']}]})
    containers = []
    for container in definition.data['containerDefinitions']:
        item = {'containerArn': f'arn:aws:ecs:{service.region}:{service.account}:container/'
                                f'{cluster.id}/{task_id}/{nc.new_uuid()}',
                'taskArn': arn, 'name': container['name'], 'image': container['image'],
                'lastStatus': 'PENDING', 'networkInterfaces': [], 'healthStatus': 'UNKNOWN',
                'cpu': str(container.get('cpu', 0))}
        if 'memory' in container:
            item['memory'] = str(container['memory'])
        if 'memoryReservation' in container:
            item['memoryReservation'] = str(container['memoryReservation'])
        if eni is not None:
            item['networkInterfaces'] = [{'attachmentId': attachments[0]['id'],
                                          'privateIpv4Address': eni.data['PrivateIpAddress']}]
        containers.append(item)
    task = {'taskArn': arn, 'clusterArn': cluster.arn, 'taskDefinitionArn': definition.arn,
            'attachments': attachments, 'attributes': [], 'containers': containers,
            'createdAt': now, 'desiredStatus': 'RUNNING', 'lastStatus': 'PROVISIONING',
            'group': f"service:{data['serviceName']}", 'startedBy': deployment['id'],
            'version': 1, 'healthStatus': 'UNKNOWN', 'connectivity': 'CONNECTED',
            'connectivityAt': now, 'enableExecuteCommand': data['enableExecuteCommand'],
            'overrides': {'containerOverrides': [{'name': c['name']} for c in containers],
                          'inferenceAcceleratorOverrides': []},
            '_service': service.arn, '_since': now, '_eni': eni.id if eni else None}
    if zone:
        task['availabilityZone'] = zone
    for key in ('cpu', 'memory'):
        if key in definition.data:
            task[key] = definition.data[key]
    if deployment.get('launchType'):
        task['launchType'] = deployment['launchType']
    else:
        task['capacityProviderName'] = deployment['capacityProviderStrategy'][0]['capacityProvider']
        task['launchType'] = 'FARGATE'
    if task['launchType'] == 'FARGATE':
        task['platformVersion'] = '1.4.0'
        task['platformFamily'] = 'Linux'
        task['ephemeralStorage'] = {'sizeInGiB': 20}
    tags = dict(service.tags) if data['propagateTags'] == 'SERVICE' else {}
    if data['enableECSManagedTags']:
        tags.update({'aws:ecs:clusterName': cluster.id,
                     'aws:ecs:serviceName': data['serviceName']})
    store.add(Resource('ecs', 'task', task_id, arn, service.account, service.region, task,
                       tags, True, now))
    return task


def _create_group_on(value):
    """Docker's awslogs driver parses awslogs-create-group with Go's
    strconv.ParseBool: these are its true spellings."""
    return value in ('1', 't', 'T', 'true', 'True', 'TRUE')


def _log_problem(store, service, definition, now):
    """The awslogs group a task would fail on, after creating those it may."""
    for container in definition.data['containerDefinitions']:
        logging = container.get('logConfiguration') or {}
        if logging.get('logDriver') != 'awslogs':
            continue
        options = logging.get('options') or {}
        group = options['awslogs-group']
        region = options.get('awslogs-region', service.region)
        if _create_group_on(options.get('awslogs-create-group')):
            nc.ensure_log_group(store, service.account, region, now, group)
        elif store.find(service.account, region, 'logs', 'log-group', group) is None:
            return group
    return None


# Images on the reserved top-level domain .invalid (RFC 2606) can never be
# pulled: the way a test makes a task fail as a wrong image name does.
def _unpullable(definition):
    for container in definition.data['containerDefinitions']:
        image = container.get('image', '')
        host = image.split('/', 1)[0] if '/' in image else ''
        if host.split(':', 1)[0].endswith('.invalid'):
            return container['image'], host
    return None


def _start_problem(store, service, definition, now):
    """Why a task of `definition` fails to start, in ECS's words, or None."""
    role = definition.data.get('executionRoleArn')
    if role and not nc.role_propagated(store, service.account, role, now):
        return ('ECS was unable to assume the role \'%s\' that was provided for this task. '
                'Please verify that the role being passed has the proper trust relationship '
                'and permissions and that your IAM user has permissions to pass this role.'
                % role)
    unpullable = _unpullable(definition)
    if unpullable:
        image, host = unpullable
        ref = image if ':' in image.rsplit('/', 1)[-1] else image + ':latest'
        path, _, tag = ref.partition('/')[2].rpartition(':')
        return (f'CannotPullContainerError: pull image manifest has been retried 5 time(s): '
                f'failed to resolve ref {ref}: failed to do request: Head '
                f'"https://{host}/v2/{path}/manifests/{tag}": dial tcp: lookup {host}: '
                'no such host')
    if _log_problem(store, service, definition, now):
        return ('ResourceInitializationError: failed to validate logger args: create stream '
                'has been retried 1 times: failed to create Cloudwatch log stream: '
                'ResourceNotFoundException: The specified log group does not exist. : exit '
                'status 1')
    return None


def _task_running(store, service, task, now):
    data = task.data
    definition = store.get(data['taskDefinitionArn'])
    problem = _start_problem(store, service, definition, now)
    if problem:
        data['stoppedReason'] = problem
        data['stopCode'] = 'TaskFailedToStart'
        _stop_task(store, task, now, data['stoppedReason'], failed=True)
        deployment = next((d for d in service.data['deployments']
                           if d['id'] == data['startedBy']), None)
        _event(service, now, f"has started 0 tasks: task {task.id} failed to start: "
                             f"{data['stoppedReason']}")
        if deployment is not None:
            deployment['failedTasks'] += 1
            if deployment['failedTasks'] == 3:
                _event(service, now, 'is unable to consistently start tasks successfully. For '
                                     'more information, see the Troubleshooting section of the '
                                     'Amazon ECS Developer Guide.')
        return
    data['lastStatus'] = 'RUNNING'
    data['startedAt'] = data['pullStartedAt'] = data['pullStoppedAt'] = now
    data['_since'] = now
    for container in data['containers']:
        container['lastStatus'] = 'RUNNING'
        container['runtimeId'] = f'{task.id}-{random.randint(1000000000, 9999999999)}'
    for attachment in data['attachments']:
        attachment['status'] = 'ATTACHED'
    _register(store, service, task, now)
    cluster = store.get(data['clusterArn'])
    _insights_side_effects(store, cluster, now)


def _task_ip(task):
    for attachment in task.data['attachments']:
        for detail in attachment['details']:
            if detail['name'] == 'privateIPv4Address':
                return detail['value']
    return None


def _register(store, service, task, now):
    address = _task_ip(task)
    if address is None:
        return
    for balancer in service.data['loadBalancers']:
        group = store.get(balancer['targetGroupArn'])
        if group is not None:
            nc.tg_register(group, [{'Id': address, 'Port': balancer['containerPort']}], now)
    for registry in service.data['serviceRegistries']:
        nc.sd_register(store, registry['registryArn'], task.id, {
            'AWS_INSTANCE_IPV4': address, 'AVAILABILITY_ZONE': task.data.get('availabilityZone', ''),
            'ECS_CLUSTER_NAME': store.get(task.data['clusterArn']).id,
            'ECS_SERVICE_NAME': service.data['serviceName'],
            'ECS_TASK_DEFINITION_FAMILY': store.get(task.data['taskDefinitionArn']).data['family']})


def _stop_task(store, task, now, reason, failed=False):
    data = task.data
    if data['desiredStatus'] == 'STOPPED':
        return
    data['desiredStatus'] = 'STOPPED'
    data['stoppedReason'] = reason
    data.setdefault('stopCode', 'ServiceSchedulerInitiated' if not failed else 'TaskFailedToStart')
    data['stoppingAt'] = now
    data['lastStatus'] = 'DEPROVISIONING' if failed else 'STOPPING' \
        if data['lastStatus'] == 'RUNNING' else 'DEPROVISIONING'
    data['_since'] = now
    service = store.get(data.get('_service') or '')
    if service is not None:
        address = _task_ip(task)
        for balancer in service.data['loadBalancers']:
            group = store.get(balancer['targetGroupArn'])
            if group is not None and address:
                nc.tg_deregister(group, [{'Id': address, 'Port': balancer['containerPort']}], now)
        for registry in service.data['serviceRegistries']:
            nc.sd_deregister(store, registry['registryArn'], task.id)


def _task_stopped(store, task, now):
    data = task.data
    data['lastStatus'] = 'STOPPED'
    data['stoppedAt'] = data['executionStoppedAt'] = now
    data['_since'] = now
    for container in data['containers']:
        container['lastStatus'] = 'STOPPED'
    for attachment in data['attachments']:
        attachment['status'] = 'DELETED'
    if data.get('_eni'):
        eni = store.find(task.account, task.region, 'ec2', 'network-interface', data['_eni'])
        if eni is not None:
            nc.release_eni_later(store, eni, now, 'ENI_ECS', task.arn)
        data['_eni'] = None
    _entomb(task)


def _reconcile(store, service, now):
    """The service scheduler: start and stop tasks so the PRIMARY
    deployment has its desired count, retire older deployments once the
    new one runs, finish the rollout, finish draining."""
    data = service.data
    tasks = [t for t in store.select(service.account, service.region, 'ecs', 'task')
             if t.data.get('_service') == service.arn]
    live = [t for t in tasks if t.data['desiredStatus'] == 'RUNNING']
    if not data['deployments']:
        return
    primary = data['deployments'][0]
    if data['status'] == 'DRAINING':
        for task in live:
            _stop_task(store, task, now, 'Service deleted')
        if all(t.data['lastStatus'] == 'STOPPED' for t in tasks):
            data['status'] = 'INACTIVE'
            data['_inactive_since'] = now
            data['deployments'] = [d for d in data['deployments'][:1]]
            _entomb(service)
        return
    if data['status'] != 'ACTIVE':
        return
    mine = [t for t in live if t.data['startedBy'] == primary['id']]
    wanted = primary['desiredCount']
    breaker = data['deploymentConfiguration'].get('deploymentCircuitBreaker') or {}
    threshold = max(3, min(200, (wanted + 1) // 2))
    if primary['rolloutState'] != 'FAILED' and breaker.get('enable') and \
            primary['failedTasks'] >= threshold:
        primary['rolloutState'] = 'FAILED'
        primary['rolloutStateReason'] = 'ECS deployment circuit breaker: tasks failed to start.'
        _event(service, now, f"deployment {primary['id']} deployment failed: tasks failed to "
                             'start.')
        stable = data.get('_stable_task_definition')
        if breaker.get('rollback') and stable and stable != primary['taskDefinition']:
            # Roll back to the last deployment that completed.
            definition = store.get(stable)
            rollback = _new_deployment(None, service, definition, primary['desiredCount'], now)
            rollback['rolloutStateReason'] = (f"ECS deployment circuit breaker: rolling back to "
                                              f"deploymentId {primary['id']}.")
            data['taskDefinition'] = stable
            _event(service, now, f"rolling back to deployment {rollback['id']}.")
            return
    if primary['rolloutState'] == 'FAILED':
        return
    launch = data.get('launchType', 'FARGATE')
    if launch == 'EC2' and len(mine) < wanted:
        if not data.get('_placement_warned'):
            _event(service, now, 'was unable to place a task because no container instance met '
                                 'all of its requirements. Reason: No Container Instances were '
                                 'found in your cluster.')
            data['_placement_warned'] = True
    elif len(mine) < wanted:
        started = [_start_task(store, service, primary, now) for _ in range(wanted - len(mine))]
        started = [t for t in started if t]
        if started:
            _event(service, now, f"has started {len(started)} tasks: " + ' '.join(
                f"(task {t['taskArn'].rsplit('/', 1)[-1]})" for t in started) + '.')
    elif len(mine) > wanted:
        for task in sorted(mine, key=lambda t: t.data['createdAt'], reverse=True)[:len(mine) - wanted]:
            _stop_task(store, task, now, 'Scaling activity initiated by (deployment '
                                         f"{primary['id']})")
    running = [t for t in mine if t.data['lastStatus'] == 'RUNNING']
    if len(running) >= wanted:
        # The new deployment runs: retire the older ones.
        for task in live:
            if task.data['startedBy'] != primary['id']:
                _stop_task(store, task, now, 'Scaling activity initiated by (deployment '
                                             f"{primary['id']})")
        old_left = [t for t in tasks if t.data['startedBy'] != primary['id'] and
                    t.data['lastStatus'] != 'STOPPED']
        if not old_left:
            data['deployments'] = [primary]
            if primary['rolloutState'] == 'IN_PROGRESS':
                data['_stable_task_definition'] = primary['taskDefinition']
                primary['rolloutState'] = 'COMPLETED'
                primary['rolloutStateReason'] = 'ECS deployment ' + primary['id'] + ' completed.'
                primary['updatedAt'] = now
                _event(service, now, f"deployment {primary['id']} deployment completed.")
                _event(service, now, 'has reached a steady state.')


@nc.ticker
def _advance_ecs(store, now):
    for task in store.select(service='ecs', type='task'):
        data = task.data
        status = data['lastStatus']
        if status == 'PROVISIONING' and data['desiredStatus'] == 'RUNNING' and \
                nc.due(data['_since'], now, 'ECS', key=task.arn, owner=data.get('_service')):
            service = store.get(data['_service'])
            if service is not None:
                _task_running(store, service, task, now)
        elif status in ('STOPPING', 'DEPROVISIONING') and \
                nc.due(data['_since'], now, 'ECS_STOP' if status == 'STOPPING' else 'ECS',
                       key=task.arn, owner=data.get('_service')):
            _task_stopped(store, task, now)
        elif status == 'STOPPED' and nc.due(data['_since'], now, seconds=nc.deleted_ttl()):
            store.remove(task.arn)
    for service in store.select(service='ecs', type='service'):
        if service.data['status'] == 'INACTIVE':
            if nc.due(service.data['_inactive_since'], now, seconds=nc.deleted_ttl()):
                store.remove(service.arn)
            continue
        _reconcile(store, service, now)
    _purge_task_definitions(store)


def _task(ctx, cluster, ref):
    task_id = ref.rsplit('/', 1)[-1]
    task = ctx.find_resource('task', task_id)
    if task is None or task.data['clusterArn'] != cluster.arn:
        return None
    return task


@ecsop('ListTasks')
def list_tasks(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    desired = params.get('desiredStatus', 'RUNNING')
    items = [t for t in ctx.resources('task') if t.data['clusterArn'] == cluster.arn and
             (t.data['desiredStatus'] == desired if desired != 'PENDING' else
              t.data['lastStatus'] in ('PROVISIONING', 'PENDING'))]
    if params.get('serviceName'):
        if _find_service(ctx, cluster, params['serviceName']) is None:
            raise AwsError('ServiceNotFoundException', 'Service not found.')
        items = [t for t in items if t.data['group'] == f"service:{params['serviceName']}"]
    if params.get('family'):
        items = [t for t in items if t.data['taskDefinitionArn'].split('/')[-1].split(':')[0]
                 == params['family']]
    if params.get('startedBy'):
        items = [t for t in items if t.data['startedBy'] == params['startedBy']]
    if params.get('launchType'):
        items = [t for t in items if t.data.get('launchType') == params['launchType']]
    items.sort(key=lambda t: t.arn)
    return _list(ctx, params, items, lambda t: t.arn, 'taskArns', lambda t: t.arn)


@ecsop('DescribeTasks')
def describe_tasks(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    if len(params['tasks']) > 100:
        raise _invalid('tasks can have at most 100 items.')
    tasks, failures = [], []
    for ref in params['tasks']:
        task = _task(ctx, cluster, ref)
        if task is None:
            arn = ref if ref.startswith('arn:') else ctx.arn(f'task/{cluster.id}/{ref}')
            failures.append({'arn': arn, 'reason': 'MISSING'})
        else:
            tasks.append(_task_out(task, params.get('include') or []))
    return {'tasks': tasks, 'failures': failures}


@ecsop('StopTask')
def stop_task(ctx, params):
    cluster = _cluster(ctx, params.get('cluster'))
    task = _task(ctx, cluster, params['task'])
    if task is None:
        raise _invalid('The referenced task was not found.')
    _stop_task(ctx.store, task, ctx.now(), params.get('reason', 'Task stopped by user'))
    task.data['stopCode'] = 'UserInitiated'
    return {'task': _task_out(task)}


# ---- tags ----------------------------------------------------------------------

def _taggable(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'ecs' or not resource.taggable:
        if ':cluster/' in arn:
            raise AwsError('ClusterNotFoundException', 'Cluster not found.')
        raise AwsError('ResourceNotFoundException', 'The specified resource could not be found.')
    return resource


@ecsop('TagResource')
def tag_resource(ctx, params):
    resource = _taggable(ctx, params['resourceArn'])
    tags = _tags_in(params['tags'])
    if len(set(resource.tags) | set(tags)) > MAX_TAGS:
        raise _invalid('The maximum number of tags for a resource is 50.')
    resource.set_tags(tags)
    return {}


@ecsop('UntagResource')
def untag_resource(ctx, params):
    _taggable(ctx, params['resourceArn']).remove_tags(params['tagKeys'])
    return {}


@ecsop('ListTagsForResource')
def list_tags_for_resource(ctx, params):
    return {'tags': _tags_out(_taggable(ctx, params['resourceArn']).tags)}
