"""Amazon ECR (json 1.1, signing name and ARN service `ecr`): private
repositories, their settings, tags, and images as far as deleting a
repository cares.

- CreateRepository: names as AWS allows them (lowercase, digits, `._-`
  separators, `/` namespaces, 2-256 bytes; InvalidParameterException
  otherwise); a name taken is RepositoryAlreadyExistsException. Defaults:
  imageTagMutability MUTABLE, scanOnPush false, encryption AES256 (KMS
  without a key reports AWS's managed key `alias/aws/ecr`). ARNs
  `arn:aws:ecr:REGION:ACCOUNT:repository/NAME`, URIs
  `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`.
- DescribeRepositories: sorted by name; with repositoryNames, one missing
  name is RepositoryNotFoundException for the whole call (as AWS does), and
  maxResults with repositoryNames is InvalidParameterException; otherwise
  paged (maxResults 1-1000, default the emulator's page size).
- DeleteRepository: RepositoryNotEmptyException while images are there
  unless force; answers the deleted repository.
- PutImage stores a tagged manifest (no layers are checked), so that tests
  can make a repository non-empty.
- PutImageTagMutability, PutImageScanningConfiguration change settings.
- Tags: TagResource/UntagResource/ListTagsForResource take the repository
  ARN (an ARN that is not an ECR repository's is InvalidParameterException,
  a repository that does not exist RepositoryNotFoundException); tags are
  [{Key, Value}], keys starting `aws:` refused (InvalidTagParameterException),
  at most 50 (TooManyTagsException).
Simplifications: no lifecycle or repository policies (those operations
answer 501), no replication, pull-through caches or image scanning."""

import hashlib
import re

from awsemu import AwsError, op, service_options

# ECR reports model violations (pattern, length) as InvalidParameterException
# ("Invalid parameter at 'repositoryName' failed to satisfy constraint").
service_options('ecr', validation_error='InvalidParameterException')

MAX_TAGS = 50
NAME_RE = re.compile(r'^(?=.{2,256}$)((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*'
                     r'[a-z0-9]+(?:[._-][a-z0-9]+)*)$')


def _not_found(ctx, name):
    return AwsError('RepositoryNotFoundException',
                    f"The repository with name '{name}' does not exist in the registry "
                    f"with id '{ctx.account}'")


def _repository(ctx, name):
    repo = ctx.find_resource('repository', name)
    if repo is None:
        raise _not_found(ctx, name)
    return repo


def _check_registry(ctx, params):
    registry = params.get('registryId')
    if registry is not None and registry != ctx.account:
        raise AwsError('InvalidParameterException',
                       f"Invalid parameter at 'registryId' failed to satisfy constraint: "
                       f"'registry {registry} is not this account's'")


def _check_tags(repo, tags):
    for tag in tags:
        if tag['Key'].lower().startswith('aws:'):
            raise AwsError('InvalidTagParameterException',
                           f"Tag keys beginning with 'aws:' are reserved: {tag['Key']}")
    keys = {t['Key'] for t in tags}
    if len((set(repo.tags) if repo is not None else set()) | keys) > MAX_TAGS:
        raise AwsError('TooManyTagsException',
                       f'A repository can have no more than {MAX_TAGS} tags.')


def _item(repo):
    item = {'repositoryArn': repo.arn, 'registryId': repo.data['registryId'],
            'repositoryName': repo.id, 'repositoryUri': repo.data['repositoryUri'],
            'createdAt': repo.data['createdAt'],
            'imageTagMutability': repo.data['imageTagMutability'],
            'imageScanningConfiguration': dict(repo.data['imageScanningConfiguration']),
            'encryptionConfiguration': dict(repo.data['encryptionConfiguration'])}
    return item


@op('ecr', 'CreateRepository')
def create_repository(ctx, params):
    _check_registry(ctx, params)
    name = params['repositoryName']
    if not NAME_RE.match(name):
        raise AwsError('InvalidParameterException',
                       f"Invalid parameter at 'repositoryName' failed to satisfy constraint: "
                       f"'must satisfy regular expression '{NAME_RE.pattern}''")
    if ctx.find_resource('repository', name) is not None:
        raise AwsError('RepositoryAlreadyExistsException',
                       f"The repository with name '{name}' already exists in the registry "
                       f"with id '{ctx.account}'")
    tags = params.get('tags', [])
    _check_tags(None, tags)
    encryption = dict(params.get('encryptionConfiguration') or {'encryptionType': 'AES256'})
    if encryption['encryptionType'] == 'AES256' and 'kmsKey' in encryption:
        raise AwsError('InvalidParameterException',
                       'Invalid parameter: kmsKey can only be specified with encryptionType KMS')
    if encryption['encryptionType'] == 'KMS' and 'kmsKey' not in encryption:
        encryption['kmsKey'] = ctx.arn('alias/aws/ecr', service='kms')
    data = {'registryId': ctx.account,
            'repositoryUri': f'{ctx.account}.dkr.ecr.{ctx.region}.amazonaws.com/{name}',
            'createdAt': ctx.now(),
            'imageTagMutability': params.get('imageTagMutability', 'MUTABLE'),
            'imageScanningConfiguration': {'scanOnPush': (params.get(
                'imageScanningConfiguration') or {}).get('scanOnPush', False)},
            'encryptionConfiguration': encryption,
            'images': {}}
    repo = ctx.add_resource('repository', name, ctx.arn(f'repository/{name}'), data,
                            {t['Key']: t['Value'] for t in tags})
    return {'repository': _item(repo)}


