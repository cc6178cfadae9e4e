"""What berth says when AWS fails over time (issue 15), under the emulator's
`--aws-timing`: a Fargate service whose image cannot be pulled never
becomes stable (the wait times out at --wait-timeout and the message carries
ECS's own events), a Grafana workspace and an AMP workspace that end
CREATION_FAILED (the message names the resource, what was awaited, the
status, and, AWS giving no reason for it, the role or key that causes it);
each is listed as failed while what does not depend on it still finishes,
and the next plan replaces the failed workspace (it takes no update). A
stack update that rolls back says why and is tried again by the next plan.
(Stacks whose create or rollback failed: e2e.stack_failures.)"""
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
        # The next plan makes the update again, saying why the last failed.
        why = ("its last update failed and was rolled back (UPDATE_ROLLBACK_COMPLETE): Service "
               "(AWS::ECS::Service): CREATE_FAILED: Resource handler returned message: ")
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["app"]["action"], "update")
        self.assertEqual(ch["app"]["changed"], ["TemplateBody"])
        self.assertTrue(ch["app"]["reason"].startswith(why), ch["app"]["reason"])
        self.assertIn("ClusterNotFoundException", ch["app"]["reason"])
        self.assertTrue(ch["app"]["reason"].endswith("; this update makes it again"))
        self.aws("ecs").create_cluster(clusterName="app")
        r = self.berth("apply", "--auto-approve")
        self.assertIn("app (AWS::CloudFormation::Stack) will be updated in place: " + why,
                      r.stdout)
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


if __name__ == "__main__":
    main()
