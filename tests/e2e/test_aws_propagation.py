"""IAM propagation under the emulator's `--aws-timing` (issue 15): a role
created a moment ago cannot be assumed for a while, and the services that
assume one refuse in their own words: ECS CreateService with a service role
(InvalidParameterException "Unable to assume role and validate the
specified targetGroupArn..."), CloudFormation CreateStack/UpdateStack with
RoleARN (ValidationError "Role arn:... is invalid or cannot be assumed"),
Grafana CreateWorkspace/UpdateWorkspace with a workspace role
(ValidationException), and a Fargate task whose execution role has not
propagated fails to start ("ECS was unable to assume the role ...", in the
service's events) until it has. berth retries those refusals, and only
those, until the role has propagated (as terraform-provider-aws does), so
one apply converges; the emulator's error counters show the refusals were
answered.

SCALE 0.01, with the IAM row of the timing table at 100-150 s (1-1.5 s
here, longer than a Fargate task takes to start) instead of AWS's 5-15 s: at 0.05-0.15 s a role would often have
propagated before berth, which first waits for the new role to be readable,
names it, and the test would show nothing."""
import os

from berthtest import main
from enginetest import EngineCase

SCALE = float(os.environ.get("BERTH_TIMING_SCALE", "0.01"))
SEED = int(os.environ.get("BERTH_TIMING_SEED", "1"))


def trust(service):
    return ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            f'"Principal": {{"Service": "{service}"}}, "Action": "sts:AssumeRole"}}]}}')


ROLES_AND_USERS = f"""\
    berth: 1
    stack: prop
    resources:
      stack-role:
        type: AWS::IAM::Role
        properties:
          RoleName: CFNROLE
          AssumeRolePolicyDocument: '{trust("cloudformation.amazonaws.com")}'
      cfn:
        type: AWS::CloudFormation::Stack
        properties:
          StackName: prop
          RoleARN: "${{stack-role.Arn}}"
          TemplateBody:
            Resources:
              Group:
                Type: AWS::Logs::LogGroup
                Properties: {{ RetentionInDays: RETENTION }}
      service-role:
        type: AWS::IAM::Role
        properties:
          RoleName: prop-ecs
          AssumeRolePolicyDocument: '{trust("ecs.amazonaws.com")}'
          # Made after what the service needs besides it, so that the
          # service is created right after the role.
          Tags:
            - {{ Key: for, Value: "${{bridge-task.TaskDefinitionArn}}" }}
            - {{ Key: cluster, Value: "${{cluster.Arn}}" }}
      execution-role:
        type: AWS::IAM::Role
        properties:
          RoleName: prop-exec
          AssumeRolePolicyDocument: '{trust("ecs-tasks.amazonaws.com")}'
          Tags: [{{ Key: for, Value: "${{sg.GroupId}}" }}]
      vpc:
        type: AWS::EC2::VPC
        properties: {{ CidrBlock: 10.1.0.0/24 }}
      subnet:
        type: AWS::EC2::Subnet
        properties: {{ VpcId: "${{vpc.VpcId}}", CidrBlock: 10.1.0.0/26, AvailabilityZone: us-west-2a }}
      sg:
        type: AWS::EC2::SecurityGroup
        properties: {{ GroupDescription: app, VpcId: "${{vpc.VpcId}}" }}
      cluster:
        type: AWS::ECS::Cluster
        properties: {{ ClusterName: prop }}
      bridge-task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: bridge
          NetworkMode: bridge
          ContainerDefinitions:
            - {{ Name: app, Image: "public.ecr.aws/example/app:1", Memory: 128 }}
      with-role:
        type: AWS::ECS::Service
        properties:
          ServiceName: with-role
          Cluster: "${{cluster}}"
          TaskDefinition: "${{bridge-task.TaskDefinitionArn}}"
          DesiredCount: 0
          LaunchType: EC2
          Role: "${{service-role.Arn}}"
      fargate-task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: fargate
          Cpu: "256"
          Memory: "512"
          NetworkMode: awsvpc
          RequiresCompatibilities: [FARGATE]
          ExecutionRoleArn: "${{execution-role.Arn}}"
          ContainerDefinitions:
            - {{ Name: app, Image: "public.ecr.aws/example/app:1" }}
      fargate:
        type: AWS::ECS::Service
        properties:
          ServiceName: fargate
          Cluster: "${{cluster}}"
          TaskDefinition: "${{fargate-task.TaskDefinitionArn}}"
          DesiredCount: 1
          LaunchType: FARGATE
          NetworkConfiguration:
            AwsvpcConfiguration:
              Subnets: ["${{subnet.SubnetId}}"]
              SecurityGroups: ["${{sg.GroupId}}"]
    """

