"""berth validate and berth graph as commands: default spec, variables from
every source, JSON output, exit codes. (Error messages themselves are pinned by
the corpus in tests/spec/, run by test_spec_corpus.py.)"""
import json
import os
import unittest

from berthtest import clean_env, main, run_berth, scratch_dir

SPEC = """berth: 1
stack: demo
variables:
  name: { type: string }
  azs: { type: number, default: 2 }
  tags: { type: map, default: {} }
resources:
  topic:
    type: AWS::SNS::Topic
    count: "${var.azs}"
    properties:
      TopicName: "${var.name}-${count.index}"
  alarm:
    type: AWS::CloudWatch::Alarm
    properties:
      ComparisonOperator: GreaterThanThreshold
      EvaluationPeriods: 1
      AlarmActions: ["${topic[0].TopicArn}"]
"""


class ValidateTest(unittest.TestCase):
    def setUp(self):
        self.dir = scratch_dir("berth-validate-")
        with open(os.path.join(self.dir, "berth.yaml"), "w") as f:
            f.write(SPEC)

    def run_in(self, args, env=None):
        return run_berth(args, env=clean_env(env), cwd=self.dir)

    def test_default_spec_and_required_variable(self):
        r = self.run_in(["validate"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("berth.yaml:4:3: error: variable 'name' has no value; set it with "
                      "--var name=VALUE", r.stderr)
        self.assertIn("    4 |   name: { type: string }", r.stderr)

    def test_var_beats_var_file_beats_environment(self):
        with open(os.path.join(self.dir, "vars.yaml"), "w") as f:
            f.write("name: from-file\nazs: 3\n")
        env = {"BERTH_VAR_name": "from-env", "BERTH_VAR_azs": "5"}
        r = self.run_in(["graph", "--var-file", "vars.yaml"], env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"topic[2]"', r.stdout)      # azs=3 from the file beats env's 5
        self.assertNotIn('"topic[3]"', r.stdout)
        r = self.run_in(["graph", "--var-file", "vars.yaml", "--var", "azs=1"], env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('"topic[1]"', r.stdout)  # --var beats the file
        r = self.run_in(["graph"], env)
        self.assertIn('"topic[4]"', r.stdout)      # env beats the default

    def test_valid_json(self):
        r = self.run_in(["validate", "--json", "--var", "name=x"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"valid": True, "errors": [], "warnings": []})

    def test_invalid_json_lists_every_error(self):
        r = self.run_in(["validate", "--json", "--var", "nmae=x", "--var", "azs=many"])
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        msgs = [e["message"] for e in doc["errors"]]
        self.assertIn("unknown variable 'nmae' (from --var); did you mean 'name'?", msgs)
        self.assertIn("variable 'azs' expects a number, got 'many' (from --var)", msgs)
        located = [e for e in doc["errors"] if "file" in e]
        self.assertEqual(located[0]["file"], "berth.yaml")
        self.assertEqual((located[0]["line"], located[0]["column"]), (4, 3))

    def test_map_variable_from_text(self):
        r = self.run_in(["validate", "--var", "name=x", "--var", "tags={a: b}"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_graph_is_dot_with_edges(self):
        r = self.run_in(["graph", "--var", "name=x"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("digraph berth {"))
        self.assertIn('"alarm" -> "topic[0]";', r.stdout)

    def test_graph_of_invalid_spec_fails(self):
        r = self.run_in(["graph"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")

    def test_missing_spec(self):
        r = run_berth(["validate", "-f", "nope.yaml"], cwd=self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read 'nope.yaml'", r.stderr)

    def test_help_states_precedence(self):
        r = run_berth(["validate", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("--var beats --var-file beats", r.stdout)

    def test_extra_argument(self):
        r = self.run_in(["validate", "berth.yaml"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("the spec is given with -f", r.stderr)


if __name__ == "__main__":
    main()
