"""Resource providers of the emulator's CloudFormation: each supported type
creates, updates and deletes its resource through the emulator's own
service handlers (`registry.handler_for`), with a Context for that service,
exactly as if the stack's owner had called the API, so the resources are
real: ECS sees the task definition CloudFormation registered, IAM the role.

A provider's create returns a record: physical id, what Ref gives, the
Fn::GetAtt attributes, the ARN the store knows it by (for tags), and
whatever delete needs. Loaded by path from cloudformation.py."""

import json
import random
import string
import uuid

from awsemu import AwsError, models, registry, validation
from awsemu.context import Context


STABILIZE_SECONDS = 60


class ProviderError(Exception):
    """A resource failed; `reason` is CloudFormation's ResourceStatusReason."""

    def __init__(self, reason, not_found=False):
        super().__init__(reason)
        self.reason = reason
        self.not_found = not_found


_NOT_FOUND_CODES = ('NotFound', 'NoSuchEntity', 'ResourceNotFoundException',
                    'ClusterNotFoundException', 'ServiceNotFoundException',
                    'ResourceNotFound', 'ServiceNotActiveException')
_SERVICE_NAMES = {'iam': 'Iam', 'ecs': 'AmazonECS', 'logs': 'CloudWatchLogs',
                  'sns': 'Sns', 'cloudwatch': 'CloudWatch', 'amp': 'Amp', 'grafana': 'Grafana'}


class Api:
    """Calls to the emulator's handlers on behalf of a stack's owner."""

    def __init__(self, app, account, region, identity, access_key):
        self.app = app
        self.account = account
        self.region = region
        self.identity = identity
        self.access_key = access_key

    @property
    def store(self):
        return self.app.store

    def context(self, service, operation):
        ctx = Context(self.app, service, operation, self.account, self.region,
                      self.identity, self.access_key, str(uuid.uuid4()))
        # CloudFormation's resource handlers wait out AWS's eventual
        # consistency themselves: their reads see what they created.
        ctx.consistent = True
        return ctx

    def call(self, service, operation, params):
        handler = registry.handler_for(service, operation)
        if handler is None:
            raise ProviderError(f'berth-emulator cannot provision this resource: it has no '
                                f'handler for {service}:{operation}')
        ctx = self.context(service, operation)
        operation_model = models.service_model(service).operation_model(operation)
        if operation_model.input_shape is not None:
            problems = validation.check(params, operation_model.input_shape)
            if problems:
                protocol = models.protocols(models.service_model(service))[0]
                protocol = {'smithy-rpc-v2-cbor': 'json'}.get(protocol, protocol)
                error = validation.to_error(problems, protocol, service, operation_model)
                raise ProviderError(_handler_message(service, error, ctx.request_id))
        try:
            return handler(ctx, params) or {}
        except AwsError as error:
            raise ProviderError(_handler_message(service, error, ctx.request_id),
                                not_found=error.code in _NOT_FOUND_CODES)

    def resource(self, arn):
        return self.app.store.get(arn)


def _handler_message(service, error, request_id):
    code = error.code
    if code in _NOT_FOUND_CODES:
        handler_code = 'NotFound'
    elif 'AlreadyExists' in code or code == 'EntityAlreadyExists':
        handler_code = 'AlreadyExists'
    elif 'Limit' in code:
        handler_code = 'ServiceLimitExceeded'
    else:
        handler_code = 'InvalidRequest'
    status = error.status or 400
    return (f'Resource handler returned message: "{error.message} (Service: '
            f'{_SERVICE_NAMES.get(service, service)}; Status Code: {status}; Error Code: {code}; '
            f'Request ID: {request_id}; Proxy: null)" (RequestToken: {uuid.uuid4()}, '
            f'HandlerErrorCode: {handler_code})')


# ---- CloudFormation properties -> API parameters -------------------------------

