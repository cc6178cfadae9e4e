"""Plan shows exactly what apply does when a property the CloudFormation
schema lets change is one berth's update does not change in place
(rtype.updates): plan says replace and why, apply replaces, and nothing is
left half done. A stack's TimeoutInMinutes is such a property: CreateStack
takes it, UpdateStack has no such member. (unit.updates checks every
type's claim against its update code.)"""
import time

from berthtest import main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    variables:
      timeout: { type: number, default: 10 }
      retention: { type: number, default: 7 }
    resources:
      logs:
        type: AWS::CloudFormation::Stack
        properties:
          TimeoutInMinutes: ${var.timeout}
          TemplateBody:
            Parameters:
              Retention: { Type: Number }
            Resources:
              Group:
                Type: AWS::Logs::LogGroup
                Properties: { RetentionInDays: { Ref: Retention } }
          Parameters: { Retention: "${var.retention}" }
    """


EIP_SPEC = """\
    berth: 1
    stack: demo
    variables:
      pool: { type: string, default: amazon }
    resources:
      ip:
        type: AWS::EC2::EIP
        properties:
          PublicIpv4Pool: ${var.pool}
    """


class UpdatesTest(EngineCase):
    def cfn(self):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            "cloudformation", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def stack(self):
        stacks = self.cfn().describe_stacks()["Stacks"]
        self.assertEqual(len(stacks), 1)
        return stacks[0]

    def test_plan_replaces_what_update_cannot_change(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        first = self.stack()
        self.assertEqual(first["TimeoutInMinutes"], 10)

        # What update changes stays an update in place.
        ch = self.changes(self.plan_json("--var", "retention=14"))
        self.assertEqual(ch["logs"]["action"], "update")
        self.assertEqual(ch["logs"]["changed"], ["Parameters"])

        # TimeoutInMinutes: plan says replace, naming it and why.
        ch = self.changes(self.plan_json("--var", "timeout=20"))
        self.assertEqual(list(ch), ["logs"])
        self.assertEqual(ch["logs"]["action"], "replace")
        self.assertEqual(ch["logs"]["changed"], ["TimeoutInMinutes"])
        self.assertEqual(ch["logs"]["replace_paths"], ["TimeoutInMinutes"])
        self.assertEqual(ch["logs"]["reason"],
                         "berth cannot change TimeoutInMinutes in place: forces replacement")
        r = self.berth("plan", "--var", "timeout=20")
        self.assertIn("logs (AWS::CloudFormation::Stack) must be replaced: berth cannot change "
                      "TimeoutInMinutes in place: forces replacement", r.stdout)
        self.assertIn("TimeoutInMinutes = 10 -> 20   # forces replacement", r.stdout)

        # Both at once: one replacement (the new stack takes the new
        # parameters too).
        ch = self.changes(self.plan_json("--var", "timeout=20", "--var", "retention=14"))
        self.assertEqual(ch["logs"]["action"], "replace")
        self.assertEqual(ch["logs"]["changed"], ["Parameters", "TimeoutInMinutes"])
        self.assertEqual(ch["logs"]["replace_paths"], ["TimeoutInMinutes"])

        # Apply does exactly that: a new stack with the new timeout, the
        # old one gone, and then nothing left to change.
        r = self.berth("apply", "--auto-approve", "--var", "timeout=20", "--var", "retention=14")
        self.assertIn("1 added, 0 changed, 1 destroyed", r.stdout)
        second = self.stack()
        self.assertNotEqual(second["StackId"], first["StackId"])
        self.assertEqual(second["TimeoutInMinutes"], 20)
        r = self.berth("plan", "--detailed-exitcode", "--var", "timeout=20", "--var",
                       "retention=14", ok=0)
        self.assertIn("No changes.", r.stdout)

        self.berth("destroy", "--auto-approve", "--var", "timeout=20")
        self.assertEqual(self.live(), [])

    def test_type_without_update_names_what_replaces(self):
        # An Elastic IP has no update at all: any change but its tags
        # replaces, and plan names the property rather than the type.
        self.write_spec(EIP_SPEC)
        self.berth("apply", "--auto-approve")
        ch = self.changes(self.plan_json("--var", "pool=ipv4pool-ec2-0123456789abcdef0"))
        self.assertEqual(ch["ip"]["action"], "replace")
        self.assertEqual(ch["ip"]["replace_paths"], ["PublicIpv4Pool"])
        self.assertEqual(ch["ip"]["reason"],
                         "berth cannot change PublicIpv4Pool in place: forces replacement")
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_adoption_refused_when_update_cannot_match(self):
        # Adopting would update the stack to the spec, and UpdateStack
        # cannot change its timeout: plan refuses the adoption, before
        # anything is tagged, instead of apply failing half way.
        cfn = self.cfn()
        template = '{"Resources": {"Group": {"Type": "AWS::Logs::LogGroup"}}}'
        sid = cfn.create_stack(StackName="legacy", TimeoutInMinutes=5,
                               TemplateBody=template)["StackId"]
        for _ in range(100):
            if cfn.describe_stacks(StackName=sid)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE":
                break
            time.sleep(0.05)
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              legacy:
                type: AWS::CloudFormation::Stack
                adopt: true
                properties:
                  StackName: legacy
                  TimeoutInMinutes: 10
                  TemplateBody: { Resources: { Group: { Type: AWS::Logs::LogGroup } } }
            """)
        r = self.berth("plan", ok=1)
        self.assertIn(f"legacy: cannot adopt AWS::CloudFormation::Stack {sid}: "
                      "TimeoutInMinutes differs from the spec and cannot change in place",
                      r.stderr)
        tags = {t["Key"] for t in cfn.describe_stacks(StackName=sid)["Stacks"][0].get("Tags", [])}
        self.assertNotIn("berth:stack", tags)
        # With the spec matching it, the adoption goes ahead.
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              legacy:
                type: AWS::CloudFormation::Stack
                adopt: true
                properties:
                  StackName: legacy
                  TimeoutInMinutes: 5
                  TemplateBody: { Resources: { Group: { Type: AWS::Logs::LogGroup } } }
            """)
        ch = self.changes(self.plan_json())
        self.assertEqual((ch["legacy"]["action"], ch["legacy"].get("adopt")), ("update", True))


if __name__ == "__main__":
    main()
