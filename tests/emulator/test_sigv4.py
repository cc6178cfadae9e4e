"""SigV4 verification: the AWS test vectors, then every way a live request
can fail authentication, per protocol."""

import datetime
import json
import os
import unittest

from emutest import (ACCESS_KEY, SECRET_KEY, EmulatorTestCase, json_request, query_request,
                     send, sign, utcnow)
from awsemu import sigv4
from awsemu.wire import Request

# Vendored with its provenance (tests/data/sigv4-suite/README.md).
SUITE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      '..', 'data', 'sigv4-suite', 'v4'))


def parse_raw_request(text):
    """A request file of the suite -> wire.Request. Header continuation lines
    (leading whitespace) belong to the previous header, as in the files."""
    head, _, body = text.partition('\n\n')
    lines = head.split('\n')
    method, rest = lines[0].split(' ', 1)
    target = rest.rsplit(' ', 1)[0]  # drop " HTTP/1.1"; the path may hold spaces
    headers = []
    for line in lines[1:]:
        if line[:1] in (' ', '\t') and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + '\n' + line)
        else:
            name, _, value = line.partition(':')
            headers.append((name, value))
    return Request.from_target(method, target, headers, body.encode('utf-8'))


class SigV4SuiteTest(unittest.TestCase):
    """The verifier must accept every signed request of the AWS SigV4 test
    suite (header variant; the normalising cases, which is every service but
    S3) and reject each one with its signature altered."""

    def cases(self):
        for name in sorted(os.listdir(SUITE)):
            with open(os.path.join(SUITE, name, 'context.json')) as f:
                context = json.load(f)
            if not context.get('normalize', True):
                continue  # S3's unnormalised paths; no service here uses them
            with open(os.path.join(SUITE, name, 'header-signed-request.txt'), encoding='utf-8') as f:
                yield name, context, parse_raw_request(f.read())

    def test_suite_vectors(self):
        checked = 0
        for name, context, request in self.cases():
            with self.subTest(case=name):
                signed = sigv4.parse_authorization(request)
                now = datetime.datetime.strptime(context['timestamp'], '%Y-%m-%dT%H:%M:%SZ') \
                    .replace(tzinfo=datetime.timezone.utc)
                secret = context['credentials']['secret_access_key']
                canonical = sigv4.verify(request, signed, secret, now)
                with open(os.path.join(SUITE, name, 'header-canonical-request.txt'),
                          encoding='utf-8') as f:
                    self.assertEqual(canonical, f.read())
                signed.signature = ('0' if signed.signature[0] != '0' else '1') + signed.signature[1:]
                with self.assertRaises(sigv4.AuthFailure) as caught:
                    sigv4.verify(request, signed, secret, now)
                self.assertEqual(caught.exception.situation, 'bad_signature')
                checked += 1
        self.assertGreaterEqual(checked, 25)

    def test_skew_is_checked_against_the_request_date(self):
        name, context, request = next(iter(self.cases()))
        signed = sigv4.parse_authorization(request)
        later = datetime.datetime(2015, 8, 30, 12, 52, tzinfo=datetime.timezone.utc)
        with self.assertRaises(sigv4.AuthFailure) as caught:
            sigv4.verify(request, signed, context['credentials']['secret_access_key'], later)
        self.assertEqual(caught.exception.situation, 'request_expired')
        self.assertIn('Signature expired: 20150830T123600Z', caught.exception.message)