def to_api(value, shape, path, renames=None):
    """CloudFormation property values (PascalCase names, strings for
    numbers) -> API parameters for `shape`, matching member names without
    regard to case. Unknown properties raise ProviderError as CloudFormation's
    schema validation does."""
    renames = renames or {}
    kind = shape.type_name
    if kind == 'structure':
        if not isinstance(value, dict):
            raise ProviderError(f'Properties validation failed for resource {path} with '
                                f'message: #: expected type: JSONObject, found: '
                                f'{type(value).__name__}')
        by_lower = {name.lower(): name for name in shape.members}
        result = {}
        for key, item in value.items():
            name = renames.get(key) or by_lower.get(key.lower())
            if name is None:
                raise ProviderError(f'Properties validation failed for resource {path} with '
                                    f'message: #: extraneous key [{key}] is not permitted')
            result[name] = to_api(item, shape.members[name], path)
        return result
    if kind == 'list':
        if not isinstance(value, list):
            value = [value]
        return [to_api(v, shape.member, path) for v in value]
    if kind == 'map':
        if not isinstance(value, dict):
            raise ProviderError(f'Properties validation failed for resource {path} with '
                                'message: #: expected type: JSONObject')
        return {str(k): to_api(v, shape.value, path) for k, v in value.items()}
    if kind == 'string':
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        if isinstance(value, bool):
            return 'true' if value else 'false'
        return str(value)
    if kind in ('integer', 'long'):
        try:
            return int(str(value))
        except ValueError:
            raise ProviderError(f'Properties validation failed for resource {path} with '
                                f'message: #: expected type: Integer, found: String')
    if kind in ('float', 'double'):
        try:
            return float(str(value))
        except ValueError:
            raise ProviderError(f'Properties validation failed for resource {path} with '
                                f'message: #: expected type: Number, found: String')
    if kind == 'boolean':
        if isinstance(value, bool):
            return value
        if str(value).lower() in ('true', 'false'):
            return str(value).lower() == 'true'
        raise ProviderError(f'Properties validation failed for resource {path} with '
                            f'message: #: expected type: Boolean, found: String')
    return value


def input_shape(service, operation):
    return models.service_model(service).operation_model(operation).input_shape


