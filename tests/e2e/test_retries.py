"""Retries fit for provisioning, and listings checked against their filters.

RetriesTest: a throttling storm (every distinct request throttled 8 times:
the emulator's `throttle_first`, so the outcome does not depend on how the
workers interleave) is survived by apply, plan and destroy in one run each
with the default budget, although it empties the client's retry quota many
times over (the SDKs would fail most calls with "retry quota exceeded");
the same storm with --max-retries 7 fails with a clear message; adaptive
mode converges too; a validation error is not retried. BERTH_TEST_RETRY_SCALE
shortens the real backoff a hundredfold so this takes seconds.

FilterTrustTest: the emulator ignores every listing filter
(`ignore_filters`), as a server did that answered a tag-filtered
DescribeNatGateways with another instance's NAT gateway. Another stack holds
the same addresses. berth still makes exactly one NAT gateway per address,
adopts only its own, plans no change after, and destroy removes only its
own.

NameFilterTrustTest: the same with lookups by name (load balancer, target
group, alarm, log group, Cloud Map namespace and service), the other stack's
names sorting first, so that believing a lookup's first answer would take
(or refuse as someone else's) the other stack's resource."""
import os

# NAT gateways take this long to become available in the emulator.
os.environ.setdefault("BERTH_EMULATOR_DELAY", "0.1")

import botocore.session  # noqa: E402  (the emulator's own dependency)

from berthtest import SOURCE_DIR, main  # noqa: E402
from enginetest import EngineCase  # noqa: E402

GROUPS = 12

STORM_SPEC = f"""\
    berth: 1
    stack: demo
    resources:
      group:
        type: AWS::Logs::LogGroup
        count: {GROUPS}
        properties:
          LogGroupName: /demo/storm-${{count.index}}
      topic:
        type: AWS::SNS::Topic
        count: 4
        properties:
          TopicName: demo-storm-${{count.index}}
    """


