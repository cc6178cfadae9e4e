"""Side effects against the emulator: the log groups AWS creates for a
stack's resources and nobody deletes (an awslogs driver with
awslogs-create-group, a cluster's Container Insights group, the task
definitions of a CloudFormation stack). They go when the last resource that
declares them goes, and never while one that stays (or the spec) still
declares them or the spec manages the group as an AWS::Logs::LogGroup.

The groups here are made by the emulator's ECS when the service's tasks
start (as the ECS agent does in AWS), not by berth.

A group of the same name made before its cause (the user's own, or one left
by an earlier stack) is not AWS's doing for it: berth keeps it and says so.
The emulator's clock (advance_clock) makes such a group hours older than
the task definition or stack berth then makes."""
import json
import os

os.environ.setdefault("BERTH_EMU_DELAY", "0.3")

import botocore.session  # noqa: E402  (the emulator's own dependency)

from berthtest import SOURCE_DIR, main  # noqa: E402
from enginetest import EngineCase  # noqa: E402

SPEC = """\
    berth: 1
    stack: fx
    variables:
      color: { type: string, default: blue }
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.0.0.0/24 }
      subnet:
        type: AWS::EC2::Subnet
        properties: { VpcId: "${vpc.VpcId}", CidrBlock: 10.0.0.0/26, AvailabilityZone: us-west-2a }
      sg:
        type: AWS::EC2::SecurityGroup
        properties: { GroupDescription: web, VpcId: "${vpc.VpcId}" }
      exec-role:
        type: AWS::IAM::Role
        properties:
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement:
              - { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: "sts:AssumeRole" }
      cluster:
        type: AWS::ECS::Cluster
        properties: { ClusterName: fx-demo }
      # The spec manages this one (retained on destroy); the sidecar also
      # asks the agent to create it: it is not a side effect.
      managed-logs:
        type: AWS::Logs::LogGroup
        retain: true
        properties: { LogGroupName: /ecs/fx-managed, RetentionInDays: 7 }
      task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: fx-web
          NetworkMode: awsvpc
          RequiresCompatibilities: [FARGATE]
          Cpu: "256"
          Memory: "512"
          ExecutionRoleArn: "${exec-role.Arn}"
          ContainerDefinitions:
            - Name: web
              Image: public.ecr.aws/aws-containers/ecsdemo-frontend:v1
              Environment: [{ Name: COLOR, Value: "${var.color}" }]
              LogConfiguration:
                LogDriver: awslogs
                Options:
                  awslogs-group: /ecs/fx-web
                  awslogs-create-group: "true"
                  awslogs-region: us-west-2
                  awslogs-stream-prefix: web
            - Name: sidecar
              Image: public.ecr.aws/aws-containers/ecsdemo-nodejs:v1
              Essential: false
              LogConfiguration:
                LogDriver: awslogs
                Options:
                  awslogs-group: "${managed-logs.LogGroupName}"
                  awslogs-create-group: "True"
                  awslogs-region: us-west-2
                  awslogs-stream-prefix: sidecar
      # OTHER
      service:
        type: AWS::ECS::Service
        properties:
          ServiceName: fx-web
          Cluster: "${cluster}"
          TaskDefinition: "${task.TaskDefinitionArn}"
          DesiredCount: 1
          LaunchType: FARGATE
          NetworkConfiguration:
            AwsvpcConfiguration: { Subnets: ["${subnet.SubnetId}"], SecurityGroups: ["${sg.GroupId}"] }
    """

# A second family logging to the same group, with no service of its own.
OTHER = """\
      other:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: fx-other
          NetworkMode: awsvpc
          RequiresCompatibilities: [FARGATE]
          Cpu: "256"
          Memory: "512"
          ExecutionRoleArn: "${exec-role.Arn}"
          ContainerDefinitions:
            - Name: web
              Image: public.ecr.aws/aws-containers/ecsdemo-crystal:v1
              LogConfiguration:
                LogDriver: awslogs
                Options:
                  awslogs-group: /ecs/fx-web
                  awslogs-create-group: "true"
                  awslogs-region: us-west-2
                  awslogs-stream-prefix: other
"""

TEMPLATE = os.path.join(SOURCE_DIR, "specs", "files", "cwagent-ecs-instance-metric-cfn.json")
AGENT_GROUP = "/ecs/ecs-cwagent-daemon-service"


