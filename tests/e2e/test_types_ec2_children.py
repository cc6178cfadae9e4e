"""The EC2 child items (generic_child.c) where what they connect exists
already, made outside the stack: an entry that says what the spec says is
found by plan and taken with nothing to change, and one that does not is
refused by create, naming the other side;
a detach refused while public addresses are mapped is retried and names
the interface that holds one. And the changes in place: an attachment moved
to another gateway (detach, attach) and a route to another target
(ReplaceRoute)."""
import os
import time

import botocore.session

from berthtest import main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: kids
    variables:
      vpc: { type: string }
      subnet: { type: string }
      sg: { type: string }
      rtb: { type: string }
      attach_igw: { type: string }
      route_igw: { type: string }
      assoc_rtb: { type: string }
    resources:
      attach:
        type: AWS::EC2::VPCGatewayAttachment
        properties: { VpcId: "${var.vpc}", InternetGatewayId: "${var.attach_igw}" }
      route:
        type: AWS::EC2::Route
        properties:
          RouteTableId: "${var.rtb}"
          DestinationCidrBlock: 0.0.0.0/0
          GatewayId: "${var.route_igw}"
      assoc:
        type: AWS::EC2::SubnetRouteTableAssociation
        properties: { SubnetId: "${var.subnet}", RouteTableId: "${var.assoc_rtb}" }
    outputs:
      route: { value: "${route.CidrBlock}" }
    """

RULE = """\
      ssh:
        type: AWS::EC2::SecurityGroupIngress
        properties: { GroupId: "${var.sg}", IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }
    outputs:"""

# A VPC of the stack's own, its gateway attached, with a subnet that maps
# public addresses.
NET = """\
    berth: 1
    stack: net
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.3.0.0/16 }
      igw:
        type: AWS::EC2::InternetGateway
      attach:
        type: AWS::EC2::VPCGatewayAttachment
        properties: { VpcId: "${vpc.VpcId}", InternetGatewayId: "${igw.InternetGatewayId}" }
      subnet:
        type: AWS::EC2::Subnet
        properties: { VpcId: "${vpc.VpcId}", CidrBlock: 10.3.0.0/24, MapPublicIpOnLaunch: true }
    """


class ChildrenCase(EngineCase):
    emulator_options = {"page_size": 100}

    def setUp(self):
        super().setUp()
        self.ec2 = botocore.session.get_session().create_client(
            "ec2", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        ec2 = self.ec2
        self.vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
        self.igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.igw2 = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=self.igw, VpcId=self.vpc)
        self.rtb = ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.rtb2 = ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=self.rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=self.igw)
        self.subnet = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.2.0.0/24")["Subnet"]["SubnetId"]
        self.assoc = ec2.associate_route_table(RouteTableId=self.rtb, SubnetId=self.subnet)["AssociationId"]
        self.sg = ec2.create_security_group(GroupName="g", Description="g", VpcId=self.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=self.sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.emu.reset()  # count berth's calls only

    def vars(self, attach_igw=None, route_igw=None, assoc_rtb=None):
        values = {"vpc": self.vpc, "subnet": self.subnet, "sg": self.sg, "rtb": self.rtb,
                  "attach_igw": attach_igw or self.igw, "route_igw": route_igw or self.igw,
                  "assoc_rtb": assoc_rtb or self.rtb}
        return [a for k, v in values.items() for a in ("--var", f"{k}={v}")]

    def routes(self):
        table = self.ec2.describe_route_tables(RouteTableIds=[self.rtb])["RouteTables"][0]
        return [(r["DestinationCidrBlock"], r.get("GatewayId")) for r in table["Routes"]]


class AdoptTest(ChildrenCase):
    def test_entries_that_say_what_the_spec_says_are_adopted(self):
        self.write_spec(SPEC)
        # Their parents are not the stack's and the state cache has no
        # record of them (engine/outside.c): plan looks each up by what it
        # connects, and one that says what the spec says is the stack's,
        # with nothing to change and nothing to create.
        r = self.berth("apply", "--auto-approve", *self.vars())
        self.assertIn("No changes.", r.stdout)
        for address in ("attach", "route", "assoc"):
            self.assertIn(f"{address}: the state cache has no record of it", r.stdout)
        calls = self.emu.calls()
        for op in ("AttachInternetGateway", "CreateRoute", "AssociateRouteTable"):
            self.assertNotIn(f"ec2:{op}", calls["by_operation"])
        self.assertEqual(calls["rejected"], 0)
        table = self.ec2.describe_route_tables(RouteTableIds=[self.rtb])["RouteTables"][0]
        self.assertEqual([a["RouteTableAssociationId"] for a in table["Associations"]], [self.assoc])
        self.assertEqual(self.routes(), [("10.2.0.0/16", "local"), ("0.0.0.0/0", self.igw)])
        # That apply recorded them: the next plan reads them by id.
        r = self.berth("plan", "--detailed-exitcode", *self.vars(), ok=0)
        self.assertNotIn("no record", r.stdout)


class ConflictTest(ChildrenCase):
    def test_entries_that_say_otherwise_are_refused(self):
        # Another target: a NAT gateway in the VPC.
        eip = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = self.ec2.create_nat_gateway(SubnetId=self.subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        spec = SPEC.replace("    outputs:", RULE).replace("GatewayId: \"${var.route_igw}",
                                                         "NatGatewayId: \"${var.route_igw}")
        self.write_spec(spec)
        r = self.berth("apply", "--auto-approve", *self.vars(self.igw2, nat, self.rtb2), ok=False)
        self.assertNotEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        self.assertIn(f"VPC {self.vpc} already has internet gateway {self.igw} attached", out)
        self.assertIn("route table already has a route to 0.0.0.0/0 with another target", out)
        self.assertIn(f"subnet {self.subnet} is already associated with route table {self.rtb}", out)
        self.assertIn(f"group {self.sg} already has this ingress rule", out)
        # Nothing was taken over or changed.
        self.assertNotIn("ec2:AttachInternetGateway", self.emu.calls()["by_operation"])
        self.assertEqual(self.routes(), [("10.2.0.0/16", "local"), ("0.0.0.0/0", self.igw)])
        table = self.ec2.describe_route_tables(RouteTableIds=[self.rtb2])["RouteTables"][0]
        self.assertEqual(table["Associations"], [])


# Two gateways of the stack's own, the attachment and the route on the
# first (IGW_1), to be moved to the second.
MOVE = """\
    berth: 1
    stack: move
    resources:
      vpc:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.5.0.0/16 }
      igw1:
        type: AWS::EC2::InternetGateway
      igw2:
        type: AWS::EC2::InternetGateway
      attach:
        type: AWS::EC2::VPCGatewayAttachment
        properties: { VpcId: "${vpc.VpcId}", InternetGatewayId: "${ATTACH.InternetGatewayId}" }
      rtb:
        type: AWS::EC2::RouteTable
        properties: { VpcId: "${vpc.VpcId}" }
      route:
        type: AWS::EC2::Route
        depends_on: [attach]
        properties:
          RouteTableId: "${rtb.RouteTableId}"
          DestinationCidrBlock: 0.0.0.0/0
          GatewayId: "${ROUTE.InternetGatewayId}"
    """


class UpdateTest(EngineCase):
    emulator_options = {"page_size": 100}

    def apply(self, attach, route, changed):
        self.write_spec(MOVE.replace("ATTACH", attach).replace("ROUTE", route))
        self.emu.reset()
        r = self.berth("apply", "--auto-approve")
        self.assertIn(f"Resources: 0 added, {changed} changed, 0 destroyed.", r.stdout)
        calls = self.emu.calls()
        self.assertEqual(calls["rejected"], 0)
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        return calls["by_operation"]

    def test_changes_in_place(self):
        ec2 = botocore.session.get_session().create_client(
            "ec2", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.write_spec(MOVE.replace("ATTACH", "igw1").replace("ROUTE", "igw1"))
        self.berth("apply", "--auto-approve")
        live = {r["tags"].get("berth:id"): r["id"] for r in self.live("move")}
        vpc, igw1, igw2, rtb = live["vpc"], live["igw1"], live["igw2"], live["rtb"]

        # Another gateway: the old one detaches first (a VPC has one; an
        # attach first would be refused).
        ops = self.apply("igw2", "igw1", 1)
        self.assertEqual((ops.get("ec2:DetachInternetGateway"), ops.get("ec2:AttachInternetGateway")),
                         (1, 1))
        gateways = {g["InternetGatewayId"]: [a["VpcId"] for a in g["Attachments"]] for g in
                    ec2.describe_internet_gateways(InternetGatewayIds=[igw1, igw2])["InternetGateways"]}
        self.assertEqual(gateways, {igw1: [], igw2: [vpc]})

        # Another target: ReplaceRoute, the route never gone.
        ops = self.apply("igw2", "igw2", 1)
        self.assertEqual(ops.get("ec2:ReplaceRoute"), 1)
        self.assertNotIn("ec2:DeleteRoute", ops)
        self.assertNotIn("ec2:CreateRoute", ops)
        table = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
        self.assertEqual([(r["DestinationCidrBlock"], r.get("GatewayId")) for r in table["Routes"]],
                         [("10.5.0.0/16", "local"), ("0.0.0.0/0", igw2)])

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live("move"), [])


class DetachTest(EngineCase):
    emulator_options = {"page_size": 100}

    def test_detach_waits_for_mapped_addresses(self):
        ec2 = botocore.session.get_session().create_client(
            "ec2", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.write_spec(NET)
        self.berth("apply", "--auto-approve")
        [igw] = [r["id"] for r in self.live("net") if r["type"] == "internet-gateway"]
        [vpc] = [r["id"] for r in self.live("net") if r["type"] == "vpc"]
        [subnet] = [r["id"] for r in self.live("net") if r["type"] == "subnet"]
        instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro",
                                     MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
        eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
        start = time.monotonic()
        r = self.berth("destroy", "--auto-approve", "--retry-timeout", "3", ok=1)
        self.assertGreaterEqual(time.monotonic() - start, 3)  # it waited and retried
        self.assertIn(f"internet gateway {igw} (attached to {vpc}) is still in use by "
                      f"network interface {eni}", r.stdout + r.stderr)
        self.assertEqual(ec2.describe_internet_gateways(InternetGatewayIds=[igw])
                         ["InternetGateways"][0]["Attachments"][0]["VpcId"], vpc)

        ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live("net"), [])


if __name__ == "__main__":
    os.environ.setdefault("BERTH_EMU_DELAY", "0.1")
    main()
