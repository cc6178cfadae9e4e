"""Amazon S3 (restXml, path-style): the subset berth's S3 backend uses --
buckets made by the tests, and objects with conditional writes.

- CreateBucket (the region's LocationConstraint is required outside
  us-east-1, as in AWS: IllegalLocationConstraintException otherwise;
  BucketAlreadyOwnedByYou for a second create), HeadBucket (404 NoSuchBucket,
  answered without a body as S3 answers HEAD).
- PutObject, GetObject, HeadObject, DeleteObject on an existing bucket
  (NoSuchBucket otherwise). ETags are the quoted MD5 of the content.
  Conditional requests as S3 evaluates them: PutObject `If-None-Match: *`
  fails with 412 PreconditionFailed when the key exists, `If-Match: ETAG`
  when the key is missing (404 NoSuchKey) or holds another ETag (412);
  GetObject/HeadObject `If-Match` (412) and `If-None-Match` (304);
  DeleteObject `If-Match` (412 on another ETag, 404 NoSuchKey when missing);
  an unconditional DeleteObject of a missing key is a 204, as in S3.
- Objects are resources of type "object" (id BUCKET/KEY) in the control
  API, buckets of type "bucket"; neither carries tags.

Simplifications: no versioning, ACLs, multipart, listings, checksums or
encryption; the body is kept whole in memory."""

import datetime
import hashlib

from awsemu import AwsError, op


def _no_bucket(name):
    return AwsError('NoSuchBucket', 'The specified bucket does not exist', 404)


def _bucket(ctx, name):
    bucket = ctx.find_resource('bucket', name)
    if bucket is None:
        raise _no_bucket(name)
    return bucket


def _precondition():
    return AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified '
                    'did not hold', 412)


def _object(ctx, params):
    return ctx.find_resource('object', f"{params['Bucket']}/{params['Key']}")


@op('s3', 'CreateBucket')
def create_bucket(ctx, params):
    name = params['Bucket']
    wanted = (params.get('CreateBucketConfiguration') or {}).get('LocationConstraint')
    if ctx.region != 'us-east-1' and wanted != ctx.region:
        raise AwsError('IllegalLocationConstraintException',
                       f'The unspecified location constraint is incompatible for the region '
                       f'specific endpoint this request was sent to.', 400)
    if ctx.find_resource('bucket', name) is not None:
        raise AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named '
                       'bucket succeeded and you already own it.', 409)
    ctx.add_resource('bucket', name, f'arn:aws:s3:::{name}', {}, taggable=False)
    return {'Location': f'/{name}'}


@op('s3', 'HeadBucket')
def head_bucket(ctx, params):
    _bucket(ctx, params['Bucket'])
    return {'BucketRegion': ctx.region}


@op('s3', 'PutObject')
def put_object(ctx, params):
    bucket = params['Bucket']
    _bucket(ctx, bucket)
    current = _object(ctx, params)
    if params.get('IfNoneMatch') is not None:
        if params['IfNoneMatch'] != '*':
            raise AwsError('NotImplemented', 'If-None-Match on PutObject takes only *', 501)
        if current is not None:
            raise _precondition()
    if params.get('IfMatch') is not None:
        if current is None:
            raise AwsError('NoSuchKey', 'The specified key does not exist.', 404)
        if current.data['etag'] != params['IfMatch']:
            raise _precondition()
    body = params.get('Body') or b''
    etag = '"%s"' % hashlib.md5(body).hexdigest()
    key = f"{bucket}/{params['Key']}"
    if current is not None:
        ctx.remove_resource(current.arn)
    ctx.add_resource('object', key, f'arn:aws:s3:::{key}',
                     {'body': body, 'etag': etag,
                      'modified': datetime.datetime.now(datetime.timezone.utc)},
                     taggable=False)
    return {'ETag': etag}


def _read(ctx, params):
    _bucket(ctx, params['Bucket'])
    current = _object(ctx, params)
    if current is None:
        raise AwsError('NoSuchKey', 'The specified key does not exist.', 404)
    if params.get('IfMatch') is not None and params['IfMatch'] != current.data['etag']:
        raise _precondition()
    if params.get('IfNoneMatch') is not None and params['IfNoneMatch'] in (
            '*', current.data['etag']):
        raise AwsError('NotModified', 'Not Modified', 304)
    return current


@op('s3', 'GetObject')
def get_object(ctx, params):
    current = _read(ctx, params)
    # (Content-Length is the server's: the body's length.)
    return {'Body': current.data['body'], 'ETag': current.data['etag'],
            'LastModified': current.data['modified']}


@op('s3', 'HeadObject')
def head_object(ctx, params):
    current = _read(ctx, params)
    return {'ETag': current.data['etag'], 'LastModified': current.data['modified']}


@op('s3', 'DeleteObject')
def delete_object(ctx, params):
    _bucket(ctx, params['Bucket'])
    current = _object(ctx, params)
    if params.get('IfMatch') is not None:
        if current is None:
            raise AwsError('NoSuchKey', 'The specified key does not exist.', 404)
        if current.data['etag'] != params['IfMatch']:
            raise _precondition()
    if current is not None:
        ctx.remove_resource(current.arn)
    return {}