GRAFANA = f"""\
    berth: 1
    stack: prop
    resources:
      grafana-role:
        type: AWS::IAM::Role
        properties:
          RoleName: ROLE
          AssumeRolePolicyDocument: '{trust("grafana.amazonaws.com")}'
      grafana:
        type: AWS::Grafana::Workspace
        properties:
          Name: prop
          AccountAccessType: CURRENT_ACCOUNT
          AuthenticationProviders: [AWS_SSO]
          PermissionType: CUSTOMER_MANAGED
          RoleArn: "${{grafana-role.Arn}}"
    """


class Propagation(EngineCase):
    emulator_options = {"page_size": 100, "aws_timing": SCALE, "seed": SEED,
                        "aws_timing_rows": {"IAM": (100, 150)}}

    def apply_once(self):
        """One apply that must converge, with the emulator's counters of
        what it answered meanwhile."""
        self.emu.reset()
        r = self.berth("apply", "--auto-approve", ok=False)
        self.assertEqual(r.returncode, 0, f"apply did not converge in one run under "
                         f"--aws-timing {SCALE} (seed {SEED}):\n{r.stdout}\n{r.stderr}")
        return r, self.emu.calls()

    def test_stack_and_services_wait_for_their_roles(self):
        self.write_spec(ROLES_AND_USERS.replace("RETENTION", "7").replace("CFNROLE", "prop-cfn"))
        r, calls = self.apply_once()
        refused = calls["rejected_by_operation"]
        # CloudFormation and ECS refused the roles before they had
        # propagated, and berth asked again until they took them.
        self.assertGreater(refused.get("cloudformation:CreateStack", 0), 0, calls)
        self.assertGreater(refused.get("ecs:CreateService", 0), 0, calls)
        self.assertEqual(calls["by_operation"]["cloudformation:CreateStack"],
                         refused["cloudformation:CreateStack"] + 1)
        self.assertEqual(calls["by_operation"]["ecs:CreateService"],  # two services
                         refused["ecs:CreateService"] + 2)
        # The Fargate service's first tasks could not assume the new
        # execution role (ECS says so in the service's events); the
        # service still became stable once it had propagated.
        service = self.aws("ecs").describe_services(cluster="prop", services=["fargate"])[
            "services"][0]
        events = " ".join(e["message"] for e in service["events"])
        self.assertIn("ECS was unable to assume the role", events)
        self.assertEqual(service["runningCount"], 1)
        stacks = self.aws("cloudformation").describe_stacks(StackName="prop")["Stacks"]
        self.assertEqual(stacks[0]["StackStatus"], "CREATE_COMPLETE")

        # UpdateStack with a role made a moment ago (the stack's role
        # renamed, so replaced): refused until it propagates, retried,
        # converged.
        self.write_spec(ROLES_AND_USERS.replace("RETENTION", "14").replace("CFNROLE",
                                                                           "prop-cfn-2"))
        r, calls = self.apply_once()
        self.assertGreater(calls["rejected_by_operation"].get("cloudformation:UpdateStack", 0),
                           0, calls)
        stacks = self.aws("cloudformation").describe_stacks(StackName="prop")["Stacks"]
        self.assertEqual(stacks[0]["StackStatus"], "UPDATE_COMPLETE")
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live("prop"), [])

    def test_grafana_waits_for_its_role(self):
        self.write_spec(GRAFANA.replace("ROLE", "prop-grafana"))
        r, calls = self.apply_once()
        refused = calls["rejected_by_operation"].get("grafana:CreateWorkspace", 0)
        self.assertGreater(refused, 0, calls)
        self.assertEqual(calls["by_operation"]["grafana:CreateWorkspace"], refused + 1)
        workspaces = self.aws("grafana").list_workspaces()["workspaces"]
        self.assertEqual([w["status"] for w in workspaces], ["ACTIVE"])
        # A new role for the workspace: UpdateWorkspace waits for it too.
        self.write_spec(GRAFANA.replace("ROLE", "prop-grafana-2"))
        r, calls = self.apply_once()
        self.assertGreater(calls["rejected_by_operation"].get("grafana:UpdateWorkspace", 0),
                           0, calls)

    def aws(self, service):
        import botocore.session
        session = botocore.session.get_session()
        return session.create_client(
            service, region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")


if __name__ == "__main__":
    main()
