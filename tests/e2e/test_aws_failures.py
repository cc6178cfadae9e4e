"""What berth says when AWS fails over time (issue 15), under the emulator's
`--aws-timing`: a Fargate service whose image cannot be pulled never
becomes stable (the wait times out at --wait-timeout and the message carries
ECS's own events), a Grafana workspace and an AMP workspace that end
CREATION_FAILED (the message names the resource, what was awaited, the
status, and, AWS giving no reason for it, the role or key that causes it);
each is listed as failed while what does not depend on it still finishes,
and the next plan replaces the failed workspace (it takes no update). A
stack update that rolls back says why and is tried again by the next plan.
(A CloudFormation stack in ROLLBACK_COMPLETE, its first failed resource and
AWS's reason: e2e.types_monitoring's test_stack_rollback_then_replace.)"""
import time

from berthtest import main
from enginetest import EngineCase

NETWORK = """\
    berth: 1
    stack: fail
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.1.0.0/24 }
      subnet:
        type: AWS::EC2::Subnet
        properties: { VpcId: "${vpc.VpcId}", CidrBlock: 10.1.0.0/26, AvailabilityZone: us-west-2a }
      sg:
        type: AWS::EC2::SecurityGroup
        properties: { GroupDescription: app, VpcId: "${vpc.VpcId}" }
      cluster:
        type: AWS::ECS::Cluster
        properties: { ClusterName: fail }
      task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: app
          Cpu: "256"
          Memory: "512"
          NetworkMode: awsvpc
          RequiresCompatibilities: [FARGATE]
          ContainerDefinitions:
            - { Name: app, Image: "IMAGE" }
      service:
        type: AWS::ECS::Service
        properties:
          ServiceName: app
          Cluster: "${cluster}"
          TaskDefinition: "${task.TaskDefinitionArn}"
          DesiredCount: 1
          LaunchType: FARGATE
          NetworkConfiguration:
            AwsvpcConfiguration:
              Subnets: ["${subnet.SubnetId}"]
              SecurityGroups: ["${sg.GroupId}"]
      independent:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: independent }
"""


