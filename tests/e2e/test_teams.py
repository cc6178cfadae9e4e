"""Teams and CI: one lock per stack per machine and account, whatever folder
berth runs in, taken by every command that reads or changes the stack (apply,
plan, destroy, destroy --stack, import, reap); waiting for it with
--lock-timeout; and duplicates (two live resources with one berth:id)
reported by plan and removed by destroy."""
import json
import os
import signal
import subprocess
import time

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    resources:
      logs:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: /demo/logs }
      alarms:
        type: AWS::SNS::Topic
        properties: { TopicName: demo-alarms }
    """


class LockTest(EngineCase):
    def folder(self, name):
        path = os.path.join(self.dir, name)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "berth.yaml"), "w") as f:
            f.write(SPEC.replace("\n    ", "\n").lstrip())
        return path

    def hold_lock(self, cwd):
        """Starts an apply in cwd and stops it (SIGSTOP) once it holds the
        lock, so it holds it for as long as the test needs."""
        self.emu.set_faults(latency_ms=300)
        p = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=cwd, env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lock = self.lock_path()
        deadline = time.monotonic() + 60
        while not os.path.exists(lock) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(p.pid, signal.SIGSTOP)
        self.assertTrue(os.path.exists(lock), "apply never took the lock")
        self.emu.set_faults(latency_ms=0)
        return p

    def test_one_lock_per_stack_across_folders(self):
        a, b, c = self.folder("a"), self.folder("b"), self.folder("c")
        p = self.hold_lock(a)
        # Another folder holding a copy of the spec meets the same lock...
        r = self.berth("apply", "--auto-approve", cwd=b, ok=1)
        self.assertIn(f"stack 'demo' is locked by pid {p.pid} (berth apply)", r.stderr)
        self.assertIn(self.lock_path(), r.stderr)
        r = self.berth("plan", cwd=b, ok=1)
        self.assertIn("is locked by pid", r.stderr)
        # ...and so does destroy --stack from a third folder, without a spec.
        r = self.berth("destroy", "--stack", "demo", "--auto-approve", cwd=c, ok=1)
        self.assertIn("is locked by pid", r.stderr)
        # --lock-timeout waits for the holder instead, saying so.
        q = subprocess.Popen([BERTH, "apply", "--auto-approve", "--lock-timeout", "2m"],
                             cwd=b, env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        self.assertIsNone(q.poll())
        os.kill(p.pid, signal.SIGCONT)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        out, err = q.communicate(timeout=120)
        self.assertEqual(q.returncode, 0, err)
        self.assertIn("waiting up to 120s for the lock", err)
        self.assertIn("No changes", out)
        # One of each: the two applies never ran side by side.
        self.assertEqual(sorted(x["type"] for x in self.live()), ["log-group", "topic"])
        self.assertFalse(os.path.exists(self.lock_path()))
        r = self.berth("destroy", "--stack", "demo", "--auto-approve", cwd=c)
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(os.listdir(c), ["berth.yaml"])

    def test_lock_timeout_ends_naming_the_holder(self):
        a = self.folder("a")
        with open(self.lock_path(), "w") as f:
            json.dump({"pid": os.getpid(), "host": os.uname().nodename,
                       "started": "2026-11-24T16:02:11Z", "command": "berth apply"}, f)
        start = time.monotonic()
        r = self.berth("apply", "--auto-approve", "--lock-timeout", "2s", cwd=a, ok=1)
        self.assertGreaterEqual(time.monotonic() - start, 2)
        self.assertIn(f"locked by pid {os.getpid()} (berth apply)", r.stderr)
        r = self.berth("apply", "--lock-timeout", "2 minutes", cwd=a, ok=1)
        self.assertIn("--lock-timeout takes a duration such as 90s", r.stderr)
        self.assertEqual(self.live(), [])
        # force-unlock takes the holder's pid, and nothing else.
        r = self.berth("force-unlock", "1", cwd=a, ok=1)
        self.assertIn(f"is held by pid {os.getpid()}, not 1: nothing removed", r.stderr)
        self.assertTrue(os.path.exists(self.lock_path()))
        r = self.berth("force-unlock", str(os.getpid()), "--stack", "demo", cwd=self.dir)
        self.assertIn("Removed the lock", r.stdout)
        self.assertFalse(os.path.exists(self.lock_path()))

    def test_every_command_that_reads_or_changes_the_stack_takes_the_lock(self):
        a = self.folder("a")
        self.berth("apply", "--auto-approve", "--expires", "2026-01-01T00:00:00Z", cwd=a)
        before = sorted((x["type"], x["id"]) for x in self.live())
        with open(self.lock_path(), "w") as f:
            json.dump({"pid": os.getpid(), "host": os.uname().nodename,
                       "started": "2026-11-24T16:02:11Z", "command": "berth apply"}, f)
        held = f"stack 'demo' is locked by pid {os.getpid()} (berth apply)"
        for args in (["apply", "--auto-approve"], ["plan"],
                     ["destroy", "--auto-approve"],
                     ["destroy", "--stack", "demo", "--auto-approve"],
                     ["import", "logs", "/demo/logs"],
                     ["reap", "--expired", "--auto-approve"]):
            r = self.berth(*args, cwd=a, ok=1)
            self.assertIn(held, r.stderr, args)
        # Only a look that says so goes without it.
        r = self.berth("plan", "--lock=false", "--detailed-exitcode", cwd=a)
        self.assertIn("No changes", r.stdout)
        self.assertEqual(sorted((x["type"], x["id"]) for x in self.live()), before)
        self.assertTrue(os.path.exists(self.lock_path()))


DUP_SPEC = """\
    berth: 1
    stack: demo
    resources:
      net:
        type: AWS::EC2::VPC
        properties: { CidrBlock: 10.1.0.0/16 }
      logs:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: /demo/logs }
    """


class DuplicateTest(EngineCase):
    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def test_duplicate_berth_id_is_reported_and_destroyed(self):
        self.write_spec(DUP_SPEC)
        self.berth("apply", "--auto-approve")
        first = [x for x in self.live() if x["type"] == "vpc"]
        self.assertEqual(len(first), 1)
        # What a second apply running beside the first used to leave: another
        # VPC tagged with the same address.
        ec2 = self.aws("ec2")
        dup = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[{
            "ResourceType": "vpc", "Tags": [{"Key": "berth:stack", "Value": "demo"},
                                            {"Key": "berth:id", "Value": "net"}]}])["Vpc"]
        r = self.berth("plan", "--detailed-exitcode", ok=2)
        self.assertIn("duplicate", r.stdout + r.stderr)
        self.assertIn(dup["VpcId"], r.stdout + r.stderr)
        self.assertIn(first[0]["id"], r.stdout + r.stderr)
        self.assertNotIn("replaced", r.stdout)
        p = self.plan_json()
        changes = self.changes(p)
        self.assertEqual([c["action"] for c in changes.values()], ["delete"], changes)
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(self.live(), [])


if __name__ == "__main__":
    main()
