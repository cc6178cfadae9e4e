"""The EC2 networking types against the emulator: modules/vpc.yaml (3 AZs,
1 NAT gateway) plus security groups with inline rules that reference each
other, a standalone ingress rule and an instance, through apply -> no-change
plan (and what it costs) -> in-place updates -> a create-only change ->
destroy; a kill -9 right after CreateVpc; and a subnet held by a network
interface berth does not own (DependencyViolation: wait, retry, name it)."""
import json
import os
import subprocess
import time

# The emulator reads its state-transition delays from its environment (NAT
# gateways pending -> available, instances pending -> running, ...): short
# ones keep the test quick while still making berth wait.
os.environ.setdefault("BERTH_EMU_DELAY", "0.3")

import botocore.session  # noqa: E402  (the emulator's own dependency)

from berthtest import BERTH, SOURCE_DIR, main  # noqa: E402
from enginetest import EngineCase  # noqa: E402

MODULE = os.path.join(SOURCE_DIR, "modules", "vpc.yaml")

SPEC = """\
    berth: 1
    stack: net
    variables:
      map_public: { type: bool, default: true }
      web_port: { type: number, default: 80 }
      host_name: { type: string, default: loadtest }
      private_netnums: { type: list, default: [[], [1], [2, 3], [3, 4, 5]] }
    modules:
      net:
        source: MODULE
        inputs:
          cidr: 10.0.0.0/24
          azs: 3
          nat_gateways: 1
          map_public_ip_on_launch: ${var.map_public}
          private_netnums_by_azs: ${var.private_netnums}
    resources:
      frontend-sg:
        type: AWS::EC2::SecurityGroup
        properties:
          GroupDescription: frontend
          VpcId: ${module.net.vpc_id}
          SecurityGroupIngress:
            - { IpProtocol: tcp, FromPort: "${var.web_port}", ToPort: "${var.web_port}", CidrIp: 0.0.0.0/0 }
      backend-sg:
        type: AWS::EC2::SecurityGroup
        properties:
          GroupDescription: FrontendToBackend
          VpcId: ${module.net.vpc_id}
          SecurityGroupIngress:
            - IpProtocol: "6"
              FromPort: 3000
              ToPort: 3000
              SourceSecurityGroupId: ${frontend-sg.GroupId}
              Description: from the frontend
          SecurityGroupEgress:
            - { IpProtocol: "-1", CidrIp: 0.0.0.0/0 }
            - { IpProtocol: icmp, FromPort: -1, ToPort: -1, CidrIp: 10.0.0.0/8 }
      backend-self:
        type: AWS::EC2::SecurityGroupIngress
        properties:
          GroupId: ${backend-sg.GroupId}
          IpProtocol: tcp
          FromPort: 3000
          ToPort: 3000
          SourceSecurityGroupId: ${backend-sg.GroupId}
      loadtest:
        type: AWS::EC2::Instance
        properties:
          ImageId: ami-0123456789abcdef0
          InstanceType: t3.medium
          SubnetId: ${module.net.private_subnet_ids[0]}
          SecurityGroupIds: ["${backend-sg.GroupId}"]
          IamInstanceProfile: loadtest-profile
          UserData: |
            #!/bin/bash
            yum install -y siege
          Tags: [{ Key: Name, Value: "${var.host_name}" }]
    outputs:
      vpc_id: { value: "${module.net.vpc_id}" }
      private_subnet_ids: { value: "${module.net.private_subnet_ids}" }
    """.replace("MODULE", MODULE)

