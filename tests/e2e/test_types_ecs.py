"""The ECS, load balancing, Cloud Map and IAM types against the emulator:
the workshop's chapter 1 (cluster with Container Insights, a private
namespace, three Fargate services from modules/fargate-service.yaml, the
frontend behind its ALB, all registered in Cloud Map) through
apply -> no-change plan (and what it costs, per type) -> a new image (a new
task definition revision, create before destroy, the service updated in
place, the old revision deregistered after the service moved) -> Container
Insights off (in place) -> destroy (nothing of the stack left, the Container
Insights log group gone, the service-linked role kept); and IAM policy
documents given as YAML maps and as strings, with no diff."""
import json
import os

# Short emulator delays (deployments, load balancer provisioning, Cloud Map
# operations) keep the test quick while berth still has to wait.
os.environ.setdefault("BERTH_EMU_DELAY", "0.3")

import botocore.session  # noqa: E402  (the emulator's own dependency)

from berthtest import SOURCE_DIR, main  # noqa: E402
from enginetest import EngineCase  # noqa: E402

MODULES = os.path.join(SOURCE_DIR, "modules")

SPEC = """\
    berth: 1
    stack: ecs
    variables:
      frontend_image: { type: string, default: "public.ecr.aws/aws-containers/ecsdemo-frontend:v1" }
      insights: { type: string, default: enabled }
    modules:
      net:
        source: MODULES/vpc.yaml
        inputs: { cidr: 10.0.0.0/24, azs: 3, nat_gateways: 1 }
      frontend:
        source: MODULES/fargate-service.yaml
        inputs:
          name: ecsdemo-frontend
          cluster: "${cluster}"
          image: "${var.frontend_image}"
          container_name: web
          vpc_id: "${module.net.vpc_id}"
          subnets: "${module.net.private_subnet_ids}"
          namespace_id: "${namespace.Id}"
          stream_prefix: FrontendFargateLBService
          with_alb: 1
          alb_subnets: "${module.net.public_subnet_ids}"
          environment:
            - { Name: CRYSTAL_URL, Value: "http://ecsdemo-crystal.service.local:3000/crystal" }
            - { Name: NODEJS_URL, Value: "http://ecsdemo-nodejs.service.local:3000" }
            - { Name: REGION, Value: "${region}" }
      nodejs:
        source: MODULES/fargate-service.yaml
        inputs:
          name: ecsdemo-nodejs
          cluster: "${cluster}"
          image: public.ecr.aws/aws-containers/ecsdemo-nodejs:v1
          container_name: nodejs-app
          vpc_id: "${module.net.vpc_id}"
          subnets: "${module.net.private_subnet_ids}"
          namespace_id: "${namespace.Id}"
          stream_prefix: /nodejs-container
          environment: [{ Name: REGION, Value: "${region}" }]
          ingress: [{ IpProtocol: tcp, FromPort: 3000, ToPort: 3000, CidrIp: 10.0.0.0/24 }]
      crystal:
        source: MODULES/fargate-service.yaml
        inputs:
          name: ecsdemo-crystal
          cluster: "${cluster}"
          image: public.ecr.aws/aws-containers/ecsdemo-crystal:v1
          container_name: crystal-app
          vpc_id: "${module.net.vpc_id}"
          subnets: "${module.net.private_subnet_ids}"
          namespace_id: "${namespace.Id}"
          stream_prefix: /crystal-container
          environment: [{ Name: REGION, Value: "${region}" }]
          ingress: [{ IpProtocol: tcp, FromPort: 3000, ToPort: 3000, CidrIp: 10.0.0.0/24 }]
    resources:
      ecs-role:
        type: AWS::IAM::ServiceLinkedRole
        properties:
          AWSServiceName: ecs.amazonaws.com
      cluster:
        type: AWS::ECS::Cluster
        depends_on: [ecs-role]
        properties:
          ClusterName: container-demo
          ClusterSettings: [{ Name: containerInsights, Value: "${var.insights}" }]
      namespace:
        type: AWS::ServiceDiscovery::PrivateDnsNamespace
        properties:
          Name: service.local
          Vpc: "${module.net.vpc_id}"
      extra-policy:
        type: AWS::IAM::Policy
        properties:
          PolicyName: extra
          Roles: ["${module.frontend.task_role}"]
          PolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}]}'
    outputs:
      alb_url: { value: "${module.frontend.url}" }
      nodejs_alb: { value: "${module.nodejs.alb_dns}" }
      frontend: { value: "${module.frontend.service_name}" }
    """.replace("MODULES", MODULES)

