"""AWS IAM (global: resources live in region '', whatever region signed
the request): roles, inline role policies, customer managed policies and a
few AWS managed ones, instance profiles, service-linked roles, role tags.

AWS behaviour kept:
- Names are unique case-insensitively (EntityAlreadyExists, 409); lookups
  of missing entities are NoSuchEntity (404).
- Policy documents go out URL-encoded, as AWS sends them (botocore decodes
  them back into dicts); they are checked as JSON and for the basic shape
  of a trust or permission policy (MalformedPolicyDocument).
- DeleteRole is DeleteConflict while managed policies are attached, inline
  policies exist or an instance profile holds the role; DeletePolicy while
  attached; DeleteInstanceProfile while it holds a role. An instance
  profile holds one role (LimitExceeded).
- Service-linked roles: CreateServiceLinkedRole makes
  /aws-service-role/SERVICE/AWSServiceRoleFor...; a second call is
  InvalidInput "...has been taken"; they cannot be changed or deleted with
  DeleteRole (UnmodifiableEntity); DeleteServiceLinkedRole starts a task
  that GetServiceLinkedRoleDeletionStatus reports NOT_STARTED ->
  IN_PROGRESS -> SUCCEEDED, or FAILED while the service still uses the role
  (ECS clusters for AWSServiceRoleForECS, load balancers for ELB's).
  ECS CreateCluster and ELB CreateLoadBalancer create theirs as AWS does.
- Lists page with Marker/IsTruncated; ListRoles leaves out tags and
  RoleLastUsed, as AWS does.

- Managed policy versions: up to 5 (LimitExceeded), the default one
  cannot be deleted, DeletePolicy is DeleteConflict while other versions
  remain (or while attached or used as a permissions boundary).

Simplifications: no users or groups; permissions boundaries are stored
but not enforced; nothing is evaluated (every caller may do
everything)."""

import importlib.util
import json
import os
import random
import string
import sys
import urllib.parse

from awsemu import AwsError, op, service_options
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

service_options('iam')

MAX_TAGS = 50

_ALLOW_ALL = {'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}


def _aws_policy(path, actions):
    return (path, json.dumps({'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Action': actions, 'Resource': '*'}]}, indent=4))


# AWS managed policies berth's specs attach (documents abridged).
AWS_POLICIES = {
    'AmazonEC2RoleforSSM': _aws_policy('/service-role/', ['ssm:*', 'ec2messages:*',
                                                          'cloudwatch:PutMetricData']),
    'AmazonSSMManagedInstanceCore': _aws_policy('/', ['ssm:*', 'ssmmessages:*',
                                                      'ec2messages:*']),
    'AmazonECSTaskExecutionRolePolicy': _aws_policy('/service-role/', [
        'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream',
        'logs:PutLogEvents']),
    'CloudWatchAgentServerPolicy': _aws_policy('/', ['cloudwatch:PutMetricData',
                                                     'ec2:DescribeVolumes', 'ec2:DescribeTags',
                                                     'logs:*', 'ssm:GetParameter']),
    'AmazonPrometheusRemoteWriteAccess': _aws_policy('/', ['aps:RemoteWrite']),
    'CloudWatchLogsFullAccess': _aws_policy('/', ['logs:*']),
    'AmazonEC2ContainerServiceforEC2Role': _aws_policy('/service-role/', ['ecs:*', 'ecr:*',
                                                                          'logs:*']),
    'AdministratorAccess': ('/', json.dumps(_ALLOW_ALL)),
    'ReadOnlyAccess': _aws_policy('/', ['*:Describe*', '*:Get*', '*:List*']),
    'AmazonECSServiceRolePolicy': _aws_policy('/aws-service-role/', ['ec2:*', 'elasticloadbalancing:*',
                                                                     'servicediscovery:*', 'logs:*']),
    'AWSElasticLoadBalancingServiceRolePolicy': _aws_policy('/aws-service-role/', ['ec2:*']),
    'AWSApplicationAutoscalingECSServicePolicy': _aws_policy('/aws-service-role/',
                                                             ['ecs:*', 'cloudwatch:*']),
    'AmazonGrafanaServiceLinkedRolePolicy': _aws_policy('/aws-service-role/', ['ec2:*']),
    'AmazonSSMServiceRolePolicy': _aws_policy('/aws-service-role/', ['ssm:*']),
}