def generated_name(stack_name, logical_id, max_length=64, lower=False):
    """CloudFormation's physical names: STACK-LOGICALID-RANDOM, trimmed."""
    suffix = ''.join(random.choice(string.ascii_uppercase + string.digits) for _ in range(13))
    budget = max_length - len(suffix) - 2
    stack_part = stack_name[:max(1, budget // 2)]
    logical_part = logical_id[:max(1, budget - len(stack_part))]
    name = f'{stack_part}-{logical_part}-{suffix}'
    return name.lower() if lower else name


def _tag_list(tags, key='Key', value='Value'):
    return [{key: k, value: v} for k, v in tags.items()]


def _merged_tags(props, stack_tags):
    """Stack tags, then the resource's own Tags (which win)."""
    tags = dict(stack_tags)
    for item in props.get('Tags') or []:
        if isinstance(item, dict) and 'Key' in item:
            tags[str(item['Key'])] = str(item.get('Value', ''))
    return tags


class Provider:
    type = None
    system_tags = True  # schema's cloudFormationSystemTags
    name_property = None  # custom-name property (replacement impossible when set)
    replace_on = ()  # createOnlyProperties: a change replaces the resource

    def create(self, api, logical_id, props, stack):
        raise NotImplementedError

    def ready(self, api, record):
        return True

    def update(self, api, record, old_props, props, stack):
        """Return the new record, or None when the change needs replacement."""
        return None

    def delete(self, api, record):
        raise NotImplementedError


class IamRole(Provider):
    type = 'AWS::IAM::Role'
    system_tags = False
    name_property = 'RoleName'
    replace_on = ('RoleName', 'Path')
    _OWN = ('ManagedPolicyArns', 'Policies')

    def create(self, api, logical_id, props, stack):
        params = {k: v for k, v in props.items() if k not in self._OWN}
        params.setdefault('RoleName', generated_name(stack.name, logical_id))
        tags = _merged_tags(props, stack.tags)
        params.pop('Tags', None)
        if tags:
            params['Tags'] = _tag_list(tags)
        params = to_api(params, input_shape('iam', 'CreateRole'), logical_id)
        role = api.call('iam', 'CreateRole', params)['Role']
        record = {'physical_id': role['RoleName'], 'ref': role['RoleName'],
                  'attrs': {'Arn': role['Arn'], 'RoleId': role['RoleId']},
                  'arn': role['Arn'], 'role_name': role['RoleName'],
                  'managed': [], 'inline': []}
        try:
            self._attach(api, record, props.get('ManagedPolicyArns') or [])
            self._put_policies(api, record, props.get('Policies') or [], logical_id)
        except ProviderError:
            self.delete(api, record)
            raise
        return record

    def _attach(self, api, record, arns):
        for arn in arns:
            if arn in record['managed']:
                continue
            api.call('iam', 'AttachRolePolicy', {'RoleName': record['role_name'],
                                                 'PolicyArn': str(arn)})
            record['managed'].append(arn)

    def _put_policies(self, api, record, policies, logical_id):
        for policy in policies:
            if not isinstance(policy, dict) or 'PolicyName' not in policy \
                    or 'PolicyDocument' not in policy:
                raise ProviderError(f'Properties validation failed for resource {logical_id} '
                                    'with message: #/Policies: required key [PolicyName, '
                                    'PolicyDocument] not found')
            document = policy['PolicyDocument']
            api.call('iam', 'PutRolePolicy', {
                'RoleName': record['role_name'], 'PolicyName': str(policy['PolicyName']),
                'PolicyDocument': document if isinstance(document, str)
                else json.dumps(document)})
            if policy['PolicyName'] not in record['inline']:
                record['inline'].append(policy['PolicyName'])

    def update(self, api, record, old_props, props, stack):
        name = record['role_name']
        if props.get('AssumeRolePolicyDocument') != old_props.get('AssumeRolePolicyDocument'):
            document = props['AssumeRolePolicyDocument']
            api.call('iam', 'UpdateAssumeRolePolicy', {
                'RoleName': name, 'PolicyDocument': document if isinstance(document, str)
                else json.dumps(document)})
        if props.get('Description') != old_props.get('Description') or \
                props.get('MaxSessionDuration') != old_props.get('MaxSessionDuration'):
            params = {'RoleName': name, 'Description': str(props.get('Description', ''))}
            if 'MaxSessionDuration' in props:
                params['MaxSessionDuration'] = int(props['MaxSessionDuration'])
            api.call('iam', 'UpdateRole', params)
        wanted = [str(a) for a in props.get('ManagedPolicyArns') or []]
        for arn in list(record['managed']):
            if arn not in wanted:
                api.call('iam', 'DetachRolePolicy', {'RoleName': name, 'PolicyArn': arn})
                record['managed'].remove(arn)
        self._attach(api, record, wanted)
        policies = props.get('Policies') or []
        names = [p.get('PolicyName') for p in policies if isinstance(p, dict)]
        for policy_name in list(record['inline']):
            if policy_name not in names:
                api.call('iam', 'DeleteRolePolicy', {'RoleName': name,
                                                     'PolicyName': policy_name})
                record['inline'].remove(policy_name)
        self._put_policies(api, record, policies, name)
        return record

    def delete(self, api, record):
        name = record['role_name']
        for arn in list(record['managed']):
            _ignore_not_found(api.call, 'iam', 'DetachRolePolicy',
                              {'RoleName': name, 'PolicyArn': arn})
        for policy_name in list(record['inline']):
            _ignore_not_found(api.call, 'iam', 'DeleteRolePolicy',
                              {'RoleName': name, 'PolicyName': policy_name})
        _ignore_not_found(api.call, 'iam', 'DeleteRole', {'RoleName': name})


def _ignore_not_found(call, *args):
    try:
        return call(*args)
    except ProviderError as err:
        if not err.not_found:
            raise
        return None


class EcsCluster(Provider):
    type = 'AWS::ECS::Cluster'
    name_property = 'ClusterName'
    replace_on = ('ClusterName',)

    def create(self, api, logical_id, props, stack):
        params = dict(props)
        params.setdefault('ClusterName', generated_name(stack.name, logical_id, 255))
        tags = _merged_tags(props, stack.tags)
        params.pop('Tags', None)
        if tags:
            params['Tags'] = _tag_list(tags, 'key', 'value')
        params = to_api(params, input_shape('ecs', 'CreateCluster'), logical_id,
                        renames={'ClusterSettings': 'settings'})
        cluster = api.call('ecs', 'CreateCluster', params)['cluster']
        return {'physical_id': cluster['clusterName'], 'ref': cluster['clusterName'],
                'attrs': {'Arn': cluster['clusterArn']}, 'arn': cluster['clusterArn']}

    def delete(self, api, record):
        _ignore_not_found(api.call, 'ecs', 'DeleteCluster', {'cluster': record['arn']})


class EcsTaskDefinition(Provider):
    type = 'AWS::ECS::TaskDefinition'
    replace_on = ('*',)  # every change registers a new revision

    def create(self, api, logical_id, props, stack):
        params = dict(props)
        params.setdefault('Family', f'{stack.name}-{logical_id}')
        tags = _merged_tags(props, stack.tags)
        params.pop('Tags', None)
        if tags:
            params['Tags'] = _tag_list(tags, 'key', 'value')
        params = to_api(params, input_shape('ecs', 'RegisterTaskDefinition'), logical_id)
        definition = api.call('ecs', 'RegisterTaskDefinition', params)['taskDefinition']
        arn = definition['taskDefinitionArn']
        return {'physical_id': arn, 'ref': arn, 'attrs': {'TaskDefinitionArn': arn},
                'arn': arn}

    def delete(self, api, record):
        _ignore_not_found(api.call, 'ecs', 'DeregisterTaskDefinition',
                          {'taskDefinition': record['arn']})


class EcsService(Provider):
    type = 'AWS::ECS::Service'
    system_tags = False
    name_property = 'ServiceName'
    replace_on = ('ServiceName', 'Cluster', 'LaunchType', 'SchedulingStrategy', 'Role',
                  'LoadBalancers', 'ServiceRegistries', 'DeploymentController')

    def create(self, api, logical_id, props, stack):
        params = dict(props)
        params.setdefault('ServiceName', generated_name(stack.name, logical_id, 255))
        params.setdefault('Cluster', 'default')
        tags = _merged_tags(props, stack.tags)
        params.pop('Tags', None)
        if tags:
            params['Tags'] = _tag_list(tags, 'key', 'value')
        params = to_api(params, input_shape('ecs', 'CreateService'), logical_id)
        service = api.call('ecs', 'CreateService', params)['service']
        arn = service['serviceArn']
        return {'physical_id': arn, 'ref': arn,
                'attrs': {'Name': service['serviceName'], 'ServiceArn': arn},
                'arn': arn, 'cluster': params['cluster'], 'name': service['serviceName']}

    def ready(self, api, record):
        """As CloudFormation does, wait for the service to be stable: its
        primary deployment COMPLETED (a circuit-breaker FAILED rollout fails
        the resource). Gives up after STABILIZE_SECONDS (AWS waits hours)."""
        import time
        started = record.setdefault('stabilize_started', time.monotonic())
        found = api.call('ecs', 'DescribeServices', {'cluster': record['cluster'],
                                                     'services': [record['arn']]})
        services = found.get('services') or []
        if not services:
            raise ProviderError('Resource handler returned message: "Service '
                                f"{record['name']} not found\" (HandlerErrorCode: NotFound)",
                                not_found=True)
        primary = next((d for d in services[0].get('deployments', [])
                        if d.get('status') == 'PRIMARY'), None)
        state = (primary or {}).get('rolloutState', 'COMPLETED')
        if state == 'FAILED':
            raise ProviderError('Resource handler returned message: "Error occurred during '
                                "operation 'ECS Deployment Circuit Breaker was triggered'.\" "
                                '(HandlerErrorCode: GeneralServiceException)')
        if state == 'COMPLETED':
            return True
        if time.monotonic() - started > STABILIZE_SECONDS:
            raise ProviderError('Resource timed out waiting for completion: the service did '
                                'not reach a steady state (berth-emulator gives up after '
                                f'{STABILIZE_SECONDS} s)')
        return False

    def update(self, api, record, old_props, props, stack):
        params = {'cluster': record['cluster'], 'service': record['name']}
        shape = input_shape('ecs', 'UpdateService')
        by_lower = {name.lower(): name for name in shape.members}
        for key, value in props.items():
            if key in ('Tags', 'ServiceName', 'Cluster', 'LaunchType', 'SchedulingStrategy'):
                continue
            if value == old_props.get(key):
                continue
            name = by_lower.get(key.lower())
            if name is None:
                return None
            params[name] = to_api(value, shape.members[name], key)
        if len(params) > 2:
            api.call('ecs', 'UpdateService', params)
        return record

    def gone(self, api, record):
        """CloudFormation waits until the service has drained (INACTIVE)."""
        try:
            found = api.call('ecs', 'DescribeServices', {'cluster': record['cluster'],
                                                         'services': [record['arn']]})
        except ProviderError as err:
            if err.not_found:
                return True
            raise
        services = found.get('services') or []
        return not services or services[0].get('status') == 'INACTIVE'

    def delete(self, api, record):
        _ignore_not_found(api.call, 'ecs', 'DeleteService',
                          {'cluster': record['cluster'], 'service': record['name'],
                           'force': True})


class LogGroup(Provider):
    type = 'AWS::Logs::LogGroup'
    name_property = 'LogGroupName'
    replace_on = ('LogGroupName',)

    def create(self, api, logical_id, props, stack):
        name = str(props.get('LogGroupName') or generated_name(stack.name, logical_id, 512))
        params = {'logGroupName': name}
        tags = _merged_tags(props, stack.tags)
        if tags:
            params['tags'] = tags
        for key, member in (('KmsKeyId', 'kmsKeyId'), ('LogGroupClass', 'logGroupClass')):
            if key in props:
                params[member] = str(props[key])
        extra = set(props) - {'LogGroupName', 'Tags', 'KmsKeyId', 'LogGroupClass',
                              'RetentionInDays'}
        if extra:
            raise ProviderError(f'Properties validation failed for resource {logical_id} with '
                                f'message: #: extraneous key [{sorted(extra)[0]}] is not '
                                'permitted')
        api.call('logs', 'CreateLogGroup', params)
        record = {'physical_id': name, 'ref': name,
                  'attrs': {'Arn': f'arn:aws:logs:{api.region}:{api.account}:log-group:'
                                   f'{name}:*'},
                  'arn': f'arn:aws:logs:{api.region}:{api.account}:log-group:{name}',
                  'name': name}
        if 'RetentionInDays' in props:
            try:
                api.call('logs', 'PutRetentionPolicy', {
                    'logGroupName': name, 'retentionInDays': int(props['RetentionInDays'])})
            except ProviderError:
                self.delete(api, record)
                raise
        return record

    def update(self, api, record, old_props, props, stack):
        changed = {k for k in set(props) | set(old_props) if props.get(k) != old_props.get(k)}
        if changed - {'RetentionInDays', 'Tags'}:
            return None
        if 'RetentionInDays' in props:
            api.call('logs', 'PutRetentionPolicy', {
                'logGroupName': record['name'], 'retentionInDays': int(props['RetentionInDays'])})
        else:
            api.call('logs', 'DeleteRetentionPolicy', {'logGroupName': record['name']})
        return record

    def delete(self, api, record):
        _ignore_not_found(api.call, 'logs', 'DeleteLogGroup', {'logGroupName': record['name']})


class SnsTopic(Provider):
    type = 'AWS::SNS::Topic'
    name_property = 'TopicName'
    replace_on = ('TopicName', 'FifoTopic')

    def create(self, api, logical_id, props, stack):
        name = str(props.get('TopicName') or generated_name(stack.name, logical_id, 256))
        params = {'Name': name}
        tags = _merged_tags(props, stack.tags)
        if tags:
            params['Tags'] = _tag_list(tags)
        attributes = {}
        for key in ('DisplayName', 'KmsMasterKeyId', 'FifoTopic', 'ContentBasedDeduplication'):
            if key in props:
                value = props[key]
                attributes[key] = ('true' if value else 'false') if isinstance(value, bool) \
                    else str(value)
        if attributes:
            params['Attributes'] = attributes
        arn = api.call('sns', 'CreateTopic', params)['TopicArn']
        record = {'physical_id': arn, 'ref': arn,
                  'attrs': {'TopicArn': arn, 'TopicName': name}, 'arn': arn, 'subs': []}
        for subscription in props.get('Subscription') or []:
            result = api.call('sns', 'Subscribe', {
                'TopicArn': arn, 'Protocol': str(subscription.get('Protocol')),
                'Endpoint': str(subscription.get('Endpoint'))})
            record['subs'].append(result.get('SubscriptionArn'))
        return record

    def delete(self, api, record):
        _ignore_not_found(api.call, 'sns', 'DeleteTopic', {'TopicArn': record['arn']})


class CloudWatchAlarm(Provider):
    type = 'AWS::CloudWatch::Alarm'
    name_property = 'AlarmName'
    replace_on = ('AlarmName',)

    def _params(self, props, name):
        params = {k: v for k, v in props.items() if k != 'Tags'}
        params['AlarmName'] = name
        return to_api(params, input_shape('cloudwatch', 'PutMetricAlarm'), name)

    def create(self, api, logical_id, props, stack):
        name = str(props.get('AlarmName') or generated_name(stack.name, logical_id, 255))
        if api.store.find(api.account, api.region, 'cloudwatch', 'alarm', name) is not None:
            raise ProviderError(f'Resource handler returned message: "Resource of type '
                                f"'AWS::CloudWatch::Alarm' with identifier '{name}' already "
                                'exists." (HandlerErrorCode: AlreadyExists)')
        params = self._params(props, name)
        tags = _merged_tags(props, stack.tags)
        if tags:
            params['Tags'] = _tag_list(tags)
        api.call('cloudwatch', 'PutMetricAlarm', params)
        arn = f'arn:aws:cloudwatch:{api.region}:{api.account}:alarm:{name}'
        return {'physical_id': name, 'ref': name, 'attrs': {'Arn': arn}, 'arn': arn,
                'name': name}

    def update(self, api, record, old_props, props, stack):
        api.call('cloudwatch', 'PutMetricAlarm', self._params(props, record['name']))
        return record

    def delete(self, api, record):
        _ignore_not_found(api.call, 'cloudwatch', 'DeleteAlarms',
                          {'AlarmNames': [record['name']]})


class ApsWorkspace(Provider):
    type = 'AWS::APS::Workspace'
    replace_on = ('KmsKeyArn',)

    def create(self, api, logical_id, props, stack):
        extra = set(props) - {'Alias', 'Tags', 'KmsKeyArn'}
        if extra:
            raise ProviderError(f'Properties validation failed for resource {logical_id} with '
                                f'message: #: extraneous key [{sorted(extra)[0]}] is not '
                                'permitted')
        params = {}
        if 'Alias' in props:
            params['alias'] = str(props['Alias'])
        if 'KmsKeyArn' in props:
            params['kmsKeyArn'] = str(props['KmsKeyArn'])
        tags = _merged_tags(props, stack.tags)
        if tags:
            params['tags'] = tags
        result = api.call('amp', 'CreateWorkspace', params)
        workspace_id, arn = result['workspaceId'], result['arn']
        endpoint = (f'https://aps-workspaces.{api.region}.amazonaws.com/workspaces/'
                    f'{workspace_id}/')
        return {'physical_id': arn, 'ref': arn, 'arn': arn, 'workspace_id': workspace_id,
                'attrs': {'Arn': arn, 'WorkspaceId': workspace_id,
                          'PrometheusEndpoint': endpoint}}

    def ready(self, api, record):
        resource = api.resource(record['arn'])
        return resource is None or resource.data.get('status') == 'ACTIVE'

    def update(self, api, record, old_props, props, stack):
        changed = {k for k in set(props) | set(old_props) if props.get(k) != old_props.get(k)}
        if 'Alias' in changed:
            params = {'workspaceId': record['workspace_id']}
            if 'Alias' in props:
                params['alias'] = str(props['Alias'])
            api.call('amp', 'UpdateWorkspaceAlias', params)
        return record

    def delete(self, api, record):
        _ignore_not_found(api.call, 'amp', 'DeleteWorkspace',
                          {'workspaceId': record['workspace_id']})

    def gone(self, api, record):
        return api.resource(record['arn']) is None


class GrafanaWorkspace(Provider):
    type = 'AWS::Grafana::Workspace'
    system_tags = False
    replace_on = ('ClientToken',)
    _MEMBERS = {'AccountAccessType': 'accountAccessType',
                'AuthenticationProviders': 'authenticationProviders',
                'PermissionType': 'permissionType', 'Name': 'workspaceName',
                'Description': 'workspaceDescription', 'DataSources': 'workspaceDataSources',
                'NotificationDestinations': 'workspaceNotificationDestinations',
                'OrganizationalUnits': 'workspaceOrganizationalUnits',
                'OrganizationRoleName': 'organizationRoleName', 'RoleArn': 'workspaceRoleArn',
                'StackSetName': 'stackSetName', 'GrafanaVersion': 'grafanaVersion',
                'VpcConfiguration': 'vpcConfiguration',
                'NetworkAccessControl': 'networkAccessControl', 'ClientToken': 'clientToken'}

    def _params(self, props, logical_id, operation):
        shape = input_shape('grafana', operation)
        params = {}
        for key, value in props.items():
            if key in ('Tags', 'PluginAdminEnabled', 'SamlConfiguration'):
                continue
            member = self._MEMBERS.get(key)
            if member is None or member not in shape.members:
                if member is None:
                    raise ProviderError(f'Properties validation failed for resource '
                                        f'{logical_id} with message: #: extraneous key [{key}] '
                                        'is not permitted')
                continue
            params[member] = to_api(value, shape.members[member], logical_id)
        if 'PluginAdminEnabled' in props:
            params['configuration'] = json.dumps({'plugins': {'pluginAdminEnabled': str(
                props['PluginAdminEnabled']).lower() == 'true'}})
        return params

    def create(self, api, logical_id, props, stack):
        params = self._params(props, logical_id, 'CreateWorkspace')
        tags = _merged_tags(props, stack.tags)
        if tags:
            params['tags'] = tags
        workspace = api.call('grafana', 'CreateWorkspace', params)['workspace']
        arn = f"arn:aws:grafana:{api.region}:{api.account}:/workspaces/{workspace['id']}"
        record = {'physical_id': workspace['id'], 'ref': workspace['id'], 'arn': arn,
                  'workspace_id': workspace['id']}
        record['attrs'] = self._attrs(api, record)
        return record

    def _attrs(self, api, record):
        workspace = api.call('grafana', 'DescribeWorkspace',
                             {'workspaceId': record['workspace_id']})['workspace']
        auth = api.call('grafana', 'DescribeWorkspaceAuthentication',
                        {'workspaceId': record['workspace_id']})['authentication']
        attrs = {'Id': workspace['id'], 'Endpoint': workspace['endpoint'],
                 'Status': workspace['status'],
                 'CreationTimestamp': workspace['created'].isoformat(),
                 'ModificationTimestamp': workspace['modified'].isoformat(),
                 'SsoClientId': (auth.get('awsSso') or {}).get('ssoClientId', ''),
                 'SamlConfigurationStatus': (auth.get('saml') or {}).get('status', '')}
        return attrs

    def ready(self, api, record):
        resource = api.resource(record['arn'])
        if resource is None or resource.data.get('status') != 'ACTIVE':
            return False
        record['attrs'] = self._attrs(api, record)
        return True

    def update(self, api, record, old_props, props, stack):
        params = self._params({k: v for k, v in props.items() if k != 'ClientToken'},
                              record['workspace_id'], 'UpdateWorkspace')
        params['workspaceId'] = record['workspace_id']
        api.call('grafana', 'UpdateWorkspace', params)
        return record

    def delete(self, api, record):
        _ignore_not_found(api.call, 'grafana', 'DeleteWorkspace',
                          {'workspaceId': record['workspace_id']})

    def gone(self, api, record):
        return api.resource(record['arn']) is None


PROVIDERS = {p.type: p() for p in (IamRole, EcsCluster, EcsTaskDefinition, EcsService,
                                   LogGroup, SnsTopic, CloudWatchAlarm, ApsWorkspace,
                                   GrafanaWorkspace)}
