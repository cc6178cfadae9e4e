"""The canary test: secrets never reach anything berth writes.

Canary values are planted where secrets come from -- sensitive variables used
in properties (an SNS topic's DisplayName, a log group's tag), AWS credentials
in the environment (secret key and session token), a credential_process, a
web identity token file -- and berth runs every command with `-v --debug
--log-file`. Then every byte berth wrote (stdout, stderr, the log file, the
saved plan, everything under .berth/) is searched for each canary in the forms
it takes on the wire: raw, URL-encoded (upper and lower case hex, '+' for
space, twice encoded), JSON-escaped, XML-escaped. Any hit fails.

The test also proves it could fail: the canaries really reach the emulator
(the topic's DisplayName is the secret), and the same scanner finds each
canary in the files the user wrote (the var file, the token file)."""
import base64
import json
import os
import sys
import urllib.parse

from berthtest import main
from enginetest import EngineCase

# Characters that differ in every encoding: '/', '+', '=', '&', '"', '\\', ' '.
DISPLAY_SECRET = 'Canary "disp" Pa$$/w0rd&+=\\ 7Q'
TAG_SECRET = "canary tag/val+=@9Z"          # within the tag value pattern
ENV_AKID = "AKIDCANARYENV0001"
ENV_SECRET = "canary/env+Secret=Key0001"
ENV_TOKEN = "canary/env+Session=Token0001"
PROC_AKID = "AKIDCANARYPROC001"
PROC_SECRET = "canary/proc+Secret=Key0002"
BAD_NUMBER_SECRET = "canary-not-a-number-3X"

SPEC = """\
    berth: 1
    stack: canary
    variables:
      display: { type: string, sensitive: true }
      tagval: { type: string, sensitive: true }
      limit: { type: number, sensitive: true, default: 5 }
    resources:
      topic:
        type: AWS::SNS::Topic
        properties:
          TopicName: canary-topic
          DisplayName: ${var.display}
      logs:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /canary/logs
          RetentionInDays: 7
          Tags: [{ Key: owner, Value: "${var.tagval}" }]
    outputs:
      name: { value: "${var.display}" }
      arn: { value: "${topic.TopicArn}" }
    """


def jwt(claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return "%s.%s.%s" % (part({"alg": "RS256", "typ": "JWT"}), part(claims), "c2lnbmF0dXJl")


WEB_TOKEN = jwt({"iss": "https://token.actions.githubusercontent.com",
                 "sub": "repo:canary/secret", "aud": "sts.amazonaws.com"})


def forms(secret):
    """The forms a secret takes in requests, answers, logs and files."""
    out = {secret}
    for safe in ("", "/"):
        q = urllib.parse.quote(secret, safe=safe)
        out |= {q, urllib.parse.quote(q, safe="")}
        out.add(urllib.parse.quote_plus(secret, safe=safe))
        # Lower-case hex escapes.
        out.add("".join(c.lower() if i > 0 and q[i - 1] == "%" or i > 1 and q[i - 2] == "%"
                        else c for i, c in enumerate(q)))
    j = json.dumps(secret)[1:-1]
    out |= {j, j.replace("/", "\\/")}
    out.add(secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))
    out.add(secret.replace("&", "&amp;").replace('"', "&#34;"))
    return out


CANARIES = [DISPLAY_SECRET, TAG_SECRET, ENV_SECRET, ENV_TOKEN, PROC_SECRET,
            BAD_NUMBER_SECRET, WEB_TOKEN]


def leaks(data):
    """(canary, form) pairs found in data (bytes)."""
    found = []
    for c in CANARIES:
        for f in forms(c):
            if f.encode() in data:
                found.append((c, f))
    return found


