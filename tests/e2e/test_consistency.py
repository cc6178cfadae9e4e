"""Eventual consistency: AWS's reads lag its writes, so a resource created a
moment ago may be missing from Describe/List/tagging answers. The emulator
reproduces it (visibility_delay_ms); apply followed at once by plan and by
another apply must then neither fail nor create a duplicate -- with the
state cache, and after losing it."""
import os
import shutil
import signal
import subprocess

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    resources:
      named:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /demo/named
          RetentionInDays: 7
      logs:
        type: AWS::Logs::LogGroup
        count: 2
        properties:
          RetentionInDays: 14
      topic:
        type: AWS::SNS::Topic
        count: 2
        properties:
          DisplayName: t${count.index}
      sub:
        type: AWS::SNS::Subscription
        count: 2
        properties:
          TopicArn: ${topic[count.index].TopicArn}
          Protocol: sms
          Endpoint: "+1555020${count.index}"
    """

DELAY_MS = 2500


class ConsistencyTest(EngineCase):
    emulator_options = {"visibility_delay_ms": DELAY_MS}

    def counts(self):
        return {t: len(self.all_of(t)) for t in ("log-group", "topic", "subscription")}

    def assert_no_duplicates(self):
        self.assertEqual(self.counts(), {"log-group": 3, "topic": 2, "subscription": 2})

    def test_emulator_hides_new_resources_from_reads(self):
        """The fault itself: a new log group is not listed until the delay
        has passed (otherwise the tests below prove nothing)."""
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        logs = botocore.session.get_session().create_client(
            "logs", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        logs.create_log_group(logGroupName="/x")
        self.assertEqual(logs.describe_log_groups()["logGroups"], [])
        with self.assertRaises(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName="/x")
        self.assertTrue(self.emu.wait_until(
            lambda: logs.describe_log_groups()["logGroups"], timeout=DELAY_MS / 1000 + 5))

    def test_apply_then_plan_and_apply_at_once(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        # At once: the reads do not show what was just made yet.
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.berth("apply", "--auto-approve")
        self.assert_no_duplicates()
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_what_is_not_read_back_is_listed_before_apply_ends(self):
        """Log groups and plain topics are not read back one by one after
        their create; apply still ends only once the listings a refresh
        makes show them, so a plan and a destroy at once see them all."""
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              logs:
                type: AWS::Logs::LogGroup
                count: 3
                properties:
                  RetentionInDays: 7
              topic:
                type: AWS::SNS::Topic
                properties:
                  DisplayName: hi
            """)
        self.emu.reset()
        self.berth("apply", "--auto-approve")
        ops = self.emu.calls()["by_operation"]
        self.assertNotIn("logs:ListTagsForResource", ops)
        self.assertNotIn("sns:GetTopicAttributes", ops)
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_apply_again_at_once_without_the_state_cache(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        shutil.rmtree(os.path.join(self.dir, ".berth"))
        # Nothing to go by but the lagging reads: creates must still not
        # make duplicates, nor fail on "already exists".
        self.berth("apply", "--auto-approve")
        self.assert_no_duplicates()
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_rerun_at_once_after_a_crash(self):
        """kill -9 right after the creates, before berth saw them readable,
        then apply again at once: the creates answer "already exists" for
        things the reads do not show yet. berth waits for them to become
        readable and adopts them (they carry its tags) -- it used to fail
        with "exists but cannot be read"."""
        self.write_spec(SPEC)
        p = subprocess.Popen([BERTH, "apply", "--auto-approve"], cwd=self.dir, env=self.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(self.emu.wait_until(
                lambda: len(self.all_of("log-group")) == 3, timeout=30))
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        r = self.berth("apply", "--auto-approve")
        self.assertIn("took over the lock", r.stderr)
        self.assert_no_duplicates()
        self.berth("plan", "--detailed-exitcode", ok=0)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_lost_answers_to_creates_make_no_duplicates(self):
        """AWS did the create but the answer never arrived (the connection
        dropped): berth retries, and the retry must find what the first
        attempt made -- "already exists" adopted by its tags, or the same
        topic/subscription back from the idempotent call -- not make another,
        even while reads still lag."""
        # The log groups first (the spec without its topic part), then the rest.
        self.write_spec(SPEC.split("      topic:")[0])
        self.emu.set_faults(lose_answer_next=2, operations=["logs:CreateLogGroup"])
        self.berth("apply", "--auto-approve", "--parallelism", "1")
        self.assertEqual(self.emu.faults()["lose_answer_next"], 0)
        self.write_spec(SPEC)
        # Two lost answers at most per call: the third attempt gets through.
        self.emu.set_faults(lose_answer_next=2,
                            operations=["sns:CreateTopic", "sns:Subscribe"])
        self.berth("apply", "--auto-approve", "--parallelism", "1")
        self.assertEqual(self.emu.faults()["lose_answer_next"], 0)  # all were used
        calls = self.emu.calls()["rejected_by_code"]
        # One log group create lost (its retry is answered "already exists"),
        # two topic/subscription answers lost.
        self.assertEqual(calls.get("(dropped)", 0), 3)
        self.assert_no_duplicates()
        self.berth("plan", "--detailed-exitcode", ok=0)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])


if __name__ == "__main__":
    main()
