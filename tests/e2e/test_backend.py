"""The S3 backend through the emulator: the lock is an S3 object created with
If-None-Match: * (two berth processes racing: one wins, the other names it),
renewed under a lease (a SIGKILLed holder's lease lapses and the next run
takes over, saying whose it was), force-unlock by id; the state cache lives
in the bucket (a state written by one runner is read by another; a lost
state object is harmless). Every command that reads or changes the stack
takes the lock; a plan saved to s3://BUCKET/KEY is applied by another
runner."""
import json
import os
import signal
import subprocess
import time

from berthtest import BERTH, clean_env, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    backend:
      s3: { bucket: team-state, prefix: berth/ }
    resources:
      logs:
        type: AWS::Logs::LogGroup
        properties: { LogGroupName: /demo/logs }
      alarms:
        type: AWS::SNS::Topic
        properties: { TopicName: demo-alarms }
    """

LOCK = "berth/123456789012/us-west-2/demo.lock"
STATE = "berth/123456789012/us-west-2/demo.state.json"


class BackendTest(EngineCase):
    def setUp(self):
        super().setUp()
        import botocore.config
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        self.s3 = botocore.session.get_session().create_client(
            "s3", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=botocore.config.Config(s3={"addressing_style": "path"},
                                          request_checksum_calculation="when_required",
                                          response_checksum_validation="when_required"))
        self.s3.create_bucket(Bucket="team-state",
                              CreateBucketConfiguration={"LocationConstraint": REGION})
        self.write_spec(SPEC)

    def runner(self, name):
        """Another machine: its own HOME (no shared lock folder or cache) and
        its own copy of the project."""
        folder = os.path.join(self.dir, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "berth.yaml"), "w") as f:
            f.write(SPEC.replace("\n    ", "\n").lstrip())
        env = clean_env(home=os.path.join(folder, "home"))
        env.update(self.emu.env(base={}))
        return folder, env

    def objects(self):
        out = {}
        for key in (LOCK, STATE):
            try:
                out[key] = self.s3.get_object(Bucket="team-state", Key=key)["Body"].read()
            except self.s3.exceptions.NoSuchKey:
                pass
        return out

    def test_state_written_by_one_runner_is_read_by_another(self):
        a, env_a = self.runner("a")
        b, env_b = self.runner("b")
        self.berth("apply", "--auto-approve", cwd=a, env=env_a)
        objs = self.objects()
        self.assertNotIn(LOCK, objs)  # released
        state = json.loads(objs[STATE])
        self.assertEqual(sorted(state["resources"]), ["alarms", "logs"])
        # Runner b never applied: it knows the stack through the bucket's cache,
        # so nothing looks "made elsewhere".
        r = self.berth("plan", "--refresh-only", "--detailed-exitcode", cwd=b, env=env_b, ok=0)
        self.assertNotIn("not in the state cache", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(b, ".berth")))
        # A lost state object is harmless: live state is the truth.
        self.s3.delete_object(Bucket="team-state", Key=STATE)
        r = self.berth("plan", "--detailed-exitcode", cwd=b, env=env_b, ok=0)
        self.assertIn("No changes", r.stdout)
        r = self.berth("destroy", "--auto-approve", cwd=a, env=env_a)
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(self.live(), [])
        self.assertNotIn(LOCK, self.objects())

    def test_two_processes_race_for_the_lock(self):
        a, env_a = self.runner("a")
        b, env_b = self.runner("b")
        self.emu.set_faults(latency_ms=150)
        procs = [subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=cwd, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for cwd, env in ((a, env_a), (b, env_b))]
        results = [p.communicate(timeout=120) for p in procs]
        codes = sorted(p.returncode for p in procs)
        self.assertEqual(codes, [0, 1], results)
        winner = procs[0] if procs[0].returncode == 0 else procs[1]
        loser_err = results[1][1] if procs[0].returncode == 0 else results[0][1]
        self.assertIn(f"the stack is locked by", loser_err)
        self.assertIn(f"pid {winner.pid} (berth apply)", loser_err)
        self.assertIn("berth force-unlock", loser_err)
        self.emu.set_faults(latency_ms=0)
        self.assertEqual(sorted(x["type"] for x in self.live()), ["log-group", "topic"])
        self.assertNotIn(LOCK, self.objects())

    def test_killed_holder_lease_lapses_and_is_taken_over(self):
        a, env_a = self.runner("a")
        b, env_b = self.runner("b")
        env_a["BERTH_LOCK_LEASE"] = "3"
        self.emu.set_faults(latency_ms=300)
        p = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=a, env=env_a,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.emu.wait_until(lambda: LOCK in self.objects() or p.poll() is not None, timeout=60)
        held = json.loads(self.objects()[LOCK])
        self.assertEqual(held["pid"], p.pid)
        self.assertEqual(held["command"], "berth apply")
        self.assertEqual(held["lease_seconds"], 3)
        self.assertEqual(held["user"], os.environ.get("USER", held["user"]))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.emu.set_faults(latency_ms=0)
        # At once: the lease is still running, so the holder is named...
        r = self.berth("plan", cwd=b, env=env_b, ok=1)
        self.assertIn(f"pid {p.pid} (berth apply)", r.stderr)
        self.assertIn(f"berth force-unlock {held['id']}", r.stderr)
        # ...and once it lapses, the next run takes the lock over, saying so.
        start = time.monotonic()
        r = self.berth("apply", "--auto-approve", "--lock-timeout", "1m", cwd=b, env=env_b)
        self.assertLess(time.monotonic() - start, 30)
        self.assertIn("took over the lock", r.stderr)
        self.assertIn(f"pid {p.pid} (berth apply", r.stderr)
        self.assertIn("lease lapsed", r.stderr)
        self.assertEqual(sorted(x["type"] for x in self.live()), ["log-group", "topic"])
        self.assertNotIn(LOCK, self.objects())

    def test_force_unlock_by_id(self):
        a, env_a = self.runner("a")
        b, env_b = self.runner("b")
        self.emu.set_faults(latency_ms=300)
        p = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=a, env=env_a,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.emu.wait_until(lambda: LOCK in self.objects() or p.poll() is not None, timeout=60)
        held = json.loads(self.objects()[LOCK])
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.emu.set_faults(latency_ms=0)
        # The default lease (60 s) is still running: only the holder's id frees it.
        r = self.berth("force-unlock", "0123456789abcdef", cwd=b, env=env_b, ok=1)
        self.assertIn(f"with lock id {held['id']}, not 0123456789abcdef: nothing removed",
                      r.stderr)
        self.assertIn(LOCK, self.objects())
        r = self.berth("force-unlock", held["id"], cwd=b, env=env_b)
        self.assertIn(f"Removed the lock s3://team-state/{LOCK}", r.stdout)
        self.assertNotIn(LOCK, self.objects())
        r = self.berth("force-unlock", held["id"], "--stack", "demo", "--backend",
                       "s3://team-state/berth/", cwd=self.dir, env=env_b, ok=1)
        self.assertIn("the stack is not locked", r.stderr)
        self.berth("apply", "--auto-approve", cwd=b, env=env_b)
        self.assertEqual(sorted(x["type"] for x in self.live()), ["log-group", "topic"])

    def test_every_command_takes_the_s3_lock(self):
        a, env_a = self.runner("a")
        self.berth("apply", "--auto-approve", "--expires", "2026-01-01T00:00:00Z", cwd=a,
                   env=env_a)
        before = sorted((x["type"], x["id"]) for x in self.live())
        self.s3.put_object(Bucket="team-state", Key=LOCK, Body=json.dumps({
            "id": "feedface", "user": "ci", "host": "runner-9", "pid": 77,
            "command": "berth apply", "started": "2026-12-01T00:00:00Z",
            "lease_expires": "2999-01-01T00:00:00Z", "lease_seconds": 60}).encode())
        # Runner a's spec names the backend; without a spec, --backend does.
        url = ["--backend", "s3://team-state/berth/"]
        for args in (["apply", "--auto-approve"], ["plan"],
                     ["destroy", "--auto-approve"],
                     ["destroy", "--stack", "demo", "--auto-approve"] + url,
                     ["import", "logs", "/demo/logs"],
                     ["reap", "--expired", "--auto-approve"] + url):
            r = self.berth(*args, cwd=a, env=env_a, ok=1)
            self.assertIn("the stack is locked by ci@runner-9 pid 77 (berth apply)", r.stderr,
                          args)
            self.assertIn("berth force-unlock feedface", r.stderr, args)
        self.assertEqual(sorted((x["type"], x["id"]) for x in self.live()), before)
        self.assertIn(b"feedface", self.objects()[LOCK])
        # --lock-timeout waits for a live holder, and goes on once it lets go.
        q = subprocess.Popen([BERTH, "plan", "--lock-timeout", "1m"], cwd=a, env=env_a,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        self.assertIsNone(q.poll())
        self.s3.delete_object(Bucket="team-state", Key=LOCK)
        out, err = q.communicate(timeout=60)
        self.assertEqual(q.returncode, 0, err)
        self.assertIn("waiting up to 60s for the lock: the stack is locked by ci@runner-9", err)
        self.assertIn("No changes", out)

    def test_saved_plan_in_s3(self):
        a, env_a = self.runner("a")
        b, env_b = self.runner("b")
        key = "berth/123456789012/us-west-2/plans/pr-42.plan"
        url = "s3://team-state/" + key
        r = self.berth("plan", "--out", url, cwd=a, env=env_a)
        self.assertIn(f"apply exactly this with:\n  berth apply {url}", r.stdout)
        saved = json.loads(self.s3.get_object(Bucket="team-state", Key=key)["Body"].read())
        self.assertEqual(saved["stack"], "demo")
        self.assertEqual(sorted(os.listdir(a)), ["berth.yaml", "home"])
        # Another runner applies it, read back from the bucket, under the lock.
        r = self.berth("apply", url, cwd=b, env=env_b)
        self.assertIn("Apply complete!", r.stdout)
        self.assertEqual(sorted(x["type"] for x in self.live()), ["log-group", "topic"])
        self.assertNotIn(LOCK, self.objects())
        # The plan it applied is stale now: applying it again is refused.
        r = self.berth("apply", url, cwd=b, env=env_b, ok=1)
        self.assertIn("changed since this plan was made", r.stderr)
        # Saving under the same name again replaces it (If-Match on what was there).
        old_etag = self.s3.head_object(Bucket="team-state", Key=key)["ETag"]
        self.berth("plan", "--out", url, cwd=a, env=env_a)
        self.assertNotEqual(self.s3.head_object(Bucket="team-state", Key=key)["ETag"], old_etag)
        r = self.berth("apply", url, cwd=b, env=env_b)
        self.assertIn("No changes", r.stdout)
        r = self.berth("apply", "s3://team-state/berth/plans/none.plan", cwd=b, env=env_b, ok=1)
        self.assertIn("s3://team-state/berth/plans/none.plan: no such plan file", r.stderr)
        r = self.berth("plan", "--out", "s3://team-state/berth/", cwd=a, env=env_a, ok=1)
        self.assertIn("names no S3 object: expected s3://BUCKET/KEY", r.stderr)
        r = self.berth("plan", "--out", "s3://no-such-bucket/p.plan", cwd=a, env=env_a, ok=1)
        self.assertIn("NoSuchBucket", r.stderr)

    def test_backend_option_and_missing_bucket(self):
        folder = os.path.join(self.dir, "plain")
        os.makedirs(folder)
        with open(os.path.join(folder, "berth.yaml"), "w") as f:
            f.write("berth: 1\nstack: demo\nresources: {}\n")
        r = self.berth("plan", "--backend", "s3://no-such-bucket/x", cwd=folder, ok=1)
        self.assertIn("NoSuchBucket", r.stderr)
        r = self.berth("plan", "--backend", "gs://bucket", cwd=folder, ok=1)
        self.assertIn("expected s3://BUCKET[/PREFIX]", r.stderr)
        self.berth("plan", "--backend", "s3://team-state/berth", cwd=folder)
        self.assertNotIn(LOCK, self.objects())


if __name__ == "__main__":
    main()
