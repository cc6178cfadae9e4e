"""The control API and fault injection, and the fixture's own lifecycle."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError, ConnectionClosedError

from emutest import Emulator, EmulatorTestCase, HERE, json_request, query_request, send

START = os.path.join(HERE, 'start')


class ControlTest(EmulatorTestCase):
    def outcome(self):
        """One ListTopics as raw HTTP: its error code, 'ok', or 'dropped'."""
        try:
            response = query_request(self.emu, 'sns', {'Action': 'ListTopics',
                                                        'Version': '2010-03-31'})
        except (http.client.RemoteDisconnected, ConnectionError):
            return 'dropped'
        if response.status == 200:
            return 'ok'
        return f'{response.status}:' + response.text.split('<Code>')[1].split('<')[0]

    def test_calls_are_counted_and_reset(self):
        sns = self.client('sns')
        sns.create_topic(Name='a')
        sns.create_topic(Name='b')
        with self.assertRaises(ClientError):
            sns.get_topic_attributes(TopicArn='arn:aws:sns:us-west-2:123456789012:none')
        self.assertEqual(query_request(self.emu, 'sns', {'Action': 'ListTopics',
                                                          'Version': '2010-03-31'},
                                       secret_key='wrong').status, 403)
        calls = self.emu.calls()
        self.assertEqual(calls['total'], 4)
        self.assertEqual(calls['by_operation'], {'sns:CreateTopic': 2,
                                                 'sns:GetTopicAttributes': 1,
                                                 'sns:ListTopics': 1})
        self.assertEqual(calls['rejected'], 2)
        self.assertEqual(calls['rejected_by_code'], {'NotFound': 1, 'SignatureDoesNotMatch': 1})
        self.assertEqual(calls['rejected_by_operation'], {'sns:GetTopicAttributes': 1,
                                                          'sns:ListTopics': 1})
        # Control calls are not counted; reset clears counters but not state.
        self.emu.reset()
        self.assertEqual(self.emu.calls()['total'], 0)
        self.assertEqual(len(self.emu.resources()), 2)
        self.emu.reset(state=True)
        self.assertEqual(self.emu.resources(), [])

    def test_faults_with_a_seed_repeat(self):
        def run(seed):
            self.emu.set_faults(seed=seed, throttle_rate=0.3, error_rate=0.2, drop_rate=0.1)
            return [self.outcome() for _ in range(30)]
        first, second, other = run(7), run(7), run(8)
        self.assertEqual(first, second)
        self.assertNotEqual(first, other)
        kinds = set(first) | set(other)
        self.assertTrue({'ok', 'dropped', '400:Throttling'} <= kinds, kinds)
        self.assertTrue(kinds & {'500:InternalError', '503:ServiceUnavailable'}, kinds)
        self.assertGreater(self.emu.calls()['rejected_by_code'].get('(dropped)', 0), 0)

    def test_drop_closes_the_connection(self):
        self.emu.set_faults(drop_rate=1.0)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            query_request(self.emu, 'sns', {'Action': 'ListTopics', 'Version': '2010-03-31'})
        sns = self.client('sns')
        with self.assertRaises(ConnectionClosedError):
            sns.list_topics()
        # The control API is never faulted. (botocore may try a dropped
        # request once more on a fresh connection, hence at least 2.)
        calls = self.emu.calls()
        self.assertEqual(list(calls['rejected_by_code']), ['(dropped)'])
        self.assertGreaterEqual(calls['rejected_by_code']['(dropped)'], 2)

    def test_throttle_codes_follow_each_service(self):
        self.emu.set_faults(throttle_rate=1.0)
        expectations = [
            (lambda: self.client('sns').list_topics(), 'Throttling', 400),
            (lambda: self.client('logs').describe_log_groups(), 'ThrottlingException', 400),
            (lambda: self.client('resourcegroupstaggingapi').get_resources(),
             'ThrottledException', 400),
            (lambda: self.client('sts').get_caller_identity(), 'Throttling', 400),
        ]
        for call, code, status in expectations:
            with self.subTest(code=code):
                with self.assertRaises(ClientError) as caught:
                    call()
                self.assertEqual(caught.exception.response['Error']['Code'], code)
                self.assertEqual(caught.exception.response['ResponseMetadata']['HTTPStatusCode'],
                                 status)
        response = query_request(self.emu, 'ec2', {'Action': 'DescribeVpcs',
                                                    'Version': '2016-11-15'})
        self.assertEqual(response.status, 503)
        self.assertIn('<Code>RequestLimitExceeded</Code>', response.text)

    def test_server_errors_and_retries(self):
        self.emu.set_faults(error_next=2)
        sns = self.client('sns', retries={'max_attempts': 3, 'mode': 'standard'})
        sns.list_topics()  # two 5xx, then success, through botocore's retries
        calls = self.emu.calls()
        self.assertEqual(calls['by_operation']['sns:ListTopics'], 3)
        self.assertEqual(calls['rejected'], 2)
        self.emu.set_faults(error_rate=1.0, seed=1)
        response = json_request(self.emu, 'logs', 'Logs_20140328.DescribeLogGroups', {})
        self.assertIn(response.status, (500, 503))
        self.assertIn(json.loads(response.text)['__type'],
                      ('InternalFailure', 'ServiceUnavailableException'))

    def test_latency_and_operation_filter(self):
        self.emu.set_faults(latency_ms=150, operations=['sns:ListTopics'], throttle_rate=1.0)
        started = time.monotonic()
        self.client('logs').describe_log_groups()  # latency for all, throttling only for the filter
        self.assertGreaterEqual(time.monotonic() - started, 0.15)
        self.assertEqual(self.outcome(), '400:Throttling')
        settings = self.emu.faults()
        self.assertEqual(settings['latency_ms'], 150)
        with self.assertRaises(Exception):
            self.emu.set_faults(throttle_rate=2)
        with self.assertRaises(Exception):
            self.emu.set_faults(no_such_fault=1)

    def test_resources_by_stack(self):
        self.client('logs').create_log_group(logGroupName='/s', tags={'berth:stack': 'mine'})
        self.client('sns').create_topic(Name='t')
        mine, = self.emu.resources(stack='mine')
        self.assertEqual((mine['service'], mine['type'], mine['id']), ('logs', 'log-group', '/s'))
        self.assertEqual(mine['arn'], 'arn:aws:logs:us-west-2:123456789012:log-group:/s')
        self.assertEqual(len(self.emu.resources()), 2)
        self.assertEqual(self.emu.resources(stack='nobody'), [])

    def test_unknown_control_endpoint(self):
        response = send(self.emu, 'GET', '/_emulator/nothing')
        self.assertEqual(response.status, 404)
        self.assertIn('endpoints', json.loads(response.text))


class LifecycleTest(unittest.TestCase):
    def test_start_line_env_and_sigterm(self):
        with Emulator(page_size=3, account='111122223333') as emu:
            self.assertEqual(emu.url, f'http://127.0.0.1:{emu.port}')
            env = emu.env({'AWS_PROFILE': 'x', 'HOME': '/root', 'AWS_ENDPOINT_URL_SNS': 'x'})
            self.assertNotIn('AWS_PROFILE', env)
            self.assertNotIn('AWS_ENDPOINT_URL_SNS', env)
            self.assertEqual((env['AWS_ENDPOINT_URL'], env['AWS_ACCESS_KEY_ID'],
                              env['AWS_SECRET_ACCESS_KEY'], env['AWS_REGION']),
                             (emu.url, 'AKIDEMULATOR', 'emulator-secret', 'us-west-2'))
            with urllib.request.urlopen(emu.url + '/_emulator/health') as response:
                self.assertEqual(json.loads(response.read()), {'ok': True})
            process = emu.process
        self.assertEqual(process.returncode, 0)  # SIGTERM is a clean exit

    def test_start_script_directly(self):
        process = subprocess.Popen([sys.executable, START, '--port', '0', '--quiet'],
                                   stdout=subprocess.PIPE, text=True)
        try:
            line = process.stdout.readline()
            self.assertRegex(line, r'^berth-emulator listening on http://127\.0\.0\.1:\d+\n$')
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(10), 0)
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()

    def test_other_interpreter_serves_this_botocore(self):
        """The emulator under the machine's other Python (Debian's
        /usr/bin/python3 with python3-botocore, or python3 on PATH when the
        tests run under Debian's), driven by this interpreter's botocore."""
        import botocore.session
        other = None
        for candidate in ('/usr/bin/python3', shutil.which('python3')):
            if candidate and os.path.exists(candidate) and \
                    os.path.realpath(candidate) != os.path.realpath(sys.executable):
                probe = subprocess.run([candidate, '-c', 'import botocore'],
                                       capture_output=True)
                if probe.returncode == 0:
                    other = candidate
                    break
        if other is None:
            self.skipTest('no second interpreter with botocore')
        with Emulator(python=other) as emu:
            sns = botocore.session.get_session().create_client(
                'sns', region_name='us-west-2', endpoint_url=emu.url,
                aws_access_key_id='AKIDEMULATOR', aws_secret_access_key='emulator-secret')
            arn = sns.create_topic(Name='cross')['TopicArn']
            self.assertEqual(sns.list_topics()['Topics'], [{'TopicArn': arn}])
            sns.close()


if __name__ == '__main__':
    unittest.main()
