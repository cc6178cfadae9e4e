"""Amazon Managed Grafana (botocore `grafana`, rest-json): workspaces, their
authentication, user permissions, API keys, service accounts and tokens,
tags; and each workspace's own Grafana HTTP API (see ../grafana/http_api.py
and the README for how requests reach it).

- CreateWorkspace answers 202 with status CREATING; ACTIVE after
  BERTH_EMULATOR_DELAY seconds (see _lifecycle.py). Ids `g-` + 10 hex digits,
  endpoint `ID.grafana-workspace.REGION.amazonaws.com`, ARN
  `arn:aws:grafana:REGION:ACCOUNT:/workspaces/ID`. clientToken makes a retry
  return the first workspace (same token, other parameters: ConflictException).
  accountAccessType ORGANIZATION needs workspaceOrganizationalUnits
  (ValidationException); workspaceRoleArn is optional with either permission
  type, as in AWS. grafanaVersion defaults to 10.4 and must
  be one AMG offers (8.4, 9.4, 10.4).
- UpdateWorkspace (ACTIVE only, else ConflictException): UPDATING, then
  ACTIVE after the delay. DeleteWorkspace: DELETING, then gone after the
  delay, with its API keys, data sources and dashboards.
- DescribeWorkspaceAuthentication: AWS_SSO gives an `awsSso.ssoClientId`, SAML
  a `saml.status` of NOT_CONFIGURED (UpdateWorkspaceAuthentication is not
  implemented).
- UpdatePermissions / ListPermissions: IAM Identity Center users and groups
  with ADMIN, EDITOR or VIEWER; a user has one role (ADD replaces it), REVOKE
  removes it; needs AWS_SSO among the providers (ValidationException).
  Per-instruction failures are reported in `errors`, as AWS does.
- CreateWorkspaceApiKey: keyRole ADMIN|EDITOR|VIEWER, names unique per
  workspace (ConflictException), workspace ACTIVE; the key (Grafana's own
  format: base64 of {"k","n","id"}) works on the workspace's HTTP API until
  secondsToLive pass or DeleteWorkspaceApiKey. Service accounts and their
  tokens (`glsa_...`), where the botocore model has those operations, work
  the same way with the account's role; as AWS documents ("only for
  workspaces that are compatible with Grafana version 9 and above"), every
  service account operation on an 8.4 workspace is a ValidationException.
- Tags on workspace ARNs; `aws:` keys refused; at most 50.

Simplifications: no SAML configuration, licences, VPC or network access
control behaviour (stored and echoed only), no IAM role is created for
SERVICE_MANAGED workspaces, ListVersions is not implemented."""

import base64
import importlib.util
import json
import os
import secrets
import string
import sys
import uuid
import zlib

from awsemu import timing
from awsemu import AwsError, op
from awsemu import models

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


lifecycle = _load('berth_emulator_services_lifecycle', os.path.join(_HERE, '_lifecycle.py'))
nc = _load('berth_emu_netcommon', os.path.join(_HERE, '_netcommon.py'))
http_api = _load('berth_emulator_grafana_http_api',
                 os.path.join(os.path.dirname(_HERE), 'grafana', 'http_api.py'))
http_api.install()

MAX_TAGS = 50
GRAFANA_VERSIONS = ('8.4', '9.4', '10.4')
DEFAULT_VERSION = '10.4'
ROLES = ('ADMIN', 'EDITOR', 'VIEWER')
_MODEL = models.service_model('grafana')


def _op(operation):
    """@op for operations that only newer models have (service accounts):
    on Debian's older botocore they are simply not registered."""
    if operation in _MODEL.operation_names:
        return op('grafana', operation)
    return lambda fn: fn


def _not_found(resource_id, resource_type='WORKSPACE', message=None):
    return AwsError('ResourceNotFoundException',
                    message or f'Workspace not found: {resource_id}', 404,
                    fields={'resourceId': resource_id, 'resourceType': resource_type})