class SecretsTest(EngineCase):
    emulator_options = {"credentials": ["%s:%s:%s" % (ENV_AKID, ENV_SECRET, ENV_TOKEN),
                                        "%s:%s" % (PROC_AKID, PROC_SECRET)]}

    def setUp(self):
        super().setUp()
        self.written = []  # (what, bytes) of everything berth wrote
        self.log = os.path.join(self.dir, "berth.log")
        self.env.update(AWS_ACCESS_KEY_ID=ENV_AKID, AWS_SECRET_ACCESS_KEY=ENV_SECRET,
                        AWS_SESSION_TOKEN=ENV_TOKEN)
        self.write_spec(SPEC)
        with open(os.path.join(self.dir, "secret.yaml"), "w") as f:
            f.write("tagval: %s\n" % json.dumps(TAG_SECRET))

    def run_all(self, *args, ok=True, env=None):
        r = self.berth("-v", "--debug", "--log-file", self.log, *args, ok=ok, env=env)
        self.written.append(("stdout of berth %s" % " ".join(args), r.stdout.encode()))
        self.written.append(("stderr of berth %s" % " ".join(args), r.stderr.encode()))
        return r

    def collect_files(self):
        paths = [self.log, os.path.join(self.dir, "plan.json")]
        for root, _, files in os.walk(os.path.join(self.dir, ".berth")):
            paths += [os.path.join(root, f) for f in files]
        for p in paths:
            if os.path.exists(p):
                with open(p, "rb") as f:
                    self.written.append((p, f.read()))

    def assert_no_leak(self):
        self.collect_files()
        hits = ["%s: %r (as %r)" % (what, c, f) for what, data in self.written
                for c, f in leaks(data)]
        self.assertEqual(hits, [], "secrets leaked:\n" + "\n".join(hits))

    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def test_scanner_finds_planted_canaries(self):
        """The scanner is not blind: it finds each canary, and its encoded
        forms, where they are known to be (the files the user wrote)."""
        with open(os.path.join(self.dir, "secret.yaml"), "rb") as f:
            self.assertIn(TAG_SECRET, [c for c, _ in leaks(f.read())])
        for c in CANARIES:
            self.assertIn(c, [x for x, _ in leaks(urllib.parse.quote(c, safe="").encode())])
            self.assertIn(c, [x for x, _ in leaks(json.dumps({"v": c}).encode())])

    def test_no_secret_in_anything_berth_writes(self):
        v = ["--var", "display=" + DISPLAY_SECRET, "--var-file", "secret.yaml"]
        self.run_all("validate", *v)
        # A sensitive variable with a bad value: the error names the variable,
        # never the value.
        r = self.run_all("validate", *v, "--var", "limit=" + BAD_NUMBER_SECRET, ok=1)
        self.assertIn("limit", r.stderr)
        self.run_all("plan", "--json", *v)
        self.run_all("plan", "--out", "plan.json", *v)
        self.run_all("graph", *v)
        self.run_all("destroy", "--dry-run", *v)
        # The saved plan holds no sensitive value: they are given again.
        self.run_all("apply", "--auto-approve", "plan.json", *v)
        # The canaries really went to AWS: a leak was possible.
        topic = self.all_of("topic")[0]
        attrs = self.aws("sns").get_topic_attributes(TopicArn=topic["arn"])["Attributes"]
        self.assertEqual(attrs["DisplayName"], DISPLAY_SECRET)
        logs = self.all_of("log-group")[0]
        self.assertEqual(logs["tags"].get("owner"), TAG_SECRET)
        self.run_all("plan", "--detailed-exitcode", *v, ok=0)
        self.run_all("plan", "--json", *v)
        r = self.run_all("output", *v)
        self.assertIn("arn", r.stdout)
        self.run_all("output", "--json", *v)
        self.run_all("output", "name", *v)
        venv = dict(self.env, BERTH_VAR_display=DISPLAY_SECRET, BERTH_VAR_tagval=TAG_SECRET)
        self.run_all("state", "list", env=venv)
        self.run_all("state", "show", "topic", env=venv)
        self.run_all("state", "show", "logs", env=venv)
        self.run_all("whoami")

        # Credentials from a credential_process.
        script = os.path.join(self.dir, "creds.py")
        with open(script, "w") as f:
            f.write("import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': %r, "
                    "'SecretAccessKey': %r}))\n" % (PROC_AKID, PROC_SECRET))
        cfg = os.path.join(self.dir, "aws-config")
        with open(cfg, "w") as f:
            f.write("[profile proc]\ncredential_process = %s %s\n" % (sys.executable, script))
        penv = dict(self.env, AWS_CONFIG_FILE=cfg, AWS_PROFILE="proc")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            penv.pop(k, None)
        self.run_all("whoami", env=penv)
        self.run_all("plan", *v, env=penv)

        # A web identity token file (CI); STS, like AWS, wants the role to exist.
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["sts:AssumeRoleWithWebIdentity"],
            "Principal": {"AWS": "123456789012"}}]})
        self.aws("iam").create_role(RoleName="CI", AssumeRolePolicyDocument=trust)
        token = os.path.join(self.dir, "token")
        with open(token, "w") as f:
            f.write(WEB_TOKEN + "\n")
        wenv = dict(self.env, AWS_WEB_IDENTITY_TOKEN_FILE=token,
                    AWS_ROLE_ARN="arn:aws:iam::123456789012:role/CI")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            wenv.pop(k, None)
        self.run_all("whoami", env=wenv)
        self.run_all("plan", *v, env=wenv)

        self.run_all("destroy", "--auto-approve", *v)
        self.assertEqual(self.live(stack="canary"), [])
        self.assert_no_leak()


if __name__ == "__main__":
    main()
