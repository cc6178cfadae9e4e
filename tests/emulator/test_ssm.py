"""SSM Parameter Store through botocore: the seeded public /aws/service/
parameters, the account's own (String and SecureString), versions, ARNs and
the errors AWS answers with."""

import unittest

from emutest import EmulatorTestCase, json_request

AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'
UBUNTU = '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id'


class SsmTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ssm = self.client('ssm')

    def test_public_ami_parameters(self):
        for name in (AL2023, UBUNTU):
            with self.subTest(name=name):
                p = self.ssm.get_parameter(Name=name)['Parameter']
                self.assertRegex(p['Value'], r'^ami-[0-9a-f]{17}$')
                self.assertEqual((p['Name'], p['Type'], p['Version'], p['DataType']),
                                 (name, 'String', 1, 'aws:ec2:image'))
                self.assertEqual(p['ARN'], f'arn:aws:ssm:us-west-2::parameter{name}')
        by_arn = self.ssm.get_parameter(Name=f'arn:aws:ssm:us-west-2::parameter{AL2023}')
        self.assertEqual(by_arn['Parameter']['Name'], AL2023)

    def test_missing_parameter(self):
        err = self.assertAwsError('ParameterNotFound', self.ssm.get_parameter,
                                  Name='/aws/service/ami-amazon-linux-latest/no-such-image')
        self.assertEqual(err.get('Message', ''), '')  # AWS sends none
        self.assertAwsError('ParameterNotFound', self.ssm.get_parameter, Name='/berth/nothing')
        # Another account's ARN is not visible either.
        self.assertAwsError('ParameterNotFound', self.ssm.get_parameter,
                            Name='arn:aws:ssm:us-west-2:999999999999:parameter/x')

    def test_strict_request_shape(self):
        from botocore.exceptions import ParamValidationError
        with self.assertRaises(ParamValidationError):
            self.ssm.get_parameter(Name='')
        # A wrong member name reaches the emulator through a raw request.
        r = json_request(self.emu, 'ssm', 'AmazonSSM.GetParameter',
                         {'Name': AL2023, 'Decrypt': True})
        self.assertEqual(r.status, 400)
        self.assertIn(b'Decrypt', r.body)

    def test_own_parameters_and_secure_strings(self):
        self.assertEqual(self.ssm.put_parameter(Name='/berth/db', Value='hunter22',
                                                Type='SecureString')['Version'], 1)
        plain = self.ssm.get_parameter(Name='/berth/db', WithDecryption=True)['Parameter']
        self.assertEqual((plain['Value'], plain['Type']), ('hunter22', 'SecureString'))
        self.assertEqual(plain['ARN'], 'arn:aws:ssm:us-west-2:123456789012:parameter/berth/db')
        cipher = self.ssm.get_parameter(Name='/berth/db')['Parameter']['Value']
        self.assertNotIn('hunter22', cipher)
        self.assertAwsError('ParameterAlreadyExists', self.ssm.put_parameter,
                            Name='/berth/db', Value='x', Type='SecureString')
        self.assertEqual(self.ssm.put_parameter(Name='/berth/db', Value='second',
                                                Overwrite=True)['Version'], 2)
        self.assertEqual(self.ssm.get_parameter(Name='/berth/db:1', WithDecryption=True)
                         ['Parameter']['Value'], 'hunter22')
        self.assertAwsError('ParameterVersionNotFound', self.ssm.get_parameter,
                            Name='/berth/db:3')
        self.ssm.put_parameter(Name='plain', Value='v', Type='String')
        p = self.ssm.get_parameter(Name='arn:aws:ssm:us-west-2:123456789012:parameter/plain')
        self.assertEqual(p['Parameter']['Name'], 'plain')
        self.assertAwsError('AccessDeniedException', self.ssm.put_parameter,
                            Name='/aws/service/mine', Value='v', Type='String')


if __name__ == '__main__':
    unittest.main()
