"""CloudWatch metric alarms through botocore (JSON protocol with botocore
1.43, query with Debian's 1.29) and the aws CLI: create/update, describe
filters and pagination, validation errors, delete, tags."""

import json
import os
import subprocess
import unittest

import botocore.session

from emutest import EmulatorTestCase
from test_cli import cli_candidates

ARN = 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:'
TOPIC = 'arn:aws:sns:us-west-2:123456789012:alerts'


def alarm(name, **overrides):
    params = {'AlarmName': name, 'Namespace': 'AWS/ECS', 'MetricName': 'CPUUtilization',
              'Dimensions': [{'Name': 'ClusterName', 'Value': 'container-demo'},
                             {'Name': 'ServiceName', 'Value': 'ecsdemo-frontend'}],
              'Statistic': 'Average', 'Period': 300, 'EvaluationPeriods': 1,
              'Threshold': 50.0, 'ComparisonOperator': 'GreaterThanThreshold',
              'AlarmActions': [TOPIC]}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


class CloudWatchTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.cw = self.client('cloudwatch')

    def test_create_describe_update_delete(self):
        self.cw.put_metric_alarm(**alarm('frontend-cpu', Tags=[{'Key': 'berth:stack',
                                                                 'Value': 'mon'}]))
        self.cw.get_waiter('alarm_exists').wait(AlarmNames=['frontend-cpu'],
                                                WaiterConfig={'Delay': 1})
        [found] = self.cw.describe_alarms(AlarmNames=['frontend-cpu'])['MetricAlarms']
        self.assertEqual(found['AlarmArn'], ARN + 'frontend-cpu')
        self.assertEqual(found['StateValue'], 'INSUFFICIENT_DATA')
        self.assertEqual(found['StateReason'], 'Unchecked: Initial alarm creation')
        self.assertEqual(found['Threshold'], 50.0)
        self.assertTrue(found['ActionsEnabled'])
        self.assertEqual(found['AlarmActions'], [TOPIC])
        self.assertEqual(len(found['Dimensions']), 2)
        # An update replaces the configuration, keeps the state, ignores tags.
        self.cw.put_metric_alarm(**alarm('frontend-cpu', Threshold=80.0, AlarmActions=None,
                                         Tags=[{'Key': 'ignored', 'Value': 'x'}]))
        [updated] = self.cw.describe_alarms(AlarmNames=['frontend-cpu'])['MetricAlarms']
        self.assertEqual(updated['Threshold'], 80.0)
        self.assertEqual(updated['AlarmActions'], [])
        self.assertEqual(updated['StateUpdatedTimestamp'], found['StateUpdatedTimestamp'])
        tags = self.cw.list_tags_for_resource(ResourceARN=ARN + 'frontend-cpu')['Tags']
        self.assertEqual(tags, [{'Key': 'berth:stack', 'Value': 'mon'}])
        self.assertEqual(len(self.emu.resources(stack='mon')), 1)
        self.cw.delete_alarms(AlarmNames=['frontend-cpu'])
        self.assertEqual(self.cw.describe_alarms()['MetricAlarms'], [])
        self.assertEqual(self.emu.resources(), [])

    def test_filters_and_pagination(self):
        for name in ('b-alarm', 'a-alarm', 'c-other', 'a-second', 'd-last'):
            self.cw.put_metric_alarm(**alarm(name))
        page = self.cw.describe_alarms()
        self.assertEqual([a['AlarmName'] for a in page['MetricAlarms']], ['a-alarm', 'a-second'])
        self.assertIn('NextToken', page)
        names = [a['AlarmName'] for p in self.cw.get_paginator('describe_alarms').paginate()
                 for a in p['MetricAlarms']]
        self.assertEqual(names, ['a-alarm', 'a-second', 'b-alarm', 'c-other', 'd-last'])
        prefixed = self.cw.describe_alarms(AlarmNamePrefix='a-', MaxRecords=10)['MetricAlarms']
        self.assertEqual([a['AlarmName'] for a in prefixed], ['a-alarm', 'a-second'])
        self.assertEqual(len(self.cw.describe_alarms(StateValue='INSUFFICIENT_DATA',
                                                     MaxRecords=10)['MetricAlarms']), 5)
        self.assertEqual(self.cw.describe_alarms(StateValue='ALARM')['MetricAlarms'], [])
        self.assertEqual(self.cw.describe_alarms(AlarmTypes=['CompositeAlarm'])['MetricAlarms'],
                         [])
        self.assertEqual(len(self.cw.describe_alarms(ActionPrefix='arn:aws:sns:',
                                                     MaxRecords=10)['MetricAlarms']), 5)
        self.assertAwsError('InvalidParameterCombination', self.cw.describe_alarms,
                            AlarmNames=['a-alarm'], AlarmNamePrefix='a')
        self.assertAwsError('InvalidNextToken', self.cw.describe_alarms, NextToken='bogus')

    def test_validation(self):
        self.assertAwsError('ValidationError', self.cw.put_metric_alarm,
                            **alarm('x', Period=45))
        self.assertAwsError('InvalidParameterCombination', self.cw.put_metric_alarm,
                            **alarm('x', ExtendedStatistic='p99'))
        self.assertAwsError('MissingParameter', self.cw.put_metric_alarm,
                            **alarm('x', Statistic=None))
        unchecked = self.client('cloudwatch', parameter_validation=False)
        self.assertAwsError('ValidationError', unchecked.put_metric_alarm,
                            **alarm('x', ComparisonOperator=None))
        self.assertAwsError('MissingParameter', self.cw.put_metric_alarm,
                            **alarm('x', Threshold=None))
        self.assertAwsError('ValidationError', self.cw.put_metric_alarm,
                            **alarm('x', EvaluationPeriods=1, DatapointsToAlarm=2))
        self.assertAwsError('ValidationError', self.cw.put_metric_alarm,
                            **alarm('x', Period=86400, EvaluationPeriods=8))
        self.assertAwsError('ValidationError', self.cw.put_metric_alarm,
                            **alarm('x', TreatMissingData='sometimes'))
        self.assertAwsError('ValidationError', self.cw.put_metric_alarm,
                            **alarm('x', AlarmActions=['not-an-arn']))
        error = self.assertAwsError('ValidationError', self.cw.put_metric_alarm, **alarm(
            'x', AlarmActions=['arn:aws:sns:us-east-1:123456789012:elsewhere']))
        self.assertIn('Only us-west-2 is supported', error['Error']['Message'])
        self.assertAwsError('InvalidParameterValue', self.cw.put_metric_alarm,
                            **alarm('x', Statistic=None, ExtendedStatistic='p200'))
        # Model constraints: the query/JSON front end's ValidationError.
        self.assertAwsError('ValidationError', unchecked.put_metric_alarm,
                            **alarm('x', EvaluationPeriods=0))
        self.cw.put_metric_alarm(**alarm('ok', Statistic=None, ExtendedStatistic='p99',
                                         Period=10, EvaluationPeriods=3, DatapointsToAlarm=2,
                                         TreatMissingData='notBreaching'))
        self.assertEqual([a['AlarmName'] for a in self.cw.describe_alarms()['MetricAlarms']],
                         ['ok'])

    def test_metric_math_alarm(self):
        self.cw.put_metric_alarm(
            AlarmName='math', EvaluationPeriods=1, Threshold=1.0,
            ComparisonOperator='GreaterThanOrEqualToThreshold',
            Metrics=[{'Id': 'm1', 'ReturnData': False, 'MetricStat': {
                'Metric': {'Namespace': 'AWS/ECS', 'MetricName': 'CPUUtilization'},
                'Period': 60, 'Stat': 'Average'}},
                {'Id': 'e1', 'Expression': 'm1 * 2', 'Label': 'double'}])
        [found] = self.cw.describe_alarms(AlarmNames=['math'])['MetricAlarms']
        self.assertEqual([m['Id'] for m in found['Metrics']], ['m1', 'e1'])
        self.assertAwsError('InvalidParameterCombination', self.cw.put_metric_alarm,
                            AlarmName='bad', EvaluationPeriods=1, Threshold=1.0,
                            ComparisonOperator='GreaterThanThreshold', Period=60,
                            Metrics=[{'Id': 'e1', 'Expression': '1'}])

    def test_state_and_actions(self):
        self.cw.put_metric_alarm(**alarm('fire'))
        self.cw.put_metric_alarm(**alarm('other', MetricName='MemoryUtilization'))
        self.cw.set_alarm_state(AlarmName='fire', StateValue='ALARM', StateReason='test',
                                StateReasonData='{"version": "1.0"}')
        [fired] = self.cw.describe_alarms(StateValue='ALARM')['MetricAlarms']
        self.assertEqual((fired['AlarmName'], fired['StateReason']), ('fire', 'test'))
        self.assertAwsError('InvalidFormat', self.cw.set_alarm_state, AlarmName='fire',
                            StateValue='OK', StateReason='x', StateReasonData='{not json')
        self.assertAwsError('ResourceNotFound', self.cw.set_alarm_state, AlarmName='nope',
                            StateValue='OK', StateReason='x')
        self.cw.disable_alarm_actions(AlarmNames=['fire', 'nope'])
        [found] = self.cw.describe_alarms(AlarmNames=['fire'])['MetricAlarms']
        self.assertFalse(found['ActionsEnabled'])
        self.cw.enable_alarm_actions(AlarmNames=['fire'])
        by_metric = self.cw.describe_alarms_for_metric(
            Namespace='AWS/ECS', MetricName='CPUUtilization',
            Dimensions=[{'Name': 'ServiceName', 'Value': 'ecsdemo-frontend'},
                        {'Name': 'ClusterName', 'Value': 'container-demo'}])['MetricAlarms']
        self.assertEqual([(a['AlarmName'], a['ActionsEnabled']) for a in by_metric],
                         [('fire', True)])

    def test_delete_unknown_is_all_or_nothing(self):
        self.cw.put_metric_alarm(**alarm('keep'))
        error = self.assertAwsError('ResourceNotFound', self.cw.delete_alarms,
                                    AlarmNames=['keep', 'missing'])
        self.assertEqual(error['ResponseMetadata']['HTTPStatusCode'], 404)
        self.assertEqual(len(self.cw.describe_alarms()['MetricAlarms']), 1)

    def test_tags(self):
        self.cw.put_metric_alarm(**alarm('tagged'))
        self.cw.tag_resource(ResourceARN=ARN + 'tagged',
                             Tags=[{'Key': 'a', 'Value': '1'}, {'Key': 'b', 'Value': '2'}])
        self.cw.untag_resource(ResourceARN=ARN + 'tagged', TagKeys=['a'])
        self.assertEqual(self.cw.list_tags_for_resource(ResourceARN=ARN + 'tagged')['Tags'],
                         [{'Key': 'b', 'Value': '2'}])
        self.assertAwsError('ResourceNotFoundException', self.cw.list_tags_for_resource,
                            ResourceARN=ARN + 'nope')
        self.assertAwsError('InvalidParameterValue', self.cw.tag_resource,
                            ResourceARN=ARN + 'tagged', Tags=[{'Key': 'aws:x', 'Value': '1'}])

    def test_cli(self):
        clis = cli_candidates()
        if not clis:
            self.skipTest('no aws CLI installed')
        json_model = 'json' in (botocore.session.get_session().get_service_model('cloudwatch')
                                .metadata.get('protocols') or [])
        for cli in clis:
            with self.subTest(cli=cli):
                if not json_model and os.path.realpath(cli) != '/usr/bin/aws':
                    # The emulator runs on this interpreter's botocore, whose
                    # CloudWatch model speaks query only; a CLI on newer
                    # botocore speaks JSON, which the framework routes only
                    # when the loaded model lists it.
                    self.skipTest(f'{cli} speaks JSON to CloudWatch; this botocore model '
                                  'is query-only')
                self.emu.reset(state=True)
                run = subprocess.run(
                    [cli, '--endpoint-url', self.emu.url, '--output', 'json', 'cloudwatch',
                     'put-metric-alarm', '--alarm-name', 'cli-cpu', '--namespace', 'AWS/ECS',
                     '--metric-name', 'CPUUtilization', '--statistic', 'Average',
                     '--period', '300', '--evaluation-periods', '1', '--threshold', '50',
                     '--comparison-operator', 'GreaterThanThreshold'],
                    env=self.emu.env(AWS_PAGER=''), capture_output=True, text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stderr)
                run = subprocess.run(
                    [cli, '--endpoint-url', self.emu.url, '--output', 'json', 'cloudwatch',
                     'describe-alarms', '--alarm-names', 'cli-cpu'],
                    env=self.emu.env(AWS_PAGER=''), capture_output=True, text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stderr)
                [found] = json.loads(run.stdout)['MetricAlarms']
                self.assertEqual(found['StateValue'], 'INSUFFICIENT_DATA')


if __name__ == '__main__':
    unittest.main()
