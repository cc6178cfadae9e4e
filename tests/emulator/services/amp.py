"""Amazon Managed Service for Prometheus (botocore `amp`, signing name and
ARN service `aps`, rest-json): workspaces and their tags.

- CreateWorkspace answers 202 with status CREATING; the workspace becomes
  ACTIVE after BERTH_EMULATOR_DELAY seconds (see _lifecycle.py), whoever is
  looking. Ids are `ws-<uuid4>`, ARNs `arn:aws:aps:REGION:ACCOUNT:workspace/ID`,
  the endpoint `https://aps-workspaces.REGION.amazonaws.com/workspaces/ID/`.
- clientToken: a repeated CreateWorkspace with the same token and the same
  parameters returns the workspace it created the first time (its current
  status); the same token with other parameters is a ConflictException.
  Aliases are not unique, as in AWS.
- ListWorkspaces: oldest first, `alias` keeps workspaces whose alias begins
  with it, maxResults (default 100, or the emulator's page size), an
  unknown nextToken is a ValidationException.
- UpdateWorkspaceAlias (204): the workspace goes UPDATING then back to ACTIVE
  after the delay; it must be ACTIVE to start (ConflictException otherwise).
- DeleteWorkspace (202): DELETING, then gone after the delay (DescribeWorkspace
  then answers ResourceNotFoundException, which is what the
  `workspace_deleted` waiter waits for). A workspace that is CREATING,
  UPDATING or DELETING cannot be deleted (ConflictException).
- Tags: TagResource/UntagResource/ListTagsForResource on workspace ARNs; keys
  starting `aws:` are refused, at most 50 tags.

- A workspace created with a kmsKeyArn ends CREATION_FAILED (there is no
  KMS here to use the key): how a test makes a workspace fail.

Simplifications: no rule groups, alert manager, logging, scrapers or KMS
(those operations answer 501); no remote write or query endpoint is served."""

import importlib.util
import os
import sys
import uuid

from awsemu import AwsError, op


