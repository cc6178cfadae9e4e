"""`berth schema` and `berth types`: the editor JSON Schema stays equal to the
committed specs/berth.schema.json, is valid JSON Schema (draft-07) naming every
registered type, accepts the DESIGN.md example spec and rejects mistakes."""
import json
import os
import re
import unittest

import subprocess
import sys
import tempfile

from berthtest import SOURCE_DIR, main, run_berth

COMMITTED = os.path.join(SOURCE_DIR, "specs", "berth.schema.json")

try:
    import jsonschema  # optional: deeper checks when the machine has it
except ImportError:  # pragma: no cover
    jsonschema = None
try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

EXAMPLE = """
berth: 1
stack: ecs-workshop
region: us-west-2
variables:
  alarm_email: { type: string, description: "Where alarm mail goes" }
  azs:         { type: number, default: 2 }
repos:
  ecsdemo-amp: { url: https://github.com/aws-samples/ecsdemo-amp, ref: f01153e }
modules:
  net:
    source: ../modules/vpc.yaml
    inputs: { cidr: 10.0.0.0/24, azs: "${var.azs}", nat_gateways: 1 }
resources:
  cluster:
    type: AWS::ECS::Cluster
    properties:
      ClusterName: container-demo
      ClusterSettings: [{ Name: containerInsights, Value: enabled }]
  cpu-alarm:
    type: AWS::CloudWatch::Alarm
    depends_on: [frontend]
    properties:
      Namespace: AWS/ECS
      MetricName: CPUUtilization
      Dimensions:
        - { Name: ClusterName, Value: "${cluster.ClusterName}" }
        - { Name: ServiceName, Value: "${frontend.Name}" }
      Threshold: 50
      EvaluationPeriods: "${var.azs}"
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: ["${alarm-topic.TopicArn}"]
outputs:
  alb_url: { value: "http://${module.frontend.alb_dns}", description: "Load balancer URL" }
"""


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = run_berth(["schema"])
        assert r.returncode == 0, r.stderr
        cls.text = r.stdout
        cls.doc = json.loads(r.stdout)
        r = run_berth(["types", "--json"])
        assert r.returncode == 0, r.stderr
        cls.types = [t["type"] for t in json.loads(r.stdout)]

    def test_matches_committed_file(self):
        with open(COMMITTED) as f:
            committed = f.read()
        self.assertEqual(self.text, committed,
                         "specs/berth.schema.json is stale: run "
                         "'build/berth schema > specs/berth.schema.json' and commit it")

    def test_every_type_is_in_the_schema(self):
        self.assertGreaterEqual(len(self.types), 34)
        defs = self.doc["definitions"]
        enum = defs["resource"]["properties"]["type"]["enum"]
        self.assertEqual(enum, self.types)
        for t in self.types:
            self.assertIn(t, defs)
        self.assertIn("AWS::ECS::Cluster", enum)
        self.assertIn("Berth::Grafana::Dashboard", enum)

    def test_read_only_properties_left_out(self):
        cluster = self.doc["definitions"]["AWS::ECS::Cluster"]["properties"]
        self.assertIn("ClusterName", cluster)
        self.assertNotIn("Arn", cluster)
        role = self.doc["definitions"]["AWS::IAM::Role"]
        self.assertEqual(role["required"], ["AssumeRolePolicyDocument"])

    def test_top_level_sections(self):
        self.assertEqual(self.doc["$schema"], "http://json-schema.org/draft-07/schema#")
        for key in ("berth", "stack", "region", "variables", "repos", "modules", "data",
                    "resources", "outputs"):
            self.assertIn(key, self.doc["properties"])

    @unittest.skipIf(jsonschema is None or yaml is None, "needs python3-jsonschema and python3-yaml")
    def test_validates_specs(self):
        jsonschema.Draft7Validator.check_schema(self.doc)
        v = jsonschema.Draft7Validator(self.doc)
        spec = yaml.safe_load(EXAMPLE)
        self.assertEqual([e.message for e in v.iter_errors(spec)], [])
        props = spec["resources"]["cpu-alarm"]["properties"]
        props["Namespcae"] = props.pop("Namespace")
        props["Threshold"] = "high"
        spec["resources"]["cluster"]["properties"]["Arn"] = "x"
        bad = sorted(tuple(e.absolute_path) for e in v.iter_errors(spec))
        self.assertEqual(bad, [
            ("resources", "cluster", "properties"),
            ("resources", "cpu-alarm", "properties"),
            ("resources", "cpu-alarm", "properties", "Threshold"),
        ])


