"""Amazon S3 through botocore (path-style, as against any endpoint on an IP
address): buckets that must exist, objects, and the conditional writes that
berth's S3 lock and state cache rely on (412 PreconditionFailed as S3 answers);
signatures checked with S3's rules (path as sent, payload hash)."""

import hashlib
import unittest

from emutest import EmulatorTestCase, send, sign
from fixture import REGION


class S3Test(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        # Checksums only when the operation requires one, as berth sends.
        self.s3 = self.client('s3', s3={'addressing_style': 'path'},
                              request_checksum_calculation='when_required',
                              response_checksum_validation='when_required')

    def make_bucket(self, name='state'):
        self.s3.create_bucket(Bucket=name,
                              CreateBucketConfiguration={'LocationConstraint': REGION})

    def test_bucket_must_exist(self):
        r = self.assertAwsError('404', self.s3.head_bucket, Bucket='state')
        self.assertEqual(r['ResponseMetadata']['HTTPStatusCode'], 404)
        self.assertAwsError('NoSuchBucket', self.s3.put_object, Bucket='state', Key='k',
                            Body=b'x')
        self.assertAwsError('IllegalLocationConstraintException', self.s3.create_bucket,
                            Bucket='state')
        self.make_bucket()
        self.s3.head_bucket(Bucket='state')
        self.assertAwsError('BucketAlreadyOwnedByYou', self.make_bucket)

    def test_objects_and_conditional_writes(self):
        self.make_bucket()
        key = 'berth/demo/stack lock.json'
        first = self.s3.put_object(Bucket='state', Key=key, Body=b'{"holder": 1}',
                                   IfNoneMatch='*')
        self.assertEqual(first['ETag'], '"%s"' % hashlib.md5(b'{"holder": 1}').hexdigest())
        # A second create-if-absent loses, whoever sends it.
        r = self.assertAwsError('PreconditionFailed', self.s3.put_object, Bucket='state',
                                Key=key, Body=b'{"holder": 2}', IfNoneMatch='*')
        self.assertEqual(r['ResponseMetadata']['HTTPStatusCode'], 412)
        got = self.s3.get_object(Bucket='state', Key=key)
        self.assertEqual(got['Body'].read(), b'{"holder": 1}')
        self.assertEqual(got['ETag'], first['ETag'])
        # Replace only what was read: a stale ETag is refused.
        second = self.s3.put_object(Bucket='state', Key=key, Body=b'{"holder": 1, "n": 2}',
                                    IfMatch=first['ETag'])
        self.assertAwsError('PreconditionFailed', self.s3.put_object, Bucket='state', Key=key,
                            Body=b'x', IfMatch=first['ETag'])
        self.assertAwsError('PreconditionFailed', self.s3.delete_object, Bucket='state',
                            Key=key, IfMatch=first['ETag'])
        self.assertAwsError('304', self.s3.head_object, Bucket='state', Key=key,
                            IfNoneMatch=second['ETag'])
        self.s3.delete_object(Bucket='state', Key=key, IfMatch=second['ETag'])
        self.assertAwsError('NoSuchKey', self.s3.get_object, Bucket='state', Key=key)
        self.assertAwsError('NoSuchKey', self.s3.put_object, Bucket='state', Key=key,
                            Body=b'x', IfMatch=second['ETag'])
        self.s3.delete_object(Bucket='state', Key=key)  # gone already: 204, as S3

    def test_signature_uses_s3_rules(self):
        self.make_bucket()
        url = f'{self.emu.url}/state/a//b'
        body = b'payload'
        # The payload's hash is part of what is signed: another body fails.
        headers = sign('PUT', url, 's3', body=body,
                       headers={'x-amz-content-sha256': hashlib.sha256(body).hexdigest()})
        r = send(self.emu, 'PUT', '/state/a//b', body=b'tampered', headers=headers)
        self.assertEqual(r.status, 403, r.text)
        self.assertIn('<Code>SignatureDoesNotMatch</Code>', r.text)


if __name__ == '__main__':
    unittest.main()
