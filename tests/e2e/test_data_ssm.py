"""The ssm_parameter data source against the emulator: a public AMI
parameter feeds an instance's ImageId (one GetParameter per plan, converged
after apply); a parameter that does not exist is an error at the data
entry's place in the spec; a SecureString's value is sensitive: masked in
the plan, the JSON plan, outputs, the state cache and --debug logs."""
import json
import os

import botocore.session

from berthtest import main
from enginetest import EngineCase
from fixture import ACCESS_KEY, REGION, SECRET_KEY

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
SECRET = "pa55-word-Xq7"


class SsmDataTest(EngineCase):
    def ssm(self):
        return botocore.session.get_session().create_client(
            "ssm", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def gets(self):
        return self.emu.calls()["by_operation"].get("ssm:GetParameter", 0)

    def test_public_ami_for_an_instance(self):
        ami = self.ssm().get_parameter(Name=AL2023)["Parameter"]["Value"]
        self.write_spec(f"""\
            berth: 1
            stack: demo
            data:
              ami: {{ type: ssm_parameter, name: {AL2023} }}
            resources:
              vpc:
                type: AWS::EC2::VPC
                properties: {{ CidrBlock: 10.9.0.0/16 }}
              subnet:
                type: AWS::EC2::Subnet
                properties: {{ VpcId: "${{vpc.VpcId}}", CidrBlock: 10.9.1.0/24 }}
              host:
                type: AWS::EC2::Instance
                properties:
                  ImageId: ${{data.ami.value}}
                  InstanceType: t3.micro
                  SubnetId: ${{subnet.SubnetId}}
            outputs:
              ami: {{ value: "${{data.ami.value}}" }}
              version: {{ value: "${{data.ami.version}} ${{data.ami.type}} ${{data.ami.arn}}" }}
            """)
        self.emu.reset()
        p = self.plan_json()
        self.assertEqual(self.changes(p)["host"]["after"]["ImageId"], ami)
        self.assertEqual(self.gets(), 1)
        self.berth("apply", "--auto-approve")
        self.assertEqual(len(self.all_of("instance")), 1)
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        r = self.berth("output", "--json")
        out = json.loads(r.stdout)
        self.assertEqual(out["ami"]["value"] if isinstance(out["ami"], dict) else out["ami"], ami)
        self.assertIn(f"1 String arn:aws:ssm:{REGION}::parameter{AL2023}", r.stdout)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_missing_parameter_names_the_entry(self):
        self.write_spec("""\
            berth: 1
            stack: demo
            data:
              azs: { type: availability_zones }
              ami:
                type: ssm_parameter
                name: /aws/service/ami-amazon-linux-latest/no-such-image
            resources:
              logs:
                type: AWS::Logs::LogGroup
                properties: { LogGroupName: "/demo/${data.ami.value}" }
            """)
        r = self.berth("plan", ok=1)
        self.assertIn("berth.yaml:5:3: error: data.ami: SSM parameter "
                      "/aws/service/ami-amazon-linux-latest/no-such-image does not exist in "
                      f"{REGION}", r.stderr)
        self.assertIn("error: data.ami: lookup failed", r.stderr)
        self.assertNotIn("data.ami: data.ami", r.stderr)
        self.assertEqual(self.live(), [])

    def test_secure_string_is_sensitive(self):
        self.ssm().put_parameter(Name="/demo/db-password", Value=SECRET, Type="SecureString")
        self.write_spec("""\
            berth: 1
            stack: demo
            data:
              db: { type: ssm_parameter, name: /demo/db-password }
              ami: { type: ssm_parameter, name: AL2023 }
            resources:
              secret-logs:
                type: AWS::Logs::LogGroup
                properties:
                  LogGroupName: /demo/secret
                  Tags: [{ Key: password, Value: "${data.db.value}" }]
              plain-logs:
                type: AWS::Logs::LogGroup
                properties:
                  LogGroupName: /demo/plain
                  Tags: [{ Key: ami, Value: "${data.ami.value}" }]
            outputs:
              password: { value: "${data.db.value}" }
              ami: { value: "${data.ami.value}" }
            """.replace("AL2023", AL2023))
        ami = self.ssm().get_parameter(Name=AL2023)["Parameter"]["Value"]
        texts = []
        r = self.berth("plan", "--debug")
        texts.append(r.stdout + r.stderr)
        p = self.plan_json()
        texts.append(json.dumps(p))
        ch = self.changes(p)
        self.assertTrue(ch["secret-logs"]["sensitive"])
        # A String parameter stays readable.
        self.assertFalse(ch["plain-logs"]["sensitive"])
        self.assertIn({"Key": "ami", "Value": ami}, ch["plain-logs"]["after"]["Tags"])
        r = self.berth("apply", "--auto-approve", "--debug")
        texts.append(r.stdout + r.stderr)
        # What berth set is the secret itself.
        [group] = [g for g in self.all_of("log-group") if g["id"] == "/demo/secret"]
        self.assertEqual(group["tags"]["password"], SECRET)
        r = self.berth("output", "--json")
        texts.append(r.stdout + r.stderr)
        out = json.loads(r.stdout)
        self.assertTrue(out["password"]["sensitive"])
        self.assertFalse(out["ami"]["sensitive"])
        texts.append(self.berth("output").stdout)
        for root, _, files in os.walk(os.path.join(self.dir, ".berth")):
            for name in files:
                with open(os.path.join(root, name), errors="replace") as f:
                    texts.append(f.read())
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        texts.append(r.stdout + r.stderr)
        for text in texts:
            self.assertNotIn(SECRET, text)
        self.berth("destroy", "--auto-approve")


if __name__ == "__main__":
    main()