def _load_lifecycle():
    name = 'berth_emulator_services_lifecycle'
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(os.path.dirname(os.path.abspath(__file__)), '_lifecycle.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


lifecycle = _load_lifecycle()

MAX_TAGS = 50


def _not_found(workspace_id):
    return AwsError('ResourceNotFoundException', f'Workspace not found: {workspace_id}', 404,
                    fields={'resourceId': workspace_id, 'resourceType': 'Workspace'})


def _conflict(workspace, message):
    return AwsError('ConflictException', message, 409,
                    fields={'resourceId': workspace.id, 'resourceType': 'Workspace'})


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


def _check_tags(resource, tags):
    for key in tags:
        if key.lower().startswith('aws:'):
            raise _validation(f"Tag keys starting with 'aws:' are reserved: {key}", 'tags')
    existing = set(resource.tags) if resource is not None else set()
    if len(existing | set(tags)) > MAX_TAGS:
        raise _validation(f'A resource can have at most {MAX_TAGS} tags.', 'tags')


def _set_status(store, workspace, status, expect):
    """A delayed transition: only if the workspace is still there and still
    in the state that scheduled it."""
    def apply():
        if store.get(workspace.arn) is workspace and workspace.data['status'] == expect:
            workspace.data['status'] = status
    return apply


def _remove_later(store, workspace):
    def apply():
        if store.get(workspace.arn) is workspace and workspace.data['status'] == 'DELETING':
            store.remove(workspace.arn)
    return apply


@op('amp', 'CreateWorkspace')
def create_workspace(ctx, params):
    token = params.get('clientToken')
    request = {k: params.get(k) for k in ('alias', 'tags', 'kmsKeyArn')}
    if token is not None:
        for existing in ctx.resources('workspace'):
            if existing.data.get('clientToken') == token:
                if existing.data['request'] != request:
                    raise _conflict(existing, 'The client token was already used with '
                                    'different parameters.')
                return _created(existing)
    tags = params.get('tags', {})
    _check_tags(None, tags)
    workspace_id = f'ws-{uuid.uuid4()}'
    arn = ctx.arn(f'workspace/{workspace_id}')
    data = {'status': 'CREATING', 'createdAt': ctx.now(), 'clientToken': token,
            'request': request,
            'prometheusEndpoint': f'https://aps-workspaces.{ctx.region}.amazonaws.com/'
                                  f'workspaces/{workspace_id}/'}
    if 'alias' in params:
        data['alias'] = params['alias']
    if 'kmsKeyArn' in params:
        data['kmsKeyArn'] = params['kmsKeyArn']
    workspace = ctx.add_resource('workspace', workspace_id, arn, data, tags)
    # The emulator has no KMS: a workspace encrypted with a customer
    # managed key can never be made, and ends CREATION_FAILED, as one whose
    # key AMP cannot use does (the way a test makes a workspace fail).
    lifecycle.later(ctx.store, lifecycle.delay('AMP', workspace.arn),
                    _set_status(ctx.store, workspace,
                                'CREATION_FAILED' if 'kmsKeyArn' in params else 'ACTIVE',
                                'CREATING'))
    return _created(workspace)


def _created(workspace):
    result = {'workspaceId': workspace.id, 'arn': workspace.arn,
              'status': {'statusCode': workspace.data['status']},
              'tags': dict(workspace.tags)}
    if 'kmsKeyArn' in workspace.data:
        result['kmsKeyArn'] = workspace.data['kmsKeyArn']
    return result


def _summary(workspace):
    item = {'workspaceId': workspace.id, 'arn': workspace.arn,
            'status': {'statusCode': workspace.data['status']},
            'createdAt': workspace.data['createdAt'], 'tags': dict(workspace.tags)}
    for key in ('alias', 'kmsKeyArn'):
        if key in workspace.data:
            item[key] = workspace.data[key]
    return item


@op('amp', 'DescribeWorkspace')
def describe_workspace(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    item = _summary(workspace)
    item['prometheusEndpoint'] = workspace.data['prometheusEndpoint']
    return {'workspace': item}


@op('amp', 'ListWorkspaces')
def list_workspaces(ctx, params):
    workspaces = sorted(ctx.resources('workspace'),
                        key=lambda w: (w.data['createdAt'], w.id))
    alias = params.get('alias')
    if alias is not None:
        workspaces = [w for w in workspaces if w.data.get('alias', '').startswith(alias)]
    page, token = ctx.paginate(
        workspaces, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 100),
        key=lambda w: f"{w.data['createdAt'].isoformat()} {w.id}",
        invalid_token=_validation('Invalid pagination token', 'nextToken'))
    result = {'workspaces': [_summary(w) for w in page]}
    if token:
        result['nextToken'] = token
    return result


@op('amp', 'UpdateWorkspaceAlias')
def update_workspace_alias(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    status = workspace.data['status']
    if status != 'ACTIVE':
        raise _conflict(workspace, f'Workspace {workspace.id} is in {status} state; '
                        'it must be ACTIVE to be updated.')
    if 'alias' in params:
        workspace.data['alias'] = params['alias']
    else:
        workspace.data.pop('alias', None)
    workspace.data['status'] = 'UPDATING'
    lifecycle.later(ctx.store, lifecycle.delay('AMP', workspace.arn + ' update'),
                    _set_status(ctx.store, workspace, 'ACTIVE', 'UPDATING'))


@op('amp', 'DeleteWorkspace')
def delete_workspace(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    status = workspace.data['status']
    if status in ('CREATING', 'UPDATING', 'DELETING'):
        raise _conflict(workspace, f'Workspace {workspace.id} is in {status} state and '
                        'cannot be deleted now.')
    workspace.data['status'] = 'DELETING'
    lifecycle.later(ctx.store, lifecycle.delay('AMP', workspace.arn + ' delete'),
                    _remove_later(ctx.store, workspace))


def _by_arn(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'amp':
        raise AwsError('ResourceNotFoundException', f'Resource not found: {arn}', 404,
                       fields={'resourceId': arn, 'resourceType': 'Workspace'})
    return resource


@op('amp', 'TagResource')
def tag_resource(ctx, params):
    resource = _by_arn(ctx, params['resourceArn'])
    _check_tags(resource, params['tags'])
    resource.set_tags(params['tags'])


@op('amp', 'UntagResource')
def untag_resource(ctx, params):
    _by_arn(ctx, params['resourceArn']).remove_tags(params['tagKeys'])


@op('amp', 'ListTagsForResource')
def list_tags_for_resource(ctx, params):
    return {'tags': dict(_by_arn(ctx, params['resourceArn']).tags)}