# What a no-change plan may cost for the types of this file: a batched read
# per type through the tagging API, plus what the APIs offer no batch for
# (one DescribeTaskDefinition per revision, one GetService per Cloud Map
# service, one GetNamespace; IAM roles are not in the tagging API, so every
# role of the account costs a ListRoleTags, and inline/attached policies a
# call or two per role that sets them).
PLAN_BUDGET = {
    "ecs:DescribeClusters": 1, "ecs:DescribeServices": 1, "ecs:DescribeTaskDefinition": 3,
    "elbv2:DescribeLoadBalancers": 1, "elbv2:DescribeTargetGroups": 1,
    "elbv2:DescribeListeners": 1,
    "servicediscovery:GetNamespace": 1, "servicediscovery:GetService": 3,
    "iam:ListRoles": 2, "iam:ListRoleTags": 6, "iam:ListRolePolicies": 6,
    "iam:ListAttachedRolePolicies": 6, "iam:GetRolePolicy": 4,
}


class EcsCase(EngineCase):
    emulator_options = {"page_size": 100}

    def client(self, service):
        session = botocore.session.get_session()
        return session.create_client(
            service, region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")

    def of_type(self, type_, stack="ecs"):
        return [r for r in self.emu.resources(stack=stack) if r["type"] == type_]

    def assert_no_changes(self):
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def service(self, name):
        ecs = self.client("ecs")
        try:
            got = ecs.describe_services(cluster="container-demo", services=[name])["services"]
        finally:
            ecs.close()
        self.assertEqual(len(got), 1, got)
        return got[0]


class WorkshopLifecycle(EcsCase):
    def test_apply_plan_new_image_insights_destroy(self):
        self.write_spec(SPEC)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete", r.stdout)
        self.assertIn("alb_url = \"http://ecs-module-frontend-alb-0-", r.stdout)
        self.assertIn("nodejs_alb = \"\"", r.stdout)

        # What exists: the cluster with insights on, three services running
        # their task definitions, each registered in Cloud Map.
        self.assertEqual(len(self.of_type("cluster")), 1)
        self.assertEqual(len(self.of_type("service")), 3 + 3)  # ECS + Cloud Map
        self.assertEqual(len(self.of_type("task-definition")), 3)
        for name in ("ecsdemo-frontend", "ecsdemo-nodejs", "ecsdemo-crystal"):
            svc = self.service(name)
            self.assertEqual(svc["status"], "ACTIVE")
            self.assertEqual(svc["runningCount"], 1)
            self.assertEqual(len(svc["serviceRegistries"]), 1)
        fe = self.service("ecsdemo-frontend")
        self.assertEqual(len(fe["loadBalancers"]), 1)
        self.assertEqual(fe["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
                         "DISABLED")
        ecs = self.client("ecs")
        cl = ecs.describe_clusters(clusters=["container-demo"], include=["SETTINGS"])
        self.assertIn({"name": "containerInsights", "value": "enabled"},
                      cl["clusters"][0]["settings"])
        old_td = fe["taskDefinition"]
        td = ecs.describe_task_definition(taskDefinition=old_td)["taskDefinition"]
        ct = td["containerDefinitions"][0]
        self.assertEqual(ct["name"], "web")
        self.assertEqual(ct["memoryReservation"], 128)
        self.assertEqual(ct["logConfiguration"]["options"]["awslogs-stream-prefix"],
                         "FrontendFargateLBService")
        ecs.close()
        # The task role has its own inline policy and the AWS::IAM::Policy's.
        iam = self.client("iam")
        roles = [r for r in self.emu.resources(stack="ecs") if r["type"] == "role"]
        self.assertEqual(len(roles), 6)
        fe_task = [r["id"] for r in roles if "frontend-task-role" in r["id"]][0]
        self.assertEqual(sorted(iam.list_role_policies(RoleName=fe_task)["PolicyNames"]),
                         ["extra", "task"])
        iam.close()

        # No perpetual diff; a no-change plan costs a batched read per type.
        self.emu.reset()
        self.assert_no_changes()
        calls = self.emu.calls()["by_operation"]
        for op, budget in PLAN_BUDGET.items():
            self.assertLessEqual(calls.get(op, 0), budget, f"{op}: {calls}")
        for op in ("ecs:DescribeServices", "ecs:DescribeClusters",
                   "elbv2:DescribeLoadBalancers", "elbv2:DescribeTargetGroups"):
            self.assertEqual(calls.get(op, 0), 1, f"{op}: {calls}")

        # A new image: a new task definition revision is registered before
        # the old one goes, and the service is updated in place.
        spec = SPEC.replace("ecsdemo-frontend:v1", "ecsdemo-frontend:v2")
        self.write_spec(spec)
        plan = self.plan_json(code=0)
        ch = self.changes(plan)
        self.assertEqual(sorted(ch), ["module.frontend.service-alb[0]", "module.frontend.task"], ch)
        task = ch["module.frontend.task"]
        self.assertEqual(task["action"], "replace")
        self.assertTrue(task["create_before_destroy"])
        self.assertIn("ContainerDefinitions", task["replace_paths"])
        svc = ch["module.frontend.service-alb[0]"]
        self.assertEqual(svc["action"], "update")
        self.assertEqual(svc["changed"], ["TaskDefinition"])
        self.assertIn("TaskDefinition", svc["unknown"])

        r = self.berth("apply", "--auto-approve")
        self.assertIn("Resources: 1 added,", r.stdout)
        self.assertIn(" 1 destroyed.", r.stdout)
        fe = self.service("ecsdemo-frontend")
        self.assertNotEqual(fe["taskDefinition"], old_td)
        self.assertTrue(fe["taskDefinition"].endswith(":2"), fe["taskDefinition"])
        self.assertEqual(len(fe["deployments"]), 1)
        ecs = self.client("ecs")
        # The old revision was deregistered and deleted: DELETE_IN_PROGRESS
        # while its tasks drain, then gone.
        try:
            status = ecs.describe_task_definition(taskDefinition=old_td)["taskDefinition"]["status"]
        except ecs.exceptions.ClientException:
            status = "gone"
        self.assertIn(status, ("DELETE_IN_PROGRESS", "gone"))
        new = ecs.describe_task_definition(taskDefinition=fe["taskDefinition"])["taskDefinition"]
        self.assertEqual(new["containerDefinitions"][0]["image"],
                         "public.ecr.aws/aws-containers/ecsdemo-frontend:v2")
        ecs.close()
        # The old revision went after the service had moved: the log says
        # the service update finished before the deregistration started.
        log = self.emu.log()
        self.assertLess(log.rfind("UpdateService"), log.rfind("DeregisterTaskDefinition"))
        self.assert_no_changes()

        # Container Insights off: in place.
        self.write_spec(spec.replace("default: enabled", "default: disabled"))
        plan = self.plan_json(code=0)
        ch = self.changes(plan)
        self.assertEqual(list(ch), ["cluster"])
        self.assertEqual(ch["cluster"]["action"], "update")
        self.berth("apply", "--auto-approve")
        ecs = self.client("ecs")
        cl = ecs.describe_clusters(clusters=["container-demo"], include=["SETTINGS"])
        self.assertIn({"name": "containerInsights", "value": "disabled"},
                      cl["clusters"][0]["settings"])
        ecs.close()
        self.assert_no_changes()
        # Container Insights made its log group while the tasks ran.
        groups = [g["id"] for g in self.all_of("log-group")]
        self.assertIn("/aws/ecs/containerinsights/container-demo/performance", groups)

        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack ecs is left.", r.stdout)
        self.assertIn("left in AWS (retain: true), no longer tagged for the stack: ecs-role", r.stdout)
        self.assertEqual(self.emu.resources(stack="ecs"), [])
        groups = [g["id"] for g in self.all_of("log-group")]
        self.assertNotIn("/aws/ecs/containerinsights/container-demo/performance", groups)
        # The service-linked role stays: the account needs it.
        self.assertIn("AWSServiceRoleForECS", [r["id"] for r in self.all_of("role")])
        for type_ in ("loadbalancer", "targetgroup", "listener", "namespace"):
            self.assertEqual(self.all_of(type_), [], type_)
        # A deleted cluster stays describable as INACTIVE for a while, as in
        # AWS; its services likewise.
        ecs = self.client("ecs")
        cl = ecs.describe_clusters(clusters=["container-demo"])["clusters"]
        self.assertEqual([c["status"] for c in cl], ["INACTIVE"])
        ecs.close()


TASKDEF_SPEC = """\
    berth: 1
    stack: tdefs
    resources:
      logs:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: tdefs-logs }
      task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: tdefs-web
          ContainerDefinitions:
            - { Name: web, Image: "public.ecr.aws/nginx/nginx:IMAGE", Memory: 128 }
"""


class TaskDefinitionsDeleted(EcsCase):
    """Destroy leaves no revision of the stack in any status: each is
    deregistered and then deleted (DeleteTaskDefinitions), and the sweep
    counts a revision still tagged with the stack as left unless it is
    DELETE_IN_PROGRESS or gone."""

    def revisions(self):
        return sorted(r["id"] for r in self.all_of("task-definition"))

    def test_replace_and_destroy_leave_no_revision(self):
        self.write_spec(TASKDEF_SPEC.replace("IMAGE", "1.25"))
        self.berth("apply", "--auto-approve")
        self.write_spec(TASKDEF_SPEC.replace("IMAGE", "1.27"))
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.", r.stdout)
        # The replaced revision went with its replacement's apply.
        self.assertEqual(self.revisions(), ["tdefs-web:2"])
        self.assert_no_changes()
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack tdefs is left.", r.stdout)
        # Not even INACTIVE or DELETE_IN_PROGRESS: the emulator's listing
        # includes deleted resources AWS still describes.
        self.assertEqual(self.revisions(), [])
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("ecs:DeleteTaskDefinitions"), 2, calls)

    def leftover(self):
        """A revision tagged with the stack that someone only deregistered
        (an earlier berth did so on every removal): the refresh skips it
        (it is not usable), yet it stays in AWS with its tags."""
        ecs = self.client("ecs")
        try:
            td = ecs.register_task_definition(
                family="tdefs-old", containerDefinitions=[
                    {"name": "web", "image": "public.ecr.aws/nginx/nginx:1.25", "memory": 128}],
                tags=[{"key": "berth:stack", "value": "tdefs"},
                      {"key": "berth:id", "value": "old-task"}])["taskDefinition"]
            ecs.deregister_task_definition(taskDefinition=td["taskDefinitionArn"])
        finally:
            ecs.close()
        return td["taskDefinitionArn"]

    def test_inactive_revision_left_is_reported_then_deleted(self):
        self.write_spec(TASKDEF_SPEC.split("      task:")[0])
        self.berth("apply", "--auto-approve")
        arn = self.leftover()
        self.assert_no_changes()
        # ECS refuses the deletion (every attempt a 500): destroy must not
        # say that nothing is left.
        self.emu.set_faults(error_next=100, operations=["ecs:DeleteTaskDefinitions"])
        env = dict(self.env, AWS_MAX_ATTEMPTS="2")
        r = self.berth("destroy", "--auto-approve", ok=False, env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn("Nothing of stack tdefs is left", r.stdout)
        out = r.stdout + r.stderr
        self.assertIn(arn, out)
        self.assertIn("INACTIVE", out)
        self.assertEqual(self.revisions(), ["tdefs-old:1"])
        # Once ECS accepts it, destroy deletes the leftover and is done.
        self.emu.set_faults(error_next=0, operations=None)
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack tdefs is left.", r.stdout)
        self.assertEqual(self.revisions(), [])


class CrashMidApply(EcsCase):
    """kill -9 right after each slow or asynchronous create has been sent:
    the next apply adopts what the killed one made (found by tags, names
    or the family's latest revision) instead of making a second one."""

    def test_kill_after_each_slow_create(self):
        import subprocess
        from berthtest import BERTH
        self.write_spec(SPEC)
        for op in ("servicediscovery:CreatePrivateDnsNamespace", "elbv2:CreateLoadBalancer",
                   "ecs:RegisterTaskDefinition", "ecs:CreateService"):
            with self.subTest(op=op):
                self.emu.reset()
                proc = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=self.dir,
                                        env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
                reached = self.emu.wait_until(
                    lambda: self.emu.calls()["by_operation"].get(op, 0) >= 1 or
                    proc.poll() is not None, timeout=120, interval=0.002)
                self.assertTrue(reached)
                proc.kill()
                proc.communicate()
                r = self.berth("apply", "--auto-approve")
                # (When the kill came after the last call, nothing is left to do.)
                self.assertRegex(r.stdout, "Apply complete|No changes")
                self.assert_no_changes()
                self.assertEqual(len(self.of_type("namespace")), 1)
                self.assertEqual(len(self.of_type("loadbalancer")), 1)
                self.assertEqual(len(self.of_type("task-definition")), 3)
                self.assertEqual(len(self.of_type("service")), 3 + 3)
                self.assertEqual(len(self.all_of("namespace")), 1)
                self.assertEqual(len(self.all_of("loadbalancer")), 1)
                self.berth("destroy", "--auto-approve")
                self.assertEqual(self.emu.resources(stack="ecs"), [])


FAILING_SPEC = """\
    berth: 1
    stack: failing
    variables:
      subnet: { type: string }
      group: { type: string }
    resources:
      cluster:
        type: AWS::ECS::Cluster
      exec:
        type: AWS::IAM::Role
        properties:
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: "sts:AssumeRole" }]
          ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
      task:
        type: AWS::ECS::TaskDefinition
        properties:
          Cpu: 256
          Memory: 512
          NetworkMode: awsvpc
          RequiresCompatibilities: [FARGATE]
          ExecutionRoleArn: "${exec.Arn}"
          ContainerDefinitions:
            - Name: app
              Image: "nginx:1"
              LogConfiguration:
                LogDriver: awslogs
                Options: { awslogs-group: /no/such/group, awslogs-region: us-west-2, awslogs-stream-prefix: app }
      service:
        type: AWS::ECS::Service
        properties:
          Cluster: "${cluster}"
          TaskDefinition: "${task}"
          DesiredCount: 1
          LaunchType: FARGATE
          DeploymentConfiguration:
            DeploymentCircuitBreaker: { Enable: true, Rollback: false }
          NetworkConfiguration:
            AwsvpcConfiguration: { Subnets: ["${var.subnet}"], SecurityGroups: ["${var.group}"] }
    """


IAM_SPEC = """\
    berth: 1
    stack: iam
    resources:
      as-map:
        type: AWS::IAM::Role
        properties:
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Principal: { Service: ecs-tasks.amazonaws.com }
                Action: "sts:AssumeRole"
          Policies:
            - PolicyName: subnets
              PolicyDocument:
                Version: "2012-10-17"
                Statement: [{ Effect: Allow, Action: "ec2:DescribeSubnets", Resource: "*" }]
          ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
          Description: DESCRIPTION
          Tags: [{ Key: team, Value: a }]
      as-string:
        type: AWS::IAM::Role
        properties:
          RoleName: iam-fixed-name
          Path: /workshop/
          AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
          Policies:
            - PolicyName: subnets
              PolicyDocument: |
                {
                  "Statement": [{"Resource": "*", "Action": "ec2:DescribeSubnets", "Effect": "Allow"}],
                  "Version": "2012-10-17"
                }
      policy:
        type: AWS::IAM::Policy
        properties:
          PolicyName: shared
          Roles: ["${as-map}", "${as-string}"]
          PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "logs:*", Resource: "*" }] }
    """


class FailedDeployment(EcsCase):
    def test_failed_rollout_is_an_error_with_ecs_events(self):
        # The network through the EC2 API directly: this test is about ECS.
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/24")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/26",
                                   AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="tasks", Description="tasks",
                                          VpcId=vpc)["GroupId"]
        ec2.close()
        self.write_spec(FAILING_SPEC)
        r = self.berth("apply", "--auto-approve", "--var", f"subnet={subnet}",
                       "--var", f"group={group}", ok=1)
        out = r.stdout + r.stderr
        self.assertIn("the service's deployment failed", out)
        self.assertIn("circuit breaker", out)
        # The service exists (it is the stack's) and the next plan says the
        # spec matches; destroy removes it.
        self.berth("destroy", "--auto-approve", "--var", f"subnet={subnet}",
                   "--var", f"group={group}")
        self.assertEqual(self.emu.resources(stack="failing"), [])


class NamespaceUpdate(EcsCase):
    def test_description_and_soa_ttl_change_in_place(self):
        """UpdatePrivateDnsNamespace: berth's models once lacked it, so the
        plan promised an update that apply failed with "unknown operation"
        (tools/check_ops.py now checks every operation the code names)."""
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.3.0.0/24")["Vpc"]["VpcId"]
        ec2.close()
        spec = """\
            berth: 1
            stack: ns
            variables:
              vpc: { type: string }
            resources:
              namespace:
                type: AWS::ServiceDiscovery::PrivateDnsNamespace
                properties:
                  Name: updated.local
                  Vpc: "${var.vpc}"
                  Description: DESCRIPTION
                  Properties: { DnsProperties: { SOA: { TTL: SECONDS } } }
            """
        var = ("--var", f"vpc={vpc}")
        self.write_spec(spec.replace("DESCRIPTION", "first").replace("SECONDS", "60"))
        self.berth("apply", "--auto-approve", *var)
        first = self.all_of("namespace")
        self.write_spec(spec.replace("DESCRIPTION", "second").replace("SECONDS", "120"))
        r = self.berth("plan", *var)
        self.assertIn("will be updated in place", r.stdout)
        self.berth("apply", "--auto-approve", *var)
        sd = self.client("servicediscovery")
        try:
            got = sd.get_namespace(Id=first[0]["id"])["Namespace"]
        finally:
            sd.close()
        self.assertEqual(got["Description"], "second")
        self.assertEqual(got["Properties"]["DnsProperties"]["SOA"]["TTL"], 120)
        self.assertEqual([n["id"] for n in self.all_of("namespace")],
                         [n["id"] for n in first])
        r = self.berth("plan", "--detailed-exitcode", *var)
        self.assertIn("No changes", r.stdout)
        self.berth("destroy", "--auto-approve", *var)


class SomeoneElses(EcsCase):
    def test_namespace_of_the_same_name_in_the_vpc_is_not_adopted(self):
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.2.0.0/24")["Vpc"]["VpcId"]
        ec2.close()
        sd = self.client("servicediscovery")
        sd.create_private_dns_namespace(Name="service.local", Vpc=vpc)
        sd.close()
        self.write_spec("""\
            berth: 1
            stack: theirs
            variables:
              vpc: { type: string }
            resources:
              namespace:
                type: AWS::ServiceDiscovery::PrivateDnsNamespace
                properties: { Name: service.local, Vpc: "${var.vpc}" }
            """)
        r = self.berth("apply", "--auto-approve", "--var", f"vpc={vpc}", ok=1)
        self.assertIn("Cloud Map namespace service.local already exists and is not this "
                      "resource's", r.stdout + r.stderr)
        self.assertEqual(len(self.all_of("namespace")), 1)


class IamDocuments(EcsCase):
    def test_maps_and_strings_compare_as_documents(self):
        self.write_spec(IAM_SPEC.replace("DESCRIPTION", "first"))
        self.berth("apply", "--auto-approve")
        self.assert_no_changes()
        iam = self.client("iam")
        role = iam.get_role(RoleName="iam-fixed-name")["Role"]
        self.assertEqual(role["Path"], "/workshop/")
        self.assertEqual(sorted(iam.list_role_policies(RoleName="iam-fixed-name")["PolicyNames"]),
                         ["shared", "subnets"])

        # In place: description, a policy document, a managed policy less.
        spec = IAM_SPEC.replace("DESCRIPTION", "second").replace(
            '"ec2:DescribeSubnets", Resource', '["ec2:DescribeSubnets", "ec2:DescribeVpcs"], Resource')
        spec = spec.replace("          ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/"
                            "AmazonECSTaskExecutionRolePolicy]\n", "")
        self.write_spec(spec)
        ch = self.changes(self.plan_json(code=0))
        self.assertEqual(list(ch), ["as-map"])
        self.assertEqual(ch["as-map"]["action"], "update")
        self.assertEqual(sorted(ch["as-map"]["changed"]),
                         ["Description", "ManagedPolicyArns", "Policies"])
        self.berth("apply", "--auto-approve")
        self.assert_no_changes()
        name = [r["id"] for r in self.of_type("role", "iam") if r["id"] != "iam-fixed-name"][0]
        self.assertEqual(iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"], [])
        doc = iam.get_role_policy(RoleName=name, PolicyName="subnets")["PolicyDocument"]
        self.assertEqual(doc["Statement"][0]["Action"], ["ec2:DescribeSubnets", "ec2:DescribeVpcs"])
        # The shared policy survived the role's Policies update.
        self.assertIn("shared", iam.list_role_policies(RoleName=name)["PolicyNames"])

        # The policy removed from the spec comes off both roles.
        self.write_spec(spec.split("      policy:\n")[0])
        ch = self.changes(self.plan_json(code=0))
        self.assertEqual(list(ch), ["policy"])
        self.assertEqual(ch["policy"]["action"], "delete")
        self.berth("apply", "--auto-approve")
        self.assertEqual(iam.list_role_policies(RoleName="iam-fixed-name")["PolicyNames"],
                         ["subnets"])
        self.assert_no_changes()

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.emu.resources(stack="iam"), [])
        self.assertEqual([r for r in self.all_of("role") if not r["id"].startswith("AWSServiceRole")],
                         [])
        iam.close()

    def test_found_without_state_and_destroyed_without_spec(self):
        self.write_spec(IAM_SPEC.replace("DESCRIPTION", "first"))
        self.berth("apply", "--auto-approve")
        # Roles are found by their tags and the policy through its roles'
        # marks, so a lost state cache changes nothing.
        import shutil
        shutil.rmtree(os.path.join(self.dir, ".berth"))
        self.assert_no_changes()
        os.remove(os.path.join(self.dir, "berth.yaml"))
        r = self.berth("destroy", "--stack", "iam", "--auto-approve")
        self.assertIn("Nothing of stack iam is left.", r.stdout)
        self.assertEqual([r["id"] for r in self.all_of("role")
                          if not r["id"].startswith("AWSServiceRole")], [])

    def test_destroy_takes_the_role_out_of_an_instance_profile(self):
        # An EC2 host's instance profile made by hand holds a role of the
        # stack: IAM refuses DeleteRole (DeleteConflict) until the role is
        # out of it. The profile is not the stack's: it stays, empty.
        self.write_spec(IAM_SPEC.replace("DESCRIPTION", "first"))
        self.berth("apply", "--auto-approve")
        iam = self.client("iam")
        iam.create_instance_profile(InstanceProfileName="host")
        iam.add_role_to_instance_profile(InstanceProfileName="host", RoleName="iam-fixed-name")
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.emu.resources(stack="iam"), [])
        self.assertEqual([r["id"] for r in self.all_of("role")
                          if not r["id"].startswith("AWSServiceRole")], [])
        profile = iam.get_instance_profile(InstanceProfileName="host")["InstanceProfile"]
        self.assertEqual(profile["Roles"], [])
        iam.close()

    def test_fargate_sizes_are_checked(self):
        self.write_spec("""\
            berth: 1
            stack: sizes
            resources:
              task:
                type: AWS::ECS::TaskDefinition
                properties:
                  Cpu: "256"
                  Memory: "4096"
                  NetworkMode: awsvpc
                  RequiresCompatibilities: [FARGATE]
                  ContainerDefinitions: [{ Name: app, Image: "nginx:1" }]
            """)
        # Refused by validate (and so plan), at Memory, before anything is made.
        for cmd in ("validate", "plan"):
            r = self.berth(cmd, ok=1)
            self.assertRegex(r.stdout + r.stderr,
                             r":8:16: error: AWS::ECS::TaskDefinition: Fargate does not run Cpu 256 "
                             r"with Memory 4096")
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn("Fargate does not run Cpu 256 with Memory 4096", r.stdout + r.stderr)
        self.assertIn("512, 1024 or 2048", r.stdout + r.stderr)
        self.assertEqual(self.all_of("task-definition"), [])


