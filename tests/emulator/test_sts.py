"""AWS STS through botocore: identity, AssumeRole and
AssumeRoleWithWebIdentity (unsigned, as AWS serves it)."""

import base64
import datetime
import json
import time
import unittest

from emutest import EmulatorTestCase, query_request

ROLE = 'arn:aws:iam::123456789012:role/ci/deployer'


def jwt(claims):
    def part(document):
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip('=')
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class StsTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        # With IAM emulated, assuming a role that does not exist is
        # AccessDenied, as in AWS: make the role the tests assume.
        self.client('iam').create_role(Path='/ci/', RoleName='deployer',
                                       AssumeRolePolicyDocument=json.dumps({
                                           'Version': '2012-10-17', 'Statement': [{
                                               'Effect': 'Allow', 'Action': 'sts:AssumeRole',
                                               'Principal': {'AWS': '123456789012'}}]}))

    def test_assuming_a_missing_role_is_denied(self):
        self.assertAwsError('AccessDenied', self.client('sts').assume_role,
                            RoleArn='arn:aws:iam::123456789012:role/nobody',
                            RoleSessionName='s1')

    def test_get_caller_identity(self):
        identity = self.client('sts').get_caller_identity()
        self.assertEqual(identity['Account'], '123456789012')
        self.assertEqual(identity['Arn'], 'arn:aws:iam::123456789012:user/berth-emulator')
        self.assertTrue(identity['UserId'].startswith('AIDA'))

    def test_assume_role(self):
        result = self.client('sts').assume_role(RoleArn=ROLE, RoleSessionName='s1',
                                                DurationSeconds=1800)
        self.assertEqual(result['AssumedRoleUser']['Arn'],
                         'arn:aws:sts::123456789012:assumed-role/deployer/s1')
        self.assertTrue(result['AssumedRoleUser']['AssumedRoleId'].endswith(':s1'))
        expires = result['Credentials']['Expiration']
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertAlmostEqual((expires - now).total_seconds(), 1800, delta=10)
        self.assertAwsError('ValidationError', self.client('sts').assume_role,
                            RoleArn='arn:aws:iam::123456789012:user/not-a-role',
                            RoleSessionName='s1')

    def test_assume_role_with_web_identity_is_unsigned(self):
        token = jwt({'iss': 'https://token.actions.githubusercontent.com', 'sub': 'repo:o/r:ref',
                     'aud': 'sts.amazonaws.com', 'exp': int(time.time()) + 600})
        # botocore sends this operation unsigned, whatever credentials it has.
        sts = self.client('sts', access_key='AKIDNOBODY', secret_key='nothing')
        result = sts.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName='gha',
                                                   WebIdentityToken=token)
        self.assertEqual(result['SubjectFromWebIdentityToken'], 'repo:o/r:ref')
        self.assertEqual(result['Provider'], 'token.actions.githubusercontent.com')
        self.assertEqual(result['Audience'], 'sts.amazonaws.com')
        credentials = result['Credentials']
        role = self.client('sts', access_key=credentials['AccessKeyId'],
                           secret_key=credentials['SecretAccessKey'],
                           token=credentials['SessionToken'])
        self.assertEqual(role.get_caller_identity()['Arn'],
                         'arn:aws:sts::123456789012:assumed-role/deployer/gha')
        # Truly unsigned on the wire, too.
        response = query_request(self.emu, 'sts', {
            'Action': 'AssumeRoleWithWebIdentity', 'Version': '2011-06-15', 'RoleArn': ROLE,
            'RoleSessionName': 'raw', 'WebIdentityToken': token}, signed=False)
        self.assertEqual(response.status, 200, response.text)

    def test_web_identity_token_errors(self):
        sts = self.client('sts')
        self.assertAwsError('InvalidIdentityToken', sts.assume_role_with_web_identity,
                            RoleArn=ROLE, RoleSessionName='x1', WebIdentityToken='not-a-jwt')
        expired = jwt({'iss': 'https://idp', 'sub': 'someone', 'aud': 'a', 'exp': 1000})
        self.assertAwsError('ExpiredTokenException', sts.assume_role_with_web_identity,
                            RoleArn=ROLE, RoleSessionName='x1', WebIdentityToken=expired)
        # Other STS operations still need a signature.
        response = query_request(self.emu, 'sts', {'Action': 'GetCallerIdentity',
                                                    'Version': '2011-06-15'}, signed=False)
        self.assertEqual(response.status, 403)
        self.assertIn('MissingAuthenticationToken', response.text)


if __name__ == '__main__':
    unittest.main()