# What a no-change plan of this stack may cost: one batched read per type
# (route tables are read for tables, routes and associations; the VPC adds
# its default group and ACL), the DNS attributes the spec sets (one call
# each per VPC) and the instance's user data: no read per subnet, route or
# rule.
PLAN_BUDGET = {
    "ec2:DescribeVpcs": 1, "ec2:DescribeSecurityGroups": 2, "ec2:DescribeNetworkAcls": 1,
    "ec2:DescribeVpcAttribute": 2, "ec2:DescribeSubnets": 1,
    "ec2:DescribeInternetGateways": 2, "ec2:DescribeRouteTables": 3,
    "ec2:DescribeAddresses": 1, "ec2:DescribeNatGateways": 1,
    "ec2:DescribeSecurityGroupRules": 2, "ec2:DescribeInstances": 1,
    "ec2:DescribeInstanceAttribute": 1, "ec2:DescribeAvailabilityZones": 1,
    "sts:GetCallerIdentity": 1,
    # The engine asks once which types the stack has instances of.
    "resourcegroupstaggingapi:GetResources": 1,
}


class Ec2Case(EngineCase):
    # AWS's own page sizes, so call counts are the ones an account sees.
    emulator_options = {"page_size": 100}

    def ec2(self):
        session = botocore.session.get_session()
        return session.create_client(
            "ec2", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")

    def create_instance_profile(self, name):
        """The instance profile the load-test host uses (its IAM types are
        another file's; here it exists beforehand, as an input)."""
        iam = botocore.session.get_session().create_client(
            "iam", region_name="us-east-1", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)

    def of_type(self, type_, stack="net"):
        return [r for r in self.emu.resources(stack=stack) if r["type"] == type_]

    @staticmethod
    def tag_of(address):
        """berth:id's value for an address (rt_tag_encode: bytes outside
        AWS's tag charset as =XX)."""
        ok = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/+-@")
        return "".join(ch if ch in ok else "=%02X" % ord(ch) for ch in address)

    def tagged(self, type_, address, stack="net"):
        tag = self.tag_of(address)
        found = [r for r in self.of_type(type_, stack) if r["tags"].get("berth:id") == tag]
        self.assertEqual(len(found), 1, f"{type_} {address}: {found}")
        return found[0]

    def assert_no_changes(self):
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def assert_nothing_left(self, stack="net"):
        self.assertEqual(self.emu.resources(stack=stack), [])
        # Nothing untagged of ours either: AWS's own VPC parts go with it.
        for type_ in ("vpc", "subnet", "elastic-ip", "internet-gateway", "security-group",
                      "route-table", "network-interface"):
            self.assertEqual(self.all_of(type_), [], type_)
        # Deleted NAT gateways and terminated instances stay listed for a
        # while, as in AWS.
        ec2 = self.ec2()
        nats = ec2.describe_nat_gateways()["NatGateways"]
        self.assertEqual({n["State"] for n in nats} - {"deleted"}, set())
        states = {i["State"]["Name"] for r in ec2.describe_instances()["Reservations"]
                  for i in r["Instances"]}
        self.assertEqual(states - {"terminated"}, set())


class LifecycleTest(Ec2Case):
    def test_lifecycle(self):
        self.create_instance_profile("loadtest-profile")
        self.write_spec(SPEC)
        plan = self.plan_json(code=0)
        self.assertEqual(plan["summary"], {"add": 29, "change": 0, "destroy": 0})
        log = os.path.join(self.dir, "apply.log")
        r = self.berth("apply", "--auto-approve", "--debug", "--log-file", log)
        self.assertIn("Apply complete! Resources: 29 added, 0 changed, 0 destroyed.", r.stdout)
        # RunInstances' members in the order berth has always sent them
        # (the description keeps the hand-written file's bytes on the wire).
        with open(log) as f:
            run = [l for l in f if l.startswith("Action=RunInstances&")]
        self.assertEqual(len(run), 1, run)
        self.assertRegex(run[0], r"^Action=RunInstances&Version=2016-11-15&ImageId=ami-[0-9a-f]+"
                         r"&MinCount=1&MaxCount=1&ClientToken=berth-[0-9a-f-]+"
                         r"&TagSpecification\.1\.ResourceType=instance(&TagSpecification\.1\.Tag[^&]+)+"
                         r"&InstanceType=t3\.medium&SubnetId=subnet-[0-9a-f]+&UserData=<redacted>"
                         r"&SecurityGroupId\.1=sg-[0-9a-f]+"
                         r"&IamInstanceProfile\.Name=loadtest-profile$")

        # The CDK layout: public subnets first, /27s, one per zone. (The
        # control API's "info" is empty for EC2: read through the API.)
        ec2 = self.ec2()

        def subnet(address):
            return ec2.describe_subnets(SubnetIds=[self.tagged("subnet", address)["id"]])["Subnets"][0]
        cidrs = {}
        for i in range(3):
            for kind in ("public", "private"):
                s = subnet(f"module.net.{kind}-subnet[{i}]")
                cidrs[(kind, i)] = (s["CidrBlock"], s["AvailabilityZone"])
        self.assertEqual(cidrs, {
            ("public", 0): ("10.0.0.0/27", "us-west-2a"), ("public", 1): ("10.0.0.32/27", "us-west-2b"),
            ("public", 2): ("10.0.0.64/27", "us-west-2c"), ("private", 0): ("10.0.0.96/27", "us-west-2a"),
            ("private", 1): ("10.0.0.128/27", "us-west-2b"), ("private", 2): ("10.0.0.160/27", "us-west-2c")})
        for i in range(3):
            self.assertTrue(subnet(f"module.net.public-subnet[{i}]")["MapPublicIpOnLaunch"])
            self.assertFalse(subnet(f"module.net.private-subnet[{i}]")["MapPublicIpOnLaunch"])
        vpc = self.tagged("vpc", "module.net.vpc")
        outputs = json.loads(self.berth("output", "--json").stdout)
        self.assertEqual(outputs["vpc_id"]["value"] if isinstance(outputs["vpc_id"], dict)
                         else outputs["vpc_id"], vpc["id"])
        private_ids = outputs["private_subnet_ids"]
        private_ids = private_ids["value"] if isinstance(private_ids, dict) else private_ids
        self.assertEqual(private_ids, [self.tagged("subnet", f"module.net.private-subnet[{i}]")["id"]
                                       for i in range(3)])
        nat = ec2.describe_nat_gateways(
            NatGatewayIds=[self.tagged("natgateway", "module.net.nat[0]")["id"]])["NatGateways"][0]
        self.assertEqual(nat["State"], "available")
        eip = self.tagged("elastic-ip", "module.net.nat-eip[0]")
        self.assertEqual(nat["NatGatewayAddresses"][0]["AllocationId"], eip["id"])
        self.assertEqual(nat["SubnetId"], self.tagged("subnet", "module.net.public-subnet[0]")["id"])
        nat["id"] = nat["NatGatewayId"]
        instance = self.tagged("instance", "loadtest")
        described = ec2.describe_instances(InstanceIds=[instance["id"]])["Reservations"][0]["Instances"][0]
        self.assertEqual(described["State"]["Name"], "running")
        self.assertEqual(described["SubnetId"], self.tagged("subnet", "module.net.private-subnet[0]")["id"])
        self.assertTrue(described["IamInstanceProfile"]["Arn"].endswith(":instance-profile/loadtest-profile"))

        vpc_id = vpc["id"]
        attrs = {a: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=a) for a in
                 ("enableDnsSupport", "enableDnsHostnames")}
        self.assertTrue(attrs["enableDnsSupport"]["EnableDnsSupport"]["Value"])
        self.assertTrue(attrs["enableDnsHostnames"]["EnableDnsHostnames"]["Value"])
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
        igw = self.tagged("internet-gateway", "module.net.igw")["id"]
        default_routes = {}
        for t in tables:
            for route in t["Routes"]:
                if route.get("DestinationCidrBlock") == "0.0.0.0/0":
                    default_routes[t["RouteTableId"]] = route.get("GatewayId") or route.get("NatGatewayId")
        self.assertEqual(sorted(default_routes.values()), sorted([igw, nat["id"], nat["id"], nat["id"]]))
        self.assertEqual(sum(len([a for a in t["Associations"] if not a.get("Main")]) for t in tables), 6)
        backend = self.tagged("security-group", "backend-sg")["id"]
        frontend = self.tagged("security-group", "frontend-sg")["id"]
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [backend, frontend]}])["SecurityGroupRules"]
        shapes = sorted((r["GroupId"] == backend, r["IsEgress"], r["IpProtocol"], r.get("FromPort"),
                         r.get("CidrIpv4") or r["ReferencedGroupInfo"]["GroupId"]) for r in rules)
        self.assertEqual(shapes, sorted([
            (False, False, "tcp", 80, "0.0.0.0/0"), (False, True, "-1", -1, "0.0.0.0/0"),
            (True, False, "tcp", 3000, frontend), (True, False, "tcp", 3000, backend),
            (True, True, "-1", -1, "0.0.0.0/0"), (True, True, "icmp", -1, "10.0.0.0/8")]))
        user_data = ec2.describe_instance_attribute(InstanceId=instance["id"], Attribute="userData")
        self.assertEqual(user_data["UserData"]["Value"], "IyEvYmluL2Jhc2gKeXVtIGluc3RhbGwgLXkgc2llZ2UK")

        # No perpetual diff, and the plan reads per type, not per resource.
        self.emu.reset()
        self.assert_no_changes()
        calls = self.emu.calls()["by_operation"]
        for op, n in calls.items():
            self.assertIn(op, PLAN_BUDGET, f"plan called {op}")
            self.assertLessEqual(n, PLAN_BUDGET[op], f"plan called {op} {n} times")

        # In place: a tag, MapPublicIpOnLaunch, an inline rule.
        plan = self.plan_json("--var", "host_name=siege", "--var", "map_public=false",
                              "--var", "web_port=8080")
        changes = self.changes(plan)
        self.assertEqual(
            {a: (c["action"], c["changed"]) for a, c in changes.items()},
            {"loadtest": ("update", ["Tags"]),
             "frontend-sg": ("update", ["SecurityGroupIngress"]),
             **{f"module.net.public-subnet[{i}]": ("update", ["MapPublicIpOnLaunch"]) for i in range(3)}})
        vars_ = ["--var", "host_name=siege", "--var", "map_public=false", "--var", "web_port=8080"]
        r = self.berth("apply", "--auto-approve", *vars_)
        self.assertIn("Resources: 0 added, 5 changed, 0 destroyed.", r.stdout)
        r = self.berth("plan", "--detailed-exitcode", *vars_, ok=0)
        self.assertIn("No changes.", r.stdout)
        self.assertEqual(self.tagged("instance", "loadtest")["tags"]["Name"], "siege")
        self.assertEqual(self.tagged("instance", "loadtest")["id"], instance["id"])
        self.assertFalse(subnet("module.net.public-subnet[0]")["MapPublicIpOnLaunch"])
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [frontend]}, {"Name": "is-egress", "Values": ["false"]}])
        self.assertEqual([(r["FromPort"], r["ToPort"]) for r in rules["SecurityGroupRules"]], [(8080, 8080)])

        # Create-only: a subnet's CIDR replaces it (and its association).
        vars_ += ["--var", "private_netnums=[[], [1], [2, 3], [3, 4, 6]]"]
        plan = self.plan_json(*vars_)
        changes = self.changes(plan)
        self.assertEqual(sorted(changes), ["module.net.private-association[2]",
                                           "module.net.private-subnet[2]"])
        replaced = changes["module.net.private-subnet[2]"]
        self.assertEqual((replaced["action"], replaced["replace_paths"]), ("replace", ["CidrBlock"]))
        self.assertIn("CidrBlock", replaced["reason"])
        self.assertEqual(changes["module.net.private-association[2]"]["action"], "replace")
        r = self.berth("apply", "--auto-approve", *vars_)
        self.assertIn("Resources: 2 added, 0 changed, 2 destroyed.", r.stdout)
        self.assertEqual(subnet("module.net.private-subnet[2]")["CidrBlock"], "10.0.0.192/27")
        r = self.berth("plan", "--detailed-exitcode", *vars_, ok=0)

        r = self.berth("destroy", "--auto-approve", *vars_)
        self.assertIn("Nothing of stack net is left", r.stdout)
        self.assert_nothing_left()


