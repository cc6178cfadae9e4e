"""Expired session credentials: berth stops at the first "expired" answer
with a message that says so and what to do, makes no retry storm, leaves
the lock released and the state cache whole, and the next run with fresh
credentials converges without duplicates. A source berth can ask again
(credential_process) gets exactly one more fetch."""
import json
import os
import subprocess
import sys
import time

from berthtest import BERTH, main
from enginetest import EngineCase
from fixture import ACCESS_KEY, REGION, SECRET_KEY

import botocore.session

SPEC = """\
    berth: 1
    stack: demo
    resources:
      logs:
        type: AWS::Logs::LogGroup
        count: 6
        properties:
          RetentionInDays: 7
      topic:
        type: AWS::SNS::Topic
        count: 4
        properties:
          DisplayName: t${count.index}
      vpc:
        type: AWS::EC2::VPC
        properties:
          CidrBlock: 10.1.0.0/16
    """

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "sts:AssumeRole"}]})


class ExpiredSessionTest(EngineCase):
    def setUp(self):
        super().setUp()
        session = botocore.session.get_session()
        kw = dict(endpoint_url=self.emu.url, region_name=REGION,
                  aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        iam = session.create_client("iam", **kw)
        iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
        iam.close()
        self.sts = session.create_client("sts", **kw)
        self.addCleanup(self.sts.close)
        self.write_spec(SPEC)

    def session(self):
        """Temporary credentials (one hour) for the deployer role."""
        return self.sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                    RoleSessionName="berth-test",
                                    DurationSeconds=3600)["Credentials"]

    def session_env(self):
        c = self.session()
        env = dict(self.env, AWS_ACCESS_KEY_ID=c["AccessKeyId"],
                   AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
                   AWS_SESSION_TOKEN=c["SessionToken"])
        return env

    def expired_calls(self):
        by = self.emu.calls()["rejected_by_code"]
        return by.get("ExpiredToken", 0) + by.get("ExpiredTokenException", 0) + \
            by.get("RequestExpired", 0)

    def assert_stopped_cleanly(self, r):
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("the AWS credentials have expired", r.stderr)
        self.assertIn("cannot renew: get new ones", r.stderr)
        self.assertIn("AWS_SESSION_TOKEN", r.stderr)
        self.assertNotIn("Sanitizer", r.stderr)
        self.assertNotIn("runtime error", r.stderr)
        self.assertFalse(os.path.exists(self.lock_path()))
        state = os.path.join(self.dir, ".berth", "demo.state.json")
        if os.path.exists(state):
            with open(state) as f:
                json.load(f)  # whole, never half written

    def test_expired_before_start_fails_at_first_call(self):
        env = self.session_env()
        self.emu.advance_clock(7200)
        for args in (["apply", "--auto-approve"], ["plan"], ["destroy", "--auto-approve"],
                     ["whoami"]):
            with self.subTest(args=args):
                self.emu.reset()
                r = self.berth(*args, ok=False, env=env)
                self.assert_stopped_cleanly(r)
                # One refused call, not one per attempt or per type.
                self.assertEqual(self.expired_calls(), 1, self.emu.calls())
                self.assertEqual(self.emu.calls()["total"], 1, self.emu.calls())
        self.assertEqual(self.live(), [])

    def test_expiring_mid_apply_stops_and_the_rerun_converges(self):
        env = self.session_env()
        self.emu.set_faults(latency_ms=120)
        proc = subprocess.Popen([BERTH, "apply", "--auto-approve", "--parallelism", "2"],
                                cwd=self.dir, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.emu.wait_until(lambda: len(self.live()) >= 3 or proc.poll() is not None,
                            timeout=60, interval=0.02)
        self.emu.advance_clock(7200)
        expired_at = time.monotonic()
        out, err = proc.communicate(timeout=120)
        took = time.monotonic() - expired_at
        r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        self.assert_stopped_cleanly(r)
        self.assertIn("not attempted: the AWS credentials have expired", r.stderr)
        # Only the operations in flight meet the expired answer (parallelism
        # 2, a few calls each); nothing waits out a backoff.
        self.assertLessEqual(self.expired_calls(), 6, self.emu.calls())
        self.assertLess(took, 10)
        made = len(self.live())
        self.assertGreaterEqual(made, 3)
        self.assertLess(made, 11)

        # Fresh credentials: the rerun finishes, with exactly one of each.
        self.emu.set_faults(latency_ms=0)
        fresh = self.session_env()
        self.berth("apply", "--auto-approve", env=fresh)
        self.berth("plan", "--detailed-exitcode", ok=0, env=fresh)
        live = self.live()
        self.assertEqual(len(live), 11)
        ids = [r["tags"].get("berth:id") for r in live]
        self.assertEqual(len(ids), len(set(ids)), ids)
        self.berth("destroy", "--auto-approve", env=fresh)
        self.assertEqual(self.live(), [])

    def test_credential_process_is_asked_once_more(self):
        """A process that hands out credentials the emulator says are
        expired (its clock is ahead) is run again once; its next answer is
        used when good, and a second "expired" ends the run."""
        stale = self.session()
        self.emu.advance_clock(3000)
        good = self.session()  # minted after the jump: still valid
        self.emu.advance_clock(1800)  # `stale` is now past its hour
        answers = os.path.join(self.dir, "answers")
        count = os.path.join(self.dir, "count")
        script = os.path.join(self.dir, "creds.py")

        def process_answer(c):
            # Far-future expiry: berth has no reason to refresh by itself.
            return json.dumps({"Version": 1, "AccessKeyId": c["AccessKeyId"],
                               "SecretAccessKey": c["SecretAccessKey"],
                               "SessionToken": c["SessionToken"],
                               "Expiration": "2099-01-01T00:00:00Z"})

        with open(script, "w") as f:
            f.write(f"""import sys
n = int(open({count!r}).read()) if __import__('os').path.exists({count!r}) else 0
open({count!r}, 'w').write(str(n + 1))
lines = open({answers!r}).read().splitlines()
print(lines[min(n, len(lines) - 1)])
""")
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(f"[default]\ncredential_process = {sys.executable} {script}\n")
        env = {k: v for k, v in self.env.items()
               if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        env["AWS_CONFIG_FILE"] = os.path.join(self.dir, "config")

        def runs():
            with open(count) as f:
                return int(f.read())

        for first_then, want_rc in (([stale, good], 0), ([stale, stale], 1)):
            with self.subTest(second="good" if want_rc == 0 else "expired"):
                with open(answers, "w") as f:
                    f.write("\n".join(process_answer(c) for c in first_then) + "\n")
                if os.path.exists(count):
                    os.unlink(count)
                self.emu.reset()
                r = self.berth("whoami", ok=want_rc, env=env)
                self.assertEqual(runs(), 2)
                self.assertEqual(self.expired_calls(), 1 if want_rc == 0 else 2)
                if want_rc:
                    self.assertIn("fetched again and AWS still says they are expired",
                                  r.stderr)
                else:
                    self.assertIn("assumed-role/deployer/berth-test", r.stdout)


if __name__ == "__main__":
    main()