def _conflict(resource_id, message, resource_type='WORKSPACE'):
    return AwsError('ConflictException', message, 409,
                    fields={'resourceId': resource_id, 'resourceType': resource_type})


def _validation(message, field=None):
    fields = {'reason': 'FIELD_VALIDATION_FAILED' if field else 'OTHER'}
    if field:
        fields['fieldList'] = [{'name': field, 'message': message}]
    return AwsError('ValidationException', message, 400, fields=fields)


def _workspace(ctx, workspace_id):
    workspace = ctx.find_resource('workspace', workspace_id)
    if workspace is None:
        raise _not_found(workspace_id)
    return workspace


def _active(workspace):
    status = workspace.data['status']
    if status != 'ACTIVE':
        raise _conflict(workspace.id, f'Workspace {workspace.id} is in {status} state; '
                        'it must be ACTIVE.')


def _check_tags(resource, tags):
    for key in tags:
        if key.lower().startswith('aws:'):
            raise _validation(f"Tag keys starting with 'aws:' are reserved: {key}", 'tags')
    existing = set(resource.tags) if resource is not None else set()
    if len(existing | set(tags)) > MAX_TAGS:
        raise _validation(f'A resource can have at most {MAX_TAGS} tags.', 'tags')


def _check_access(params, permission_type, access_type):
    if access_type == 'ORGANIZATION' and not params.get('workspaceOrganizationalUnits'):
        raise _validation('workspaceOrganizationalUnits must be specified when '
                          'accountAccessType is ORGANIZATION.', 'workspaceOrganizationalUnits')


def _check_role(ctx, params):
    """Under AWS timing, a workspaceRoleArn created a moment ago that has
    not propagated cannot be assumed by Grafana yet: ValidationException
    (AWS publishes no text for it; this one is chosen). A role that does
    not exist at all is accepted and the workspace ends CREATION_FAILED."""
    role = params.get('workspaceRoleArn')
    if nc.role_propagating(ctx.store, ctx.account, role, ctx.now()):
        raise _validation(f'The workspace role {role} cannot be assumed by '
                          'grafana.amazonaws.com.', 'workspaceRoleArn')


def _transition(store, workspace, status, expect):
    def apply():
        if store.get(workspace.arn) is workspace and workspace.data['status'] == expect:
            workspace.data['status'] = status
    return apply


def _created_later(store, workspace):
    """CREATING -> ACTIVE; under AWS timing, CREATION_FAILED when the workspace's
    role is gone by then (Grafana cannot assume it)."""
    def apply():
        if store.get(workspace.arn) is not workspace or workspace.data['status'] != 'CREATING':
            return
        role = workspace.data.get('workspaceRoleArn')
        if timing.on() and role and store.get(role) is None:
            workspace.data['status'] = 'CREATION_FAILED'
        else:
            workspace.data['status'] = 'ACTIVE'
    return apply


def _remove_later(store, workspace):
    def apply():
        if store.get(workspace.arn) is workspace and workspace.data['status'] == 'DELETING':
            store.remove(workspace.arn)
    return apply


_SETTABLE = {  # CreateWorkspace / UpdateWorkspace member -> description member
    'accountAccessType': 'accountAccessType', 'organizationRoleName': 'organizationRoleName',
    'permissionType': 'permissionType', 'stackSetName': 'stackSetName',
    'workspaceDataSources': 'dataSources', 'workspaceDescription': 'description',
    'workspaceName': 'name', 'workspaceNotificationDestinations': 'notificationDestinations',
    'workspaceOrganizationalUnits': 'organizationalUnits',
    'workspaceRoleArn': 'workspaceRoleArn', 'vpcConfiguration': 'vpcConfiguration',
    'networkAccessControl': 'networkAccessControl', 'ipAddressType': 'ipAddressType',
}