class DaemonOnEc2(EcsCase):
    """The CloudWatch agent's shape: a DAEMON service of the EC2 launch type
    with bridge networking — no awsvpc, no load balancer, no desired count."""

    SPEC = """\
        berth: 1
        stack: daemon
        resources:
          cluster:
            type: AWS::ECS::Cluster
            properties: { ClusterName: daemon-demo }
          agent-task:
            type: AWS::ECS::TaskDefinition
            properties:
              Family: ecs-cwagent-daemon-service
              NetworkMode: bridge
              RequiresCompatibilities: [EC2]
              ContainerDefinitions:
                - Name: cloudwatch-agent
                  Image: public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300066.1b1374
                  Memory: 256
                  Cpu: 128
          agent:
            type: AWS::ECS::Service
            properties:
              ServiceName: cwagent-daemon-service
              Cluster: "${cluster}"
              TaskDefinition: "${agent-task.TaskDefinitionArn}"
              LaunchType: EC2
              SchedulingStrategy: DAEMON
        """

    def test_daemon_service_lifecycle(self):
        self.write_spec(self.SPEC)
        self.berth("apply", "--auto-approve")
        ecs = self.client("ecs")
        try:
            got = ecs.describe_services(cluster="daemon-demo",
                                        services=["cwagent-daemon-service"])["services"]
        finally:
            ecs.close()
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["schedulingStrategy"], "DAEMON")
        self.assertEqual(got[0]["launchType"], "EC2")
        self.assertEqual(got[0]["status"], "ACTIVE")
        # No perpetual diff from what ECS fills in for a daemon (no desired
        # count in the spec, deployment configuration defaults).
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.emu.resources(stack="daemon"), [])

if __name__ == "__main__":
    main()
