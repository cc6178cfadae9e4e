"""The Resource Groups Tagging API, across every service in the emulator.

It reads and writes the store's one tag index, so a tag set here is what
SNS ListTagsForResource or Logs ListTagsForResource report, and the other
way round. As in AWS, GetResources lists only resources that are or once
were tagged, and answers `PaginationToken: ""` on the last page."""

import re

from awsemu import AwsError, op, service_options
from awsemu.faults import ignores_filters

service_options('resourcegroupstaggingapi', validation_error='InvalidParameterException')

MAX_TAGS = 50
_TYPE_FILTER_RE = re.compile(r'^[a-z0-9-]+(:[A-Za-z0-9-]+)?$')


def _arn_service(arn):
    parts = arn.split(':')
    return parts[2] if len(parts) > 2 else ''


def _matches_type(resource, filters):
    service = _arn_service(resource.arn)
    for wanted in filters:
        wanted_service, _, wanted_type = wanted.partition(':')
        if wanted_service == service and wanted_type in ('', resource.type):
            return True
    return False


def _matches_tags(resource, tag_filters):
    for tag_filter in tag_filters:
        key = tag_filter.get('Key')
        if key not in resource.tags:
            return False
        values = tag_filter.get('Values') or []
        if values and resource.tags[key] not in values:
            return False
    return True


@op('resourcegroupstaggingapi', 'GetResources')
def get_resources(ctx, params):
    arn_list = params.get('ResourceARNList')
    if arn_list is not None and any(k in params for k in (
            'ResourcesPerPage', 'TagsPerPage', 'PaginationToken')):
        raise AwsError('InvalidParameterException', 'ResourceARNList cannot be used with '
                       'ResourcesPerPage, TagsPerPage or PaginationToken.')
    per_page = params.get('ResourcesPerPage')
    if per_page is not None and not 1 <= per_page <= 100:
        raise AwsError('InvalidParameterException',
                       'ResourcesPerPage must be between 1 and 100.')
    tags_per_page = params.get('TagsPerPage')
    if tags_per_page is not None and not 100 <= tags_per_page <= 500:
        raise AwsError('InvalidParameterException', 'TagsPerPage must be between 100 and 500.')
    type_filters = params.get('ResourceTypeFilters') or []
    for wanted in type_filters:
        if not _TYPE_FILTER_RE.match(wanted):
            raise AwsError('InvalidParameterException',
                           f'Unsupported resource type filter: {wanted}')
    for tag_filter in params.get('TagFilters') or []:
        if 'Key' not in tag_filter:
            raise AwsError('InvalidParameterException', 'A TagFilter must have a Key.')

    resources = [r for r in ctx.store.select(ctx.account) + ctx.ghosts()
                 if ctx.visible(r) and r.taggable and r.ever_tagged
                 and r.region in (ctx.region, '')]
    if arn_list is not None:
        wanted = set(arn_list)
        resources = [r for r in resources if r.arn in wanted]
    if type_filters and not ignores_filters(ctx):
        resources = [r for r in resources if _matches_type(r, type_filters)]
    if not ignores_filters(ctx):
        resources = [r for r in resources if _matches_tags(r, params.get('TagFilters') or [])]
    resources.sort(key=lambda r: r.arn)
    page, token = ctx.paginate(
        resources, params.get('PaginationToken'), ctx.page_limit(per_page, 50),
        key=lambda r: r.arn,
        invalid_token=AwsError('InvalidParameterException', 'The pagination token is invalid.'))
    return {'PaginationToken': token or '',
            'ResourceTagMappingList': [
                {'ResourceARN': r.arn,
                 'Tags': [{'Key': k, 'Value': v} for k, v in sorted(r.tags.items())]}
                for r in page]}


def _failure(message):
    return {'StatusCode': 400, 'ErrorCode': 'InvalidParameterException', 'ErrorMessage': message}


@op('resourcegroupstaggingapi', 'TagResources')
def tag_resources(ctx, params):
    tags = params['Tags']
    failed = {}
    for arn in params['ResourceARNList']:
        resource = ctx.resource_by_arn(arn)
        if resource is None or not resource.taggable:
            failed[arn] = _failure(f'Resource {arn} does not exist or cannot be tagged.')
        elif any(k.lower().startswith('aws:') for k in tags):
            failed[arn] = _failure("Tag keys beginning with 'aws:' are reserved.")
        elif len(set(resource.tags) | set(tags)) > MAX_TAGS:
            failed[arn] = _failure(f'A resource can have no more than {MAX_TAGS} tags.')
        else:
            resource.set_tags(tags)
    return {'FailedResourcesMap': failed}


@op('resourcegroupstaggingapi', 'UntagResources')
def untag_resources(ctx, params):
    failed = {}
    for arn in params['ResourceARNList']:
        resource = ctx.resource_by_arn(arn)
        if resource is None or not resource.taggable:
            failed[arn] = _failure(f'Resource {arn} does not exist or cannot be tagged.')
        else:
            resource.remove_tags(params['TagKeys'])
    return {'FailedResourcesMap': failed}
