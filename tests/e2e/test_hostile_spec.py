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

from berthtest import BERTH, clean_env, main, run_berth, scratch_dir

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

    # ---- 3. linear time ----

    def test_long_line_and_many_errors_take_linear_time(self):
        # One 450 KB line (13 s for 100 KB before, minutes for 400 KB) and
        # 60,000 bad lines (each rendered by rescanning the file before).
        entries = ",".join("v%d: {type: string, default: a}" % i for i in range(15000))
        line = "variables: {%s, last: {default: a, typo: 1}}" % entries
        self.write("long.yaml", "berth: 1\nstack: demo\n%s\nresources: {}\n" % line)
        self.write("many.yaml", "berth: 1\nstack: demo\nresources: {}\noutputs:\n" +
                   "".join("  o%d: v\n" % i for i in range(60000)))
        start = time.monotonic()
        r = self.assert_fails(["validate", "-f", "long.yaml"], [
            "long.yaml:3:%d: error: unknown key 'typo' in a variable; did you mean 'type'?"
            % (line.index("typo") + 1)])
        # The source line is a window around the column, not 450 KB.
        self.assertLess(len(r.stderr), 600, r.stderr)
        self.assertIn("...", r.stderr)
        r = self.berth(["validate", "-f", "many.yaml"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(self.errors(r)), 60000)
        self.assertTrue(r.stderr.endswith("  60004 |   o59999: v\n        |           ^\n"))
        self.assertLess(time.monotonic() - start, 45)

    # ---- 4. bounded reads ----

    def test_devices_fifos_and_folders_are_not_read(self):
        os.mkfifo(os.path.join(self.dir, "fifo"))
        self.write("ok.yaml", "berth: 1\nstack: demo\nresources: {}\n")
        self.write("mods.yaml", """berth: 1
stack: demo
modules:
  zero: { source: /dev/zero }
  fifo: { source: fifo }
resources: {}
""")
        msg = "berth: error: cannot read '%s': it is not a regular file"
        self.assert_fails(["validate", "-f", "/dev/zero"], [msg % "/dev/zero"])
        self.assert_fails(["validate", "-f", "fifo"], [msg % "fifo"])
        self.assert_fails(["validate", "-f", "ok.yaml", "--var-file", "/dev/zero"],
                          [msg % "/dev/zero"])
        self.assert_fails(["validate", "-f", "mods.yaml"], [
            "mods.yaml:4:19: error: cannot read '/dev/zero': it is not a regular file",
            "mods.yaml:5:19: error: cannot read 'fifo': it is not a regular file",
        ])
        with open(os.path.join(self.dir, "sparse.txt"), "w") as f:
            f.truncate(3 << 30)
        self.write("sparse.yaml", """berth: 1
stack: demo
resources:
  t:
    type: AWS::SNS::Topic
    properties: { DisplayName: '${file("sparse.txt")}' }
""")
        self.assert_fails(["validate", "-f", "sparse.yaml"], [
            'sparse.yaml:6:33: error: file("sparse.txt"): cannot read sparse.txt: it is '
            'larger than 16 MiB'])

    # ---- 6. no terminal escapes ----

    def test_control_characters_are_escaped(self):
        self.write("berth.yaml", 'berth: 1\nstack: demo\nresources:\n'
                   '  "\\e]0;PWNED\\a\\e[2J":\n    type: AWS::SNS::Topic\n')
        # Raw control characters are not YAML; the line they are on is shown escaped.
        self.write("raw.yaml", "berth: 1\x1b]0;X\x07\nstack: demo\n")
        r = self.berth(["validate", "-f", "raw.yaml"])
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("\x1b", r.stderr)
        self.assertNotIn("\x07", r.stderr)
        self.assertIn("      1 | berth: 1\\x1b]0;X\\x07\n", r.stderr)
        r = self.berth(["validate"])
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("\x1b", r.stderr)
        self.assertNotIn("\x07", r.stderr)
        self.assertEqual(self.errors(r)[0],
                         "berth.yaml:4:4: error: invalid resource name '\\x1b]0;PWNED\\x07\\x1b[2J'; "
                         "use letters, digits, '_' and '-', starting with a letter")

    # ---- 7. numbers from the environment and the command line ----

    def test_numbers_are_range_checked(self):
        self.write("berth.yaml", "berth: 1\nstack: demo\nresources: {}\n")
        for var in ("BERTH_RETRY_TIMEOUT", "BERTH_WAIT_TIMEOUT"):
            for bad in ("99999999999999999999", "-5", "10s"):
                env = dict(self.env, **{var: bad})
                self.assert_fails(["destroy", "--auto-approve"], [
                    "berth: error: %s must be a whole number from 1 to 604800, not '%s'"
                    % (var, bad)], env=env)
                self.assertFalse(os.path.exists(os.path.join(self.dir, ".berth", "demo.lock")))
        self.assert_fails(["destroy", "--auto-approve", "--retry-timeout", "-3"], [
            "berth: error: --retry-timeout must be from 0 to 604800 seconds, not -3"])
        self.assert_fails(["destroy", "--auto-approve", "--parallelism", "99999"], [
            "berth: error: --parallelism must be from 1 to 1000, not 99999"])

    # ---- 8. smaller ones ----

    def test_cr_and_crlf_lines_are_shown(self):
        bad = ["berth: 1", "stack: demo", "resources:", "  t:", "    type: AWS::SNS::Topc", ""]
        for name, nl in (("cr.yaml", "\r"), ("crlf.yaml", "\r\n")):
            with open(os.path.join(self.dir, name), "w", newline="") as f:
                f.write(nl.join(bad))
            r = self.assert_fails(["validate", "-f", name], [
                "%s:5:11: error: unknown resource type 'AWS::SNS::Topc'; did you mean "
                "'AWS::SNS::Topic'?" % name])
            self.assertIn("      5 |     type: AWS::SNS::Topc\n        |           ^\n", r.stderr)
            self.assertNotIn("\r", r.stderr)

    def test_invalid_utf8_variables_are_named(self):
        self.write("berth.yaml", "berth: 1\nstack: demo\nvariables:\n  v: { type: string }\n"
                   "  n: { type: number }\nresources: {}\n")
        r = subprocess.run([BERTH, "validate", b"--var", b"v=\xff\xfe",
                            b"--var", b"n=\x1b]0;x"], env=dict(self.env), cwd=self.dir,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.decode().splitlines(), [
            "berth: error: variable 'v' from --var is not UTF-8 text",
            "berth: error: variable 'n' expects a number, got '\\x1b]0;x' (from --var)"])
        env = {k.encode(): v.encode() for k, v in self.env.items()}
        env[b"BERTH_VAR_v"] = b"\xff"
        r = subprocess.run([BERTH, "validate", "--var", "n=1"],
                           env=env, cwd=self.dir, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.decode().splitlines(), [
            "berth: error: variable 'v' from the environment is not UTF-8 text"])

    def test_unwritable_log_file_stops_the_command(self):
        self.write("berth.yaml", "berth: 1\nstack: demo\nresources: {}\n")
        self.assert_fails(["--log-file", "/dev/full", "validate"], [
            "berth: error: cannot write log file '/dev/full': No space left on device"])


if __name__ == "__main__":
    main()
