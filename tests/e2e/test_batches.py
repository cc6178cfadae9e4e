"""Reads that describe many resources a call split them at AWS's limits,
follow every page of each batch, and lose none: 105 alarms (DescribeAlarms takes 100 names), 45 target groups
(DescribeTargetGroups takes 20 ARNs) and 55 log groups (DescribeLogGroups,
50 a call). Apply, a no-change plan whose calls are counted, destroy to
nothing."""
from berthtest import main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: batches
    resources:
      alarm:
        type: AWS::CloudWatch::Alarm
        count: 105
        properties:
          Namespace: AWS/ECS
          MetricName: CPUUtilization
          Dimensions: [{ Name: ServiceName, Value: "svc-${count.index}" }]
          Statistic: Average
          Period: 300
          EvaluationPeriods: 1
          Threshold: 50
          ComparisonOperator: GreaterThanThreshold
      tg:
        type: AWS::ElasticLoadBalancingV2::TargetGroup
        count: 45
        properties:
          TargetType: lambda
      logs:
        type: AWS::Logs::LogGroup
        count: 55
        properties:
          RetentionInDays: 7
    """


class BatchTest(EngineCase):
    # Pages of 7: every batch is answered in several pages, which berth must
    # follow (ELBv2's describes once read only the first page of each batch,
    # and 30 of 45 target groups looked deleted).
    emulator_options = {"page_size": 7}

    def test_reads_split_at_the_limits_and_lose_nothing(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve", "--parallelism", "20")
        self.emu.reset()
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        ops = self.emu.calls()["by_operation"]
        # Batches of 100 alarms (100 + 5), 20 target groups (20 + 20 + 5)
        # and 50 log groups (50 + 5), each read in pages of 7.
        def pages(*batches):
            return sum(-(-b // 7) for b in batches)
        self.assertEqual(ops.get("cloudwatch:DescribeAlarms"), pages(100, 5), ops)
        self.assertEqual(ops.get("elbv2:DescribeTargetGroups"), pages(20, 20, 5), ops)
        self.assertEqual(ops.get("logs:DescribeLogGroups"), pages(50, 5), ops)
        # Every instance is matched: a lost batch would plan creates.
        live = self.live("batches")
        self.assertEqual(len(live), 105 + 45 + 55, [x.get("type") for x in live][:5])
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live("batches"), [])


if __name__ == "__main__":
    main()
