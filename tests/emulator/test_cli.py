"""The AWS CLIs as real clients: create, list and delete a log group and an
SNS topic with every `aws` on this machine (v1 on PATH, Debian's v2)."""

import json
import os
import shutil
import subprocess
import unittest

from emutest import EmulatorTestCase


def cli_candidates():
    found = []
    for path in (shutil.which('aws'), '/usr/bin/aws'):
        if path and os.path.exists(path) and \
                os.path.realpath(path) not in [os.path.realpath(p) for p in found]:
            found.append(path)
    return found


class CliTest(EmulatorTestCase):
    def aws(self, cli, *args):
        # --endpoint-url rather than AWS_ENDPOINT_URL: Debian's CLI v2.9
        # predates that variable.
        result = subprocess.run([cli, '--endpoint-url', self.emu.url, '--output', 'json', *args],
                                env=self.emu.env(AWS_PAGER=''), capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 0, f'{cli} {args}: {result.stderr}')
        return json.loads(result.stdout) if result.stdout.strip() else None

    def aws_error(self, cli, *args):
        result = subprocess.run([cli, '--endpoint-url', self.emu.url, *args],
                                env=self.emu.env(AWS_PAGER=''), capture_output=True, text=True,
                                timeout=60)
        self.assertNotEqual(result.returncode, 0)
        return result.stderr

    def test_log_group_and_topic(self):
        clis = cli_candidates()
        if not clis:
            self.skipTest('no aws CLI installed')
        for cli in clis:
            with self.subTest(cli=cli):
                self.emu.reset(state=True)
                self.aws(cli, 'logs', 'create-log-group', '--log-group-name', '/cli/demo',
                         '--tags', 'berth:stack=cli')
                groups = self.aws(cli, 'logs', 'describe-log-groups',
                                  '--log-group-name-prefix', '/cli/')['logGroups']
                self.assertEqual([g['logGroupName'] for g in groups], ['/cli/demo'])
                self.assertIn('ResourceAlreadyExistsException', self.aws_error(
                    cli, 'logs', 'create-log-group', '--log-group-name', '/cli/demo'))
                topic = self.aws(cli, 'sns', 'create-topic', '--name', 'cli-topic')['TopicArn']
                self.assertEqual(topic, 'arn:aws:sns:us-west-2:123456789012:cli-topic')
                topics = self.aws(cli, 'sns', 'list-topics')['Topics']
                self.assertEqual(topics, [{'TopicArn': topic}])
                self.assertEqual(len(self.emu.resources(stack='cli')), 1)
                self.aws(cli, 'logs', 'delete-log-group', '--log-group-name', '/cli/demo')
                self.aws(cli, 'sns', 'delete-topic', '--topic-arn', topic)
                self.assertEqual(self.emu.resources(), [])
                self.assertEqual(self.aws(cli, 'sts', 'get-caller-identity')['Account'],
                                 '123456789012')
                calls = self.emu.calls()['by_operation']
                self.assertEqual(calls['logs:CreateLogGroup'], 2)
                self.assertEqual(calls['sns:DeleteTopic'], 1)


if __name__ == '__main__':
    unittest.main()
