"""Environments that expire, and the reaper: `expires:` / `apply --expires`
tag every resource berth:expires (an apply of an existing stack moves it),
and `berth reap --expired` finds the stacks through the tagging API and
destroys exactly those past their expiry (two expired, one live, one
without expiry here), dry-run off a terminal unless --auto-approve."""
import json
import os

from berthtest import main
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
        self.assertEqual(rows["ws-live"]["resources"], 2)
        self.assertIn("@", rows["ws-live"]["owner"])

        # Off a terminal, without --auto-approve: a dry run.
        r = self.berth("reap", "--expired", cwd=self.dir)
        self.assertIn("would destroy 2 expired stacks; nothing was changed", r.stdout)
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


if __name__ == "__main__":
    main()
