"""`berth whoami` against the AWS emulator (which checks every signature with
botocore) with credentials from each source of the chain: environment,
profile files, assume-role via source_profile (and chains), credential_process,
web identity token file, the ECS container endpoint and EC2 IMDSv2 (local
stand-ins in awsfakes.py); retries under injected faults, counted by the
emulator; and no secret in any output even with --debug."""
import base64
import json
import os
import re
import sys
import textwrap
import unittest

from berthtest import clean_env, main, run_berth, scratch_dir

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awsfakes import FakeContainer, FakeImds, TlsProxy  # noqa: E402
from fixture import ACCESS_KEY, REGION, SECRET_KEY, Emulator  # noqa: E402

ACCOUNT = "123456789012"
CONTAINER_CREDS = ("ASIACONTAINER0000001", "containersecret/abc", "containertoken-xyz")
INSTANCE_CREDS = ("ASIAINSTANCE00000001", "instancesecret/abc", "instancetoken-xyz")
# Temporary secrets the emulator hands out appear only redacted.
UNREDACTED = re.compile(r"<(SecretAccessKey|SessionToken)>(?!<redacted>)|"
                        r'"(SecretAccessKey|Token|SessionToken)"\s*:\s*"(?!<redacted>)')


def jwt(claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return "%s.%s.%s" % (part({"alg": "RS256", "typ": "JWT"}), part(claims), "c2lnbmF0dXJl")


class WhoamiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(credentials=[":".join(CONTAINER_CREDS), ":".join(INSTANCE_CREDS)])
        cls.emu.start()
        # The emulator emulates IAM, so STS (like AWS) refuses to assume a
        # role that does not exist: make the ones the profiles below name.
        import botocore.session
        iam = botocore.session.get_session().create_client(
            "iam", region_name=REGION, endpoint_url=cls.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"],
            "Principal": {"AWS": ACCOUNT}}]})
        for name in ("Admin", "Hop", "Target", "CI"):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.close()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def setUp(self):
        self.emu.set_faults(throttle_rate=0, error_rate=0, drop_rate=0, throttle_next=0,
                            error_next=0, drop_next=0)
        self.emu.reset()
        self.tmp = scratch_dir("berth-whoami-")
        self.secrets = [SECRET_KEY, CONTAINER_CREDS[1], CONTAINER_CREDS[2],
                        INSTANCE_CREDS[1], INSTANCE_CREDS[2]]

    def env(self, keys=False, **extra):
        """The emulator's endpoint and region; its keys only when asked."""
        e = clean_env({"AWS_ENDPOINT_URL": self.emu.url, "AWS_REGION": REGION}, home=self.tmp)
        if keys:
            e.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        e.update(extra)
        return e

    def write(self, name, text, mode=0o600):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        os.chmod(path, mode)
        return path

    def whoami(self, env, *args):
        r = run_berth(["whoami", "--json", "--debug"] + list(args), env=env)
        for s in self.secrets:
            self.assertNotIn(s, r.stdout)
            self.assertNotIn(s, r.stderr)
        self.assertIsNone(UNREDACTED.search(r.stderr), r.stderr[-2000:])
        self.last = r
        return r

    def ok(self, env, *args):
        r = self.whoami(env, *args)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return json.loads(r.stdout)

    def calls(self):
        return self.emu.calls()["by_operation"]

    def test_env_credentials(self):
        doc = self.ok(self.env(keys=True))
        self.assertEqual(doc["account"], ACCOUNT)
        self.assertEqual(doc["arn"], "arn:aws:iam::%s:user/berth-emulator" % ACCOUNT)
        self.assertEqual(doc["credential_source"], "env")
        self.assertEqual(doc["region"], REGION)
        self.assertEqual(doc["region_source"], "AWS_REGION")
        self.assertEqual(doc["endpoint"], self.emu.url)
        self.assertEqual(doc["endpoint_source"], "AWS_ENDPOINT_URL")
        self.assertEqual(self.calls(), {"sts:GetCallerIdentity": 1})

    def test_human_output(self):
        r = run_berth(["whoami"], env=self.env(keys=True))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("account      %s" % ACCOUNT, r.stdout)
        self.assertIn("region       %s (from AWS_REGION)" % REGION, r.stdout)
        self.assertIn("credentials  env", r.stdout)

    def test_endpoint_option(self):
        env = self.env(keys=True)
        del env["AWS_ENDPOINT_URL"]
        doc = self.ok(env, "--endpoint-url", self.emu.url)
        self.assertEqual(doc["endpoint_source"], "--endpoint-url")

    def test_tls_is_verified(self):
        proxy = TlsProxy(self.emu.port, self.tmp)
        try:
            # An unknown certificate is refused, and not retried.
            r = self.whoami(self.env(keys=True, AWS_ENDPOINT_URL=proxy.url))
            self.assertEqual(r.returncode, 1)
            self.assertIn("cannot trust the AWS endpoint %s (from AWS_ENDPOINT_URL): SSL "
                          "certificate problem" % proxy.url, r.stderr)
            self.assertIn("AWS_CA_BUNDLE=FILE", r.stderr)
            self.assertEqual(proxy.handshakes_failed, 1)
            self.assertEqual(self.emu.calls()["total"], 0)
            # Trusted through AWS_CA_BUNDLE, the same endpoint works.
            doc = self.ok(self.env(keys=True, AWS_ENDPOINT_URL=proxy.url,
                                   AWS_CA_BUNDLE=proxy.cert_path))
            self.assertEqual(doc["endpoint"], proxy.url)
            self.assertEqual(self.emu.calls()["total"], 1)
        finally:
            proxy.close()

    def test_service_endpoint_variable(self):
        env = self.env(keys=True, AWS_ENDPOINT_URL_STS=self.emu.url,
                       AWS_ENDPOINT_URL="http://127.0.0.1:9")
        doc = self.ok(env)
        self.assertEqual(doc["endpoint_source"], "AWS_ENDPOINT_URL_STS")

    def test_profile_from_files(self):
        cfg = self.write("config", """\
            [profile dev]
            region = %s
            """ % REGION)
        creds = self.write("credentials", """\
            [dev]
            aws_access_key_id = %s
            aws_secret_access_key = %s
            """ % (ACCESS_KEY, SECRET_KEY))
        env = self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds)
        del env["AWS_REGION"]
        doc = self.ok(env, "--profile", "dev")
        self.assertEqual(doc["credential_source"], "profile dev")
        self.assertEqual(doc["region_source"], "profile")

    def test_explicit_profile_beats_env_keys(self):
        creds = self.write("credentials", "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                           % (ACCESS_KEY, SECRET_KEY))
        env = self.env(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_ACCESS_KEY_ID="AKIDWRONG",
                       AWS_SECRET_ACCESS_KEY="wrong")
        self.assertEqual(self.ok(env, "--profile", "dev")["credential_source"], "profile dev")

    def test_missing_profile_suggests(self):
        creds = self.write("credentials", "[develop]\naws_access_key_id = a\naws_secret_access_key = b\n")
        r = self.whoami(self.env(AWS_SHARED_CREDENTIALS_FILE=creds), "--profile", "devlop")
        self.assertEqual(r.returncode, 1)
        self.assertIn("AWS profile 'devlop' not found (from --profile)", r.stderr)
        self.assertIn("did you mean 'develop'?", r.stderr)

    def test_config_syntax_error_names_file_and_line(self):
        cfg = self.write("config", "[profile x]\nregion = us-west-2\nthis line is wrong\n")
        r = self.whoami(self.env(AWS_CONFIG_FILE=cfg))
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:3:1: error: expected '[section]' or 'key = value'" % cfg, r.stderr)

    def test_assume_role_via_source_profile(self):
        cfg = self.write("config", """\
            [profile base]
            region = %s
            [profile admin]
            role_arn = arn:aws:iam::%s:role/Admin
            source_profile = base
            role_session_name = berth-test
            """ % (REGION, ACCOUNT))
        creds = self.write("credentials", "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                           % (ACCESS_KEY, SECRET_KEY))
        doc = self.ok(self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds,
                               AWS_PROFILE="admin"))
        self.assertEqual(doc["credential_source"], "assume-role via profile admin")
        self.assertEqual(doc["arn"], "arn:aws:sts::%s:assumed-role/Admin/berth-test" % ACCOUNT)
        self.assertEqual(self.calls(), {"sts:AssumeRole": 1, "sts:GetCallerIdentity": 1})
        # --debug did log the STS answer, with the secrets blanked out.
        self.assertIn("<SecretAccessKey><redacted></SecretAccessKey>", self.last.stderr)
        self.assertIn("<SessionToken><redacted></SessionToken>", self.last.stderr)
        self.assertIn("X-Amz-Security-Token: <redacted>", self.last.stderr)
        self.assertIn("Authorization: <redacted>", self.last.stderr)

    def test_role_chain(self):
        cfg = self.write("config", """\
            [profile base]
            [profile hop]
            role_arn = arn:aws:iam::%s:role/Hop
            source_profile = base
            [profile target]
            role_arn = arn:aws:iam::%s:role/Target
            source_profile = hop
            role_session_name = chained
            """ % (ACCOUNT, ACCOUNT))
        creds = self.write("credentials", "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                           % (ACCESS_KEY, SECRET_KEY))
        doc = self.ok(self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds),
                      "--profile", "target")
        self.assertEqual(doc["arn"], "arn:aws:sts::%s:assumed-role/Target/chained" % ACCOUNT)
        self.assertEqual(self.calls(), {"sts:AssumeRole": 2, "sts:GetCallerIdentity": 1})

    def test_source_profile_loop_is_an_error(self):
        cfg = self.write("config", """\
            [profile a]
            role_arn = arn:aws:iam::%s:role/A
            source_profile = b
            [profile b]
            role_arn = arn:aws:iam::%s:role/B
            source_profile = a
            """ % (ACCOUNT, ACCOUNT))
        r = self.whoami(self.env(AWS_CONFIG_FILE=cfg), "--profile", "a")
        self.assertEqual(r.returncode, 1)
        self.assertIn("source_profile loop", r.stderr)
        self.assertIn("a -> b -> a", r.stderr)
        self.assertEqual(self.emu.calls()["total"], 0)

    def test_credential_process(self):
        script = self.write("creds.py", """\
            import json, sys
            assert sys.argv[1:] == ["--role", "deploy me"], sys.argv
            print(json.dumps({"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}))
            """ % (ACCESS_KEY, SECRET_KEY))
        cfg = self.write("config", "[profile proc]\ncredential_process = %s %s --role \"deploy me\"\n"
                         % (sys.executable, script))
        doc = self.ok(self.env(AWS_CONFIG_FILE=cfg), "--profile", "proc")
        self.assertEqual(doc["credential_source"], "process")
        self.assertEqual(doc["account"], ACCOUNT)

    def test_credential_process_failure(self):
        script = self.write("fail.sh", "#!/bin/sh\necho 'sso session expired' >&2\nexit 3\n", 0o700)
        cfg = self.write("config", "[profile proc]\ncredential_process = %s\n" % script)
        r = self.whoami(self.env(AWS_CONFIG_FILE=cfg), "--profile", "proc")
        self.assertEqual(r.returncode, 1)
        self.assertIn("exited with status 3", r.stderr)
        self.assertIn("sso session expired", r.stderr)

    def test_web_identity_token_file(self):
        token = jwt({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:x/y",
                     "aud": "sts.amazonaws.com"})
        path = self.write("token", token + "\n")
        self.secrets.append(token)
        doc = self.ok(self.env(AWS_WEB_IDENTITY_TOKEN_FILE=path,
                               AWS_ROLE_ARN="arn:aws:iam::%s:role/CI" % ACCOUNT,
                               AWS_ROLE_SESSION_NAME="gha-run"))
        self.assertEqual(doc["credential_source"], "web-identity")
        self.assertEqual(doc["arn"], "arn:aws:sts::%s:assumed-role/CI/gha-run" % ACCOUNT)
        self.assertEqual(self.calls(), {"sts:AssumeRoleWithWebIdentity": 1,
                                        "sts:GetCallerIdentity": 1})
        self.assertIn("WebIdentityToken=<redacted>", self.last.stderr)

    def test_bad_web_identity_token(self):
        path = self.write("token", "not-a-jwt")
        r = self.whoami(self.env(AWS_WEB_IDENTITY_TOKEN_FILE=path,
                                 AWS_ROLE_ARN="arn:aws:iam::%s:role/CI" % ACCOUNT))
        self.assertEqual(r.returncode, 1)
        self.assertIn("STS AssumeRoleWithWebIdentity failed: InvalidIdentityToken", r.stderr)
        self.assertIn("cannot get AWS credentials from web identity (AWS_ROLE_ARN and "
                      "AWS_WEB_IDENTITY_TOKEN_FILE)", r.stderr)

    def test_container_credentials(self):
        self.secrets.append("container-auth-token-1")
        ecs = FakeContainer(CONTAINER_CREDS, "container-auth-token-1")
        try:
            doc = self.ok(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + ecs.path,
                                   AWS_CONTAINER_AUTHORIZATION_TOKEN="container-auth-token-1"))
            self.assertEqual(doc["credential_source"], "container")
            self.assertEqual(ecs.requests, [(ecs.path, "container-auth-token-1")])
            self.assertIn('"SecretAccessKey": "<redacted>"', self.last.stderr)
            # A token file wins over the variable.
            tf = self.write("ecs-token", "container-auth-token-1\n")
            doc = self.ok(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + ecs.path,
                                   AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong",
                                   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tf))
            self.assertEqual(doc["credential_source"], "container")
            # A wrong token is refused by the endpoint, and berth says so.
            r = self.whoami(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + ecs.path,
                                     AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong"))
            self.assertEqual(r.returncode, 1)
            self.assertIn("answered HTTP 401", r.stderr)
        finally:
            ecs.close()

    def test_container_full_uri_must_be_local_or_https(self):
        r = self.whoami(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://example.com/creds"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("must use https, or http to a loopback or ECS/EKS agent address", r.stderr)

    def test_imds_v2(self):
        imds = FakeImds(INSTANCE_CREDS)
        self.secrets.append(imds.session_token)
        try:
            env = self.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url)
            del env["AWS_EC2_METADATA_DISABLED"]
            doc = self.ok(env)
            self.assertEqual(doc["credential_source"], "imds")
            self.assertEqual(imds.requests, [
                ("PUT", "/latest/api/token"),
                ("GET", "/latest/meta-data/iam/security-credentials/"),
                ("GET", "/latest/meta-data/iam/security-credentials/berth-instance-role")])
            self.assertIn('"SecretAccessKey": "<redacted>"', self.last.stderr)
        finally:
            imds.close()

    def test_metadata_never_goes_through_a_proxy(self):
        # The emulator is reached as "localhost", which NO_PROXY exempts; the
        # instance metadata address is not exempt, yet must be asked directly.
        imds = FakeImds(INSTANCE_CREDS)
        self.secrets.append(imds.session_token)
        try:
            env = self.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url,
                           AWS_ENDPOINT_URL="http://localhost:%d" % self.emu.port,
                           http_proxy="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
                           NO_PROXY="localhost", no_proxy="localhost")
            del env["AWS_EC2_METADATA_DISABLED"]
            self.assertEqual(self.ok(env)["credential_source"], "imds")
            self.assertEqual(len(imds.requests), 3)
        finally:
            imds.close()

    def test_imds_unreachable_fails_fast(self):
        env = self.env(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9")
        del env["AWS_EC2_METADATA_DISABLED"]
        r = self.whoami(env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("EC2 instance metadata at http://127.0.0.1:9 did not answer", r.stderr)

    def assert_in_order(self, text, parts):
        at = 0
        for part in parts:
            found = text.find(part, at)
            self.assertGreaterEqual(found, 0, "%r not after offset %d in:\n%s" % (part, at, text))
            at = found + len(part)

    def test_no_credentials(self):
        # A workstation: nothing configured, instance metadata (on loopback
        # here) does not answer. One message: every source in the chain's
        # order, why each gave nothing, and what to do.
        env = self.env(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9")
        del env["AWS_EC2_METADATA_DISABLED"]
        r = self.whoami(env)
        self.assertEqual(r.returncode, 1)
        home = self.tmp
        self.assert_in_order(r.stderr, [
            "error: no AWS credentials found",
            "1. environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
            "2. profile 'default' (the default; AWS_PROFILE is not set): no keys in "
            "%s/.aws/credentials (no such file) or %s/.aws/config (no such file)" % (home, home),
            "3. SSO, credential_process, web identity:",
            "4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "5. EC2 instance metadata at http://127.0.0.1:9 did not answer",
            "on a workstation: run `aws configure`",
            "`berth whoami`"])
        self.assertEqual(r.stderr.count("error:"), 1, r.stderr)
        self.assertEqual(self.emu.calls()["total"], 0)
        # Metadata switched off: said so in the same place.
        r = self.whoami(self.env())
        self.assertEqual(r.returncode, 1)
        self.assert_in_order(r.stderr, ["no AWS credentials found", "1. environment",
                                        "5. EC2 instance metadata: disabled by "
                                        "AWS_EC2_METADATA_DISABLED"])

    def test_no_credentials_names_the_profile_and_its_files(self):
        self.write("config", """\
            [profile work]
            region = us-west-2
            sso_session = corp
            sso_account_id = 123456789012
            """)
        self.write("credentials", "[other]\naws_access_key_id = AKIAOTHER\n")
        env = self.env(AWS_PROFILE="work", AWS_CONFIG_FILE=os.path.join(self.tmp, "config"),
                       AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.tmp, "credentials"))
        r = self.whoami(env)
        self.assertEqual(r.returncode, 1)
        self.assert_in_order(r.stderr, [
            "no AWS credentials found",
            "2. profile 'work' (from AWS_PROFILE): no keys in %s/credentials (no [work] section)"
            " or %s/config ([profile work] has no aws_access_key_id)" % (self.tmp, self.tmp),
            "3. IAM Identity Center (SSO): profile 'work' signs in with sso_session (%s/config:3)"
            % self.tmp,
            "5. EC2 instance metadata: disabled",
            "aws sso login --profile work",
            "aws configure export-credentials --profile work --format env"])

    def test_no_region(self):
        env = self.env(keys=True)
        del env["AWS_REGION"]
        r = self.whoami(env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no AWS region configured", r.stderr)

    def test_wrong_secret(self):
        self.secrets.append("not-the-secret")
        r = self.whoami(self.env(keys=True, AWS_SECRET_ACCESS_KEY="not-the-secret"))
        self.assertEqual(r.returncode, 1)
        # A credentials problem, in the user's words, naming where the key is.
        self.assertIn("error: AWS rejected the credentials from the environment "
                      "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): the secret access key "
                      "does not belong to the access key\n", r.stderr)
        self.assertIn("access key %s...%s; correct the key and secret there"
                      % (ACCESS_KEY[:4], ACCESS_KEY[-4:]), r.stderr)
        self.assertIn("(AWS sts GetCallerIdentity: SignatureDoesNotMatch, HTTP 403, request id ",
                      r.stderr)
        self.assertNotIn("sts GetCallerIdentity failed", r.stderr)
        # Not retried: a wrong key does not get righter.
        self.assertEqual(self.emu.calls()["total"], 1)

    def test_wrong_secret_while_reading_a_stack_is_said_once(self):
        # JSON services say InvalidSignatureException, query ones
        # SignatureDoesNotMatch: one message, about the key, either way.
        self.secrets.append("not-the-secret")
        env = self.env(keys=True, AWS_SECRET_ACCESS_KEY="not-the-secret")
        r = run_berth(["state", "list", "--stack", "nowhere"], env=env, cwd=self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("error: AWS rejected the credentials from the "
                                        "environment (AWS_ACCESS_KEY_ID and "
                                        "AWS_SECRET_ACCESS_KEY): the secret access key does "
                                        "not belong to the access key\n"), 1, r.stderr)
        self.assertEqual(r.stderr.count("error:"), 1, r.stderr)

    def test_unknown_key_in_a_profile_names_the_file(self):
        self.secrets.append("whatever-secret")
        path = self.write("credentials", """\
            [default]
            region = us-west-2

            [dev]
            aws_access_key_id = AKIANOSUCHKEY0000001
            aws_secret_access_key = whatever-secret
            """)
        r = self.whoami(self.env(AWS_SHARED_CREDENTIALS_FILE=path), "--profile", "dev")
        self.assertEqual(r.returncode, 1)
        self.assertIn("error: AWS rejected the credentials from profile 'dev' "
                      "(aws_access_key_id at %s:5): AWS knows no such access key" % path,
                      r.stderr)
        self.assertIn("(AWS sts GetCallerIdentity: InvalidClientTokenId, HTTP 403", r.stderr)
        self.assertIn("access key AKIA...0001", r.stderr)

    def test_unreachable_endpoint_names_it_and_its_setting(self):
        # Port 9 on loopback: nothing listens. The message is about the
        # endpoint and the setting that chose it, not about the API call,
        # and does not suggest retrying harder.
        cases = [({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, [],
                  "(from AWS_ENDPOINT_URL)", "check that variable"),
                 ({"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}, [],
                  "(from AWS_ENDPOINT_URL_STS)", "unset it to go to AWS's own endpoints"),
                 ({}, ["--endpoint-url", "http://127.0.0.1:9"],
                  "(from --endpoint-url)", "check the URL given with --endpoint-url")]
        for extra, args, origin, advice in cases:
            env = self.env(keys=True)
            del env["AWS_ENDPOINT_URL"]
            env.update(extra)
            r = self.whoami(env, *args)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("error: cannot reach the AWS endpoint http://127.0.0.1:9 %s: "
                          % origin, r.stderr)
            self.assertIn(advice, r.stderr)
            self.assertNotIn("AWS_MAX_ATTEMPTS", r.stderr)
            self.assertNotIn("GetCallerIdentity:", r.stderr)
        path = self.write("config", "[default]\nendpoint_url = http://127.0.0.1:9\n")
        env = self.env(keys=True, AWS_CONFIG_FILE=path)
        del env["AWS_ENDPOINT_URL"]
        r = self.whoami(env)
        self.assertIn("cannot reach the AWS endpoint http://127.0.0.1:9 (from endpoint_url in "
                      "profile 'default')", r.stderr)

    def test_unreachable_endpoint_is_said_once(self):
        # Reading a stack makes dozens of calls at once; all fail alike.
        env = self.env(keys=True, AWS_ENDPOINT_URL="http://127.0.0.1:9")
        r = run_berth(["state", "list", "--stack", "nowhere"], env=env, cwd=self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("cannot reach the AWS endpoint"), 1, r.stderr)
        self.assertEqual(r.stderr.count("error:"), 1, r.stderr)

    def attempts_logged(self, stderr):
        m = re.search(r"sts GetCallerIdentity -> \S+ \(attempts (\d+),", stderr)
        self.assertIsNotNone(m, stderr[-2000:])
        return int(m.group(1))

    def test_faults_are_retried(self):
        # With seed 25 the emulator answers Throttling, InternalFailure and
        # ServiceUnavailable before a good answer: more than the default 3
        # attempts, within AWS_MAX_ATTEMPTS=5. Pinned, so a change in the
        # emulator's draws shows up here rather than as a flaky pass.
        self.emu.set_faults(throttle_rate=0.3, error_rate=0.3, seed=25)
        r = self.whoami(self.env(keys=True, AWS_MAX_ATTEMPTS="5"))
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(self.attempts_logged(r.stderr), 4)
        calls = self.emu.calls()
        self.assertEqual(calls["total"], 4)
        self.assertEqual(calls["rejected_by_code"], {"InternalFailure": 1, "ServiceUnavailable": 1,
                                                     "Throttling": 1})

    def test_dropped_connection_is_retried(self):
        self.emu.set_faults(drop_next=1)
        r = self.whoami(self.env(keys=True))
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(self.attempts_logged(r.stderr), 2)
        self.assertEqual(self.emu.calls()["total"], 2)

    def test_all_faults_fail_after_max_attempts(self):
        self.emu.set_faults(throttle_rate=1.0, seed=1)
        r = self.whoami(self.env(keys=True, AWS_MAX_ATTEMPTS="4"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("gave up after 4 attempts", r.stderr)
        self.assertEqual(self.attempts_logged(r.stderr), 4)
        self.assertEqual(self.emu.calls()["total"], 4)

    def test_default_budget_and_max_retries(self):
        # 25 attempts by default, as Terraform's AWS provider; --max-retries
        # counts the retries after the first attempt.
        r = self.whoami(self.env(keys=True))
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        out = json.loads(r.stdout)
        self.assertEqual((out["max_attempts"], out["max_attempts_source"], out["retry_mode"]),
                         (25, "default", "standard"))
        self.emu.set_faults(error_rate=1.0, seed=1)
        r = self.whoami(self.env(keys=True), "--max-retries", "2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("gave up after 3 attempts", r.stderr)
        self.assertEqual(self.emu.calls()["total"], 4)


if __name__ == "__main__":
    main()
