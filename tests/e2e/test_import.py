"""A retained resource can be applied again (issue 16, item 2), over
examples/07-lifecycle through the binary and the emulator: after apply and
destroy the `retain: true` log group stays, untagged; plan then must not
promise to create it (apply could not: the name is taken), and must say the
ways out, `berth import ADDRESS ID` and `adopt: true`, which both work.
Also: import refuses what another stack owns unless --force, and plan
refuses a create whose name another stack holds. A topic made outside berth
under the name the spec gives blocks plan the same way (its ARN is its
name's), until adopt: true takes it in, and `berth import` takes one in by
its ARN. Target groups, load balancers and CloudFormation stacks, whose ARNs
hold an id AWS picks but whose names AWS keeps unique, are looked up by name
the same way (a deleted stack's name is free)."""
import json
import os
import shutil
import time

import botocore.session

from berthtest import SOURCE_DIR, main
from enginetest import EngineCase

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "07-lifecycle")
AUDIT = "/examples/lifecycle/audit"


class Import(EngineCase):
    def setUp(self):
        super().setUp()
        shutil.copytree(EXAMPLE, self.dir, dirs_exist_ok=True)

    def group(self, name=AUDIT):
        found = [r for r in self.all_of("log-group") if r["id"] == name]
        self.assertEqual(len(found), 1, f"exactly one log group {name}")
        return found[0]

    def retention(self, name=AUDIT):
        c = botocore.session.get_session().create_client(
            "logs", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.addCleanup(c.close)
        groups = c.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        return [g.get("retentionInDays") for g in groups if g["logGroupName"] == name][0]

    def tags(self, name=AUDIT):
        return self.group(name).get("tags", {})

    def edit(self, old, new, name="berth.yaml"):
        path = os.path.join(self.dir, name)
        with open(path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w") as f:
            f.write(text.replace(old, new))

    def apply_then_destroy(self):
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("left in AWS (retain: true), no longer tagged for the stack: audit-logs",
                      r.stdout)
        self.assertEqual(self.live("lifecycle-demo"), [])
        self.assertNotIn("berth:stack", self.tags())

    def test_retained_group_blocks_plan_until_imported(self):
        self.apply_then_destroy()
        # Plan no longer promises "+ audit-logs will be created"; it fails
        # and names the ways out. Apply stops at its plan: nothing is made.
        for cmd in (["plan"], ["apply", "--auto-approve"]):
            r = self.berth(*cmd, ok=1)
            self.assertNotIn("will be created", r.stdout)
            self.assertIn(f"audit-logs: AWS::Logs::LogGroup {AUDIT} already exists outside the "
                          "stack, so apply could not create it", r.stderr)
            self.assertIn(f"`berth import audit-logs {AUDIT}`", r.stderr)
            self.assertIn("`adopt: true`", r.stderr)
            self.assertEqual(self.live("lifecycle-demo"), [])

        r = self.berth("import", "audit-log", AUDIT, ok=1)
        self.assertIn("no resource 'audit-log' in the spec; did you mean 'audit-logs'?", r.stderr)
        r = self.berth("import", "audit-logs", "/examples/lifecycle/nope", ok=1)
        self.assertIn("there is no AWS::Logs::LogGroup with the id '/examples/lifecycle/nope'",
                      r.stderr)
        self.assertNotIn("berth:stack", self.tags())

        r = self.berth("import", "audit-logs", AUDIT)
        self.assertIn(f"Imported audit-logs: AWS::Logs::LogGroup {AUDIT} is now tagged "
                      "berth:stack=lifecycle-demo, berth:id=audit-logs.", r.stdout)
        tags = self.tags()
        self.assertEqual((tags["berth:stack"], tags["berth:id"], tags["berth:retain"]),
                         ("lifecycle-demo", "audit-logs", "true"))
        r = self.berth("import", "audit-logs", AUDIT)
        self.assertIn("already", r.stdout)

        plan = self.changes(self.plan_json(code=0))
        self.assertEqual(sorted(plan), ["alarms", "app-logs"])
        self.berth("apply", "--auto-approve")
        r = self.berth("plan", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)
        self.assertEqual(len(self.all_of("log-group")), 2)

        # Another stack cannot take it without --force, nor plan a create.
        self.write_spec("""\
            berth: 1
            stack: other-demo
            resources:
              audit:
                type: AWS::Logs::LogGroup
                adopt: true
                properties: { LogGroupName: /examples/lifecycle/audit, RetentionInDays: 365 }
            """, name="other.yaml")
        r = self.berth("plan", "-f", "other.yaml", ok=1)
        self.assertIn(f"audit: AWS::Logs::LogGroup {AUDIT} already exists and belongs to stack "
                      "lifecycle-demo (as audit-logs), so apply could not create it", r.stderr)
        self.assertIn(f"`berth import --force audit {AUDIT}`", r.stderr)
        r = self.berth("import", "-f", "other.yaml", "audit", AUDIT, ok=1)
        self.assertIn(f"AWS::Logs::LogGroup {AUDIT} belongs to stack lifecycle-demo (as "
                      "audit-logs); not imported", r.stderr)
        self.assertEqual(self.tags()["berth:stack"], "lifecycle-demo")
        r = self.berth("import", "-f", "other.yaml", "--force", "audit", AUDIT)
        self.assertIn("It was stack lifecycle-demo's audit-logs", r.stdout)
        tags = self.tags()
        self.assertEqual((tags["berth:stack"], tags["berth:id"]), ("other-demo", "audit"))
        self.assertNotIn("berth:retain", tags)
        r = self.berth("plan", "-f", "other.yaml", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)

    def test_adopt_takes_the_retained_group_in_and_updates_it(self):
        self.apply_then_destroy()
        self.edit("    retain: true\n", "    retain: true\n    adopt: true\n")
        self.edit("RetentionInDays: 365", "RetentionInDays: 30")
        plan = self.changes(self.plan_json(code=0))
        audit = plan["audit-logs"]
        self.assertEqual((audit["action"], audit.get("adopt"), audit["id"], audit["changed"]),
                         ("update", True, AUDIT, ["RetentionInDays"]))
        self.assertEqual(audit["before"]["RetentionInDays"], 365)
        r = self.berth("plan")
        self.assertIn("audit-logs (AWS::Logs::LogGroup) will be adopted and updated in place",
                      r.stdout)
        self.assertIn("RetentionInDays = 365 -> 30", r.stdout)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("1 changed", r.stdout)
        g = self.group()
        self.assertEqual(self.retention(), 30)
        self.assertEqual((g["tags"]["berth:stack"], g["tags"]["berth:id"]),
                         ("lifecycle-demo", "audit-logs"))
        r = self.berth("plan", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)
        # One group of that name: adopted, not duplicated.
        self.assertEqual(len(self.all_of("log-group")), 2)
        # The cycle repeats: destroy keeps it, apply takes it in again.
        self.berth("destroy", "--auto-approve")
        self.berth("apply", "--auto-approve")
        self.assertEqual(self.tags()["berth:stack"], "lifecycle-demo")

    def client(self, service):
        c = botocore.session.get_session().create_client(
            service, region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.addCleanup(c.close)
        return c

    def test_topic_of_the_name_made_outside_blocks_plan_until_adopted(self):
        # CreateTopic is idempotent only for the same tags: with a topic of
        # that name and no berth tags, apply's create fails, so plan must
        # not promise it.
        sns = self.client("sns")
        arn = sns.create_topic(Name="alerts", Attributes={"DisplayName": "Old"})["TopicArn"]
        self.write_spec("""\
            berth: 1
            stack: topics
            resources:
              alerts:
                type: AWS::SNS::Topic
                properties: { TopicName: alerts, DisplayName: Alerts }
            """)
        for cmd in (["plan"], ["apply", "--auto-approve"]):
            r = self.berth(*cmd, ok=1)
            self.assertNotIn("will be created", r.stdout)
            self.assertIn(f"alerts: AWS::SNS::Topic {arn} already exists outside the stack, "
                          "so apply could not create it", r.stderr)
            self.assertIn(f"`berth import alerts {arn}`", r.stderr)
            self.assertIn("`adopt: true`", r.stderr)
            self.assertIn("choose another TopicName", r.stderr)
        self.assertEqual(self.live("topics"), [])

        self.edit("    type: AWS::SNS::Topic\n", "    type: AWS::SNS::Topic\n    adopt: true\n")
        alerts = self.changes(self.plan_json(code=0))["alerts"]
        self.assertEqual((alerts["action"], alerts.get("adopt"), alerts["id"], alerts["changed"]),
                         ("update", True, arn, ["DisplayName"]))
        self.berth("apply", "--auto-approve")
        self.assertEqual(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"],
                         "Alerts")
        tags = {t["Key"]: t["Value"]
                for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
        self.assertEqual((tags["berth:stack"], tags["berth:id"]), ("topics", "alerts"))
        self.assertEqual(len(sns.list_topics()["Topics"]), 1)
        r = self.berth("plan", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)


    def test_topic_made_outside_is_imported_by_its_arn(self):
        sns = self.client("sns")
        arn = sns.create_topic(Name="alerts")["TopicArn"]
        self.write_spec("""\
            berth: 1
            stack: topics
            resources:
              alerts:
                type: AWS::SNS::Topic
                properties: { TopicName: alerts }
            """)
        r = self.berth("import", "alerts", arn[:-1] + "x", ok=1)
        self.assertIn(f"there is no AWS::SNS::Topic with the id '{arn[:-1]}x'", r.stderr)
        r = self.berth("import", "alerts", arn)
        self.assertIn(f"Imported alerts: AWS::SNS::Topic {arn} is now tagged "
                      "berth:stack=topics, berth:id=alerts.", r.stdout)
        tags = {t["Key"]: t["Value"]
                for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
        self.assertEqual((tags["berth:stack"], tags["berth:id"]), ("topics", "alerts"))
        r = self.berth("plan", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(sns.list_topics()["Topics"], [])

    def network(self):
        """A VPC and two subnets in two zones, made outside berth."""
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24",
                                     AvailabilityZone=f"us-west-2{z}")["Subnet"]["SubnetId"]
                   for i, z in ((1, "a"), (2, "b"))]
        return vpc, subnets

    def test_target_group_and_load_balancer_of_the_name_block_plan_until_taken_in(self):
        # Their ARNs hold an id AWS picks, but the names are unique in the
        # account and region: CreateTargetGroup of a taken name with other
        # settings, and CreateLoadBalancer's, fail, so plan must look the
        # names up (one listing each, whatever the number of names).
        vpc, subnets = self.network()
        elbv2 = self.client("elbv2")
        tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc,
                                       TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        lb = elbv2.create_load_balancer(Name="front", Subnets=subnets, Scheme="internal",
                                        )["LoadBalancers"][0]["LoadBalancerArn"]
        self.write_spec(f"""\
            berth: 1
            stack: web
            resources:
              web:
                type: AWS::ElasticLoadBalancingV2::TargetGroup
                properties: {{ Name: web, Protocol: HTTP, Port: 80, VpcId: {vpc}, TargetType: ip,
                              HealthCheckPath: /health }}
              api:
                type: AWS::ElasticLoadBalancingV2::TargetGroup
                properties: {{ Name: api, Protocol: HTTP, Port: 8080, VpcId: {vpc}, TargetType: ip }}
              front:
                type: AWS::ElasticLoadBalancingV2::LoadBalancer
                properties: {{ Name: front, Scheme: internal, Subnets: {json.dumps(subnets)} }}
            """)
        self.emu.reset()
        r = self.berth("plan", ok=1)
        self.assertNotIn("will be created", r.stdout)
        for addr, type_, arn in (("web", "TargetGroup", tg), ("front", "LoadBalancer", lb)):
            self.assertIn(f"{addr}: AWS::ElasticLoadBalancingV2::{type_} {arn} already exists "
                          "outside the stack, so apply could not create it", r.stderr)
            self.assertIn(f"`berth import {addr} {arn}`", r.stderr)
        self.assertIn("choose another Name", r.stderr)
        self.assertNotIn("api:", r.stderr)
        ops = self.emu.calls()["by_operation"]
        self.assertEqual((ops.get("elbv2:DescribeTargetGroups"),
                          ops.get("elbv2:DescribeLoadBalancers")), (2, 2), ops)  # + read_one

        # The target group by import, the load balancer by adopt: true.
        r = self.berth("import", "web", tg)
        self.assertIn(f"Imported web: AWS::ElasticLoadBalancingV2::TargetGroup {tg}", r.stdout)
        self.edit("    type: AWS::ElasticLoadBalancingV2::LoadBalancer\n",
                  "    type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    adopt: true\n")
        plan = self.changes(self.plan_json(code=0))
        self.assertEqual({a: (c["action"], c.get("adopt", False)) for a, c in plan.items()},
                         {"web": ("update", False), "api": ("create", False),
                          "front": ("update", True)})
        self.assertEqual(plan["web"]["changed"], ["HealthCheckPath"])
        self.berth("apply", "--auto-approve")
        for arn, addr in ((tg, "web"), (lb, "front")):
            desc = elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]
            tags = {t["Key"]: t["Value"] for t in desc["Tags"]}
            self.assertEqual((tags["berth:stack"], tags["berth:id"]), ("web", addr))
        self.assertEqual(len(elbv2.describe_target_groups()["TargetGroups"]), 2)
        self.assertEqual(len(elbv2.describe_load_balancers()["LoadBalancers"]), 1)
        r = self.berth("plan", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)

    TEMPLATE = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}

    def test_stack_of_the_name_blocks_plan_until_adopted_and_a_deleted_one_does_not(self):
        cfn = self.client("cloudformation")
        sid = cfn.create_stack(StackName="legacy",
                               TemplateBody=json.dumps(self.TEMPLATE))["StackId"]
        gone = cfn.create_stack(StackName="gone", TemplateBody=json.dumps(self.TEMPLATE))
        cfn.delete_stack(StackName=gone["StackId"])
        # Deletion runs in the background, as in AWS: until DELETE_COMPLETE the
        # name is still taken (CreateStack would say AlreadyExists).
        deadline = time.monotonic() + 30
        while cfn.describe_stacks(StackName=gone["StackId"])["Stacks"][0]["StackStatus"] \
                != "DELETE_COMPLETE":
            self.assertLess(time.monotonic(), deadline, "stack 'gone' never finished deleting")
            time.sleep(0.05)
        self.write_spec(f"""\
            berth: 1
            stack: stacks
            resources:
              legacy:
                type: AWS::CloudFormation::Stack
                properties:
                  StackName: legacy
                  TemplateBody: {json.dumps(self.TEMPLATE)}
                  Tags: [{{ Key: team, Value: ops }}]
              again:
                type: AWS::CloudFormation::Stack
                properties: {{ StackName: gone, TemplateBody: {json.dumps(self.TEMPLATE)} }}
            """)
        r = self.berth("plan", ok=1)
        self.assertNotIn("will be created", r.stdout)
        self.assertIn(f"legacy: AWS::CloudFormation::Stack {sid} already exists outside the "
                      "stack, so apply could not create it", r.stderr)
        self.assertIn(f"`berth import legacy {sid}`", r.stderr)
        self.assertIn("choose another StackName", r.stderr)
        # A DELETE_COMPLETE stack of the name is no clash.
        self.assertNotIn("again:", r.stderr)

        self.edit("    type: AWS::CloudFormation::Stack\n    properties:\n",
                  "    type: AWS::CloudFormation::Stack\n    adopt: true\n    properties:\n")
        plan = self.changes(self.plan_json(code=0))
        self.assertEqual({a: (c["action"], c.get("adopt", False)) for a, c in plan.items()},
                         {"legacy": ("update", True), "again": ("create", False)})
        self.assertEqual(plan["legacy"]["id"], sid)
        self.assertEqual(plan["legacy"]["changed"], ["Tags"])
        self.berth("apply", "--auto-approve")
        live = cfn.describe_stacks(StackName="legacy")["Stacks"][0]
        self.assertEqual(live["StackId"], sid)
        tags = {t["Key"]: t["Value"] for t in live["Tags"]}
        self.assertEqual((tags["berth:stack"], tags["berth:id"], tags["team"]),
                         ("stacks", "legacy", "ops"))
        r = self.berth("plan", "--detailed-exitcode")
        self.assertIn("No changes", r.stdout)

    def test_a_stack_that_can_only_be_deleted_is_not_adopted(self):
        # Adopting tags the stack through UpdateStack, which a stack in
        # ROLLBACK_COMPLETE cannot take: plan refuses, and says why.
        cfn = self.client("cloudformation")
        bad = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup",
                                      "Properties": {"RetentionInDays": 4}}}}
        sid = cfn.create_stack(StackName="broken", TemplateBody=json.dumps(bad))["StackId"]
        for _ in range(100):
            status = cfn.describe_stacks(StackName=sid)["Stacks"][0]["StackStatus"]
            if not status.endswith("_IN_PROGRESS"):
                break
            time.sleep(0.1)
        self.assertEqual(status, "ROLLBACK_COMPLETE")
        self.write_spec(f"""\
            berth: 1
            stack: stacks
            resources:
              broken:
                type: AWS::CloudFormation::Stack
                adopt: true
                properties: {{ StackName: broken, TemplateBody: {json.dumps(self.TEMPLATE)} }}
            """)
        r = self.berth("plan", ok=1)
        self.assertIn(f"broken: cannot adopt AWS::CloudFormation::Stack {sid}: the stack is in "
                      "ROLLBACK_COMPLETE and cannot be updated", r.stderr)
        self.assertIn("delete it, or choose another StackName", r.stderr)

    def test_a_stack_whose_rollback_failed_is_not_adopted(self):
        # UPDATE_ROLLBACK_FAILED (its log group deleted outside
        # CloudFormation, then an update): it takes no tags either, and
        # berth continues the rollback only of stacks it owns.
        cfn, logs = self.client("cloudformation"), self.client("logs")
        group = {"Type": "AWS::Logs::LogGroup",
                 "Properties": {"LogGroupName": "stuck", "RetentionInDays": 7}}

        def settle():
            for _ in range(100):
                status = cfn.describe_stacks(StackName="stuck")["Stacks"][0]["StackStatus"]
                if not status.endswith("_IN_PROGRESS"):
                    return status
                time.sleep(0.1)
            return status

        sid = cfn.create_stack(StackName="stuck", TemplateBody=json.dumps(
            {"Resources": {"Group": group}}))["StackId"]
        self.assertEqual(settle(), "CREATE_COMPLETE")
        logs.delete_log_group(logGroupName="stuck")
        group["Properties"]["RetentionInDays"] = 14
        cfn.update_stack(StackName="stuck", TemplateBody=json.dumps({"Resources": {"Group": group}}))
        self.assertEqual(settle(), "UPDATE_ROLLBACK_FAILED")
        self.write_spec(f"""\
            berth: 1
            stack: stacks
            resources:
              stuck:
                type: AWS::CloudFormation::Stack
                adopt: true
                properties: {{ StackName: stuck, TemplateBody: {json.dumps(self.TEMPLATE)} }}
            """)
        r = self.berth("plan", ok=1)
        self.assertIn(f"stuck: cannot adopt AWS::CloudFormation::Stack {sid}: the stack is "
                      "UPDATE_ROLLBACK_FAILED (an update failed, and so did its rollback)",
                      r.stderr)
        self.assertIn("bring it back yourself first, delete it, or choose another StackName",
                      r.stderr)
        self.assertEqual(settle(), "UPDATE_ROLLBACK_FAILED")  # untouched

if __name__ == "__main__":
    main()