CRASH_SPEC = """\
    berth: 1
    stack: net
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties:
          CidrBlock: 10.1.0.0/16
          EnableDnsSupport: true
          EnableDnsHostnames: true
      subnet:
        type: AWS::EC2::Subnet
        properties:
          VpcId: ${vpc.VpcId}
          CidrBlock: 10.1.0.0/24
      sg:
        type: AWS::EC2::SecurityGroup
        properties:
          GroupDescription: app
          VpcId: ${vpc.VpcId}
    """


class CrashTest(Ec2Case):
    # Every request takes a while, so there is a window between CreateVpc's
    # answer and berth's next call to kill it in.
    emulator_options = {"page_size": 100, "latency_ms": 150}

    def test_kill_after_create_vpc_makes_no_duplicate(self):
        self.write_spec(CRASH_SPEC)
        proc = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=self.dir, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reached = self.emu.wait_until(
            lambda: self.emu.calls()["by_operation"].get("ec2:CreateVpc") or proc.poll() is not None,
            timeout=60, interval=0.005)
        self.assertTrue(reached)
        proc.kill()  # SIGKILL right after CreateVpc answered: nothing recorded locally
        proc.communicate()
        self.assertEqual(len(self.all_of("vpc")), 1)
        self.assertEqual(self.all_of("subnet"), [])

        self.emu.set_faults(latency_ms=0)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete", r.stdout)
        self.assertEqual(len(self.all_of("vpc")), 1)
        self.assertEqual(self.emu.calls()["by_operation"].get("ec2:CreateVpc"), 1)
        ec2 = self.ec2()
        vpc_id = self.all_of("vpc")[0]["id"]
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
                        ["EnableDnsHostnames"]["Value"])
        self.assert_no_changes()
        self.berth("destroy", "--auto-approve")
        self.assert_nothing_left()


