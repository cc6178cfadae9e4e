"""CloudWatch Logs through botocore: every implemented operation, its
errors, and pagination."""

import unittest

from emutest import EmulatorTestCase

ARN = 'arn:aws:logs:us-west-2:123456789012:log-group:'


class LogsTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.logs = self.client('logs')

    def test_create_describe_delete(self):
        self.logs.create_log_group(logGroupName='/berth/app', tags={'berth:stack': 'demo'})
        self.assertAwsError('ResourceAlreadyExistsException', self.logs.create_log_group,
                            logGroupName='/berth/app')
        group, = self.logs.describe_log_groups(logGroupNamePrefix='/berth/')['logGroups']
        self.assertEqual(group['logGroupName'], '/berth/app')
        self.assertEqual(group['arn'], ARN + '/berth/app:*')
        self.assertEqual(group['storedBytes'], 0)
        self.assertIsInstance(group['creationTime'], int)
        self.assertNotIn('retentionInDays', group)
        self.logs.delete_log_group(logGroupName='/berth/app')
        self.assertAwsError('ResourceNotFoundException', self.logs.delete_log_group,
                            logGroupName='/berth/app')
        self.assertEqual(self.logs.describe_log_groups()['logGroups'], [])
        self.assertEqual(self.emu.resources(), [])

    def test_pagination_prefix_and_pattern(self):
        names = [f'/berth/{i:02d}' for i in range(7)] + ['/other/x', '/zz/berth-ish']
        for name in names:
            self.logs.create_log_group(logGroupName=name)
        first = self.logs.describe_log_groups()
        self.assertEqual(len(first['logGroups']), 2)  # --page-size 2
        self.assertIn('nextToken', first)
        paginator = self.logs.get_paginator('describe_log_groups')
        listed = [g['logGroupName'] for page in paginator.paginate() for g in page['logGroups']]
        self.assertEqual(listed, sorted(names))
        prefixed = [g['logGroupName'] for page in paginator.paginate(logGroupNamePrefix='/berth/')
                    for g in page['logGroups']]
        self.assertEqual(prefixed, [f'/berth/{i:02d}' for i in range(7)])
        self.assertEqual(len(self.logs.describe_log_groups(limit=50)['logGroups']), 9)
        pattern = [g['logGroupName'] for g in
                   self.logs.describe_log_groups(logGroupNamePattern='berth', limit=50)['logGroups']]
        self.assertEqual(pattern, [f'/berth/{i:02d}' for i in range(7)] + ['/zz/berth-ish'])
        self.assertAwsError('InvalidParameterException', self.logs.describe_log_groups,
                            logGroupNamePrefix='/a', logGroupNamePattern='b')
        self.assertAwsError('InvalidParameterException', self.logs.describe_log_groups,
                            nextToken='bogus')

    def test_pagination_survives_deletion_between_pages(self):
        for i in range(4):
            self.logs.create_log_group(logGroupName=f'/g{i}')
        page = self.logs.describe_log_groups()
        self.logs.delete_log_group(logGroupName='/g1')  # the last of the first page
        rest = self.logs.describe_log_groups(nextToken=page['nextToken'])
        self.assertEqual([g['logGroupName'] for g in rest['logGroups']], ['/g2', '/g3'])

    def test_retention(self):
        self.logs.create_log_group(logGroupName='/r')
        self.logs.put_retention_policy(logGroupName='/r', retentionInDays=14)
        self.assertEqual(self.logs.describe_log_groups()['logGroups'][0]['retentionInDays'], 14)
        response = self.assertAwsError('InvalidParameterException', self.logs.put_retention_policy,
                                       logGroupName='/r', retentionInDays=15)
        self.assertIn('enum value set', response['Error']['Message'])
        self.logs.delete_retention_policy(logGroupName='/r')
        self.assertNotIn('retentionInDays', self.logs.describe_log_groups()['logGroups'][0])
        self.assertAwsError('ResourceNotFoundException', self.logs.put_retention_policy,
                            logGroupName='/none', retentionInDays=1)
        self.assertAwsError('ResourceNotFoundException', self.logs.delete_retention_policy,
                            logGroupName='/none')

    def test_tags_by_arn(self):
        self.logs.create_log_group(logGroupName='/t', tags={'a': '1'})
        arn = ARN + '/t'
        self.logs.tag_resource(resourceArn=arn, tags={'b': '2'})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)['tags'],
                         {'a': '1', 'b': '2'})
        self.logs.untag_resource(resourceArn=arn, tagKeys=['a'])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)['tags'], {'b': '2'})
        self.assertAwsError('ResourceNotFoundException', self.logs.tag_resource,
                            resourceArn=ARN + '/missing', tags={'a': '1'})
        # The `:*` form DescribeLogGroups shows in `arn` is not a resource
        # ARN: the model's pattern for resourceArn has no '*'.
        self.assertAwsError('InvalidParameterException', self.logs.list_tags_for_resource,
                            resourceArn=arn + ':*')
        self.assertAwsError('TooManyTagsException', self.logs.tag_resource, resourceArn=arn,
                            tags={f'k{i}': 'v' for i in range(50)})
        self.assertAwsError('InvalidParameterException', self.logs.tag_resource, resourceArn=arn,
                            tags={'aws:reserved': 'v'})

    def test_tags_by_name(self):
        self.logs.create_log_group(logGroupName='/n')
        self.logs.tag_log_group(logGroupName='/n', tags={'x': '1', 'y': '2'})
        self.logs.untag_log_group(logGroupName='/n', tags=['x'])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName='/n')['tags'], {'y': '2'})
        # Both tag APIs share one index.
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=ARN + '/n')['tags'],
                         {'y': '2'})
        self.assertAwsError('ResourceNotFoundException', self.logs.list_tags_log_group,
                            logGroupName='/none')

    def test_query_definitions(self):
        first = self.logs.put_query_definition(name='errors', queryString='fields @message',
                                               logGroupNames=['/a'])['queryDefinitionId']
        self.logs.put_query_definition(name='b-latency', queryString='stats avg(d)')
        self.logs.put_query_definition(name='c-other', queryString='fields x')
        self.logs.put_query_definition(queryDefinitionId=first, name='errors',
                                       queryString='fields @message | limit 5')
        listed = self.logs.describe_query_definitions()
        self.assertEqual([d['name'] for d in listed['queryDefinitions']], ['b-latency', 'c-other'])
        rest = self.logs.describe_query_definitions(nextToken=listed['nextToken'])
        self.assertEqual(rest['queryDefinitions'][0]['queryString'], 'fields @message | limit 5')
        self.assertEqual(rest['queryDefinitions'][0]['logGroupNames'], [])
        self.assertEqual(len(self.logs.describe_query_definitions(
            queryDefinitionNamePrefix='err')['queryDefinitions']), 1)
        self.assertTrue(self.logs.delete_query_definition(queryDefinitionId=first)['success'])
        self.assertAwsError('ResourceNotFoundException', self.logs.delete_query_definition,
                            queryDefinitionId=first)
        self.assertAwsError('ResourceNotFoundException', self.logs.put_query_definition,
                            queryDefinitionId='nope', name='n', queryString='q')

    def test_regions_are_separate(self):
        self.logs.create_log_group(logGroupName='/west')
        east = self.client('logs', region='us-east-1')
        self.assertEqual(east.describe_log_groups()['logGroups'], [])
        east.create_log_group(logGroupName='/west')  # same name, other region: fine
        self.assertEqual(sorted(r['region'] for r in self.emu.resources()),
                         ['us-east-1', 'us-west-2'])


if __name__ == '__main__':
    unittest.main()