# AWS service principal -> (role name, its managed policy, description)
SERVICE_LINKED = {
    'ecs.amazonaws.com': ('AWSServiceRoleForECS', 'AmazonECSServiceRolePolicy',
                          'Role to enable Amazon ECS to manage your cluster.'),
    'elasticloadbalancing.amazonaws.com': (
        'AWSServiceRoleForElasticLoadBalancing', 'AWSElasticLoadBalancingServiceRolePolicy',
        "Allows ELB to call AWS services on customer's behalf."),
    'ecs.application-autoscaling.amazonaws.com': (
        'AWSServiceRoleForApplicationAutoScaling_ECSService',
        'AWSApplicationAutoscalingECSServicePolicy', ''),
    'grafana.amazonaws.com': ('AWSServiceRoleForAmazonGrafana',
                              'AmazonGrafanaServiceLinkedRolePolicy', ''),
    'ssm.amazonaws.com': ('AWSServiceRoleForAmazonSSM', 'AmazonSSMServiceRolePolicy', ''),
}
CUSTOM_SUFFIX_ALLOWED = {'ecs.application-autoscaling.amazonaws.com'}


def _aws_policy_arn(name):
    return f'arn:aws:iam::aws:policy{AWS_POLICIES[name][0]}{name}'


AWS_POLICY_BY_ARN = {_aws_policy_arn(name): name for name in AWS_POLICIES}


def _unique_id(prefix):
    return prefix + ''.join(random.choice(string.ascii_uppercase + string.digits)
                            for _ in range(17))


def _encode(document):
    return urllib.parse.quote(document, safe='')


def _no_such(message):
    return AwsError('NoSuchEntity', message)


def _listed(ctx, type):
    """What a List* of IAM `type` shows: every live one, and under AWS
    timing those deleted a moment ago (IAM is eventually consistent)."""
    return ctx.store.select(ctx.account, '', 'iam', type) + \
        [g for g in ctx.ghosts() if g.service == 'iam' and g.type == type and g.region == '']


def _find(ctx, type, name):
    for resource in ctx.store.select(ctx.account, '', 'iam', type):
        if resource.id.lower() == name.lower():
            return resource
    return None


def _role(ctx, name):
    role = _find(ctx, 'role', name)
    if role is None:
        raise _no_such(f'The role with name {name} cannot be found.')
    return role


def _tags_in(tag_list):
    tags = {}
    for tag in tag_list or []:
        if tag['Key'].lower().startswith('aws:'):
            raise AwsError('InvalidInput', 'User-defined tag keys can\'t start with "aws:".')
        tags[tag['Key']] = tag['Value']
    if len(tags) > MAX_TAGS:
        raise AwsError('LimitExceeded', 'The number of tags has reached the maximum limit.')
    return tags


def _paged(ctx, params, items, key, out_key, render):
    page, token = ctx.paginate(
        items, params.get('Marker'), ctx.page_limit(params.get('MaxItems'), 100), key=key,
        invalid_token=AwsError('InvalidInput', 'Invalid Marker.'))
    result = {out_key: [render(i) for i in page], 'IsTruncated': token is not None}
    if token:
        result['Marker'] = token
    return result


def _check_path(path):
    if not (path.startswith('/') and path.endswith('/')):
        raise AwsError('ValidationError', f"The specified value for path is invalid. It must "
                       "begin and end with / and contain only alphanumeric characters and/or / "
                       "characters.")


# ---- policy documents -------------------------------------------------------------

def _check_document(text, trust):
    try:
        document = json.loads(text)
    except ValueError:
        raise AwsError('MalformedPolicyDocument', 'This policy contains invalid Json')
    if not isinstance(document, dict) or 'Statement' not in document:
        raise AwsError('MalformedPolicyDocument', 'Syntax errors in policy.')
    if document.get('Version', '2008-10-17') not in ('2008-10-17', '2012-10-17'):
        raise AwsError('MalformedPolicyDocument', 'The policy must contain a valid version '
                       'string')
    statements = document['Statement']
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise AwsError('MalformedPolicyDocument', 'Syntax errors in policy.')
    for statement in statements:
        if not isinstance(statement, dict) or statement.get('Effect') not in ('Allow', 'Deny'):
            raise AwsError('MalformedPolicyDocument', 'Syntax errors in policy.')
        if 'Action' not in statement and 'NotAction' not in statement:
            raise AwsError('MalformedPolicyDocument', 'Policy statement must contain actions.')
        if trust:
            if 'Principal' not in statement and 'NotPrincipal' not in statement:
                raise AwsError('MalformedPolicyDocument', 'Missing required field Principal')
            if 'Resource' in statement:
                raise AwsError('MalformedPolicyDocument', 'Has prohibited field Resource')
        else:
            if 'Principal' in statement or 'NotPrincipal' in statement:
                raise AwsError('MalformedPolicyDocument', 'Policy document should not specify '
                               'a principal.')
            if 'Resource' not in statement and 'NotResource' not in statement:
                raise AwsError('MalformedPolicyDocument', 'Policy statement must contain '
                               'resources.')