class RetriesTest(EngineCase):
    def setUp(self):
        super().setUp()
        self.env["BERTH_TEST_RETRY_SCALE"] = "0.01"
        self.write_spec(STORM_SPEC)

    def storm(self):
        self.emu.set_faults(throttle_first=8)

    def throttled(self):
        return sum(n for code, n in self.emu.calls()["rejected_by_code"].items()
                   if "Throttl" in code)

    def test_storm_is_survived_in_one_run_each(self):
        self.storm()
        r = self.berth("-v", "apply", "--auto-approve")
        # The quota ran dry and calls went on, more slowly, not failing.
        self.assertIn("retry quota spent: waiting longer", r.stderr)
        self.assertNotIn("gave up", r.stderr)
        calls = self.emu.calls()
        # Every request was throttled 8 times before its 9th attempt.
        self.assertGreater(self.throttled(), 8 * (GROUPS + 4))
        self.assertEqual(self.throttled() % 8, 0)
        self.assertEqual(calls["rejected"], self.throttled(), calls["rejected_by_code"])
        live = self.live()
        self.assertEqual(len([x for x in live if x["type"] == "log-group"]), GROUPS)
        self.assertEqual(len([x for x in live if x["type"] == "topic"]), 4)
        self.berth("plan", "--detailed-exitcode", ok=0)
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(self.live(), [])

    def test_storm_beyond_the_budget_fails_clearly(self):
        self.storm()
        r = self.berth("--max-retries", "7", "apply", "--auto-approve", ok=1)
        self.assertIn("gave up after 8 attempts", r.stderr)
        self.assertIn("--max-retries", r.stderr)

    def test_bad_settings_are_refused(self):
        for env, value, message in (
                ("AWS_MAX_ATTEMPTS", "99999999999999999999",
                 "max attempts '99999999999999999999' (from AWS_MAX_ATTEMPTS) is not a whole "
                 "number from 1 to 100"),
                ("AWS_MAX_ATTEMPTS", "0", "from AWS_MAX_ATTEMPTS) is not a whole number"),
                ("AWS_RETRY_MODE", "adaptve", "retry mode 'adaptve' (from AWS_RETRY_MODE) is "
                 "not standard or adaptive")):
            r = self.berth("plan", ok=1, env=dict(self.env, **{env: value}))
            self.assertIn(message, r.stderr)
        r = self.berth("plan", "--max-retries", "-3", ok=1)
        self.assertIn("--max-retries '-3' is not a whole number from 0 to 99", r.stderr)
        self.assertEqual(self.emu.calls()["total"], 0)

    def test_adaptive_mode_converges(self):
        # Client-side rate limiting starts at the first throttle; a smaller
        # stack and one throttle per request keep its waits short.
        self.write_spec(STORM_SPEC.replace(f"count: {GROUPS}", "count: 4"))
        self.emu.set_faults(throttle_first=1)
        env = dict(self.env, AWS_RETRY_MODE="adaptive")
        self.berth("apply", "--auto-approve", env=env)
        self.berth("plan", "--detailed-exitcode", ok=0, env=env)
        self.berth("destroy", "--auto-approve", env=env)
        self.assertEqual(self.live(), [])
        self.assertGreater(self.throttled(), 8)

    def test_validation_error_is_not_retried(self):
        # The emulator, like CloudWatch Logs, refuses names starting "aws/".
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              bad:
                type: AWS::Logs::LogGroup
                properties:
                  LogGroupName: aws/reserved
            """)
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn("InvalidParameterException", r.stdout)
        calls = self.emu.calls()
        self.assertEqual(calls["by_operation"]["logs:CreateLogGroup"], 1)
        self.assertEqual(calls["rejected_by_code"], {"InvalidParameterException": 1})


NET_SPEC = """\
    berth: 1
    stack: STACK
    modules:
      net:
        source: MODULE
        inputs: { cidr: 10.0.0.0/24, azs: 3, nat_gateways: 3, name: STACK }
    resources:
      query:
        type: AWS::Logs::QueryDefinition
        properties:
          Name: errors
          QueryString: "fields @message | filter @message like /ERROR/"
      group:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /STACK/app
    """


class FilterTrustTest(EngineCase):
    def setUp(self):
        super().setUp()
        module = os.path.join(SOURCE_DIR, "modules", "vpc.yaml")
        self.spec = NET_SPEC.replace("MODULE", module)

    def apply(self, stack, *more):
        self.write_spec(self.spec.replace("STACK", stack), name=f"{stack}.yaml")
        return self.berth("apply", "-f", f"{stack}.yaml", "--auto-approve", *more)

    def nats(self, stack):
        return sorted((r["tags"]["berth:id"], r["id"]) for r in self.live(stack)
                      if r["type"] == "natgateway" and not (r.get("info") or {}).get("_deleted"))

    def test_ignored_filters_do_not_mislead(self):
        self.apply("other")
        others = {r["id"] for r in self.live("other")}
        other_nats = self.nats("other")
        self.assertEqual(len(other_nats), 3)
        self.emu.set_faults(ignore_filters=True)
        self.assertTrue(self.emu.faults()["ignore_filters"])

        self.apply("demo")
        nats = self.nats("demo")
        self.assertEqual([a for a, _ in nats],
                         ["module.net.nat=5B0=5D", "module.net.nat=5B1=5D",
                          "module.net.nat=5B2=5D"])
        self.assertEqual(len({i for _, i in nats}), 3)
        self.assertFalse({i for _, i in nats} & {i for _, i in other_nats})
        # Each private subnet routes through its own zone's gateway.
        routes = [r for r in self.live("demo") if r["type"] == "route-table"]
        self.assertEqual(len(routes), 4)
        # Nothing of the other stack was taken over or changed.
        self.assertEqual({r["id"] for r in self.live("other")}, others)
        self.assertEqual(self.nats("other"), other_nats)

        r = self.berth("plan", "-f", "demo.yaml", "--detailed-exitcode", ok=0)
        self.assertIn("No changes", r.stdout)
        self.berth("destroy", "-f", "demo.yaml", "--auto-approve")
        self.assertEqual([r for r in self.live("demo")
                          if not (r.get("info") or {}).get("_deleted")], [])
        self.assertEqual({r["id"] for r in self.live("other")}, others)
        # The other stack's saved query is still there (a listing by name
        # prefix that answered every query must not make it demo's).
        queries = [r for r in self.emu.resources() if r["type"] == "query-definition"]
        self.assertEqual(len(queries), 1, queries)


# Names the two stacks share a prefix of: the other stack's ("a") sort
# before this one's ("b"), so a name lookup that believes the first answer of
# a server ignoring the name takes the other stack's resource.
NAMED_SPEC = """\
    berth: 1
    stack: STACK
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.0.0.0/24 }
      subnet-a:
        type: AWS::EC2::Subnet
        properties: { VpcId: "${vpc.VpcId}", CidrBlock: 10.0.0.0/26, AvailabilityZone: us-west-2a }
      subnet-b:
        type: AWS::EC2::Subnet
        properties: { VpcId: "${vpc.VpcId}", CidrBlock: 10.0.0.64/26, AvailabilityZone: us-west-2b }
      lb:
        type: AWS::ElasticLoadBalancingV2::LoadBalancer
        properties:
          Name: app-P-lb
          Type: application
          Scheme: internal
          Subnets: ["${subnet-a.SubnetId}", "${subnet-b.SubnetId}"]
      tg:
        type: AWS::ElasticLoadBalancingV2::TargetGroup
        properties: { Name: app-P-tg, TargetType: lambda }
      alarm:
        type: AWS::CloudWatch::Alarm
        properties:
          AlarmName: app-P-cpu
          Namespace: AWS/ECS
          MetricName: CPUUtilization
          Statistic: Average
          Period: 300
          EvaluationPeriods: 1
          Threshold: 50
          ComparisonOperator: GreaterThanThreshold
      group:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: /app/P }
      namespace:
        type: AWS::ServiceDiscovery::PrivateDnsNamespace
        properties: { Name: P.app.local, Vpc: "${vpc.VpcId}" }
      service:
        type: AWS::ServiceDiscovery::Service
        properties:
          Name: web
          NamespaceId: "${namespace.Id}"
          DnsConfig: { RoutingPolicy: MULTIVALUE, DnsRecords: [{ Type: A, TTL: 60 }] }
      cluster:
        type: AWS::ECS::Cluster
        properties: { ClusterName: app-P-cluster }
      task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: app-P
          ContainerDefinitions: [{ Name: web, Image: nginx, Memory: 128 }]
      ecs-service:
        type: AWS::ECS::Service
        depends_on: [cluster]
        properties:
          ServiceName: web-P
          Cluster: app-a-cluster
          TaskDefinition: "${task.TaskDefinitionArn}"
          DesiredCount: 0
    """


class NameFilterTrustTest(EngineCase):
    """Lookups by name (ELBv2 Names, DescribeAlarms AlarmNames, Cloud Map's
    NAME/NAMESPACE_ID filters, DescribeLogGroups by name, ECS's
    DescribeClusters and DescribeServices by name or ARN) are believed only
    as far as the answer matches the name asked for. Both stacks' ECS
    services run in the first stack's cluster, so a DescribeServices that
    ignored its names would answer the other's."""

    def apply(self, stack, letter):
        spec = NAMED_SPEC.replace("STACK", stack).replace("-P-", f"-{letter}-")
        spec = spec.replace("web-P", f"web-{letter}").replace("app-P", f"app-{letter}")
        spec = spec.replace("/app/P", f"/app/{letter}").replace("P.app", f"{letter}.app")
        self.write_spec(spec, name=f"{stack}.yaml")
        return self.berth("apply", "-f", f"{stack}.yaml", "--auto-approve")

    def ids(self, stack):
        return {(r["type"], r["id"]) for r in self.live(stack)
                if not (r.get("info") or {}).get("_deleted")}

    def test_ignored_names_do_not_mislead(self):
        self.apply("other", "a")
        others = self.ids("other")
        self.emu.set_faults(ignore_filters=True)

        self.apply("demo", "b")
        demo = self.ids("demo")
        self.assertFalse(demo & others)
        kinds = sorted(t for t, _ in demo)
        for kind in ("alarm", "log-group", "loadbalancer", "namespace", "targetgroup",
                     "cluster", "task-definition"):
            self.assertEqual(kinds.count(kind), 1, (kind, kinds))
        self.assertEqual(kinds.count("service"), 2, kinds)  # Cloud Map's and ECS's
        self.assertEqual(self.ids("other"), others)

        r = self.berth("plan", "-f", "demo.yaml", "--detailed-exitcode", ok=0)
        self.assertIn("No changes", r.stdout)
        self.berth("destroy", "-f", "demo.yaml", "--auto-approve")
        self.assertEqual(self.ids("demo"), set())
        self.assertEqual(self.ids("other"), others)



