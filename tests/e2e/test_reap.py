"""Environments that expire, and the reaper: `expires:` / `apply --expires`
tag every resource berth:expires (an apply of an existing stack moves it),
and `berth reap --expired` finds the stacks through the tagging API and
destroys exactly those past their expiry (two expired, one live, one
without expiry here), dry-run off a terminal unless --auto-approve.
`berth reap --older-than` ages a stack by the berth:created tag create puts
on each resource (never rewritten by later applies). A stack whose expiry an
apply moved while reap waited for its lock is left alone."""
import datetime
import json
import os
import signal
import subprocess
import time

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
berth: 1
stack: {stack}
{expires}
resources:
  logs:
    type: AWS::Logs::LogGroup
    properties: {{ LogGroupName: /{stack}/logs }}
  alarms:
    type: AWS::SNS::Topic
    properties: {{ TopicName: {stack}-alarms }}
"""

PAST = "2026-01-01T00:00:00Z"


class ReapTest(EngineCase):
    def stack(self, name, expires=""):
        folder = os.path.join(self.dir, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "berth.yaml"), "w") as f:
            f.write(SPEC.format(stack=name, expires=expires))
        return folder

    def tags(self, stack):
        return [x["tags"] for x in self.live(stack=stack)]

    def test_reap_removes_exactly_the_expired_stacks(self):
        old1 = self.stack("ws-old1", "expires: 8h")
        old2 = self.stack("ws-old2")
        live = self.stack("ws-live", "expires: 8h")
        keep = self.stack("keep")
        self.berth("apply", "--auto-approve", cwd=old1)
        for tags in self.tags("ws-old1"):
            self.assertIn("berth:expires", tags)
            self.assertIn("berth:owner", tags)
        # An apply of the existing stack moves its expiry (here into the past).
        r = self.berth("apply", "--auto-approve", "--expires", PAST, cwd=old1)
        self.assertIn("2 existing resources will be tagged berth:expires=" + PAST, r.stdout)
        self.assertEqual({t["berth:expires"] for t in self.tags("ws-old1")}, {PAST})
        self.berth("apply", "--auto-approve", "--expires", PAST, cwd=old2)
        self.berth("apply", "--auto-approve", cwd=live)
        self.berth("apply", "--auto-approve", cwd=keep)
        r = self.berth("apply", "--auto-approve", "--expires", "8 hours", cwd=keep, ok=1)
        self.assertIn("expected a duration such as 8h", r.stderr)

        r = self.berth("reap", "--json", cwd=self.dir)
        rows = {x["stack"]: x for x in json.loads(r.stdout)}
        self.assertEqual(sorted(rows), ["keep", "ws-live", "ws-old1", "ws-old2"])
        self.assertEqual(rows["ws-old1"]["expires"], PAST)
        self.assertTrue(rows["ws-old2"]["expired"])
        self.assertFalse(rows["ws-live"]["expired"])
        self.assertIsNone(rows["keep"]["expires"])
        self.assertIn("@", rows["keep"]["owner"])  # who created it, also without expiry
        self.assertEqual(rows["ws-live"]["resources"], 2)
        self.assertIn("@", rows["ws-live"]["owner"])

        # Off a terminal, without --auto-approve: a dry run.
        r = self.berth("reap", "--expired", cwd=self.dir)
        self.assertIn("would destroy 2 stacks: ws-old1 (expired), ws-old2 (expired); nothing "
                      "was changed", r.stdout)
        self.assertEqual(len(self.live(stack="ws-old1")), 2)
        # Prefix and exclusion narrow it.
        r = self.berth("reap", "--expired", "--auto-approve", "--stack-prefix", "ws-",
                       "--exclude-stack", "ws-old2", cwd=self.dir)
        self.assertIn("Nothing of stack ws-old1 is left.", r.stdout)
        self.assertNotIn("ws-old2 is left", r.stdout)
        self.assertEqual(self.live(stack="ws-old1"), [])
        self.assertEqual(len(self.live(stack="ws-old2")), 2)
        # A stack whose runs keep their lock in S3 is reaped under that lock.
        import botocore.config
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        s3 = botocore.session.get_session().create_client(
            "s3", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=botocore.config.Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="team-state",
                         CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="team-state", Key="b/123456789012/us-west-2/ws-old2.lock",
                      Body=json.dumps({"id": "x", "user": "ci", "host": "runner", "pid": 1,
                                       "command": "berth apply",
                                       "lease_expires": "2999-01-01T00:00:00Z"}).encode())
        r = self.berth("reap", "--expired", "--auto-approve", "--backend", "s3://team-state/b",
                       cwd=self.dir, ok=1)
        self.assertIn("the stack is locked by ci@runner pid 1 (berth apply)", r.stderr)
        self.assertEqual(len(self.live(stack="ws-old2")), 2)
        s3.delete_object(Bucket="team-state", Key="b/123456789012/us-west-2/ws-old2.lock")
        r = self.berth("reap", "--expired", "--auto-approve", "--backend", "s3://team-state/b",
                       cwd=self.dir)
        self.assertIn("Nothing of stack ws-old2 is left.", r.stdout)
        # Exactly the expired ones are gone.
        self.assertEqual(self.live(stack="ws-old2"), [])
        self.assertEqual(len(self.live(stack="ws-live")), 2)
        self.assertEqual(len(self.live(stack="keep")), 2)
        r = self.berth("reap", "--expired", "--auto-approve", cwd=self.dir)
        self.assertIn("No stack is past its expiry.", r.stdout)

    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def test_older_than_reaps_by_the_oldest_resource(self):
        for name in ("old", "young", "unknown"):
            self.berth("apply", "--auto-approve", cwd=self.stack(name),
                       env=dict(self.env, USER="ci runner#7\\x"))
        # berth:owner takes only what every service allows in a tag value.
        self.assertEqual({t["berth:owner"].split("@")[0] for t in self.tags("old")},
                         {"ci runner_7_x"})
        created = {t["berth:created"] for t in self.tags("young")}
        self.assertEqual(len(created), 1, created)
        # Later applies never rewrite it, also when they retag the stack.
        time.sleep(1.1)
        self.berth("apply", "--auto-approve", "--expires", "8h", cwd=self.stack("young"))
        self.assertEqual({t["berth:created"] for t in self.tags("young")}, created)
        self.assertEqual(len({t["berth:expires"] for t in self.tags("young")}), 1)
        # "old": one resource made three days ago is enough. "unknown": made by
        # an older berth (or imported), with no creation time: never reaped by age.
        logs = self.aws("logs")
        long_ago = (datetime.datetime.now(datetime.timezone.utc) -
                    datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        [old_logs] = [x for x in self.live(stack="old") if x["type"] == "log-group"]
        logs.tag_resource(resourceArn=old_logs["arn"].removesuffix(":*"),
                          tags={"berth:created": long_ago})
        sns = self.aws("sns")
        for x in self.live(stack="unknown"):
            if x["type"] == "log-group":
                logs.untag_resource(resourceArn=x["arn"].removesuffix(":*"),
                                    tagKeys=["berth:created"])
            else:
                sns.untag_resource(ResourceArn=x["arn"], TagKeys=["berth:created"])

        r = self.berth("reap", "--json", cwd=self.dir)
        rows = {x["stack"]: x for x in json.loads(r.stdout)}
        self.assertEqual(rows["old"]["created"], long_ago)
        self.assertGreaterEqual(rows["old"]["age_seconds"], 3 * 86400)
        self.assertLess(rows["young"]["age_seconds"], 600)
        self.assertIsNone(rows["unknown"]["created"])
        self.assertIsNone(rows["unknown"]["age_seconds"])
        self.assertFalse(any(x["reap"] for x in rows.values()))
        r = self.berth("reap", cwd=self.dir)
        self.assertRegex(r.stdout, r"\nold +3d00h +- +2 +no expiry")
        self.assertRegex(r.stdout, r"\nunknown +- +- +2 +no expiry")

        r = self.berth("reap", "--older-than", "2 days", cwd=self.dir, ok=1)
        self.assertIn("--older-than takes a duration such as 90s", r.stderr)
        r = self.berth("reap", "--older-than", "2d", cwd=self.dir)
        self.assertIn("would destroy 1 stack: old (older than 2d); nothing was changed",
                      r.stdout)
        r = self.berth("reap", "--older-than", "2d", "--json", cwd=self.dir)
        rows = {x["stack"]: x for x in json.loads(r.stdout)}
        self.assertEqual((rows["old"]["reap"], rows["old"]["reason"]), (True, "older than 2d"))
        self.assertEqual([x for x in rows if rows[x]["reap"]], ["old"])
        r = self.berth("reap", "--older-than", "2d", "--auto-approve", cwd=self.dir)
        self.assertIn("Nothing of stack old is left.", r.stdout)
        self.assertEqual(self.live(stack="old"), [])
        self.assertEqual(len(self.live(stack="young")), 2)
        self.assertEqual(len(self.live(stack="unknown")), 2)
        r = self.berth("reap", "--older-than", "2d", "--expired", "--auto-approve",
                       cwd=self.dir)
        self.assertIn("No stack is past its expiry or older than that.", r.stdout)

    def test_ctrl_c_stops_reap_before_the_next_stack(self):
        for name in ("ws-a", "ws-b"):
            self.berth("apply", "--auto-approve", "--expires", PAST, cwd=self.stack(name))
        self.emu.set_faults(latency_ms=300)
        p = subprocess.Popen([BERTH, "reap", "--expired", "--auto-approve"], cwd=self.dir,
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        lock = self.lock_path("ws-a")
        self.emu.wait_until(lambda: os.path.exists(lock) or p.poll() is not None, timeout=60)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
        self.emu.set_faults(latency_ms=0)
        self.assertEqual(p.returncode, 130, out + err)
        self.assertIn("Reaping stack ws-a", out)
        self.assertNotIn("Reaping stack ws-b", out)
        self.assertEqual(len(self.live(stack="ws-b")), 2)
        self.assertFalse(os.path.exists(lock))

    def test_a_stack_extended_while_reap_waits_is_left_alone(self):
        folder = self.stack("demo")
        self.berth("apply", "--auto-approve", "--expires", PAST, cwd=folder)
        # An apply that extends the stack holds its lock (stopped once it has it)...
        self.emu.set_faults(latency_ms=300)
        p = subprocess.Popen([BERTH, "apply", "--auto-approve", "--expires", "8h"],
                             cwd=folder, env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        lock = self.lock_path()
        self.emu.wait_until(lambda: os.path.exists(lock) or p.poll() is not None, timeout=60)
        os.kill(p.pid, signal.SIGSTOP)
        self.assertTrue(os.path.exists(lock), "apply never took the lock")
        self.emu.set_faults(latency_ms=0)
        # ...while reap lists the stack as expired and waits for that lock.
        q = subprocess.Popen([BERTH, "reap", "--expired", "--auto-approve",
                              "--lock-timeout", "1m"], cwd=self.dir, env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        self.assertIsNone(q.poll())
        os.kill(p.pid, signal.SIGCONT)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        out, err = q.communicate(timeout=120)
        self.assertEqual(q.returncode, 0, out + err)
        self.assertIn("waiting up to 60s for the lock", err)
        self.assertEqual(len(self.live(stack="demo")), 2, out)
        self.assertIn("Stack demo changed while reap waited for its lock", out)
        self.assertIn("left alone", out)
        self.assertRegex(out, r"\ndemo +\S+ +" + PAST + " +2 +expired")
        self.assertNotEqual({t["berth:expires"] for t in self.tags("demo")}, {PAST})


if __name__ == "__main__":
    main()