class Failures(EngineCase):
    # A Grafana workspace's CREATING cut from 8-12 minutes to 1-2 (0.6-1.2 s
    # here): what is shown is how it ends, not how long it takes.
    emulator_options = {"aws_timing": 0.01, "seed": 15,
                        "aws_timing_rows": {"GRAFANA": (60.0, 120.0)}}

    def test_image_pull_failure_times_out_with_ecs_events(self):
        self.write_spec(NETWORK.replace("IMAGE", "registry.invalid/app:1"))
        started = time.monotonic()
        r = self.berth("apply", "--auto-approve", "--wait-timeout", "4s", ok=1)
        self.assertLess(time.monotonic() - started, 60)
        out = r.stdout + r.stderr
        # What was awaited, for how long, and ECS's own reason.
        self.assertIn("service (create AWS::ECS::Service): timed out after 4s waiting for "
                      "the service to be stable", out)
        self.assertIn("CannotPullContainerError", out)
        self.assertIn("lookup registry.invalid: no such host", out)
        self.assertIn("Failed (1):", out)
        # What does not depend on the service finished.
        groups = [x for x in self.all_of("log-group") if x["id"] == "independent"]
        self.assertEqual(len(groups), 1)

    def test_pullable_image_is_stable(self):
        # The same spec with an image that can be pulled converges: the
        # failure above is the image's.
        self.write_spec(NETWORK.replace("IMAGE", "public.ecr.aws/example/app:1"))
        r = self.berth("apply", "--auto-approve", "--wait-timeout", "30s")
        self.assertIn("Apply complete", r.stdout)

    def test_wait_timeout_must_be_a_duration(self):
        self.write_spec(NETWORK.replace("IMAGE", "public.ecr.aws/example/app:1"))
        r = self.berth("apply", "--auto-approve", "--wait-timeout", "soon", ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--wait-timeout", r.stderr)
        self.assertEqual(self.live("fail"), [])

    def test_grafana_creation_failed(self):
        self.write_spec("""\
            berth: 1
            stack: fail
            resources:
              grafana:
                type: AWS::Grafana::Workspace
                properties:
                  Name: failing
                  AccountAccessType: CURRENT_ACCOUNT
                  AuthenticationProviders: [AWS_SSO]
                  PermissionType: SERVICE_MANAGED
                  RoleArn: arn:aws:iam::123456789012:role/no-such-role
              independent:
                type: AWS::Logs::LogGroup
                properties: { LogGroupName: independent }
            """)
        r = self.berth("apply", "--auto-approve", ok=1)
        out = r.stdout + r.stderr
        # The resource, what was awaited, the status, and what AWS offers
        # in place of a reason (it gives none): the role.
        self.assertRegex(out, r"grafana \(create AWS::Grafana::Workspace\): Grafana workspace "
                              r"g-[0-9a-f]+ is CREATION_FAILED while berth waited for it to be "
                              r"ACTIVE")
        self.assertIn("AWS gives no reason for this status; the workspace's role is "
                      "arn:aws:iam::123456789012:role/no-such-role", out)
        self.assertIn("Failed (1):", out)
        self.assertEqual([x["id"] for x in self.all_of("log-group")], ["independent"])
        failed = self.workspace_ids("grafana")
        self.assertEqual(len(failed), 1)

        # The failed workspace takes no update: the plan replaces it, and
        # once the role exists the same spec converges in one apply.
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["grafana"]["action"], "replace")
        self.assertEqual(ch["grafana"]["reason"], "the workspace is CREATION_FAILED and cannot "
                         "be updated, only deleted and created again")
        self.aws("iam").create_role(RoleName="no-such-role", AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"grafana.amazonaws.com"},"Action":"sts:AssumeRole"}]}'))
        self.berth("apply", "--auto-approve")
        ids = self.workspace_ids("grafana")
        self.assertEqual(len(ids), 1)
        self.assertNotIn(ids[0], failed)
        self.assertEqual(self.aws("grafana").describe_workspace(workspaceId=ids[0])
                         ["workspace"]["status"], "ACTIVE")
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def test_stack_update_rolled_back(self):
        # An update that fails rolls back to UPDATE_ROLLBACK_COMPLETE: the
        # message names the failed resource and AWS's reason; the stack
        # keeps its previous template, so the next plan updates it again,
        # and it converges once the cause is gone.
        spec = """\
            berth: 1
            stack: fail
            resources:
              app:
                type: AWS::CloudFormation::Stack
                properties:
                  StackName: app
                  TemplateBody:
                    Resources:
                      Group: { Type: AWS::Logs::LogGroup, Properties: { LogGroupName: app } }
            """
        self.write_spec(spec)
        self.berth("apply", "--auto-approve")
        service = """
                      Task:
                        Type: AWS::ECS::TaskDefinition
                        Properties:
                          Family: app
                          ContainerDefinitions:
                            - { Name: app, Image: "public.ecr.aws/x/app:1", Memory: 128 }
                      Service:
                        Type: AWS::ECS::Service
                        Properties: { Cluster: app, TaskDefinition: { Ref: Task }, DesiredCount: 0 }
            """
        self.write_spec(spec.rstrip() + service)
        r = self.berth("apply", "--auto-approve", ok=1)
        out = r.stdout + r.stderr
        self.assertIn("stack app is UPDATE_ROLLBACK_COMPLETE, not UPDATE_COMPLETE", out)
        self.assertIn("Service (AWS::ECS::Service): CREATE_FAILED", out)
        self.assertIn("ClusterNotFoundException", out)
        self.assertIn("Failed (1):", out)
        cfn = self.aws("cloudformation")
        self.assertEqual(cfn.describe_stacks(StackName="app")["Stacks"][0]["StackStatus"],
                         "UPDATE_ROLLBACK_COMPLETE")
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["app"]["action"], "update")
        self.assertEqual(ch["app"]["changed"], ["TemplateBody"])
        self.aws("ecs").create_cluster(clusterName="app")
        self.berth("apply", "--auto-approve")
        self.assertEqual(cfn.describe_stacks(StackName="app")["Stacks"][0]["StackStatus"],
                         "UPDATE_COMPLETE")
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def workspace_ids(self, service):
        return [x["id"] for x in self.emu.resources(stack="fail") if x["service"] == service]

    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def test_amp_creation_failed(self):
        # The emulator has no KMS: a workspace with a customer managed key
        # ends CREATION_FAILED.
        key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        self.spec_text = f"""\
            berth: 1
            stack: fail
            resources:
              amp:
                type: AWS::APS::Workspace
                properties: {{ Alias: failing, KmsKeyArn: "{key}" }}
              independent:
                type: AWS::Logs::LogGroup
                properties: {{ LogGroupName: independent }}
            """
        self.write_spec(self.spec_text)
        r = self.berth("apply", "--auto-approve", ok=1)
        out = r.stdout + r.stderr
        self.assertRegex(out, r"amp \(create AWS::APS::Workspace\): AMP workspace "
                              r"ws-[0-9a-f-]+ is CREATION_FAILED while berth waited for it to be "
                              r"ACTIVE")
        self.assertIn(f"the workspace is encrypted with KMS key {key}", out)
        self.assertIn("Failed (1):", out)
        self.assertEqual([x["id"] for x in self.all_of("log-group")], ["independent"])
        # The next plan replaces it (AWS keeps it CREATION_FAILED for ever).
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["amp"]["action"], "replace")
        self.assertEqual(ch["amp"]["reason"], "the workspace is CREATION_FAILED and cannot be "
                         "updated, only deleted and created again")
        # Without the key, one apply puts an ACTIVE workspace in its place.
        failed = self.workspace_ids("amp")
        self.assertEqual(len(failed), 1)
        self.write_spec(self.spec_text.replace(f', KmsKeyArn: "{key}"', ""))
        self.berth("apply", "--auto-approve")
        ids = self.workspace_ids("amp")
        self.assertEqual(len(ids), 1)
        self.assertNotIn(ids[0], failed)
        self.assertEqual(self.aws("amp").describe_workspace(workspaceId=ids[0])
                         ["workspace"]["status"]["statusCode"], "ACTIVE")
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)