@op('grafana', 'CreateWorkspace')
def create_workspace(ctx, params):
    token = params.get('clientToken')
    request = {k: v for k, v in params.items() if k != 'clientToken'}
    if token is not None:
        for existing in ctx.resources('workspace'):
            if existing.data.get('clientToken') == token:
                if existing.data['request'] != request:
                    raise _conflict(existing.id, 'The client token was already used with '
                                    'different parameters.')
                return {'workspace': _describe(existing)}
    _check_access(params, params['permissionType'], params['accountAccessType'])
    _check_role(ctx, params)
    version = params.get('grafanaVersion', DEFAULT_VERSION)
    if version not in GRAFANA_VERSIONS:
        raise _validation(f'Grafana version {version} is not supported. Supported versions: '
                          f'{", ".join(GRAFANA_VERSIONS)}.', 'grafanaVersion')
    if 'configuration' in params:
        try:
            if not isinstance(json.loads(params['configuration']), dict):
                raise ValueError
        except ValueError:
            raise _validation('configuration must be a JSON object.', 'configuration')
    tags = params.get('tags', {})
    _check_tags(None, tags)
    workspace_id = 'g-' + secrets.token_hex(5)
    now = ctx.now()
    data = {'status': 'CREATING', 'created': now, 'modified': now, 'clientToken': token,
            'request': request, 'grafanaVersion': version,
            'endpoint': f'{workspace_id}.grafana-workspace.{ctx.region}.amazonaws.com',
            'providers': list(params['authenticationProviders']),
            'dataSources': [], 'configuration': params.get('configuration', '{}'),
            'ssoClientId': str(uuid.uuid4()) if 'AWS_SSO' in params['authenticationProviders']
            else None,
            'permissions': {},  # (type, id) -> role
            'api_keys': {}, 'service_accounts': {},
            'grafana': http_api.new_instance()}
    for member, key in _SETTABLE.items():
        if member in params:
            data[key] = params[member]
    if 'kmsKeyId' in params:
        data['kmsKeyId'] = params['kmsKeyId']
    workspace = ctx.add_resource('workspace', workspace_id,
                                 ctx.arn(f'/workspaces/{workspace_id}'), data, tags,
                                 info_keys=('status', 'endpoint'))
    lifecycle.later(ctx.store, lifecycle.delay('GRAFANA', workspace.arn),
                    _created_later(ctx.store, workspace))
    return {'workspace': _describe(workspace)}


def _authentication_summary(workspace):
    summary = {'providers': list(workspace.data['providers'])}
    if 'SAML' in workspace.data['providers']:
        summary['samlConfigurationStatus'] = 'NOT_CONFIGURED'
    return summary


def _describe(workspace):
    data = workspace.data
    item = {'id': workspace.id, 'created': data['created'], 'modified': data['modified'],
            'endpoint': data['endpoint'], 'grafanaVersion': data['grafanaVersion'],
            'status': data['status'], 'dataSources': list(data.get('dataSources', [])),
            'authentication': _authentication_summary(workspace),
            'tags': dict(workspace.tags)}
    for key in set(_SETTABLE.values()) | {'kmsKeyId'}:
        if key in data and key != 'dataSources':
            item[key] = data[key]
    return item


@op('grafana', 'DescribeWorkspace')
def describe_workspace(ctx, params):
    return {'workspace': _describe(_workspace(ctx, params['workspaceId']))}


@op('grafana', 'ListWorkspaces')
def list_workspaces(ctx, params):
    workspaces = sorted(ctx.resources('workspace'), key=lambda w: (w.data['created'], w.id))
    page, token = ctx.paginate(
        workspaces, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 100),
        key=lambda w: f"{w.data['created'].isoformat()} {w.id}",
        invalid_token=_validation('Invalid nextToken', 'nextToken'))
    summaries = []
    for workspace in page:
        full = _describe(workspace)
        summaries.append({k: full[k] for k in (
            'created', 'description', 'endpoint', 'grafanaVersion', 'id', 'modified', 'name',
            'notificationDestinations', 'status', 'authentication', 'tags') if k in full})
    result = {'workspaces': summaries}
    if token:
        result['nextToken'] = token
    return result


