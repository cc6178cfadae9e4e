"""Log groups and SNS topics and subscriptions changed in place, against the
emulator: every setting set, changed and dropped, with the calls each step
makes (a dropped retention or key is removed by its own call, SNS settings go
one attribute a call), then destroy leaving nothing. These types are
descriptions (src/resources/generic.h, generic_attrs.h): the test pins what
their hand-written files did."""
from berthtest import main
from enginetest import EngineCase

KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

LOGS_SPEC = """\
    berth: 1
    stack: demo
    resources:
      app:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /svc/app
%s
    """

QUEUE = "arn:aws:sqs:us-west-2:123456789012:events"

SNS_SPEC = """\
    berth: 1
    stack: demo
    resources:
      events:
        type: AWS::SNS::Topic
        properties:
          FifoTopic: true
%s
      to-queue:
        type: AWS::SNS::Subscription
        properties:
          TopicArn: ${events.TopicArn}
          Protocol: sqs
          Endpoint: %s
%s
      mail:
        type: AWS::SNS::Subscription
        properties:
          TopicArn: ${events.TopicArn}
          Protocol: email
          Endpoint: ops@example.com
    """


class LogsSnsTypesTest(EngineCase):
    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def apply(self, *args):
        """Applies; the calls it made, by operation."""
        self.emu.reset()
        r = self.berth("apply", "--auto-approve", *args)
        return r, self.emu.calls()["by_operation"]

    def converged(self):
        self.emu.reset()
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def log_spec(self, *props):
        self.write_spec(LOGS_SPEC % "\n".join(" " * 10 + p for p in props))

    def group(self):
        groups = self.aws("logs").describe_log_groups(logGroupNamePrefix="/svc/app")["logGroups"]
        self.assertEqual(len(groups), 1)
        return groups[0]

    def test_log_group_settings_set_changed_and_dropped(self):
        self.log_spec("RetentionInDays: 7", "DeletionProtectionEnabled: true")
        r, ops = self.apply()
        self.assertIn("1 added", r.stdout)
        self.assertEqual(ops.get("logs:CreateLogGroup"), 1)
        self.assertEqual(ops.get("logs:PutRetentionPolicy"), 1)
        g = self.group()
        self.assertEqual(g["retentionInDays"], 7)
        self.assertTrue(g["deletionProtectionEnabled"])
        self.converged()

        # Retention and protection dropped, a key added: three calls, each
        # the setting's own (protection names the group by
        # logGroupIdentifier, which the emulator insists on).
        self.log_spec(f"KmsKeyId: {KEY}")
        r, ops = self.apply()
        self.assertIn("1 changed", r.stdout)
        for op in ("DeleteRetentionPolicy", "AssociateKmsKey", "PutLogGroupDeletionProtection"):
            self.assertEqual(ops.get("logs:" + op), 1, ops)
        self.assertNotIn("logs:PutRetentionPolicy", ops)
        g = self.group()
        self.assertNotIn("retentionInDays", g)
        self.assertEqual(g["kmsKeyId"], KEY)
        self.assertFalse(g.get("deletionProtectionEnabled"))
        self.converged()

        # The key dropped, retention back.
        self.log_spec("RetentionInDays: 14")
        r, ops = self.apply()
        self.assertEqual(ops.get("logs:DisassociateKmsKey"), 1, ops)
        self.assertEqual(ops.get("logs:PutRetentionPolicy"), 1, ops)
        g = self.group()
        self.assertNotIn("kmsKeyId", g)
        self.assertEqual(g["retentionInDays"], 14)
        self.converged()

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def sns_spec(self, topic, sub):
        self.write_spec(SNS_SPEC % ("\n".join(" " * 10 + p for p in topic), QUEUE,
                                    "\n".join(" " * 10 + p for p in sub)))

    def topic_and_subscription(self):
        sns = self.aws("sns")
        arns = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        self.assertEqual(len(arns), 1)
        subs = {s["Protocol"]: s for s in
                sns.list_subscriptions_by_topic(TopicArn=arns[0])["Subscriptions"]}
        self.assertEqual(subs["email"]["SubscriptionArn"], "PendingConfirmation")
        return (arns[0], sns.get_topic_attributes(TopicArn=arns[0])["Attributes"],
                sns.get_subscription_attributes(
                    SubscriptionArn=subs["sqs"]["SubscriptionArn"])["Attributes"])

    def test_sns_attributes_set_changed_and_dropped(self):
        self.sns_spec(["ContentBasedDeduplication: true", "DisplayName: Events"],
                      ["RawMessageDelivery: true", 'FilterPolicy: { kind: [order] }'])
        r, ops = self.apply()
        self.assertIn("3 added", r.stdout)
        self.assertEqual(ops.get("sns:CreateTopic"), 1)
        self.assertEqual(ops.get("sns:Subscribe"), 2)
        arn, topic, sub = self.topic_and_subscription()
        # No name given: STACK-ADDRESS, with the .fifo a FIFO topic needs.
        self.assertTrue(arn.endswith(":demo-events.fifo"), arn)
        self.assertEqual(topic["DisplayName"], "Events")
        self.assertEqual(topic["ContentBasedDeduplication"], "true")
        self.assertEqual(sub["RawMessageDelivery"], "true")
        self.assertEqual(sub["FilterPolicy"], '{"kind":["order"]}')
        self.converged()
        # The email subscription awaits confirmation: a note, not drift.
        r = self.berth("plan", "-v")
        self.assertIn("pending confirmation", r.stdout + r.stderr)

        # Dropped settings go back to SNS's unset: "" for the topic's,
        # "false" for the subscription's flag; one call per attribute.
        self.sns_spec(["ContentBasedDeduplication: false"],
                      ['FilterPolicy: { kind: [refund] }'])
        r, ops = self.apply()
        self.assertIn("2 changed", r.stdout)
        self.assertEqual(ops.get("sns:SetTopicAttributes"), 2, ops)
        self.assertEqual(ops.get("sns:SetSubscriptionAttributes"), 2, ops)
        self.assertNotIn("sns:CreateTopic", ops)
        arn, topic, sub = self.topic_and_subscription()
        self.assertEqual(topic.get("DisplayName", ""), "")
        self.assertEqual(topic["ContentBasedDeduplication"], "false")
        self.assertEqual(sub["RawMessageDelivery"], "false")
        self.assertEqual(sub["FilterPolicy"], '{"kind":["refund"]}')
        self.converged()

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])
        self.assertEqual(self.aws("sns").list_topics()["Topics"], [])


if __name__ == "__main__":
    main()
