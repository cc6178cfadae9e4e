"""Test-only handlers that exercise the EC2 and REST-JSON protocols end to
end (test_protocols.py loads this with --services-dir). They are toys, not
the emulator's EC2 or AMP: those belong in services/ec2.py and
services/amp.py, and this file would then replace their handlers only in the
protocol tests' own emulator."""

from awsemu import AwsError, op


@op('ec2', 'DescribeVpcs')
def describe_vpcs(ctx, params):
    vpc = {'VpcId': 'vpc-0123456789abcdef0', 'CidrBlock': '10.0.0.0/16', 'State': 'available',
           'IsDefault': False, 'OwnerId': ctx.account,
           'Tags': [{'Key': 'berth:stack', 'Value': 'demo'}, {'Key': 'Name', 'Value': 'a&b'}]}
    filters = {f['Name']: f.get('Values', []) for f in params.get('Filters', [])}
    if 'tag:berth:stack' in filters and 'demo' not in filters['tag:berth:stack']:
        return {'Vpcs': []}
    return {'Vpcs': [vpc]}


@op('amp', 'CreateWorkspace')
def create_workspace(ctx, params):
    workspace_id = 'ws-' + ctx.request_id[:8]
    arn = ctx.arn(f'workspace/{workspace_id}')
    ctx.add_resource('workspace', workspace_id, arn,
                     {'alias': params.get('alias'), 'status': 'ACTIVE'}, params.get('tags'))
    return {'workspaceId': workspace_id, 'arn': arn, 'status': {'statusCode': 'CREATING'},
            'tags': params.get('tags', {})}


def _workspace(ctx, workspace_id):
    workspace = ctx.find_resource('workspace', workspace_id)
    if workspace is None:
        raise AwsError('ResourceNotFoundException', f'Workspace not found: {workspace_id}',
                       fields={'resourceId': workspace_id, 'resourceType': 'workspace'})
    return workspace


@op('amp', 'DescribeWorkspace')
def describe_workspace(ctx, params):
    workspace = _workspace(ctx, params['workspaceId'])
    description = {'workspaceId': workspace.id, 'arn': workspace.arn,
                   'status': {'statusCode': 'ACTIVE'}, 'createdAt': workspace.created,
                   'tags': dict(workspace.tags)}
    if workspace.data['alias']:
        description['alias'] = workspace.data['alias']
    return {'workspace': description}


@op('amp', 'UntagResource')
def untag_resource(ctx, params):
    workspace = ctx.resource_by_arn(params['resourceArn'])
    if workspace is None:
        raise AwsError('ResourceNotFoundException', 'Resource not found',
                       fields={'resourceId': params['resourceArn'], 'resourceType': 'workspace'})
    workspace.remove_tags(params['tagKeys'])
    return {}