# ---- roles ------------------------------------------------------------------------

def _role_out(role, listing=False):
    data = role.data
    out = {'Path': data['Path'], 'RoleName': role.id, 'RoleId': data['RoleId'], 'Arn': role.arn,
           'CreateDate': role.created, 'MaxSessionDuration': data['MaxSessionDuration'],
           'AssumeRolePolicyDocument': _encode(data['AssumeRolePolicyDocument'])}
    if data.get('Description') is not None:
        out['Description'] = data['Description']
    if data.get('PermissionsBoundary'):
        out['PermissionsBoundary'] = {'PermissionsBoundaryType': 'Policy',
                                      'PermissionsBoundaryArn': data['PermissionsBoundary']}
    if not listing:
        out['RoleLastUsed'] = {}
        if role.tags:
            out['Tags'] = nc.tag_list(role.tags)
    return out


def _new_role(store, account, now, name, path, trust, description=None, max_session=3600,
              tags=None, boundary=None, service_linked=None):
    arn = f'arn:aws:iam::{account}:role{path}{name}'
    return store.add(Resource('iam', 'role', name, arn, account, '', {
        'Path': path, 'RoleId': _unique_id('AROA'), 'AssumeRolePolicyDocument': trust,
        'Description': description, 'MaxSessionDuration': max_session,
        'PermissionsBoundary': boundary, 'inline': {}, 'attached': [],
        'service_linked': service_linked}, tags, True, now))


@op('iam', 'CreateRole')
def create_role(ctx, params):
    name = params['RoleName']
    path = params.get('Path', '/')
    _check_path(path)
    if _find(ctx, 'role', name) is not None:
        raise AwsError('EntityAlreadyExists', f'Role with name {name} already exists.')
    _check_document(params['AssumeRolePolicyDocument'], trust=True)
    tags = _tags_in(params.get('Tags'))
    boundary = params.get('PermissionsBoundary')
    if boundary and _policy(ctx, boundary, attachable=True) is None:
        raise _no_such(f'Scope ARN: {boundary} does not exist or is not attachable.')
    role = _new_role(ctx.store, ctx.account, ctx.now(), name, path,
                     params['AssumeRolePolicyDocument'],
                     params.get('Description'), params.get('MaxSessionDuration', 3600), tags,
                     boundary)
    return {'Role': _role_out(role)}


@op('iam', 'GetRole')
def get_role(ctx, params):
    return {'Role': _role_out(_role(ctx, params['RoleName']))}


@op('iam', 'ListRoles')
def list_roles(ctx, params):
    prefix = params.get('PathPrefix', '/')
    roles = sorted((r for r in _listed(ctx, 'role')
                    if r.data['Path'].startswith(prefix)), key=lambda r: r.id.lower())
    return _paged(ctx, params, roles, lambda r: r.id.lower(), 'Roles',
                  lambda r: _role_out(r, listing=True))


def _modifiable(role):
    if role.data['service_linked']:
        raise AwsError('UnmodifiableEntity', f"Cannot perform the operation on the protected "
                       f"role '{role.id}' - this role is only modifiable by AWS")


@op('iam', 'UpdateRole')
def update_role(ctx, params):
    role = _role(ctx, params['RoleName'])
    if 'Description' in params:
        role.data['Description'] = params['Description']
    if 'MaxSessionDuration' in params:
        _modifiable(role)
        role.data['MaxSessionDuration'] = params['MaxSessionDuration']
    return {}


@op('iam', 'UpdateRoleDescription')
def update_role_description(ctx, params):
    role = _role(ctx, params['RoleName'])
    role.data['Description'] = params['Description']
    return {'Role': _role_out(role)}