class SideEffects(EngineCase):
    emulator_options = {"page_size": 100}

    def client(self, service):
        session = botocore.session.get_session()
        c = session.create_client(
            service, region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.addCleanup(c.close)
        return c

    def groups(self):
        logs = self.client("logs")
        return {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}

    def spec(self, color="blue", other=False):
        return (SPEC.replace("default: blue", f"default: {color}")
                .replace("      # OTHER\n", OTHER if other else ""))

    def test_awslogs_groups_follow_their_task_definitions(self):
        self.write_spec(self.spec(other=True))
        self.berth("apply", "--auto-approve")
        # The emulator's ECS made /ecs/fx-web as the task started, untagged;
        # the spec made /ecs/fx-managed.
        groups = self.groups()
        self.assertIn("/ecs/fx-web", groups)
        self.assertIn("/ecs/fx-managed", groups)
        web = [r for r in self.all_of("log-group") if r["id"] == "/ecs/fx-web"][0]
        self.assertEqual(web["tags"], {})
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

        # A new revision (create before destroy) logs to the same group:
        # replacing the task definition keeps it.
        self.write_spec(self.spec(color="green", other=True))
        plan = self.plan_json(code=0)
        self.assertEqual(self.changes(plan)["task"]["action"], "replace")
        self.assertEqual(plan["side_effects"], [])
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Resources: 1 added,", r.stdout)
        self.assertIn(" 1 destroyed.", r.stdout)
        self.assertNotIn("log group", r.stdout + r.stderr)
        self.assertIn("/ecs/fx-web", self.groups())
        ecs = self.client("ecs")
        # The old revision was deregistered and deleted: DELETE_IN_PROGRESS
        # while its tasks drain, then gone.
        try:
            status = ecs.describe_task_definition(taskDefinition="fx-web:1")["taskDefinition"]["status"]
        except ecs.exceptions.ClientException:
            status = "gone"
        self.assertIn(status, ("DELETE_IN_PROGRESS", "gone"))

        # The other family goes; the group stays, fx-web still declares it.
        self.write_spec(self.spec(color="green"))
        plan = self.plan_json(code=0)
        self.assertEqual(self.changes(plan)["other"]["action"], "delete")
        self.assertEqual(plan["side_effects"], [])
        self.berth("apply", "--auto-approve")
        self.assertIn("/ecs/fx-web", self.groups())

        # Destroy: the plan names the group it removes, with who made it
        # necessary; the cluster's Container Insights group too (declared
        # whether or not it exists). Not the spec's own group.
        r = self.berth("destroy", "--dry-run")
        self.assertIn("log group /ecs/fx-web (AWS made it for task) will be destroyed", r.stdout)
        self.assertIn("log group /aws/ecs/containerinsights/fx-demo/performance "
                      "(AWS made it for cluster) will be destroyed", r.stdout)
        self.assertNotIn("/ecs/fx-managed", r.stdout)
        self.assertIn("/ecs/fx-web", self.groups())  # a dry run changes nothing
        self.emu.reset()
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack fx is left.", r.stdout)
        self.assertEqual(self.live(stack="fx"), [])
        # The managed group followed its own lifecycle (retain: kept,
        # untagged); the side effect went, once.
        self.assertEqual(sorted(self.groups()), ["/ecs/fx-managed"])
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("logs:DeleteLogGroup"), 2, calls)  # web + insights

    def test_a_group_still_declared_by_what_stays_is_kept(self):
        # The other family leaves the spec and the service's family moves to
        # another group: nothing declares /ecs/fx-web any more.
        self.write_spec(self.spec(other=True))
        self.berth("apply", "--auto-approve")
        logs = self.client("logs")
        # Someone else's group of the same kind: no resource of the stack
        # declares it, so berth never touches it.
        logs.create_log_group(logGroupName="/ecs/someone-else")
        self.write_spec(self.spec(other=False).replace("/ecs/fx-web", "/ecs/fx-web2"))
        plan = self.plan_json(code=0)
        ch = self.changes(plan)
        self.assertEqual(ch["other"]["action"], "delete")
        self.assertEqual(ch["task"]["action"], "replace")
        self.assertEqual(len(plan["side_effects"]), 1, plan["side_effects"])
        self.assertRegex(plan["side_effects"][0], r"^/ecs/fx-web \(AWS made it for (task|other)\)$")
        self.berth("apply", "--auto-approve")
        groups = self.groups()
        self.assertNotIn("/ecs/fx-web", groups)
        self.assertIn("/ecs/fx-web2", groups)
        self.assertIn("/ecs/someone-else", groups)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(sorted(self.groups()), ["/ecs/fx-managed", "/ecs/someone-else"])

    def test_a_group_older_than_its_task_definition_is_kept(self):
        # The user's own /ecs/fx-web, an hour before berth's family exists.
        self.client("logs").create_log_group(logGroupName="/ecs/fx-web")
        self.emu.advance_clock(3600)
        self.write_spec(self.spec())
        self.berth("apply", "--auto-approve")
        # A new revision: the group is still older than the family's first.
        self.write_spec(self.spec(color="green"))
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", "--dry-run")
        self.assertIn("log group /ecs/fx-web predates task: kept", r.stdout + r.stderr)
        self.assertNotIn("log group /ecs/fx-web (AWS made it for task) will be destroyed",
                         r.stdout)
        # The cluster's group does not exist: its going costs nothing, as
        # before.
        self.assertIn("log group /aws/ecs/containerinsights/fx-demo/performance "
                      "(AWS made it for cluster) will be destroyed", r.stdout)
        self.emu.reset()
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack fx is left.", r.stdout)
        self.assertIn("log group /ecs/fx-web predates task: kept", r.stdout + r.stderr)
        self.assertEqual(sorted(self.groups()), ["/ecs/fx-managed", "/ecs/fx-web"])
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("logs:DeleteLogGroup"), 1, calls)  # insights only

    def test_an_older_group_is_found_past_pages_of_others(self):
        # A server that ignores logGroupNamePrefix (as some AWS-compatible
        # ones do) answers every group in name order: the user's own
        # /ecs/fx-web comes after 120 others of the same prefix, three pages
        # on. Taking the first answer for "no such group" would delete it.
        logs = self.client("logs")
        logs.create_log_group(logGroupName="/ecs/fx-web")
        for i in range(120):
            logs.create_log_group(logGroupName=f"/ecs/fx-a{i:03}")
        self.emu.advance_clock(3600)
        self.write_spec(self.spec())
        self.berth("apply", "--auto-approve")
        self.emu.set_faults(ignore_filters=True)
        self.emu.reset()
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("log group /ecs/fx-web predates task: kept", r.stdout + r.stderr)
        self.assertGreaterEqual(self.emu.calls()["by_operation"]["logs:DescribeLogGroups"], 3)
        self.emu.set_faults(ignore_filters=False)
        left = logs.describe_log_groups(logGroupNamePrefix="/ecs/fx-w")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in left], ["/ecs/fx-web"])

    def test_a_group_made_after_the_cluster_goes_with_it(self):
        self.write_spec(self.spec())
        self.berth("apply", "--auto-approve")
        # Container Insights' group, made (here by hand) once the cluster
        # runs, even an hour on: it is the cluster's, and goes with it.
        self.emu.advance_clock(3600)
        insights = "/aws/ecs/containerinsights/fx-demo/performance"
        self.client("logs").create_log_group(logGroupName=insights)
        r = self.berth("destroy", "--auto-approve")
        self.assertNotIn("kept", r.stdout + r.stderr)
        self.assertEqual(sorted(self.groups()), ["/ecs/fx-managed"])

    def write_agent_spec(self):
        with open(TEMPLATE) as f:
            body = f.read()
        self.write_spec("""\
            berth: 1
            stack: agent
            resources:
              cluster:
                type: AWS::ECS::Cluster
                properties: { ClusterName: agent-demo }
              cwagent:
                type: AWS::CloudFormation::Stack
                properties:
                  StackName: "CWAgentECS-${cluster.ClusterName}"
                  TemplateBody: '${file("agent.json")}'
                  Parameters: { ClusterName: "${cluster.ClusterName}", CreateIAMRoles: "True" }
                  Capabilities: [CAPABILITY_NAMED_IAM]
            """)
        with open(os.path.join(self.dir, "agent.json"), "w") as f:
            f.write(body)

    def test_agent_group_older_than_the_stack_is_kept(self):
        # A user's own daemon group, from before this stack: destroy must
        # not take it.
        self.client("logs").create_log_group(logGroupName=AGENT_GROUP)
        self.emu.advance_clock(3600)
        self.write_agent_spec()
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", "--dry-run")
        self.assertIn(f"log group {AGENT_GROUP} predates cwagent: kept", r.stdout + r.stderr)
        self.assertNotIn(f"log group {AGENT_GROUP} (AWS", r.stdout)
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack agent is left.", r.stdout)
        self.assertIn(f"log group {AGENT_GROUP} predates cwagent: kept", r.stdout + r.stderr)
        self.assertIn(AGENT_GROUP, self.groups())

    def test_cloudwatch_agent_stack(self):
        self.write_agent_spec()
        self.berth("apply", "--auto-approve")
        # The emulator has no container instances, so the daemon runs no
        # task; on an instance the ECS agent would create the group for
        # its awslogs driver (awslogs-create-group "True"), untagged: as it.
        self.client("logs").create_log_group(logGroupName=AGENT_GROUP)
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        r = self.berth("destroy", "--dry-run")
        self.assertIn(f"log group {AGENT_GROUP} (AWS made it for cwagent) will be destroyed",
                      r.stdout)
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack agent is left.", r.stdout)
        self.assertNotIn(AGENT_GROUP, self.groups())
        self.assertEqual(self.client("cloudformation").describe_stacks()["Stacks"], [])


if __name__ == "__main__":
    main()
