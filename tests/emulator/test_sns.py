"""Amazon SNS through botocore: topics, attributes, tags, subscriptions,
idempotency, errors and pagination."""

import json
import unittest

from emutest import EmulatorTestCase

PREFIX = 'arn:aws:sns:us-west-2:123456789012:'


class SnsTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.sns = self.client('sns')

    def test_create_is_idempotent(self):
        arn = self.sns.create_topic(Name='alarms', Tags=[{'Key': 'berth:stack', 'Value': 'd'}],
                                    Attributes={'DisplayName': 'Alarms'})['TopicArn']
        self.assertEqual(arn, PREFIX + 'alarms')
        self.assertEqual(self.sns.create_topic(Name='alarms')['TopicArn'], arn)
        self.assertEqual(self.sns.create_topic(Name='alarms', Attributes={'DisplayName': 'Alarms'})
                         ['TopicArn'], arn)
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='alarms',
                            Attributes={'DisplayName': 'Other'})
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='alarms',
                            Tags=[{'Key': 'berth:stack', 'Value': 'other'}])
        self.assertEqual(len(self.emu.resources()), 1)

    def test_create_errors(self):
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='bad name')
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='plain',
                            Attributes={'FifoTopic': 'true'})
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='x.fifo')
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='x',
                            Attributes={'NoSuchAttribute': '1'})
        self.assertAwsError('InvalidParameter', self.sns.create_topic, Name='x',
                            Attributes={'Policy': '{not json'})
        self.assertEqual(self.sns.create_topic(Name='ok.fifo', Attributes={'FifoTopic': 'true'})
                         ['TopicArn'], PREFIX + 'ok.fifo')

    def test_attributes(self):
        arn = self.sns.create_topic(Name='attrs')['TopicArn']
        attributes = self.sns.get_topic_attributes(TopicArn=arn)['Attributes']
        self.assertEqual(attributes['TopicArn'], arn)
        self.assertEqual(attributes['Owner'], '123456789012')
        self.assertEqual(json.loads(attributes['Policy'])['Statement'][0]['Resource'], arn)
        self.assertEqual(attributes['SubscriptionsConfirmed'], '0')
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName='DisplayName',
                                      AttributeValue='Hello')
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)['Attributes']['DisplayName'],
                         'Hello')
        self.assertAwsError('InvalidParameter', self.sns.set_topic_attributes, TopicArn=arn,
                            AttributeName='FifoTopic', AttributeValue='true')
        self.assertAwsError('InvalidParameter', self.sns.set_topic_attributes, TopicArn=arn,
                            AttributeName='Bogus', AttributeValue='1')
        response = self.assertAwsError('NotFound', self.sns.get_topic_attributes,
                                       TopicArn=PREFIX + 'missing')
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 404)
        self.assertAwsError('NotFound', self.sns.set_topic_attributes, TopicArn=PREFIX + 'missing',
                            AttributeName='DisplayName', AttributeValue='x')
        self.assertAwsError('InvalidParameter', self.sns.get_topic_attributes, TopicArn='not-an-arn')

    def test_list_topics_paginates(self):
        names = [f't{i}' for i in range(5)]
        for name in names:
            self.sns.create_topic(Name=name)
        first = self.sns.list_topics()
        self.assertEqual(len(first['Topics']), 2)
        paginator = self.sns.get_paginator('list_topics')
        listed = [t['TopicArn'] for page in paginator.paginate() for t in page['Topics']]
        self.assertEqual(listed, [PREFIX + n for n in names])
        self.assertAwsError('InvalidParameter', self.sns.list_topics, NextToken='junk')

    def test_delete_topic_removes_subscriptions_and_is_idempotent(self):
        arn = self.sns.create_topic(Name='gone')['TopicArn']
        self.sns.subscribe(TopicArn=arn, Protocol='sqs',
                           Endpoint='arn:aws:sqs:us-west-2:123456789012:q')
        self.sns.delete_topic(TopicArn=arn)
        self.sns.delete_topic(TopicArn=arn)
        self.assertEqual(self.sns.list_subscriptions()['Subscriptions'], [])
        self.assertEqual(self.emu.resources(), [])

    def test_tags(self):
        arn = self.sns.create_topic(Name='tagged')['TopicArn']
        self.sns.tag_resource(ResourceArn=arn, Tags=[{'Key': 'a', 'Value': '1'},
                                                     {'Key': 'b', 'Value': '2'}])
        self.sns.untag_resource(ResourceArn=arn, TagKeys=['a'])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)['Tags'],
                         [{'Key': 'b', 'Value': '2'}])
        response = self.assertAwsError('ResourceNotFound', self.sns.tag_resource,
                                       ResourceArn=PREFIX + 'none',
                                       Tags=[{'Key': 'a', 'Value': '1'}])
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 404)
        self.assertAwsError('TagLimitExceeded', self.sns.tag_resource, ResourceArn=arn,
                            Tags=[{'Key': f'k{i}', 'Value': 'v'} for i in range(50)])

    def test_email_subscription_stays_pending(self):
        arn = self.sns.create_topic(Name='mail')['TopicArn']
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol='email',
                                            Endpoint='ops@example.com')['SubscriptionArn'],
                         'pending confirmation')
        real = self.sns.subscribe(TopicArn=arn, Protocol='email', Endpoint='ops@example.com',
                                  ReturnSubscriptionArn=True)['SubscriptionArn']
        self.assertTrue(real.startswith(arn + ':'), real)
        listed, = self.sns.list_subscriptions_by_topic(TopicArn=arn)['Subscriptions']
        self.assertEqual(listed['SubscriptionArn'], 'PendingConfirmation')
        self.assertEqual(listed['Endpoint'], 'ops@example.com')
        attributes = self.sns.get_subscription_attributes(SubscriptionArn=real)['Attributes']
        self.assertEqual(attributes['PendingConfirmation'], 'true')
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)['Attributes']
                         ['SubscriptionsPending'], '1')
        # Confirm with the token the control API shows.
        token = [r for r in self.emu.resources() if r['type'] == 'subscription'][0]['info']['token']
        self.assertAwsError('InvalidParameter', self.sns.confirm_subscription, TopicArn=arn,
                            Token='wrong')
        self.assertEqual(self.sns.confirm_subscription(TopicArn=arn, Token=token)
                         ['SubscriptionArn'], real)
        self.assertEqual(self.sns.list_subscriptions()['Subscriptions'][0]['SubscriptionArn'], real)

    def test_subscription_lifecycle_and_errors(self):
        arn = self.sns.create_topic(Name='subs')['TopicArn']
        queue = 'arn:aws:sqs:us-west-2:123456789012:q'
        sub = self.sns.subscribe(TopicArn=arn, Protocol='sqs', Endpoint=queue,
                                 Attributes={'RawMessageDelivery': 'true'})['SubscriptionArn']
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol='sqs', Endpoint=queue)
                         ['SubscriptionArn'], sub)
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName='FilterPolicy',
                                             AttributeValue='{"level": ["error"]}')
        attributes = self.sns.get_subscription_attributes(SubscriptionArn=sub)['Attributes']
        self.assertEqual((attributes['RawMessageDelivery'], attributes['FilterPolicy']),
                         ('true', '{"level": ["error"]}'))
        self.assertAwsError('InvalidParameter', self.sns.set_subscription_attributes,
                            SubscriptionArn=sub, AttributeName='FilterPolicy',
                            AttributeValue='{oops')
        self.assertAwsError('InvalidParameter', self.sns.subscribe, TopicArn=arn,
                            Protocol='carrier-pigeon', Endpoint='x')
        self.assertAwsError('InvalidParameter', self.sns.subscribe, TopicArn=arn,
                            Protocol='email', Endpoint='not-an-address')
        self.assertAwsError('NotFound', self.sns.subscribe, TopicArn=PREFIX + 'none',
                            Protocol='sqs', Endpoint=queue)
        self.sns.unsubscribe(SubscriptionArn=sub)
        self.assertAwsError('NotFound', self.sns.unsubscribe, SubscriptionArn=sub)
        self.assertAwsError('NotFound', self.sns.get_subscription_attributes, SubscriptionArn=sub)
        self.assertAwsError('InvalidParameter', self.sns.unsubscribe, SubscriptionArn='junk')

    def test_list_subscriptions_paginates(self):
        arn = self.sns.create_topic(Name='many')['TopicArn']
        for i in range(5):
            self.sns.subscribe(TopicArn=arn, Protocol='sqs',
                               Endpoint=f'arn:aws:sqs:us-west-2:123456789012:q{i}')
        for method, kwargs in (('list_subscriptions', {}),
                               ('list_subscriptions_by_topic', {'TopicArn': arn})):
            with self.subTest(method=method):
                self.assertEqual(len(getattr(self.sns, method)(**kwargs)['Subscriptions']), 2)
                pages = self.sns.get_paginator(method).paginate(**kwargs)
                endpoints = sorted(s['Endpoint'] for p in pages for s in p['Subscriptions'])
                self.assertEqual(len(endpoints), 5)
        self.assertAwsError('NotFound', self.sns.list_subscriptions_by_topic,
                            TopicArn=PREFIX + 'none')


if __name__ == '__main__':
    unittest.main()