NAMESPACE_SPEC = """\
    berth: 1
    stack: ns
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.0.0.0/24 }
      first:
        type: AWS::ServiceDiscovery::PrivateDnsNamespace
        properties: { Name: first.local, Vpc: "${vpc.VpcId}" }
    """


class NamespaceNameTrustTest(EngineCase):
    """Cloud Map's ListNamespaces NAME filter is believed only as far as the
    answer's names match: a server that ignored it would answer a namespace
    of another name in the same VPC, which create would take for this one
    (and refuse as not this resource's)."""

    def test_another_namespace_in_the_vpc_is_not_in_the_way(self):
        self.write_spec(NAMESPACE_SPEC)
        self.berth("apply", "--auto-approve")
        self.emu.set_faults(ignore_filters=True)
        self.write_spec(NAMESPACE_SPEC.rstrip(" ") + """\
      second:
        type: AWS::ServiceDiscovery::PrivateDnsNamespace
        properties: { Name: second.local, Vpc: "${vpc.VpcId}" }
    """)
        self.berth("apply", "--auto-approve")
        self.emu.set_faults(ignore_filters=False)
        sd = botocore.session.get_session().create_client(
            "servicediscovery", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.addCleanup(sd.close)
        self.assertEqual(sorted(n["Name"] for n in sd.list_namespaces()["Namespaces"]),
                         ["first.local", "second.local"])
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes", r.stdout)

if __name__ == "__main__":
    main()
