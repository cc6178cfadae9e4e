"""Untagged children the stack makes inside parents that are not the
stack's (engine/outside.c): a route in a route table passed in by --var, a
subnet association with it, an attachment of an existing gateway to an
existing VPC, and an ingress rule on an existing group. Refresh lists
children under the stack's own parents only, so these are read by the id
the state cache recorded: a plan after apply is empty, a new route target
is an update in place, destroy removes exactly what the stack made (the
user's own route and rule beside them stay), and with the state cache lost
they are found by what the spec says they connect instead of created
again."""
import json
import os

import botocore.session

from berthtest import main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: outside
    variables:
      vpc2: { type: string }
      igw: { type: string }
      rtb: { type: string }
      gw: { type: string }
      subnet: { type: string }
      sg: { type: string }
    resources:
      attach:
        type: AWS::EC2::VPCGatewayAttachment
        properties: { VpcId: "${var.vpc2}", InternetGatewayId: "${var.igw}" }
      route:
        type: AWS::EC2::Route
        properties: { RouteTableId: "${var.rtb}", DestinationCidrBlock: 0.0.0.0/0, TARGET: "${var.gw}" }
      assoc:
        type: AWS::EC2::SubnetRouteTableAssociation
        properties: { SubnetId: "${var.subnet}", RouteTableId: "${var.rtb}" }
      https:
        type: AWS::EC2::SecurityGroupIngress
        properties: { GroupId: "${var.sg}", IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0 }
    """


class OutsideCase(EngineCase):
    emulator_options = {"page_size": 100}

    def setUp(self):
        super().setUp()
        ec2 = self.ec2 = botocore.session.get_session().create_client(
            "ec2", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        # The user's network, made by hand: a VPC with its gateway, a route
        # table holding a route of the user's own, a subnet, a group with a
        # rule of the user's own, a NAT gateway.
        self.vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        self.user_igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=self.user_igw, VpcId=self.vpc)
        self.rtb = ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=self.rtb, DestinationCidrBlock="192.168.0.0/16",
                         GatewayId=self.user_igw)
        self.subnet = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.7.0.0/24")["Subnet"]["SubnetId"]
        self.sg = ec2.create_security_group(GroupName="g", Description="g", VpcId=self.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=self.sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.nat = ec2.create_nat_gateway(SubnetId=self.subnet,
                                          AllocationId=eip)["NatGateway"]["NatGatewayId"]
        # A second VPC and a gateway attached to nothing: the stack attaches them.
        self.vpc2 = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        self.igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.state = os.path.join(self.dir, ".berth", "outside.state.json")

    def use(self, target="GatewayId"):
        self.write_spec(SPEC.replace("TARGET", target))

    def vars(self, gw=None, rtb=None):
        values = {"vpc2": self.vpc2, "igw": self.igw, "rtb": rtb or self.rtb, "gw": gw or self.user_igw,
                  "subnet": self.subnet, "sg": self.sg}
        return [a for k, v in values.items() for a in ("--var", f"{k}={v}")]

    def routes(self, rtb=None):
        table = self.ec2.describe_route_tables(RouteTableIds=[rtb or self.rtb])["RouteTables"][0]
        return sorted((r["DestinationCidrBlock"], r.get("GatewayId") or r.get("NatGatewayId"))
                      for r in table["Routes"])

    def associations(self, rtb=None):
        table = self.ec2.describe_route_tables(RouteTableIds=[rtb or self.rtb])["RouteTables"][0]
        return [a["SubnetId"] for a in table["Associations"]]

    def attachments(self, igw):
        return [a["VpcId"] for a in self.ec2.describe_internet_gateways(
            InternetGatewayIds=[igw])["InternetGateways"][0]["Attachments"]]

    def ports(self):
        rules = self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [self.sg]}])["SecurityGroupRules"]
        return sorted(r["FromPort"] for r in rules if not r["IsEgress"])

    def plan_actions(self, *args):
        plan = self.plan_json(*self.vars(*args))
        return {c["address"]: c["action"] for c in plan["resources"]}, plan

    def apply(self, *args):
        self.emu.reset()
        r = self.berth("apply", "--auto-approve", *self.vars(*args))
        return r.stdout, self.emu.calls()["by_operation"]

    def assert_no_changes(self, *args):
        r = self.berth("plan", "--detailed-exitcode", *self.vars(*args), ok=0)
        self.assertIn("No changes.", r.stdout)

    def assert_only_the_users_left(self):
        """Destroyed: what the user made is all there is."""
        self.assertEqual(self.routes(), [("10.7.0.0/16", "local"), ("192.168.0.0/16", self.user_igw)])
        self.assertEqual(self.associations(), [])
        self.assertEqual(self.attachments(self.igw), [])
        self.assertEqual(self.attachments(self.user_igw), [self.vpc])
        self.assertEqual(self.ports(), [22])


class LifecycleTest(OutsideCase):
    def test_apply_plan_update_lost_state_destroy(self):
        self.use()
        out, _ = self.apply()
        self.assertIn("Resources: 4 added, 0 changed, 0 destroyed.", out)
        self.assertEqual(self.routes(), [("0.0.0.0/0", self.user_igw), ("10.7.0.0/16", "local"),
                                         ("192.168.0.0/16", self.user_igw)])
        self.assertEqual(self.attachments(self.igw), [self.vpc2])

        # Found again: nothing to do, at one read for each of the three
        # untagged children (the rule is found by its tag).
        self.emu.reset()
        self.assert_no_changes()
        ops = self.emu.calls()["by_operation"]
        self.assertEqual(ops.get("ec2:DescribeInternetGateways", 0), 2)  # the stack's, the attachment
        self.assertEqual(ops.get("ec2:DescribeRouteTables", 0), 3)  # the stack's, route, association

        # A new target: the route changes in place.
        self.use("NatGatewayId")
        actions, _ = self.plan_actions(self.nat)
        self.assertEqual(actions, {"attach": "no-op", "route": "update", "assoc": "no-op",
                                   "https": "no-op"})
        out, ops = self.apply(self.nat)
        self.assertIn("Resources: 0 added, 1 changed, 0 destroyed.", out)
        self.assertEqual(ops.get("ec2:ReplaceRoute"), 1)
        self.assertNotIn("ec2:CreateRoute", ops)
        self.assertNotIn("ec2:DeleteRoute", ops)
        self.assertIn(("0.0.0.0/0", self.nat), self.routes())
        self.assert_no_changes(self.nat)

        # The state cache lost: found by what the spec says they connect,
        # not made again.
        os.remove(self.state)
        actions, plan = self.plan_actions(self.nat)
        self.assertEqual(set(actions.values()), {"no-op"}, actions)
        notes = "\n".join(plan.get("notes", []))
        for address in ("attach", "route", "assoc"):
            self.assertIn(f"{address}: the state cache has no record of it", notes)
        # With no record, a route to another target cannot be told from
        # one the user made: not taken over (create will refuse it), and
        # the plan says so and how to take it back.
        self.use()
        actions, plan = self.plan_actions()
        self.assertEqual(actions["route"], "create")
        route_id = f"{self.rtb}|0.0.0.0/0"
        self.assertIn(f"route: AWS::EC2::Route {route_id} under {self.rtb} (not the stack's) "
                      "holds other values than the spec's", "\n".join(plan["notes"]))
        self.assertIn(f"`berth import route '{route_id}'`", "\n".join(plan["notes"]))
        # The ways back: an apply of the spec that says what it holds
        # (nothing to change) records them again; so does import.
        self.use("NatGatewayId")
        out, ops = self.apply(self.nat)
        self.assertIn("No changes.", out)
        with open(self.state) as f:
            self.assertEqual(sorted(json.load(f)["resources"]), ["assoc", "attach", "route"])
        os.remove(self.state)
        self.use()
        r = self.berth("import", *self.vars(), "route", route_id)
        self.assertIn(f"Imported route: AWS::EC2::Route {route_id} cannot carry tags; the state "
                      "cache now records it as route of stack outside.", r.stdout)
        r = self.berth("import", *self.vars(), "route", route_id)
        self.assertIn("nothing to do", r.stdout)
        # Then a route to another target is the stack's to change.
        actions, _ = self.plan_actions()
        self.assertEqual(actions, {"attach": "no-op", "route": "update", "assoc": "no-op",
                                   "https": "no-op"})
        out, ops = self.apply()
        self.assertIn("Resources: 0 added, 1 changed, 0 destroyed.", out)
        self.assertEqual(ops.get("ec2:ReplaceRoute"), 1)
        self.assertNotIn("ec2:CreateRoute", ops)
        self.assert_no_changes()

        # Destroy: the stack's four go, the user's own stay.
        r = self.berth("destroy", "--auto-approve", *self.vars())
        self.assertIn("4 destroyed", r.stdout)
        self.assert_only_the_users_left()
        self.assertEqual(self.live("outside"), [])


class RemovalTest(OutsideCase):
    def test_removed_from_the_spec_and_destroyed_without_state(self):
        self.use()
        self.apply()
        # The route leaves the spec: deleted, the user's beside it kept.
        self.write_spec(SPEC.replace("TARGET", "GatewayId").split("      route:")[0] +
                        "      assoc:" + SPEC.split("      assoc:")[1])
        actions, _ = self.plan_actions()
        self.assertEqual(actions.get("route"), "delete")  # on main: never found, left behind
        self.apply()
        self.assertEqual(self.routes(), [("10.7.0.0/16", "local"), ("192.168.0.0/16", self.user_igw)])
        self.assert_no_changes()

        # With no state cache, destroy still finds what the spec names.
        os.remove(self.state)
        r = self.berth("destroy", "--auto-approve", *self.vars())
        self.assertIn("3 destroyed", r.stdout)
        self.assert_only_the_users_left()


class ImportTest(OutsideCase):
    def test_import_refuses_what_is_not_to_be_had(self):
        self.use()
        self.apply()
        # An id that names nothing; the user's own route at an address
        # that has the stack's; the stack's own again.
        r = self.berth("import", *self.vars(), "route", f"{self.rtb}|10.9.0.0/16", ok=1)
        self.assertIn(f"there is no AWS::EC2::Route with the id '{self.rtb}|10.9.0.0/16'", r.stderr)
        r = self.berth("import", *self.vars(), "route", f"{self.rtb}|192.168.0.0/16", ok=1)
        self.assertIn(f"route is already AWS::EC2::Route {self.rtb}|0.0.0.0/0 in stack outside",
                      r.stderr)
        r = self.berth("import", *self.vars(), "route", f"{self.rtb}|0.0.0.0/0")
        self.assertIn("nothing to do", r.stdout)
        self.assert_no_changes()


class MoveTest(OutsideCase):
    def test_another_route_table_replaces(self):
        # The cache says the stack made the route and the association in
        # the first table: pointed at another, they are replaced (the old
        # ones deleted, not left behind), as Terraform plans it.
        rtb2 = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.use()
        self.apply()
        actions, _ = self.plan_actions(None, rtb2)
        self.assertEqual(actions, {"attach": "no-op", "route": "replace", "assoc": "replace",
                                   "https": "no-op"})
        out, _ = self.apply(None, rtb2)
        self.assertIn("Resources: 2 added, 0 changed, 2 destroyed.", out)
        self.assertEqual(self.routes(), [("10.7.0.0/16", "local"), ("192.168.0.0/16", self.user_igw)])
        self.assertEqual(self.associations(), [])
        self.assertEqual(self.routes(rtb2), [("0.0.0.0/0", self.user_igw), ("10.7.0.0/16", "local")])
        self.assertEqual(self.associations(rtb2), [self.subnet])
        self.assert_no_changes(None, rtb2)
        self.berth("destroy", "--auto-approve", *self.vars(None, rtb2))
        self.assertEqual(self.routes(rtb2), [("10.7.0.0/16", "local")])
        self.assert_only_the_users_left()


TOPIC_SPEC = """\
    berth: 1
    stack: outside
    variables:
      topic: { type: string }
    resources:
      mail:
        type: AWS::SNS::Subscription
        properties: { TopicArn: "${var.topic}", Protocol: email, Endpoint: ops@example.com }
    """


class SubscriptionTest(EngineCase):
    """The same for a subscription to a topic outside the stack (read by
    the ARN the cache recorded)."""

    def test_subscription_to_a_topic_outside(self):
        sns = botocore.session.get_session().create_client(
            "sns", region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
        self.write_spec(TOPIC_SPEC)
        var = ["--var", f"topic={topic}"]
        self.berth("apply", "--auto-approve", *var)
        r = self.berth("plan", "--detailed-exitcode", *var, ok=0)
        self.assertIn("No changes.", r.stdout)
        r = self.berth("destroy", "--auto-approve", *var)
        self.assertIn("1 destroyed", r.stdout)
        left = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        self.assertEqual([s["Endpoint"] for s in left], ["me@example.com"])


LISTENER_SPEC = """\
    berth: 1
    stack: outside
    variables:
      lb: { type: string }
      tg: { type: string }
    resources:
      web:
        type: AWS::ElasticLoadBalancingV2::Listener
        properties:
          LoadBalancerArn: "${var.lb}"
          Port: 80
          Protocol: HTTP
          DefaultActions: [{ Type: forward, TargetGroupArn: "${var.tg}" }]
    """


class ListenerTest(EngineCase):
    """And for a listener on a load balancer outside the stack."""

    def test_listener_on_a_load_balancer_outside(self):
        def client(service):
            return botocore.session.get_session().create_client(
                service, region_name="us-west-2", endpoint_url=self.emu.url,
                aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        ec2, elb = client("ec2"), client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24",
                                     AvailabilityZone=f"us-west-2{az}")["Subnet"]["SubnetId"]
                   for i, az in enumerate("ab")]
        lb = elb.create_load_balancer(Name="users", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elb.create_target_group(Name="users", Protocol="HTTP", Port=80,
                                     VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
        action = [{"Type": "forward", "TargetGroupArn": tg}]
        elb.create_listener(LoadBalancerArn=lb, Port=8080, Protocol="HTTP", DefaultActions=action)
        self.write_spec(LISTENER_SPEC)
        var = ["--var", f"lb={lb}", "--var", f"tg={tg}"]
        self.berth("apply", "--auto-approve", *var)
        r = self.berth("plan", "--detailed-exitcode", *var, ok=0)
        self.assertIn("No changes.", r.stdout)
        r = self.berth("destroy", "--auto-approve", *var)
        self.assertIn("1 destroyed", r.stdout)
        left = elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]
        self.assertEqual([x["Port"] for x in left], [8080])


if __name__ == "__main__":
    main()
