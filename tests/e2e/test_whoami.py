"""`berth whoami` with credentials from every source of the chain, against a
local STS that checks each signature with botocore (tests/e2e/awsfakes.py),
plus retries under injected faults and secrets kept out of all output."""
import json
import os
import stat
import sys
import tempfile
import textwrap
import unittest

from berthtest import clean_env, main, run_berth

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awsfakes import ACCOUNT, FakeContainer, FakeImds, FakeSts  # noqa: E402

REGION = "us-west-2"
AKID = "AKIDBERTHTEST00000001"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBERTHSECRET"


class WhoamiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sts = FakeSts(REGION)
        cls.sts.add_user(AKID, SECRET, "alice")

    @classmethod
    def tearDownClass(cls):
        cls.sts.close()

    def setUp(self):
        self.sts.set_faults(0, 0)
        self.sts.calls.clear()
        self.tmp = tempfile.mkdtemp(prefix="berth-whoami-")
        # Every secret any test hands out, to check no output contains one.
        self.secrets = [SECRET]

    def env(self, **extra):
        e = clean_env({"AWS_ENDPOINT_URL": self.sts.url, "AWS_REGION": REGION}, home=self.tmp)
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
        all_secrets = self.secrets + [s for _, s, _ in self.sts.issued] + \
            [t for _, _, t in self.sts.issued]
        for s in all_secrets:
            self.assertNotIn(s, r.stdout)
            self.assertNotIn(s, r.stderr)
        self.last = r
        return r

    def ok(self, env, *args):
        r = self.whoami(env, *args)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return json.loads(r.stdout)

    def test_env_credentials(self):
        doc = self.ok(self.env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET))
        self.assertEqual(doc["account"], ACCOUNT)
        self.assertEqual(doc["arn"], "arn:aws:iam::%s:user/alice" % ACCOUNT)
        self.assertEqual(doc["credential_source"], "env")
        self.assertEqual(doc["region"], REGION)
        self.assertEqual(doc["region_source"], "AWS_REGION")
        self.assertEqual(doc["endpoint"], self.sts.url)
        self.assertEqual(doc["endpoint_source"], "AWS_ENDPOINT_URL")
        self.assertEqual(self.sts.calls, ["GetCallerIdentity"])

    def test_human_output(self):
        r = run_berth(["whoami"], env=self.env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("account      %s" % ACCOUNT, r.stdout)
        self.assertIn("credentials  env", r.stdout)

    def test_profile_from_files(self):
        cfg = self.write("config", """\
            [profile dev]
            region = %s
            """ % REGION)
        creds = self.write("credentials", """\
            [dev]
            aws_access_key_id = %s
            aws_secret_access_key = %s
            """ % (AKID, SECRET))
        env = self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds)
        del env["AWS_REGION"]
        doc = self.ok(env, "--profile", "dev")
        self.assertEqual(doc["credential_source"], "profile dev")
        self.assertEqual(doc["region_source"], "profile")

    def test_explicit_profile_beats_env_keys(self):
        creds = self.write("credentials", "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                           % (AKID, SECRET))
        env = self.env(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_ACCESS_KEY_ID="AKIDWRONG",
                       AWS_SECRET_ACCESS_KEY="wrong")
        self.assertEqual(self.ok(env, "--profile", "dev")["credential_source"], "profile dev")

    def test_missing_profile_suggests(self):
        creds = self.write("credentials", "[develop]\naws_access_key_id = a\naws_secret_access_key = b\n")
        r = self.whoami(self.env(AWS_SHARED_CREDENTIALS_FILE=creds), "--profile", "devlop")
        self.assertEqual(r.returncode, 1)
        self.assertIn("AWS profile 'devlop' not found", r.stderr)
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
                           % (AKID, SECRET))
        doc = self.ok(self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds,
                               AWS_PROFILE="admin"))
        self.assertEqual(doc["credential_source"], "assume-role via profile admin")
        self.assertEqual(doc["arn"], "arn:aws:sts::%s:assumed-role/Admin/berth-test" % ACCOUNT)
        self.assertEqual(self.sts.calls, ["AssumeRole", "GetCallerIdentity"])
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
                           % (AKID, SECRET))
        doc = self.ok(self.env(AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds),
                      "--profile", "target")
        self.assertEqual(doc["arn"], "arn:aws:sts::%s:assumed-role/Target/chained" % ACCOUNT)
        self.assertEqual(self.sts.calls, ["AssumeRole", "AssumeRole", "GetCallerIdentity"])

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

    def test_credential_process(self):
        script = self.write("creds.py", """\
            import json, sys
            assert sys.argv[1:] == ["--role", "deploy me"], sys.argv
            print(json.dumps({"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}))
            """ % (AKID, SECRET))
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
        token = self.write("token", self.sts.web_identity_token)
        self.secrets.append(self.sts.web_identity_token)
        doc = self.ok(self.env(AWS_WEB_IDENTITY_TOKEN_FILE=token,
                               AWS_ROLE_ARN="arn:aws:iam::%s:role/CI" % ACCOUNT,
                               AWS_ROLE_SESSION_NAME="gha-run"))
        self.assertEqual(doc["credential_source"], "web-identity")
        self.assertEqual(doc["arn"], "arn:aws:sts::%s:assumed-role/CI/gha-run" % ACCOUNT)
        self.assertEqual(self.sts.calls, ["AssumeRoleWithWebIdentity", "GetCallerIdentity"])
        self.assertIn("WebIdentityToken=<redacted>", self.last.stderr)

    def test_container_credentials(self):
        creds = ("ASIACONTAINER0000001", "containersecret/abc", "containertoken-xyz")
        self.sts.add_session(*creds, role="task")
        self.secrets += [creds[1], creds[2], "container-auth-token-1"]
        ecs = FakeContainer(creds, "container-auth-token-1")
        try:
            doc = self.ok(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + ecs.path,
                                   AWS_CONTAINER_AUTHORIZATION_TOKEN="container-auth-token-1"))
            self.assertEqual(doc["credential_source"], "container")
            self.assertEqual(ecs.requests, [(ecs.path, "container-auth-token-1")])
            # A token file wins over the variable.
            tf = self.write("ecs-token", "container-auth-token-1\n")
            doc = self.ok(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + ecs.path,
                                   AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong",
                                   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tf))
            self.assertEqual(doc["credential_source"], "container")
            # A wrong token is refused by the endpoint and reported.
            r = self.whoami(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ecs.url + ecs.path,
                                     AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong"))
            self.assertEqual(r.returncode, 1)
            self.assertIn("HTTP 401", r.stderr)
        finally:
            ecs.close()

    def test_imds_v2(self):
        creds = ("ASIAINSTANCE00000001", "instancesecret/abc", "instancetoken-xyz")
        self.sts.add_session(*creds, role="berth-instance-role")
        imds = FakeImds(creds)
        self.secrets += [creds[1], creds[2], imds.session_token]
        try:
            env = self.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url)
            del env["AWS_EC2_METADATA_DISABLED"]
            doc = self.ok(env)
            self.assertEqual(doc["credential_source"], "imds")
            self.assertIn("assumed-role/berth-instance-role", doc["arn"])
            self.assertEqual(imds.requests, [
                ("PUT", "/latest/api/token"),
                ("GET", "/latest/meta-data/iam/security-credentials/"),
                ("GET", "/latest/meta-data/iam/security-credentials/berth-instance-role")])
            self.assertIn('"SecretAccessKey": "<redacted>"', self.last.stderr)
        finally:
            imds.close()

    def test_no_credentials(self):
        r = self.whoami(self.env())
        self.assertEqual(r.returncode, 1)
        self.assertIn("no AWS credentials found", r.stderr)
        self.assertEqual(self.sts.calls, [])

    def test_no_region(self):
        env = self.env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET)
        del env["AWS_REGION"]
        r = self.whoami(env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no AWS region configured", r.stderr)

    def test_wrong_secret(self):
        r = self.whoami(self.env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY="not-the-secret"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("SignatureDoesNotMatch", r.stderr)
        self.assertIn("HTTP 403", r.stderr)
        self.assertNotIn("not-the-secret", r.stderr + r.stdout)
        self.assertEqual(self.sts.calls, ["GetCallerIdentity"])  # not retried

    def test_faults_are_retried(self):
        # A seed whose first three draws are faults (throttling or 5xx) and
        # the fourth is not: four attempts, within AWS_MAX_ATTEMPTS=5.
        self.sts.set_faults(throttle_rate=0.3, error_rate=0.3, seed=self.seed_needing(3))
        r = self.whoami(self.env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET,
                                 AWS_MAX_ATTEMPTS="5"), "-v")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(len(self.sts.calls), 4)
        self.assertIn("sts GetCallerIdentity -> 200 (attempts 4,", r.stderr)

    def test_all_faults_fail_after_max_attempts(self):
        self.sts.set_faults(throttle_rate=0.5, error_rate=0.5, seed=1)
        r = self.whoami(self.env(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET,
                                 AWS_MAX_ATTEMPTS="4"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("gave up after 4 attempts", r.stderr)
        self.assertEqual(len(self.sts.calls), 4)

    @staticmethod
    def seed_needing(n):
        """A seed whose first n draws are faults and the next is not."""
        import random
        for seed in range(1000):
            rng = random.Random(seed)
            draws = [rng.random() < 0.6 for _ in range(n + 1)]
            if all(draws[:n]) and not draws[n]:
                return seed
        raise AssertionError("no seed")


if __name__ == "__main__":
    main()