@op('grafana', 'UpdateWorkspace')
def update_workspace(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    _active(workspace)
    data = workspace.data
    permission_type = params.get('permissionType', data.get('permissionType'))
    access_type = params.get('accountAccessType', data.get('accountAccessType'))
    merged = {'workspaceOrganizationalUnits': params.get('workspaceOrganizationalUnits',
                                                         data.get('organizationalUnits')),
              'workspaceRoleArn': params.get('workspaceRoleArn', data.get('workspaceRoleArn'))}
    _check_access(merged, permission_type, access_type)
    _check_role(ctx, params)
    for member, key in _SETTABLE.items():
        if member in params:
            data[key] = params[member]
    if params.get('removeVpcConfiguration'):
        data.pop('vpcConfiguration', None)
    if params.get('removeNetworkAccessConfiguration'):
        data.pop('networkAccessControl', None)
    data['modified'] = ctx.now()
    data['status'] = 'UPDATING'
    lifecycle.later(ctx.store, lifecycle.delay('GRAFANA_UPDATE', workspace.arn),
                    _transition(ctx.store, workspace, 'ACTIVE', 'UPDATING'))
    return {'workspace': _describe(workspace)}


@op('grafana', 'DeleteWorkspace')
def delete_workspace(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    status = workspace.data['status']
    if status in ('CREATING', 'UPDATING', 'DELETING', 'UPGRADING', 'VERSION_UPDATING'):
        raise _conflict(workspace.id, f'Workspace {workspace.id} is in {status} state and '
                        'cannot be deleted now.')
    workspace.data['status'] = 'DELETING'
    lifecycle.later(ctx.store, lifecycle.delay('GRAFANA_DELETE', workspace.arn),
                    _remove_later(ctx.store, workspace))
    return {'workspace': _describe(workspace)}


@op('grafana', 'DescribeWorkspaceAuthentication')
def describe_workspace_authentication(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    result = {'providers': list(workspace.data['providers'])}
    if 'SAML' in workspace.data['providers']:
        result['saml'] = {'status': 'NOT_CONFIGURED'}
    if workspace.data.get('ssoClientId'):
        result['awsSso'] = {'ssoClientId': workspace.data['ssoClientId']}
    return {'authentication': result}


# ---- permissions --------------------------------------------------------------

@op('grafana', 'UpdatePermissions')
def update_permissions(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    if 'AWS_SSO' not in workspace.data['providers']:
        raise _validation('Permissions can only be managed for workspaces that use '
                          'AWS IAM Identity Center (AWS_SSO) authentication.')
    permissions = workspace.data['permissions']
    errors = []
    for instruction in params['updateInstructionBatch']:
        for user in instruction['users']:
            key = (user['type'], user['id'])
            if instruction['action'] == 'ADD':
                permissions[key] = instruction['role']
            elif permissions.get(key) == instruction['role']:
                del permissions[key]
            else:
                errors.append({'code': 404, 'message': f"{user['type']} {user['id']} does not "
                               f"have the role {instruction['role']}",
                               'causedBy': {'action': instruction['action'],
                                            'role': instruction['role'], 'users': [user]}})
    return {'errors': errors}


@op('grafana', 'ListPermissions')
def list_permissions(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    entries = sorted(workspace.data['permissions'].items())
    if 'userType' in params:
        entries = [e for e in entries if e[0][0] == params['userType']]
    if 'userId' in params:
        entries = [e for e in entries if e[0] == ('SSO_USER', params['userId'])]
    if 'groupId' in params:
        entries = [e for e in entries if e[0] == ('SSO_GROUP', params['groupId'])]
    page, token = ctx.paginate(
        entries, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 100),
        key=lambda e: f'{e[0][0]} {e[0][1]}',
        invalid_token=_validation('Invalid nextToken', 'nextToken'))
    result = {'permissions': [{'user': {'type': t, 'id': i}, 'role': role}
                              for (t, i), role in page]}
    if token:
        result['nextToken'] = token
    return result


# ---- API keys -------------------------------------------------------------------

@op('grafana', 'CreateWorkspaceApiKey')
def create_workspace_api_key(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    _active(workspace)
    role = params['keyRole']
    if role not in ROLES:
        raise _validation(f"keyRole must be one of {', '.join(ROLES)}", 'keyRole')
    keys = workspace.data['api_keys']
    name = params['keyName']
    if name in keys:
        raise _conflict(name, f'An API key named {name} already exists in workspace '
                        f'{workspace.id}.', 'API_KEY')
    secret = ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    key = base64.b64encode(json.dumps({'k': secret, 'n': name, 'id': 1},
                                      separators=(',', ':')).encode()).decode()
    keys[name] = {'key': key, 'role': role, 'created': ctx.now(),
                  'expires': ctx.now().timestamp() + params['secondsToLive']}
    return {'keyName': name, 'key': key, 'workspaceId': workspace.id}


@op('grafana', 'DeleteWorkspaceApiKey')
def delete_workspace_api_key(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    name = params['keyName']
    if workspace.data['api_keys'].pop(name, None) is None:
        raise _not_found(name, 'API_KEY', f'API key {name} not found in workspace '
                         f'{workspace.id}.')
    return {'keyName': name, 'workspaceId': workspace.id}


# ---- service accounts (newer models only) -----------------------------------

def _with_service_accounts(ctx, workspace_id):
    """The workspace, when its Grafana has service accounts (9 and later)."""
    workspace = _workspace(ctx, workspace_id)
    if int(workspace.data['grafanaVersion'].split('.')[0]) < 9:
        raise _validation('Service accounts are only supported for workspaces with Grafana '
                          f"version 9 and above; workspace {workspace.id} runs "
                          f"{workspace.data['grafanaVersion']}.")
    return workspace


def _service_account(workspace, account_id):
    account = workspace.data['service_accounts'].get(account_id)
    if account is None:
        raise _not_found(account_id, 'SERVICE_ACCOUNT',
                         f'Service account {account_id} not found in workspace {workspace.id}.')
    return account


@_op('CreateWorkspaceServiceAccount')
def create_workspace_service_account(ctx, params):
    workspace = _with_service_accounts(ctx, params['workspaceId'])
    _active(workspace)
    accounts = workspace.data['service_accounts']
    if any(a['name'] == params['name'] for a in accounts.values()):
        raise _conflict(params['name'], f"A service account named {params['name']} already "
                        'exists.', 'SERVICE_ACCOUNT')
    instance = workspace.data['grafana']
    instance['next_user_id'] += 1
    account_id = str(instance['next_user_id'])
    accounts[account_id] = {'id': account_id, 'name': params['name'],
                            'grafanaRole': params['grafanaRole'], 'tokens': {}}
    return {'id': account_id, 'name': params['name'], 'grafanaRole': params['grafanaRole'],
            'workspaceId': workspace.id}


@_op('ListWorkspaceServiceAccounts')
def list_workspace_service_accounts(ctx, params):
    workspace = _with_service_accounts(ctx, params['workspaceId'])
    accounts = sorted(workspace.data['service_accounts'].values(), key=lambda a: int(a['id']))
    page, token = ctx.paginate(
        accounts, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 100),
        key=lambda a: f"{int(a['id']):012d}",
        invalid_token=_validation('Invalid nextToken', 'nextToken'))
    result = {'serviceAccounts': [{'id': a['id'], 'name': a['name'], 'isDisabled': 'false',
                                   'grafanaRole': a['grafanaRole']} for a in page],
              'workspaceId': workspace.id}
    if token:
        result['nextToken'] = token
    return result


@_op('DeleteWorkspaceServiceAccount')
def delete_workspace_service_account(ctx, params):
    workspace = _with_service_accounts(ctx, params['workspaceId'])
    _service_account(workspace, params['serviceAccountId'])
    del workspace.data['service_accounts'][params['serviceAccountId']]
    return {'serviceAccountId': params['serviceAccountId'], 'workspaceId': workspace.id}


@_op('CreateWorkspaceServiceAccountToken')
def create_workspace_service_account_token(ctx, params):
    workspace = _with_service_accounts(ctx, params['workspaceId'])
    _active(workspace)
    account = _service_account(workspace, params['serviceAccountId'])
    if any(t['name'] == params['name'] for t in account['tokens'].values()):
        raise _conflict(params['name'], f"A token named {params['name']} already exists.",
                        'SERVICE_ACCOUNT_TOKEN')
    instance = workspace.data['grafana']
    instance['next_token_id'] += 1
    token_id = str(instance['next_token_id'])
    secret = ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    key = f'glsa_{secret}_{zlib.crc32(secret.encode()) & 0xffffffff:08x}'
    now = ctx.now()
    account['tokens'][token_id] = {'id': token_id, 'name': params['name'], 'key': key,
                                   'createdAt': now,
                                   'expires': now.timestamp() + params['secondsToLive']}
    return {'serviceAccountToken': {'id': token_id, 'name': params['name'], 'key': key},
            'serviceAccountId': account['id'], 'workspaceId': workspace.id}


@_op('ListWorkspaceServiceAccountTokens')
def list_workspace_service_account_tokens(ctx, params):
    import datetime
    workspace = _with_service_accounts(ctx, params['workspaceId'])
    account = _service_account(workspace, params['serviceAccountId'])
    tokens = sorted(account['tokens'].values(), key=lambda t: int(t['id']))
    page, token = ctx.paginate(
        tokens, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 100),
        key=lambda t: f"{int(t['id']):012d}",
        invalid_token=_validation('Invalid nextToken', 'nextToken'))
    result = {'serviceAccountTokens': [
        {'id': t['id'], 'name': t['name'], 'createdAt': t['createdAt'],
         'expiresAt': datetime.datetime.fromtimestamp(t['expires'], datetime.timezone.utc)}
        for t in page], 'serviceAccountId': account['id'], 'workspaceId': workspace.id}
    if token:
        result['nextToken'] = token
    return result


@_op('DeleteWorkspaceServiceAccountToken')
def delete_workspace_service_account_token(ctx, params):
    workspace = _with_service_accounts(ctx, params['workspaceId'])
    account = _service_account(workspace, params['serviceAccountId'])
    if account['tokens'].pop(params['tokenId'], None) is None:
        raise _not_found(params['tokenId'], 'SERVICE_ACCOUNT_TOKEN',
                         f"Token {params['tokenId']} not found.")
    return {'tokenId': params['tokenId'], 'serviceAccountId': account['id'],
            'workspaceId': workspace.id}


# ---- tags -------------------------------------------------------------------------

def _by_arn(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'grafana':
        raise _not_found(arn, 'WORKSPACE', f'Resource not found: {arn}')
    return resource


@op('grafana', 'TagResource')
def tag_resource(ctx, params):
    resource = _by_arn(ctx, params['resourceArn'])
    _check_tags(resource, params['tags'])
    resource.set_tags(params['tags'])


@op('grafana', 'UntagResource')
def untag_resource(ctx, params):
    _by_arn(ctx, params['resourceArn']).remove_tags(params['tagKeys'])


@op('grafana', 'ListTagsForResource')
def list_tags_for_resource(ctx, params):
    return {'tags': dict(_by_arn(ctx, params['resourceArn']).tags)}