class LiveAuthTest(EmulatorTestCase):
    emulator_options = {'credentials': ['AKIDWITHTOKEN:token-secret:the-token']}

    GET_CALLER = {'Action': 'GetCallerIdentity', 'Version': '2011-06-15'}

    def test_wrong_secret_query(self):
        sts = self.client('sts', secret_key='not-the-secret')
        self.assertAwsError('SignatureDoesNotMatch', sts.get_caller_identity)
        sns = self.client('sns', secret_key='not-the-secret')
        response = self.assertAwsError('SignatureDoesNotMatch', sns.list_topics)
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 403)

    def test_wrong_secret_json(self):
        logs = self.client('logs', secret_key='not-the-secret')
        self.assertAwsError('InvalidSignatureException', logs.describe_log_groups)

    def test_unknown_key(self):
        sts = self.client('sts', access_key='AKIDNOBODY')
        response = self.assertAwsError('InvalidClientTokenId', sts.get_caller_identity)
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 403)
        logs = self.client('logs', access_key='AKIDNOBODY')
        self.assertAwsError('UnrecognizedClientException', logs.describe_log_groups)

    def test_unknown_key_ec2_is_auth_failure(self):
        response = query_request(self.emu, 'ec2', {'Action': 'DescribeVpcs',
                                                    'Version': '2016-11-15'},
                                 access_key='AKIDNOBODY')
        self.assertEqual(response.status, 401)
        self.assertIn('<Code>AuthFailure</Code>', response.text)
        self.assertIn('<RequestID>', response.text)

    def test_missing_authentication(self):
        response = query_request(self.emu, 'sns', {'Action': 'ListTopics',
                                                    'Version': '2010-03-31'}, signed=False)
        self.assertEqual(response.status, 403)
        self.assertIn('<Code>MissingAuthenticationToken</Code>', response.text)
        response = json_request(self.emu, 'logs', 'Logs_20140328.DescribeLogGroups', {},
                                signed=False)
        self.assertEqual(json.loads(response.text)['__type'],
                         'MissingAuthenticationTokenException')

    def test_request_too_old_or_too_new(self):
        for minutes in (-20, 20):
            with self.subTest(minutes=minutes):
                response = query_request(self.emu, 'sts', self.GET_CALLER,
                                         when=utcnow() + datetime.timedelta(minutes=minutes))
                self.assertEqual(response.status, 403)
                self.assertIn('<Code>SignatureDoesNotMatch</Code>', response.text)
                self.assertIn('Signature expired' if minutes < 0 else 'not yet current',
                              response.text)
        # Within 15 minutes is fine.
        response = query_request(self.emu, 'sts', self.GET_CALLER,
                                 when=utcnow() - datetime.timedelta(minutes=10))
        self.assertEqual(response.status, 200, response.text)

    def test_scope_must_name_the_right_service(self):
        # Signed for "sns" but sent with STS's Action and Version: routed to
        # SNS by its scope, where the action does not exist.
        response = query_request(self.emu, 'sns', self.GET_CALLER)
        self.assertEqual(response.status, 400)
        self.assertIn('InvalidAction', response.text)
        # A JSON request signed for the wrong service.
        response = json_request(self.emu, 'sns', 'Logs_20140328.DescribeLogGroups', {})
        self.assertEqual(json.loads(response.text)['__type'], 'InvalidSignatureException')

    def test_body_tampering_is_detected(self):
        body = b'Action=GetCallerIdentity&Version=2011-06-15'
        headers = sign('POST', self.emu.url + '/', 'sts', body,
                       {'Content-Type': 'application/x-www-form-urlencoded'})
        response = send(self.emu, 'POST', '/', body + b'&x=1', headers)
        self.assertEqual(response.status, 403)
        self.assertIn('SignatureDoesNotMatch', response.text)

    def test_session_token_rules(self):
        good = self.client('sts', access_key='AKIDWITHTOKEN', secret_key='token-secret',
                           token='the-token')
        self.assertEqual(good.get_caller_identity()['Account'], '123456789012')
        for token in (None, 'another-token'):
            with self.subTest(token=token):
                client = self.client('sts', access_key='AKIDWITHTOKEN',
                                     secret_key='token-secret', token=token)
                self.assertAwsError('InvalidClientTokenId', client.get_caller_identity)
        # A long-term key presented with a token is refused too.
        client = self.client('sts', token='stray-token')
        self.assertAwsError('InvalidClientTokenId', client.get_caller_identity)

    def test_assumed_role_credentials_work_then_expire(self):
        # The role must exist now that IAM is emulated. It lives in the
        # caller's own account: the emulator's keys all belong to one account,
        # so cross-account roles cannot be created through its API.
        self.client('iam').create_role(RoleName='deployer', AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Action":"sts:AssumeRole","Principal":{"AWS":"123456789012"}}]}'))
        sts = self.client('sts')
        result = sts.assume_role(RoleArn='arn:aws:iam::123456789012:role/deployer',
                                 RoleSessionName='ci', DurationSeconds=900)
        credentials = result['Credentials']
        self.assertTrue(credentials['AccessKeyId'].startswith('ASIA'))
        role = self.client('sts', access_key=credentials['AccessKeyId'],
                           secret_key=credentials['SecretAccessKey'],
                           token=credentials['SessionToken'])
        identity = role.get_caller_identity()
        self.assertEqual(identity['Account'], '123456789012')
        self.assertEqual(identity['Arn'], 'arn:aws:sts::123456789012:assumed-role/deployer/ci')
        # Resources made with the role's keys belong to the role's account.
        logs = self.client('logs', access_key=credentials['AccessKeyId'],
                           secret_key=credentials['SecretAccessKey'],
                           token=credentials['SessionToken'])
        logs.create_log_group(logGroupName='made-by-role')
        groups = [r['id'] for r in self.emu.resources() if r['type'] == 'log-group']
        self.assertEqual(groups, ['made-by-role'])
        # Without its token the temporary key is not accepted.
        tokenless = self.client('sts', access_key=credentials['AccessKeyId'],
                                secret_key=credentials['SecretAccessKey'])
        self.assertAwsError('InvalidClientTokenId', tokenless.get_caller_identity)
        self.emu.advance_clock(901)
        self.assertAwsError('ExpiredToken', role.get_caller_identity)
        self.assertAwsError('ExpiredTokenException', logs.describe_log_groups)

    def test_presigned_urls_are_refused_clearly(self):
        response = send(self.emu, 'GET', '/?Action=GetCallerIdentity&Version=2011-06-15'
                        '&X-Amz-Signature=abc&X-Amz-Credential=AKIDEMULATOR%2F20240101'
                        '%2Fus-west-2%2Fsts%2Faws4_request')
        self.assertEqual(response.status, 400)
        self.assertIn('IncompleteSignature', response.text)

    def test_default_key_constants(self):
        self.assertEqual((ACCESS_KEY, SECRET_KEY), ('AKIDEMULATOR', 'emulator-secret'))


if __name__ == '__main__':
    unittest.main()