class DependencyTest(Ec2Case):
    def start_stray_instance(self):
        """An instance berth does not know, in berth's subnet and group:
        its network interface holds both."""
        ec2 = self.ec2()
        subnet = self.tagged("subnet", "subnet")["id"]
        group = self.tagged("security-group", "sg")["id"]
        res = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro",
                                MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[group])
        instance = res["Instances"][0]
        return instance["InstanceId"], instance["NetworkInterfaces"][0]["NetworkInterfaceId"]

    def test_destroy_names_the_interface_that_never_goes(self):
        self.write_spec(CRASH_SPEC)
        self.berth("apply", "--auto-approve")
        instance, eni = self.start_stray_instance()
        start = time.monotonic()
        r = self.berth("destroy", "--auto-approve", "--retry-timeout", "4", ok=1)
        self.assertGreaterEqual(time.monotonic() - start, 4)  # it waited and retried
        out = r.stdout + r.stderr
        subnet = self.tagged("subnet", "subnet")["id"]
        self.assertIn(f"subnet {subnet} is still in use by network interface {eni}", out)
        self.assertGreater(self.emu.calls()["rejected_by_code"].get("DependencyViolation", 0), 2)
        # The VPC waits for its subnet; nothing else of the stack is half gone.
        self.assertEqual(len(self.all_of("vpc")), 1)

        # Once the interface goes, destroy finishes.
        self.ec2().terminate_instances(InstanceIds=[instance])
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.emu.resources(stack="net"), [])

    def test_destroy_by_stack_name_says_what_keeps_the_vpc(self):
        self.write_spec(CRASH_SPEC)
        self.berth("apply", "--auto-approve")
        instance, eni = self.start_stray_instance()
        vpc = self.tagged("vpc", "vpc")["id"]
        subnet = self.tagged("subnet", "subnet")["id"]
        group = self.tagged("security-group", "sg")["id"]
        # Without the spec there is no order between subnet, group and VPC:
        # each is retried while AWS refuses, and each failure says why.
        elsewhere = os.path.join(self.dir, "elsewhere")
        os.mkdir(elsewhere)
        r = self.berth("destroy", "--stack", "net", "--auto-approve", "--retry-timeout", "3",
                       ok=1, cwd=elsewhere)
        out = r.stdout + r.stderr
        self.assertIn(f"VPC {vpc} still contains subnets {subnet}; security groups {group}; "
                      f"network interfaces {eni}", out)
        self.assertIn(f"security group {group} is still in use by network interface {eni}", out)
        self.ec2().terminate_instances(InstanceIds=[instance])
        self.berth("destroy", "--stack", "net", "--auto-approve", cwd=elsewhere)
        self.assertEqual(self.emu.resources(stack="net"), [])

    def test_destroy_waits_for_the_interface_to_go(self):
        self.write_spec(CRASH_SPEC)
        self.berth("apply", "--auto-approve")
        instance, _ = self.start_stray_instance()
        proc = subprocess.Popen([BERTH, "destroy", "--auto-approve"], cwd=self.dir, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertTrue(self.emu.wait_until(
            lambda: self.emu.calls()["rejected_by_code"].get("DependencyViolation", 0) >= 2,
            timeout=60))
        self.ec2().terminate_instances(InstanceIds=[instance])
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertNotIn("Sanitizer", err)
        self.assertIn("Nothing of stack net is left", out)
        self.assertEqual(self.emu.resources(stack="net"), [])


class TakenNameTest(Ec2Case):
    """A security group's name is unique in its VPC: one of that name that
    is not this stack's (InvalidGroup.Duplicate, the find by tags having
    found none) is refused as a conflict that says what to do, and nothing
    is adopted or changed."""

    def test_group_name_taken_outside_the_stack(self):
        self.write_spec(CRASH_SPEC.split("      sg:")[0])
        self.berth("apply", "--auto-approve")
        vpc = self.tagged("vpc", "vpc")["id"]
        stray = self.ec2().create_security_group(GroupName="app-web", Description="not berth's",
                                                 VpcId=vpc)["GroupId"]
        self.write_spec(CRASH_SPEC.replace("GroupDescription: app",
                                           "GroupDescription: app\n          GroupName: app-web"))
        r = self.berth("apply", "--auto-approve", ok=False)
        self.assertNotEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        self.assertIn("security group app-web already exists and is not this resource's", out)
        self.assertIn("berth import sg ID", out)
        self.assertEqual([g["id"] for g in self.all_of("security-group") if g["id"] == stray],
                         [stray])
        self.assertEqual([g for g in self.of_type("security-group") if g["tags"].get("berth:id")
                          == "sg"], [])


class InstanceStoppedTest(Ec2Case):
    """An instance terminated while berth waits for it to run fails the
    create, saying what it became instead of running."""

    def setUp(self):
        # Long enough a pending state to terminate the instance in.
        delay = os.environ.get("BERTH_EMU_DELAY")
        os.environ["BERTH_EMU_DELAY"] = "3"
        try:
            super().setUp()
        finally:
            if delay is None:
                del os.environ["BERTH_EMU_DELAY"]
            else:
                os.environ["BERTH_EMU_DELAY"] = delay

    def test_terminated_while_pending(self):
        ec2 = self.ec2()
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        self.write_spec(f"""\
            berth: 1
            stack: net
            resources:
              host:
                type: AWS::EC2::Instance
                properties: {{ ImageId: ami-0123456789abcdef0, SubnetId: {subnet} }}
            """)
        p = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=self.dir, env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for _ in range(200):
                ids = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
                       for i in r["Instances"]]
                if ids:
                    break
                time.sleep(0.05)
            self.assertEqual(len(ids), 1)
            ec2.terminate_instances(InstanceIds=ids)
            out, _ = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.assertNotEqual(p.returncode, 0, out)
        self.assertIn(f"instance {ids[0]} is shutting-down instead of running", out)


if __name__ == "__main__":
    main()