@op('iam', 'UpdateAssumeRolePolicy')
def update_assume_role_policy(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    _check_document(params['PolicyDocument'], trust=True)
    role.data['AssumeRolePolicyDocument'] = params['PolicyDocument']


@op('iam', 'DeleteRole')
def delete_role(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    if role.data['attached']:
        raise AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.')
    if role.data['inline']:
        raise AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.')
    if any(role.id in p.data['roles']
           for p in ctx.store.select(ctx.account, '', 'iam', 'instance-profile')):
        raise AwsError('DeleteConflict', 'Cannot delete entity, must remove roles from instance '
                       'profile first.')
    ctx.remove_resource(role.arn)


# ---- inline policies ---------------------------------------------------------------

@op('iam', 'PutRolePolicy')
def put_role_policy(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    _check_document(params['PolicyDocument'], trust=False)
    role.data['inline'][params['PolicyName']] = params['PolicyDocument']


@op('iam', 'GetRolePolicy')
def get_role_policy(ctx, params):
    role = _role(ctx, params['RoleName'])
    document = role.data['inline'].get(params['PolicyName'])
    if document is None:
        raise _no_such(f"The role policy with name {params['PolicyName']} cannot be found.")
    return {'RoleName': role.id, 'PolicyName': params['PolicyName'],
            'PolicyDocument': _encode(document)}


@op('iam', 'DeleteRolePolicy')
def delete_role_policy(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    if params['PolicyName'] not in role.data['inline']:
        raise _no_such(f"The role policy with name {params['PolicyName']} cannot be found.")
    del role.data['inline'][params['PolicyName']]


@op('iam', 'ListRolePolicies')
def list_role_policies(ctx, params):
    role = _role(ctx, params['RoleName'])
    names = sorted(role.data['inline'])
    return _paged(ctx, params, names, lambda n: n, 'PolicyNames', lambda n: n)


# ---- managed policies ----------------------------------------------------------------

class _AwsPolicy:
    """An AWS managed policy: the same in every account, never stored."""

    def __init__(self, name):
        self.id = name
        self.arn = _aws_policy_arn(name)
        path, document = AWS_POLICIES[name]
        import datetime
        self.created = datetime.datetime(2015, 2, 6, 18, 40, tzinfo=datetime.timezone.utc)
        self.data = {'Path': path, 'PolicyId': 'ANPA' + name.upper()[:17].ljust(17, 'X'),
                     'versions': [{'VersionId': 'v1', 'Document': document,
                                   'CreateDate': self.created}],
                     'default': 'v1', 'Description': '', 'updated': self.created}
        self.tags = {}


def _policy(ctx, arn, attachable=False):
    if arn in AWS_POLICY_BY_ARN:
        return _AwsPolicy(AWS_POLICY_BY_ARN[arn])
    resource = ctx.store.get(arn)
    if resource is None or resource.service != 'iam' or resource.type != 'policy' \
            or resource.account != ctx.account:
        return None
    return resource


def _check_policy_arn(arn):
    if not arn.startswith('arn:aws:iam::') or ':policy/' not in arn:
        raise AwsError('InvalidInput', f'ARN {arn} is not valid.')


def _attachments(ctx, arn):
    return sum(1 for r in ctx.store.select(ctx.account, '', 'iam', 'role')
               if arn in r.data['attached'])


def _policy_out(ctx, policy):
    out = {'PolicyName': policy.id, 'PolicyId': policy.data['PolicyId'], 'Arn': policy.arn,
           'Path': policy.data['Path'], 'DefaultVersionId': policy.data['default'],
           'AttachmentCount': _attachments(ctx, policy.arn),
           'PermissionsBoundaryUsageCount': _boundary_uses(ctx, policy.arn),
           'IsAttachable': True, 'CreateDate': policy.created,
           'UpdateDate': policy.data['updated']}
    if policy.data.get('Description'):
        out['Description'] = policy.data['Description']
    if policy.tags:
        out['Tags'] = nc.tag_list(policy.tags)
    return out


@op('iam', 'CreatePolicy')
def create_policy(ctx, params):
    name = params['PolicyName']
    path = params.get('Path', '/')
    _check_path(path)
    arn = f'arn:aws:iam::{ctx.account}:policy{path}{name}'
    if any(p.id.lower() == name.lower() and p.data['Path'] == path
           for p in ctx.store.select(ctx.account, '', 'iam', 'policy')):
        raise AwsError('EntityAlreadyExists', f'A policy called {name} already exists. '
                       'Duplicate names are not allowed.')
    _check_document(params['PolicyDocument'], trust=False)
    policy = ctx.add_resource('policy', name, arn, {
        'Path': path, 'PolicyId': _unique_id('ANPA'),
        'versions': [{'VersionId': 'v1', 'Document': params['PolicyDocument'],
                      'CreateDate': ctx.now()}], 'default': 'v1', 'next': 2,
        'updated': ctx.now(), 'Description': params.get('Description')},
        _tags_in(params.get('Tags')), region='')
    return {'Policy': _policy_out(ctx, policy)}


def _existing_policy(ctx, arn):
    _check_policy_arn(arn)
    policy = _policy(ctx, arn)
    if policy is None:
        raise _no_such(f'Policy {arn} was not found.')
    return policy


@op('iam', 'GetPolicy')
def get_policy(ctx, params):
    return {'Policy': _policy_out(ctx, _existing_policy(ctx, params['PolicyArn']))}


def _boundary_uses(ctx, arn):
    return sum(1 for r in ctx.store.select(ctx.account, '', 'iam', 'role')
               if r.data.get('PermissionsBoundary') == arn)


def _version(policy, version_id):
    for version in policy.data['versions']:
        if version['VersionId'] == version_id:
            return version
    raise _no_such(f'Policy {policy.arn} version {version_id} does not exist or is not '
                   'attachable.')


def _version_out(policy, version, document=True):
    out = {'VersionId': version['VersionId'], 'CreateDate': version['CreateDate'],
           'IsDefaultVersion': version['VersionId'] == policy.data['default']}
    if document:
        out['Document'] = _encode(version['Document'])
    return out


@op('iam', 'GetPolicyVersion')
def get_policy_version(ctx, params):
    policy = _existing_policy(ctx, params['PolicyArn'])
    return {'PolicyVersion': _version_out(policy, _version(policy, params['VersionId']))}


@op('iam', 'ListPolicyVersions')
def list_policy_versions(ctx, params):
    policy = _existing_policy(ctx, params['PolicyArn'])
    versions = sorted(policy.data['versions'], key=lambda v: int(v['VersionId'][1:]),
                      reverse=True)
    return {'Versions': [_version_out(policy, v, document=False) for v in versions],
            'IsTruncated': False}


def _customer_policy(ctx, arn):
    policy = _existing_policy(ctx, arn)
    if isinstance(policy, _AwsPolicy):
        raise AwsError('AccessDenied', f'Cannot modify the AWS managed policy {arn}', 403)
    return policy


@op('iam', 'CreatePolicyVersion')
def create_policy_version(ctx, params):
    policy = _customer_policy(ctx, params['PolicyArn'])
    _check_document(params['PolicyDocument'], trust=False)
    if len(policy.data['versions']) >= 5:
        raise AwsError('LimitExceeded', 'A managed policy can have up to 5 versions. Before you '
                       'create a new version, you must delete an existing version.')
    version = {'VersionId': f"v{policy.data['next']}", 'Document': params['PolicyDocument'],
               'CreateDate': ctx.now()}
    policy.data['next'] += 1
    policy.data['versions'].append(version)
    if params.get('SetAsDefault'):
        policy.data['default'] = version['VersionId']
        policy.data['updated'] = ctx.now()
    return {'PolicyVersion': _version_out(policy, version, document=False)}


@op('iam', 'SetDefaultPolicyVersion')
def set_default_policy_version(ctx, params):
    policy = _customer_policy(ctx, params['PolicyArn'])
    policy.data['default'] = _version(policy, params['VersionId'])['VersionId']
    policy.data['updated'] = ctx.now()


@op('iam', 'DeletePolicyVersion')
def delete_policy_version(ctx, params):
    policy = _customer_policy(ctx, params['PolicyArn'])
    version = _version(policy, params['VersionId'])
    if version['VersionId'] == policy.data['default']:
        raise AwsError('DeleteConflict', 'Cannot delete the default version of a policy.')
    policy.data['versions'].remove(version)


@op('iam', 'DeletePolicy')
def delete_policy(ctx, params):
    policy = _existing_policy(ctx, params['PolicyArn'])
    if isinstance(policy, _AwsPolicy):
        raise AwsError('InvalidInput', 'AWS managed policies cannot be deleted.')
    if _attachments(ctx, policy.arn) or _boundary_uses(ctx, policy.arn):
        raise AwsError('DeleteConflict', 'Cannot delete a policy attached to entities.')
    if len(policy.data['versions']) > 1:
        raise AwsError('DeleteConflict', "This policy has more than one version. Before you "
                       "delete a policy, you must delete the policy's versions. The default "
                       'version is deleted with the policy.')
    ctx.remove_resource(policy.arn)


@op('iam', 'ListPolicies')
def list_policies(ctx, params):
    scope = params.get('Scope', 'All')
    prefix = params.get('PathPrefix', '/')
    policies = []
    if scope in ('All', 'AWS'):
        policies += [_AwsPolicy(name) for name in AWS_POLICIES]
    if scope in ('All', 'Local'):
        policies += _listed(ctx, 'policy')
    policies = [p for p in policies if p.data['Path'].startswith(prefix)]
    if params.get('OnlyAttached'):
        policies = [p for p in policies if _attachments(ctx, p.arn)]
    policies.sort(key=lambda p: p.arn)
    return _paged(ctx, params, policies, lambda p: p.arn, 'Policies',
                  lambda p: _policy_out(ctx, p))


@op('iam', 'AttachRolePolicy')
def attach_role_policy(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    arn = params['PolicyArn']
    _check_policy_arn(arn)
    if _policy(ctx, arn) is None:
        raise _no_such(f'Policy {arn} does not exist or is not attachable.')
    if arn not in role.data['attached']:
        if len(role.data['attached']) >= 10:
            raise AwsError('LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: 10')
        role.data['attached'].append(arn)


@op('iam', 'DetachRolePolicy')
def detach_role_policy(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    arn = params['PolicyArn']
    _check_policy_arn(arn)
    if arn not in role.data['attached']:
        raise _no_such(f'Policy {arn} was not found.')
    role.data['attached'].remove(arn)


@op('iam', 'ListAttachedRolePolicies')
def list_attached_role_policies(ctx, params):
    role = _role(ctx, params['RoleName'])
    prefix = params.get('PathPrefix', '/')
    attached = []
    for arn in role.data['attached']:
        policy = _policy(ctx, arn)
        if policy is not None and policy.data['Path'].startswith(prefix):
            attached.append({'PolicyName': policy.id, 'PolicyArn': arn})
    return _paged(ctx, params, attached, lambda p: p['PolicyArn'], 'AttachedPolicies', dict)


# ---- instance profiles ----------------------------------------------------------------

def _profile(ctx, name):
    profile = _find(ctx, 'instance-profile', name)
    if profile is None:
        raise _no_such(f'Instance Profile {name} cannot be found.')
    return profile


def _profile_out(ctx, profile):
    roles = [_role_out(r, listing=True) for r in
             (_find(ctx, 'role', n) for n in profile.data['roles']) if r is not None]
    out = {'Path': profile.data['Path'], 'InstanceProfileName': profile.id,
           'InstanceProfileId': profile.data['InstanceProfileId'], 'Arn': profile.arn,
           'CreateDate': profile.created, 'Roles': roles}
    if profile.tags:
        out['Tags'] = nc.tag_list(profile.tags)
    return out


@op('iam', 'CreateInstanceProfile')
def create_instance_profile(ctx, params):
    name = params['InstanceProfileName']
    path = params.get('Path', '/')
    _check_path(path)
    if _find(ctx, 'instance-profile', name) is not None:
        raise AwsError('EntityAlreadyExists', f'Instance Profile {name} already exists.')
    profile = ctx.add_resource('instance-profile', name,
                               f'arn:aws:iam::{ctx.account}:instance-profile{path}{name}',
                               {'Path': path, 'InstanceProfileId': _unique_id('AIPA'),
                                'roles': []}, _tags_in(params.get('Tags')), region='')
    return {'InstanceProfile': _profile_out(ctx, profile)}


@op('iam', 'GetInstanceProfile')
def get_instance_profile(ctx, params):
    return {'InstanceProfile': _profile_out(ctx, _profile(ctx, params['InstanceProfileName']))}


@op('iam', 'ListInstanceProfiles')
def list_instance_profiles(ctx, params):
    prefix = params.get('PathPrefix', '/')
    profiles = sorted((p for p in _listed(ctx, 'instance-profile')
                       if p.data['Path'].startswith(prefix)), key=lambda p: p.id.lower())
    return _paged(ctx, params, profiles, lambda p: p.id.lower(), 'InstanceProfiles',
                  lambda p: _profile_out(ctx, p))


@op('iam', 'ListInstanceProfilesForRole')
def list_instance_profiles_for_role(ctx, params):
    role = _role(ctx, params['RoleName'])
    profiles = sorted((p for p in _listed(ctx, 'instance-profile')
                       if role.id in p.data['roles']), key=lambda p: p.id.lower())
    return _paged(ctx, params, profiles, lambda p: p.id.lower(), 'InstanceProfiles',
                  lambda p: _profile_out(ctx, p))


@op('iam', 'AddRoleToInstanceProfile')
def add_role_to_instance_profile(ctx, params):
    profile = _profile(ctx, params['InstanceProfileName'])
    role = _role(ctx, params['RoleName'])
    if role.id in profile.data['roles']:
        raise AwsError('EntityAlreadyExists', f'Role {role.id} is already associated with '
                       f'instance profile {profile.id}.')
    if profile.data['roles']:
        raise AwsError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1')
    profile.data['roles'].append(role.id)


@op('iam', 'RemoveRoleFromInstanceProfile')
def remove_role_from_instance_profile(ctx, params):
    profile = _profile(ctx, params['InstanceProfileName'])
    role = _role(ctx, params['RoleName'])
    if role.id not in profile.data['roles']:
        raise _no_such(f'The role with name {role.id} cannot be found in instance profile '
                       f'{profile.id}.')
    profile.data['roles'].remove(role.id)


@op('iam', 'DeleteInstanceProfile')
def delete_instance_profile(ctx, params):
    profile = _profile(ctx, params['InstanceProfileName'])
    if profile.data['roles']:
        raise AwsError('DeleteConflict', 'Cannot delete entity, must remove roles from instance '
                       'profile first.')
    ctx.remove_resource(profile.arn)


# ---- service-linked roles -----------------------------------------------------------------

def ensure_service_linked_role(store, account, now, service):
    """Create the service-linked role a service makes for itself on first
    use (ECS CreateCluster, ELB CreateLoadBalancer), unless it exists.
    Other services call it as nc.HOOKS['service_linked_role']."""
    name, policy, description = SERVICE_LINKED[service]
    if store.find(account, '', 'iam', 'role', name) is None:
        _create_service_linked(store, account, now, service, name, policy, description)


nc.HOOKS['service_linked_role'] = ensure_service_linked_role


def _create_service_linked(store, account, now, service, name, policy, description):
    trust = json.dumps({'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Principal': {'Service': service}, 'Action': 'sts:AssumeRole'}]})
    role = _new_role(store, account, now, name, f'/aws-service-role/{service}/', trust,
                     description or None, service_linked=service)
    role.data['attached'].append(_aws_policy_arn(policy))
    return role


@op('iam', 'CreateServiceLinkedRole')
def create_service_linked_role(ctx, params):
    service = params['AWSServiceName']
    if service not in SERVICE_LINKED:
        raise AwsError('InvalidInput', f'Invalid service principal: {service}. The service '
                       'does not support service-linked roles or the name is misspelled.')
    name, policy, description = SERVICE_LINKED[service]
    suffix = params.get('CustomSuffix')
    if suffix:
        if service not in CUSTOM_SUFFIX_ALLOWED:
            raise AwsError('InvalidInput', f'Custom suffix is not allowed for {service}')
        name = f'{name}_{suffix}'
    if _find(ctx, 'role', name) is not None:
        raise AwsError('InvalidInput', f'Service role name {name} has been taken in this '
                       'account, please try a different suffix.')
    role = _create_service_linked(ctx.store, ctx.account, ctx.now(), service, name, policy,
                                  params.get('Description', description))
    return {'Role': _role_out(role)}


def _role_usage(store, role):
    """Regions and resources still using a service-linked role."""
    service = role.data['service_linked']
    usage = []
    if service == 'ecs.amazonaws.com':
        clusters = [r for r in store.select(role.account, None, 'ecs', 'cluster') if r.taggable]
        for region in sorted({c.region for c in clusters}):
            usage.append({'Region': region,
                          'Resources': [c.arn for c in clusters if c.region == region]})
    elif service == 'elasticloadbalancing.amazonaws.com':
        balancers = store.select(role.account, None, 'elbv2', 'loadbalancer')
        for region in sorted({b.region for b in balancers}):
            usage.append({'Region': region,
                          'Resources': [b.arn for b in balancers if b.region == region]})
    return usage


@op('iam', 'DeleteServiceLinkedRole')
def delete_service_linked_role(ctx, params):
    role = _role(ctx, params['RoleName'])
    if not role.data['service_linked']:
        raise AwsError('InvalidInput', f'Role {role.id} is not a service-linked role.')
    task_id = f"task{role.data['Path']}{role.id}/{nc.new_uuid()}"
    nc.mark_record(ctx.add_resource('deletion-task', task_id, f'arn:aws:iam::{ctx.account}:deletion-task/'
                     + nc.new_uuid(), {'role': role.arn, 'since': ctx.now(),
                                       'status': 'NOT_STARTED'}, taggable=False, region=''))
    return {'DeletionTaskId': task_id}


@nc.ticker
def _advance_iam(store, now):
    for task in store.select(service='iam', type='deletion-task'):
        data = task.data
        if data['status'] in ('SUCCEEDED', 'FAILED'):
            continue
        if data['status'] == 'NOT_STARTED' and nc.due(data['since'], now, 'IAM', 0.0):
            data['status'] = 'IN_PROGRESS'
        if data['status'] == 'IN_PROGRESS' and nc.due(data['since'], now, 'IAM'):
            role = store.get(data['role'])
            usage = _role_usage(store, role) if role is not None else []
            if usage:
                data['status'] = 'FAILED'
                data['reason'] = {'Reason': 'The service-linked role is in use by resources '
                                            'of the service.', 'RoleUsageList': usage}
            else:
                data['status'] = 'SUCCEEDED'
                if role is not None:
                    store.remove(role.arn)


@op('iam', 'GetServiceLinkedRoleDeletionStatus')
def get_service_linked_role_deletion_status(ctx, params):
    nc.tick(ctx)
    task = ctx.store.find(ctx.account, '', 'iam', 'deletion-task', params['DeletionTaskId'])
    if task is None:
        raise _no_such(f"Deletion task {params['DeletionTaskId']} cannot be found.")
    result = {'Status': task.data['status']}
    if task.data.get('reason'):
        result['Reason'] = task.data['reason']
    return result


# ---- permissions boundaries -------------------------------------------------------------

@op('iam', 'PutRolePermissionsBoundary')
def put_role_permissions_boundary(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    arn = params['PermissionsBoundary']
    _check_policy_arn(arn)
    if _policy(ctx, arn) is None:
        raise _no_such(f'Scope ARN: {arn} does not exist or is not attachable.')
    role.data['PermissionsBoundary'] = arn


@op('iam', 'DeleteRolePermissionsBoundary')
def delete_role_permissions_boundary(ctx, params):
    role = _role(ctx, params['RoleName'])
    _modifiable(role)
    if not role.data.get('PermissionsBoundary'):
        raise _no_such(f'The role {role.id} has no permissions boundary.')
    role.data['PermissionsBoundary'] = None


# ---- policy and instance profile tags ------------------------------------------------------

def _tag(resource, tag_list):
    tags = _tags_in(tag_list)
    if len(set(resource.tags) | set(tags)) > MAX_TAGS:
        raise AwsError('LimitExceeded', 'The number of tags has reached the maximum limit.')
    resource.set_tags(tags)


@op('iam', 'TagPolicy')
def tag_policy(ctx, params):
    _tag(_customer_policy(ctx, params['PolicyArn']), params['Tags'])


@op('iam', 'UntagPolicy')
def untag_policy(ctx, params):
    _customer_policy(ctx, params['PolicyArn']).remove_tags(params['TagKeys'])


@op('iam', 'ListPolicyTags')
def list_policy_tags(ctx, params):
    policy = _existing_policy(ctx, params['PolicyArn'])
    return _paged(ctx, params, sorted(policy.tags.items()), lambda t: t[0], 'Tags',
                  lambda t: {'Key': t[0], 'Value': t[1]})


@op('iam', 'TagInstanceProfile')
def tag_instance_profile(ctx, params):
    _tag(_profile(ctx, params['InstanceProfileName']), params['Tags'])


@op('iam', 'UntagInstanceProfile')
def untag_instance_profile(ctx, params):
    _profile(ctx, params['InstanceProfileName']).remove_tags(params['TagKeys'])


@op('iam', 'ListInstanceProfileTags')
def list_instance_profile_tags(ctx, params):
    profile = _profile(ctx, params['InstanceProfileName'])
    return _paged(ctx, params, sorted(profile.tags.items()), lambda t: t[0], 'Tags',
                  lambda t: {'Key': t[0], 'Value': t[1]})


# ---- role tags -------------------------------------------------------------------------------

@op('iam', 'TagRole')
def tag_role(ctx, params):
    role = _role(ctx, params['RoleName'])
    _tag(role, params['Tags'])


@op('iam', 'UntagRole')
def untag_role(ctx, params):
    _role(ctx, params['RoleName']).remove_tags(params['TagKeys'])


@op('iam', 'ListRoleTags')
def list_role_tags(ctx, params):
    role = _role(ctx, params['RoleName'])
    return _paged(ctx, params, sorted(role.tags.items()), lambda t: t[0], 'Tags',
                  lambda t: {'Key': t[0], 'Value': t[1]})