class StackRollbackFailed(EngineCase):
    """A stack update whose rollback fails (UPDATE_ROLLBACK_FAILED): apply
    continues the rollback, then updates; destroy deletes it."""
    # A stack's steps take 0.4-0.5 s here (AWS: 5-30 s): long enough that
    # berth prints the wait for a continued rollback (three steps; a wait
    # is printed after 1 s), short enough for a fast test.
    emulator_options = {"aws_timing": 0.01, "seed": 15,
                        "aws_timing_rows": {"CFN_STEP": (40.0, 50.0)}}
    aws = Failures.aws

    ROLLBACK_SPEC = """\
        berth: 1
        stack: fail
        resources:
          app:
            type: AWS::CloudFormation::Stack
            properties:
              StackName: app
              TemplateBody:
                Resources:
                  Group:
                    Type: AWS::Logs::LogGroup
                    Properties: { LogGroupName: app, RetentionInDays: RETENTION }
        """

    def update_rollback_failed(self):
        """The stack `app` in UPDATE_ROLLBACK_FAILED, as AWS documents it
        happens: a resource deleted outside CloudFormation can neither be
        updated nor rolled back. Returns the failed apply's output."""
        self.write_spec(self.ROLLBACK_SPEC.replace("RETENTION", "7"))
        self.berth("apply", "--auto-approve")
        self.aws("logs").delete_log_group(logGroupName="app")
        self.write_spec(self.ROLLBACK_SPEC.replace("RETENTION", "14"))
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertEqual(self.stack_status("app"), "UPDATE_ROLLBACK_FAILED")
        return r.stdout + r.stderr

    def stack_status(self, name):
        return self.aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0][
            "StackStatus"]

    def test_stack_update_rollback_failed_continued_then_updated(self):
        out = self.update_rollback_failed()
        # The update's failure: the stack's reason, each failed resource
        # with AWS's reason, the first (the cause) first, and the way out.
        self.assertIn("stack app is UPDATE_ROLLBACK_FAILED, not UPDATE_COMPLETE: The following "
                      "resource(s) failed to update: [Group].\n"
                      '  Group (AWS::Logs::LogGroup): UPDATE_FAILED: Resource handler returned '
                      'message: "The specified log group does not exist.', out)
        self.assertIn('Group (AWS::Logs::LogGroup): UPDATE_FAILED while rolling back: Resource '
                      'handler returned message: "The specified log group does not exist.', out)
        self.assertIn("the next apply continues the rollback (ContinueUpdateRollback), then "
                      "updates", out)
        self.assertIn("Failed (1):", out)

        # The plan says what apply will do, though the spec is unchanged.
        reason = ("the stack is UPDATE_ROLLBACK_FAILED (an update failed, and so did its "
                  "rollback): continue the failed rollback (ContinueUpdateRollback), then update")
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["app"]["action"], "update")
        self.assertEqual(ch["app"]["reason"], reason)
        r = self.berth("plan", "--detailed-exitcode", ok=2)
        self.assertIn(f"app (AWS::CloudFormation::Stack) will be updated in place: {reason}",
                      r.stdout)

        # The cause still there: the continued rollback fails again, and
        # berth says why and what is left to the user.
        r = self.berth("apply", "--auto-approve", ok=1)
        out = r.stdout + r.stderr
        self.assertIn("the continued rollback of stack app failed: it is UPDATE_ROLLBACK_FAILED, "
                      "not UPDATE_ROLLBACK_COMPLETE: The following resource(s) failed to "
                      "update: [Group].\n"
                      "  Group (AWS::Logs::LogGroup): UPDATE_FAILED while rolling back: Resource "
                      'handler returned message: "The specified log group does not exist.', out)
        self.assertIn("aws cloudformation continue-update-rollback --stack-name app "
                      "--resources-to-skip Group", out)
        self.assertEqual(self.stack_status("app"), "UPDATE_ROLLBACK_FAILED")

        # Fixed: one apply continues the rollback, then makes the update.
        self.aws("logs").create_log_group(logGroupName="app")
        r = self.berth("apply", "--auto-approve")
        self.assertRegex(r.stdout, r"(?m)^app: waiting for stack app to finish its failed "
                                   r"update's rollback, continued \(UPDATE_ROLLBACK_COMPLETE\)")
        self.assertRegex(r.stdout, r"(?m)^app: waited \d+\.\ds for stack app to finish its "
                                   r"failed update's rollback")
        self.assertEqual(self.stack_status("app"), "UPDATE_COMPLETE")
        self.assertEqual(self.aws("logs").describe_log_groups(logGroupNamePrefix="app")
                         ["logGroups"][0]["retentionInDays"], 14)
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("cloudformation:ContinueUpdateRollback"), 2)
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live("fail"), [])
        self.assertEqual(self.aws("cloudformation").describe_stacks()["Stacks"], [])

    def test_stack_update_rollback_failed_destroyed(self):
        self.update_rollback_failed()
        # DeleteStack is allowed in UPDATE_ROLLBACK_FAILED: destroy needs
        # no rollback first.
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack fail is left", r.stdout + r.stderr)
        self.assertEqual(self.aws("cloudformation").describe_stacks()["Stacks"], [])
        self.assertEqual(self.live("fail"), [])
        self.assertNotIn("cloudformation:ContinueUpdateRollback",
                         self.emu.calls()["by_operation"])


if __name__ == "__main__":
    main()