class GeneratedTablesTest(unittest.TestCase):
    def test_types_gen_is_current(self):
        """src/schema/types_gen.c is what tools/gen_schema.py makes from the
        shared schemas now (so a schema or generator change is committed
        together with its output)."""
        schemas = os.path.join(SOURCE_DIR, "tools", "cfn-schemas")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "types_gen.c")
            r = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "tools", "gen_schema.py"),
                                schemas, out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                fresh = f.read()
        with open(os.path.join(SOURCE_DIR, "src", "schema", "types_gen.c")) as f:
            committed = f.read()
        self.assertEqual(fresh, committed,
                         "src/schema/types_gen.c is stale: run 'python3 tools/gen_schema.py' and commit it")

    def test_props_gen_is_current(self):
        """src/resources/props_gen.c is what tools/gen_rta_props.py makes from
        the schemas, botocore's models, src/schema/support.c and its own
        overrides now. It is compared only under the botocore that made it
        (its first line names the version): another botocore's models may
        differ, and the committed file is the one berth builds with."""
        committed_path = os.path.join(SOURCE_DIR, "src", "resources", "props_gen.c")
        with open(committed_path) as f:
            committed = f.read()
        made_with = re.search(r"botocore (\S+)'s", committed.splitlines()[0])
        try:
            import botocore
        except ImportError:
            self.skipTest("needs botocore")
        if not made_with or made_with.group(1) != botocore.__version__:
            self.skipTest("props_gen.c was made with another botocore than %s" %
                          botocore.__version__)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "props_gen.c")
            r = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "tools", "gen_rta_props.py"),
                                "-o", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                fresh = f.read()
        self.assertEqual(fresh, committed,
                         "src/resources/props_gen.c is stale: run 'python3 tools/gen_rta_props.py' and commit it")


class TypesTest(unittest.TestCase):
    def test_list(self):
        r = run_berth(["types"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("AWS::ECS::Cluster ", r.stdout)
        self.assertIn("Berth::Grafana::Permissions ", r.stdout)

    def test_one_type_text(self):
        r = run_berth(["types", "AWS::ECS::TaskDefinition"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\n  ContainerDefinitions\[\]\.PortMappings\[\]\.ContainerPort +integer")
        self.assertRegex(r.stdout, r"\n  Family +string +create-only")
        self.assertIn("attributes (read-only", r.stdout)
        self.assertRegex(r.stdout, r"\n  TaskDefinitionArn +string")

    def test_one_type_json(self):
        r = run_berth(["types", "AWS::Logs::LogGroup", "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["type"], "AWS::Logs::LogGroup")
        props = {p["name"]: p for p in doc["properties"]}
        self.assertIn("create-only", props["LogGroupName"]["flags"])
        self.assertIn("read-only", props["Arn"]["flags"])
        self.assertEqual(props["LogGroupClass"]["default"], "STANDARD")

    def test_properties_berth_refuses_are_marked(self):
        """What the schema allows but validate refuses (src/schema/support.c)
        says so where a user looks first: types (text, JSON) and the editor
        schema."""
        r = run_berth(["types", "AWS::EC2::NatGateway"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\n  AvailabilityMode +string +create-only not-supported\n"
                                   r".*\n      berth does not set it yet\n")
        self.assertRegex(r.stdout, r"\n  SubnetId +string +create-only\n")
        r = run_berth(["types", "AWS::Logs::LogGroup", "--json"])
        props = {p["name"]: p for p in json.loads(r.stdout)["properties"]}
        self.assertEqual((props["BearerTokenAuthenticationEnabled"]["berth"],
                          props["BearerTokenAuthenticationEnabled"]["allowed"]), ("only", False))
        self.assertNotIn("berth", props["RetentionInDays"])
        # A type whose file sets only a list of properties: the rest refused.
        r = run_berth(["types", "AWS::EC2::Instance", "--json"])
        props = {p["name"]: p.get("berth") for p in json.loads(r.stdout)["properties"]}
        self.assertEqual((props["ImageId"], props["CpuOptions"]), (None, "not-supported"))
        # AWS changes it in place, berth cannot yet: a change replaces.
        r = run_berth(["types", "AWS::CloudFormation::Stack", "--json"])
        props = {p["name"]: p.get("berth") for p in json.loads(r.stdout)["properties"]}
        self.assertEqual((props["TimeoutInMinutes"], props["Parameters"]), ("replaces", None))
        r = run_berth(["types", "AWS::CloudFormation::Stack"])
        self.assertRegex(r.stdout, r"\n  TimeoutInMinutes +integer +replaces\n")
        doc = json.loads(run_berth(["schema"]).stdout)["definitions"]
        refused = doc["AWS::EC2::NatGateway"]["properties"]["AvailabilityMode"]
        self.assertEqual(refused["not"], {})
        self.assertTrue(refused["description"].startswith("berth does not set AvailabilityMode yet"))
        self.assertIs(doc["AWS::Logs::LogGroup"]["properties"]
                      ["BearerTokenAuthenticationEnabled"]["const"], False)
        self.assertNotIn("not", doc["AWS::EC2::NatGateway"]["properties"]["SubnetId"])

    def test_unknown_type_suggests(self):
        r = run_berth(["types", "AWS::ECS::Clustr"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown type 'AWS::ECS::Clustr'; did you mean 'AWS::ECS::Cluster'?", r.stderr)


if __name__ == "__main__":
    main()
