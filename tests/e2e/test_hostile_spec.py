"""Hostile specs and command lines (issue 19): a spec from someone else's pull
request, planned in CI with the pipeline's credentials, must not be able to
print a secret or a file, exhaust memory, time or the stack, or write to the
terminal. Each case is one the red-team pass found; every run must end with
exit 1, the exact message, no sanitizer report and no canary in the output.
No AWS is needed: everything here fails before any call (validate, or plan
without credentials)."""
import os
import stat
import subprocess
import time
import unittest

from berthtest import clean_env, main, run_berth, scratch_dir

CANARY_KEY = "CANARYSECRETKEY0001"
CANARY_ID = "AKIACANARY00000001"


def preview(s):
    """An argument as a call's signature shows it (quoted, cut at 40)."""
    q = '"%s"' % s
    return q if len(q) <= 40 else q[:37] + "..."


class HostileSpec(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.dir = scratch_dir("berth-hostile-spec-")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(self.home, ".aws"))
        os.makedirs(os.path.join(self.home, ".ssh"))
        self.creds = os.path.join(self.home, ".aws", "credentials")
        with open(self.creds, "w") as f:
            f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (CANARY_ID, CANARY_KEY))
        with open(os.path.join(self.home, ".ssh", "id_ed25519"), "w") as f:
            f.write("-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n" % CANARY_KEY)
        self.env = clean_env({"BERTH_HOSTILE_CANARY": CANARY_KEY}, home=self.home)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def berth(self, args, env=None, timeout=60):
        r = run_berth(args, env=env or self.env, cwd=self.dir, timeout=timeout)
        for out in (r.stdout, r.stderr):
            self.assertNotIn(CANARY_KEY, out)
            self.assertNotIn(CANARY_ID, out)
            self.assertNotIn("Sanitizer", out)
            self.assertNotIn("runtime error", out)
        return r

    def errors(self, r):
        return [l for l in r.stderr.splitlines() if ": error: " in l]

    def assert_fails(self, args, want, env=None):
        r = self.berth(args, env=env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(self.errors(r), want)
        return r

    # ---- 1. no secret, no file's text in a message ----

    def test_file_of_credentials_is_refused(self):
        self.write("berth.yaml", """berth: 1
stack: demo
resources:
  alarm:
    type: AWS::SNS::Topic
    properties:
      TopicName: '${file("%s")}'
      DisplayName: '${template("%s/.ssh/id_ed25519", {})}'
""" % (self.creds, self.home))
        want = [
            'berth.yaml:7:19: error: file(%s): refused: it is in an AWS credentials folder '
            '(.aws); a spec never reads credentials' % preview(self.creds),
            'berth.yaml:8:21: error: template(%s, {}): refused: it is in an SSH key folder '
            '(.ssh); a spec never reads credentials' % preview(self.home + "/.ssh/id_ed25519"),
        ]
        for cmd in (["validate"], ["graph"], ["plan"]):
            self.assert_fails(cmd, want)
        r = self.berth(["plan", "--json"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("refused: it is in an AWS credentials folder", r.stdout + r.stderr)

    def test_module_source_credentials_and_environ_are_refused(self):
        self.write("berth.yaml", """berth: 1
stack: demo
modules:
  creds: { source: %s }
  env: { source: /proc/self/environ }
  folder: { source: %s }
resources: {}
""" % (self.creds, self.home))
        self.assert_fails(["validate"], [
            "berth.yaml:4:20: error: module source '%s' is refused: it is in an AWS "
            "credentials folder (.aws); a spec never reads credentials" % self.creds,
            "berth.yaml:5:18: error: module source '/proc/self/environ' is refused: it is a "
            "process's environment, which holds credentials; a spec never reads credentials",
            "berth.yaml:6:21: error: module source '%s' is a folder; name the module's YAML "
            "file" % self.home,
        ])

    def test_file_text_is_not_quoted_in_messages(self):
        self.write("op.txt", "GreaterThanThreshold-%s\n" % CANARY_KEY.lower())
        self.write("berth.yaml", """berth: 1
stack: demo
resources:
  alarm:
    type: AWS::CloudWatch::Alarm
    properties:
      MetricName: CPU
      Namespace: AWS/ECS
      Threshold: 1
      EvaluationPeriods: 1
      Period: 60
      Statistic: Average
      ComparisonOperator: '${file("op.txt")}'
  net:
    type: AWS::EC2::VPC
    properties:
      CidrBlock: '${cidrsubnet(file("op.txt"), 1, 1)}'
""")
        r = self.assert_fails(["validate"], [
            "berth.yaml:13:28: error: invalid value (text read by file(), template() or "
            "fetch(), not shown) for 'ComparisonOperator'; expected one of "
            "'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', "
            "'LessThanOrEqualToThreshold', 'LessThanLowerOrGreaterThanUpperThreshold', "
            "'LessThanLowerThreshold', 'GreaterThanUpperThreshold'",
            "berth.yaml:17:19: error: cidrsubnet((text read by file(), template() or fetch()), "
            "1, 1): (text read by file(), template() or fetch(), not shown) is not an IPv4 "
            "CIDR like 10.0.0.0/16",
        ])
        self.assertNotIn(CANARY_KEY.lower(), r.stderr)

    def test_long_values_are_cut_and_escaped(self):
        self.write("berth.yaml", """berth: 1
stack: demo
resources:
  alarm:
    type: AWS::CloudWatch::Alarm
    properties:
      MetricName: CPU
      Namespace: AWS/ECS
      Threshold: 1
      EvaluationPeriods: 1
      Period: 60
      Statistic: Average
      ComparisonOperator: "\\e]0;PWNED\\a%s"
""" % ("x" * 5000))
        self.assert_fails(["validate"], [
            "berth.yaml:13:28: error: invalid value '\\x1b]0;PWNED\\x07" + "x" * 30 +
            "'... (5010 bytes) for 'ComparisonOperator'; expected one of "
            "'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', "
            "'LessThanOrEqualToThreshold', 'LessThanLowerOrGreaterThanUpperThreshold', "
            "'LessThanLowerThreshold', 'GreaterThanUpperThreshold'",
        ])

    def test_credentials_are_masked_before_the_spec_is_read(self):
        # The active credentials (environment) and every profile's secret in
        # the shared files are masked before any spec value is evaluated.
        self.write("berth.yaml", """berth: 1
stack: demo
resources:
  a:
    type: AWS::CloudWatch::Alarm
    properties:
      MetricName: CPU
      Namespace: AWS/ECS
      Threshold: 1
      EvaluationPeriods: 1
      Period: 60
      Statistic: Average
      ComparisonOperator: %s
  b:
    type: AWS::CloudWatch::Alarm
    properties:
      MetricName: CPU
      Namespace: AWS/ECS
      Threshold: 1
      EvaluationPeriods: 1
      Period: 60
      Statistic: Average
      ComparisonOperator: ENVSECRETCANARY42
""" % CANARY_KEY)
        env = dict(self.env, AWS_SECRET_ACCESS_KEY="ENVSECRETCANARY42",
                   AWS_ACCESS_KEY_ID="AKIDEXAMPLE")
        r = self.berth(["validate"], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("ENVSECRETCANARY42", r.stderr)
        self.assertEqual(r.stderr.count("invalid value '<secret>'"), 2, r.stderr)

    def test_fetch_takes_only_https(self):
        self.write("berth.yaml", """berth: 1
stack: demo
resources:
  t:
    type: AWS::SNS::Topic
    properties:
      DisplayName: '${fetch("file:///etc/passwd", "%s")}'
""" % ("0" * 64))
        self.assert_fails(["validate"], [
            'berth.yaml:7:21: error: fetch("file:///etc/passwd", "0000000000000000000000000000000'
            '00000...): only https:// URLs are fetched (http:// only from 127.0.0.1), not file://',
        ])


if __name__ == "__main__":
    main()
