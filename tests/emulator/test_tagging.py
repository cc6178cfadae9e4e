"""The Resource Groups Tagging API across Logs and SNS: one tag index
behind every tag call."""

import unittest

from emutest import EmulatorTestCase

LOGS = 'arn:aws:logs:us-west-2:123456789012:log-group:'
SNS = 'arn:aws:sns:us-west-2:123456789012:'


class TaggingTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.logs = self.client('logs')
        self.sns = self.client('sns')
        self.tagging = self.client('resourcegroupstaggingapi')
        for i in range(3):
            self.logs.create_log_group(logGroupName=f'/demo/{i}',
                                       tags={'berth:stack': 'demo', 'berth:id': f'log{i}'})
        self.logs.create_log_group(logGroupName='/untagged')
        self.sns.create_topic(Name='demo-alarms', Tags=[{'Key': 'berth:stack', 'Value': 'demo'}])
        self.sns.create_topic(Name='other', Tags=[{'Key': 'berth:stack', 'Value': 'other'}])

    def arns(self, **kwargs):
        pages = self.tagging.get_paginator('get_resources').paginate(**kwargs)
        return [r['ResourceARN'] for page in pages for r in page['ResourceTagMappingList']]

    def test_get_resources_filters_and_pages(self):
        demo = [LOGS + f'/demo/{i}' for i in range(3)] + [SNS + 'demo-alarms']
        self.assertEqual(self.arns(TagFilters=[{'Key': 'berth:stack', 'Values': ['demo']}]), demo)
        first = self.tagging.get_resources(TagFilters=[{'Key': 'berth:stack', 'Values': ['demo']}])
        self.assertEqual(len(first['ResourceTagMappingList']), 2)
        self.assertTrue(first['PaginationToken'])
        self.assertEqual(self.arns(TagFilters=[{'Key': 'berth:stack'}]),
                         demo + [SNS + 'other'])
        self.assertEqual(self.arns(ResourceTypeFilters=['sns']), [SNS + 'demo-alarms', SNS + 'other'])
        self.assertEqual(self.arns(ResourceTypeFilters=['logs:log-group'],
                                   TagFilters=[{'Key': 'berth:id', 'Values': ['log1', 'log2']}]),
                         [LOGS + '/demo/1', LOGS + '/demo/2'])
        # Never-tagged resources are not listed; the last page says "".
        everything = self.tagging.get_resources(ResourcesPerPage=100)
        self.assertNotIn(LOGS + '/untagged',
                         [r['ResourceARN'] for r in everything['ResourceTagMappingList']])
        self.assertEqual(everything['PaginationToken'], '')
        self.assertAwsError('InvalidParameterException', self.tagging.get_resources,
                            PaginationToken='junk')
        self.assertAwsError('InvalidParameterException', self.tagging.get_resources,
                            ResourceARNList=[SNS + 'other'], ResourcesPerPage=5)

    def test_tag_and_untag_across_services(self):
        result = self.tagging.tag_resources(
            ResourceARNList=[LOGS + '/untagged', SNS + 'other', SNS + 'missing'],
            Tags={'team': 'obs'})
        self.assertEqual(list(result['FailedResourcesMap']), [SNS + 'missing'])
        self.assertEqual(result['FailedResourcesMap'][SNS + 'missing']['ErrorCode'],
                         'InvalidParameterException')
        # The services' own tag APIs see the same tags...
        self.assertEqual(self.logs.list_tags_log_group(logGroupName='/untagged')['tags'],
                         {'team': 'obs'})
        self.assertIn({'Key': 'team', 'Value': 'obs'},
                      self.sns.list_tags_for_resource(ResourceArn=SNS + 'other')['Tags'])
        # ...and the other way round.
        self.sns.tag_resource(ResourceArn=SNS + 'other', Tags=[{'Key': 'more', 'Value': '1'}])
        self.assertEqual(self.arns(TagFilters=[{'Key': 'more'}]), [SNS + 'other'])
        result = self.tagging.untag_resources(ResourceARNList=[SNS + 'other', LOGS + '/untagged'],
                                              TagKeys=['team', 'more'])
        self.assertEqual(result['FailedResourcesMap'], {})
        self.assertEqual(self.arns(TagFilters=[{'Key': 'team'}]), [])
        # Once tagged, always listed (with no tags now).
        self.assertIn(LOGS + '/untagged', self.arns())

    def test_stack_view_matches_control_api(self):
        stack = sorted(r['arn'] for r in self.emu.resources(stack='demo'))
        self.assertEqual(stack, sorted(self.arns(TagFilters=[{'Key': 'berth:stack',
                                                             'Values': ['demo']}])))
        self.sns.delete_topic(TopicArn=SNS + 'demo-alarms')
        for i in range(3):
            self.logs.delete_log_group(logGroupName=f'/demo/{i}')
        self.assertEqual(self.emu.resources(stack='demo'), [])
        self.assertEqual(self.arns(TagFilters=[{'Key': 'berth:stack', 'Values': ['demo']}]), [])


if __name__ == '__main__':
    unittest.main()