@op('ecr', 'DescribeRepositories')
def describe_repositories(ctx, params):
    _check_registry(ctx, params)
    names = params.get('repositoryNames')
    if names is not None:
        if 'maxResults' in params or 'nextToken' in params:
            raise AwsError('InvalidParameterException',
                           'maxResults and nextToken cannot be used with repositoryNames')
        return {'repositories': [_item(_repository(ctx, n)) for n in names]}
    repos = sorted(ctx.resources('repository'), key=lambda r: r.id)
    page, token = ctx.paginate(
        repos, params.get('nextToken'), ctx.page_limit(params.get('maxResults'), 1000),
        key=lambda r: r.id,
        invalid_token=AwsError('InvalidParameterException', 'Invalid NextToken'))
    result = {'repositories': [_item(r) for r in page]}
    if token:
        result['nextToken'] = token
    return result


@op('ecr', 'DeleteRepository')
def delete_repository(ctx, params):
    _check_registry(ctx, params)
    repo = _repository(ctx, params['repositoryName'])
    if repo.data['images'] and not params.get('force', False):
        raise AwsError('RepositoryNotEmptyException',
                       f"The repository with name '{repo.id}' in registry with id "
                       f"'{ctx.account}' cannot be deleted because it still contains images")
    item = _item(repo)
    ctx.remove_resource(repo.arn)
    return {'repository': item}


@op('ecr', 'PutImage')
def put_image(ctx, params):
    _check_registry(ctx, params)
    repo = _repository(ctx, params['repositoryName'])
    manifest = params['imageManifest']
    digest = 'sha256:' + hashlib.sha256(manifest.encode()).hexdigest()
    tag = params.get('imageTag')
    images = repo.data['images']
    if tag is not None and tag in images and images[tag] != digest and \
            repo.data['imageTagMutability'] == 'IMMUTABLE':
        raise AwsError('ImageTagAlreadyExistsException',
                       f"The image tag '{tag}' already exists in the '{repo.id}' repository "
                       f"and cannot be overwritten because the repository is immutable.")
    images[tag if tag is not None else digest] = digest
    image_id = {'imageDigest': digest}
    if tag is not None:
        image_id['imageTag'] = tag
    return {'image': {'registryId': ctx.account, 'repositoryName': repo.id,
                      'imageId': image_id, 'imageManifest': manifest}}


@op('ecr', 'PutImageTagMutability')
def put_image_tag_mutability(ctx, params):
    _check_registry(ctx, params)
    repo = _repository(ctx, params['repositoryName'])
    repo.data['imageTagMutability'] = params['imageTagMutability']
    return {'registryId': ctx.account, 'repositoryName': repo.id,
            'imageTagMutability': params['imageTagMutability']}


@op('ecr', 'PutImageScanningConfiguration')
def put_image_scanning_configuration(ctx, params):
    _check_registry(ctx, params)
    repo = _repository(ctx, params['repositoryName'])
    config = {'scanOnPush': params['imageScanningConfiguration'].get('scanOnPush', False)}
    repo.data['imageScanningConfiguration'] = config
    return {'registryId': ctx.account, 'repositoryName': repo.id,
            'imageScanningConfiguration': dict(config)}


def _by_arn(ctx, arn):
    parts = arn.split(':', 5)
    if len(parts) != 6 or parts[2] != 'ecr' or not parts[5].startswith('repository/'):
        raise AwsError('InvalidParameterException',
                       f"Invalid parameter at 'resourceArn' failed to satisfy constraint: "
                       f"'Invalid ARN: {arn}'")
    repo = ctx.resource_by_arn(arn)
    if repo is None or repo.service != 'ecr':
        raise _not_found(ctx, parts[5][len('repository/'):])
    return repo


@op('ecr', 'TagResource')
def tag_resource(ctx, params):
    repo = _by_arn(ctx, params['resourceArn'])
    _check_tags(repo, params['tags'])
    repo.set_tags({t['Key']: t['Value'] for t in params['tags']})


@op('ecr', 'UntagResource')
def untag_resource(ctx, params):
    repo = _by_arn(ctx, params['resourceArn'])
    repo.remove_tags(params['tagKeys'])


@op('ecr', 'ListTagsForResource')
def list_tags_for_resource(ctx, params):
    repo = _by_arn(ctx, params['resourceArn'])
    return {'tags': [{'Key': k, 'Value': v} for k, v in sorted(repo.tags.items())]}
