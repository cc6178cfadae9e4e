"""CloudWatch Logs: log groups (with retention and tags, through both the
current resourceArn tag API and the older by-name one) and saved query
definitions.

Log groups are sorted by name, as AWS lists them. A log group's ARN in the
store and the tag index is `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`;
DescribeLogGroups reports it with `:*` appended in `arn` and without in
`logGroupArn`, as AWS does."""

import uuid

from awsemu import AwsError, op, service_options
from awsemu.faults import ignores_filters
from awsemu import models

# Logs reports model violations (pattern, length, missing) as
# InvalidParameterException, not ValidationException.
service_options('logs', validation_error='InvalidParameterException')

RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                  1827, 2192, 2557, 2922, 3288, 3653]
MAX_TAGS = 50


def _ms(dt):
    return int(dt.timestamp() * 1000)


def _group_arn(ctx, name):
    return ctx.arn(f'log-group:{name}')


def _group(ctx, name):
    group = ctx.find_resource('log-group', name)
    if group is None:
        raise AwsError('ResourceNotFoundException', 'The specified log group does not exist.')
    return group


def _group_by_arn(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'logs' or resource.type != 'log-group':
        raise AwsError('ResourceNotFoundException', f'The specified resource does not exist: {arn}')
    return resource


def _check_tags(resource, tags):
    for key in tags:
        if key.lower().startswith('aws:'):
            raise AwsError('InvalidParameterException',
                           f"Tag keys beginning with 'aws:' are reserved: {key}")
    if resource is not None and len(set(resource.tags) | set(tags)) > MAX_TAGS:
        raise AwsError('TooManyTagsException',
                       f'A resource can have no more than {MAX_TAGS} tags.',
                       fields={'resourceName': resource.arn})


@op('logs', 'CreateLogGroup')
def create_log_group(ctx, params):
    name = params['logGroupName']
    if name.startswith('aws/'):
        raise AwsError('InvalidParameterException',
                       "Log group names cannot start with 'aws/'.")
    if ctx.find_resource('log-group', name) is not None:
        raise AwsError('ResourceAlreadyExistsException', 'The specified log group already exists')
    tags = params.get('tags', {})
    _check_tags(None, tags)
    data = {'creationTime': _ms(ctx.now()),
            'logGroupClass': params.get('logGroupClass', 'STANDARD'),
            'deletionProtectionEnabled': params.get('deletionProtectionEnabled', False)}
    if 'kmsKeyId' in params:
        data['kmsKeyId'] = params['kmsKeyId']
    ctx.add_resource('log-group', name, _group_arn(ctx, name), data, tags)


def _describe(group):
    item = {'logGroupName': group.id,
            'creationTime': group.data['creationTime'],
            'metricFilterCount': 0,
            'arn': group.arn + ':*',
            'logGroupArn': group.arn,
            'storedBytes': 0,
            'logGroupClass': group.data['logGroupClass'],
            'deletionProtectionEnabled': group.data['deletionProtectionEnabled']}
    for key in ('retentionInDays', 'kmsKeyId'):
        if key in group.data:
            item[key] = group.data[key]
    return item


@op('logs', 'DescribeLogGroups')
def describe_log_groups(ctx, params):
    prefix = params.get('logGroupNamePrefix')
    pattern = params.get('logGroupNamePattern')
    identifiers = params.get('logGroupIdentifiers')
    if prefix is not None and pattern is not None:
        raise AwsError('InvalidParameterException', 'LogGroupNamePrefix and LogGroupNamePattern '
                       'are mutually exclusive parameters.')
    if identifiers is not None and (prefix is not None or pattern is not None):
        raise AwsError('InvalidParameterException', 'logGroupIdentifiers cannot be used with '
                       'logGroupNamePrefix or logGroupNamePattern.')
    groups = sorted(ctx.resources('log-group'), key=lambda g: g.id)
    if prefix is not None and not ignores_filters(ctx):
        groups = [g for g in groups if g.id.startswith(prefix)]
    if pattern:
        groups = [g for g in groups if pattern in g.id]
    if identifiers is not None and not ignores_filters(ctx):
        wanted = set(identifiers)
        groups = [g for g in groups if g.id in wanted or g.arn in wanted]
    if 'logGroupClass' in params:
        groups = [g for g in groups if g.data['logGroupClass'] == params['logGroupClass']]
    page, token = ctx.paginate(
        groups, params.get('nextToken'), ctx.page_limit(params.get('limit'), 50),
        key=lambda g: g.id,
        invalid_token=AwsError('InvalidParameterException', 'The specified nextToken is invalid.'))
    result = {'logGroups': [_describe(g) for g in page]}
    if token:
        result['nextToken'] = token
    return result


@op('logs', 'DeleteLogGroup')
def delete_log_group(ctx, params):
    group = _group(ctx, params['logGroupName'])
    if group.data.get('deletionProtectionEnabled'):
        raise AwsError('OperationAbortedException',
                       'The log group has deletion protection enabled.')
    ctx.remove_resource(group.arn)


@op('logs', 'PutRetentionPolicy')
def put_retention_policy(ctx, params):
    days = params['retentionInDays']
    if days not in RETENTION_DAYS:
        raise AwsError('InvalidParameterException', (
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
            f"satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(str(d) for d in RETENTION_DAYS)}]"))
    _group(ctx, params['logGroupName']).data['retentionInDays'] = days


@op('logs', 'DeleteRetentionPolicy')
def delete_retention_policy(ctx, params):
    _group(ctx, params['logGroupName']).data.pop('retentionInDays', None)


def _group_by_identifier(ctx, identifier):
    """A log group named by its name or its ARN (with or without ':*')."""
    if identifier.startswith('arn:'):
        return _group_by_arn(ctx, identifier[:-2] if identifier.endswith(':*') else identifier)
    return _group(ctx, identifier)


def put_log_group_deletion_protection(ctx, params):
    group = _group_by_identifier(ctx, params['logGroupIdentifier'])
    group.data['deletionProtectionEnabled'] = params['deletionProtectionEnabled']


# A 2025 operation: older botocore models (Debian's) do not have it yet.
if 'PutLogGroupDeletionProtection' in models.service_model('logs').operation_names:
    op('logs', 'PutLogGroupDeletionProtection')(put_log_group_deletion_protection)


@op('logs', 'AssociateKmsKey')
def associate_kms_key(ctx, params):
    if 'resourceIdentifier' in params:
        raise AwsError('InvalidParameterException',
                       'The emulator associates keys with log groups only.')
    if 'logGroupName' not in params:
        raise AwsError('InvalidParameterException', 'logGroupName is required.')
    _group(ctx, params['logGroupName']).data['kmsKeyId'] = params['kmsKeyId']


@op('logs', 'DisassociateKmsKey')
def disassociate_kms_key(ctx, params):
    if 'logGroupName' not in params:
        raise AwsError('InvalidParameterException', 'logGroupName is required.')
    _group(ctx, params['logGroupName']).data.pop('kmsKeyId', None)


# ---- tags: the resourceArn API ----------------------------------------------

@op('logs', 'TagResource')
def tag_resource(ctx, params):
    group = _group_by_arn(ctx, params['resourceArn'])
    _check_tags(group, params['tags'])
    group.set_tags(params['tags'])


@op('logs', 'UntagResource')
def untag_resource(ctx, params):
    _group_by_arn(ctx, params['resourceArn']).remove_tags(params['tagKeys'])


@op('logs', 'ListTagsForResource')
def list_tags_for_resource(ctx, params):
    return {'tags': dict(_group_by_arn(ctx, params['resourceArn']).tags)}


# ---- tags: the older by-name API (deprecated by AWS, still served) ----------

@op('logs', 'TagLogGroup')
def tag_log_group(ctx, params):
    group = _group(ctx, params['logGroupName'])
    _check_tags(group, params['tags'])
    group.set_tags(params['tags'])


@op('logs', 'UntagLogGroup')
def untag_log_group(ctx, params):
    _group(ctx, params['logGroupName']).remove_tags(params['tags'])


@op('logs', 'ListTagsLogGroup')
def list_tags_log_group(ctx, params):
    return {'tags': dict(_group(ctx, params['logGroupName']).tags)}


# ---- saved queries --------------------------------------------------------
# Query definitions have no ARN in AWS's API; the store keys them by a
# synthetic one (query-definition:ID) and they cannot be tagged.

def _definition_arn(ctx, definition_id):
    return ctx.arn(f'query-definition:{definition_id}')


@op('logs', 'PutQueryDefinition')
def put_query_definition(ctx, params):
    data = {'name': params['name'], 'queryString': params['queryString'],
            'logGroupNames': params.get('logGroupNames', []),
            'queryLanguage': params.get('queryLanguage', 'CWLI'),
            'lastModified': _ms(ctx.now())}
    if 'parameters' in params:
        data['parameters'] = params['parameters']
    definition_id = params.get('queryDefinitionId')
    if definition_id is not None:
        existing = ctx.find_resource('query-definition', definition_id)
        if existing is None:
            raise AwsError('ResourceNotFoundException', 'The specified query definition does not exist.')
        existing.data = data
        return {'queryDefinitionId': definition_id}
    definition_id = str(uuid.uuid4())
    ctx.add_resource('query-definition', definition_id, _definition_arn(ctx, definition_id),
                     data, taggable=False)
    return {'queryDefinitionId': definition_id}


@op('logs', 'DescribeQueryDefinitions')
def describe_query_definitions(ctx, params):
    definitions = sorted(ctx.resources('query-definition'), key=lambda d: (d.data['name'], d.id))
    prefix = params.get('queryDefinitionNamePrefix')
    if prefix is not None and not ignores_filters(ctx):
        definitions = [d for d in definitions if d.data['name'].startswith(prefix)]
    if 'queryLanguage' in params:
        definitions = [d for d in definitions if d.data['queryLanguage'] == params['queryLanguage']]
    page, token = ctx.paginate(
        definitions, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 1000),
        key=lambda d: f"{d.data['name']}\0{d.id}",
        invalid_token=AwsError('InvalidParameterException', 'The specified nextToken is invalid.'))
    result = {'queryDefinitions': [dict(d.data, queryDefinitionId=d.id) for d in page]}
    if token:
        result['nextToken'] = token
    return result


@op('logs', 'DeleteQueryDefinition')
def delete_query_definition(ctx, params):
    definition = ctx.find_resource('query-definition', params['queryDefinitionId'])
    if definition is None:
        raise AwsError('ResourceNotFoundException', 'The specified query definition does not exist.')
    ctx.remove_resource(definition.arn)
    return {'success': True}
