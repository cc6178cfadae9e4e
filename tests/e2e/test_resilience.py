"""The engine when things go wrong, and what it costs: kill -9 mid-apply
(the rerun converges without duplicates) and mid-destroy (the rerun leaves
nothing), at points chosen by call count, a permanent failure (only its
dependents are skipped; the summary is exact; the rerun finishes), Ctrl-C
(in-flight calls finish, the lock is released), and the number of AWS calls
an unchanged plan makes for 20 and for 200 resources."""
import json
import os
import signal
import subprocess
import time

from berthtest import BERTH, main
from enginetest import EngineCase

CRASH_SPEC = """\
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
        count: 3
        properties:
          DisplayName: t${count.index}
      sub:
        type: AWS::SNS::Subscription
        count: 3
        properties:
          TopicArn: ${topic[count.index].TopicArn}
          Protocol: sms
          Endpoint: "+1555010${count.index}"
    """


def count_spec(n_logs, n_topics):
    return f"""\
    berth: 1
    stack: demo
    resources:
      logs:
        type: AWS::Logs::LogGroup
        count: {n_logs}
        properties:
          RetentionInDays: 30
      topic:
        type: AWS::SNS::Topic
        count: {n_topics}
        properties:
          TopicName: demo-topic-${{count.index}}
      sub:
        type: AWS::SNS::Subscription
        count: {n_topics}
        properties:
          TopicArn: ${{topic[count.index].TopicArn}}
          Protocol: sms
          Endpoint: "+1555{n_topics:03d}${{count.index}}"
    """


class CrashTest(EngineCase):
    emulator_options = {"latency_ms": 15}

    def start_apply(self, *extra):
        return subprocess.Popen([BERTH, "apply", "--auto-approve", *extra], cwd=self.dir,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def assert_whole(self):
        self.berth("apply", "--auto-approve")
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.assertEqual(len(self.all_of("log-group")), 6)
        self.assertEqual(len(self.all_of("topic")), 3)
        subs = self.all_of("subscription")
        self.assertEqual(len(subs), 3)
        self.assertEqual(len({(s["info"]["TopicArn"], s["info"]["Endpoint"]) for s in subs}), 3)

    def test_kill_at_several_points(self):
        self.write_spec(CRASH_SPEC)
        # A whole apply of CRASH_SPEC makes 23 calls (refresh 1, STS 1,
        # 6 x 2 for the log groups, 3 topics, 3 x 2 subscriptions): every
        # point below is well before its end.
        for after in (2, 5, 8, 11, 14):
            with self.subTest(after=after):
                base = self.emu.calls()["total"]
                proc = self.start_apply("--parallelism", "3")
                reached = self.emu.wait_until(
                    lambda: self.emu.calls()["total"] >= base + after or proc.poll() is not None,
                    timeout=60, interval=0.005)
                self.assertTrue(reached)
                proc.kill()  # SIGKILL: no cleanup at all, a stale lock stays
                proc.communicate()
                # The next run takes over the stale lock and converges.
                r = self.berth("apply", "--auto-approve")
                self.assertIn("Apply complete", r.stdout)
                self.assert_whole()
                self.berth("destroy", "--auto-approve")
                self.assertEqual(self.live(), [])

    def test_kill_destroy_at_many_points(self):
        # A whole destroy of CRASH_SPEC makes 31 calls: the refresh (7),
        # the 12 deletes (log groups, then subscriptions, then topics; their
        # confirmation is the sweep's listing per type), then the sweep (a
        # tagging listing and one burst of listings, one per type, in
        # parallel). Kill points are call counts, not times, so a run is
        # repeatable and covers each phase up to the sweep, whose burst ends
        # the run within one latency and cannot be hit reliably.
        self.write_spec(CRASH_SPEC)
        for after in (2, 5, 7, 9, 11, 13, 15, 17, 19):
            with self.subTest(after=after):
                self.berth("apply", "--auto-approve")
                base = self.emu.calls()["total"]
                proc = subprocess.Popen([BERTH, "destroy", "--auto-approve", "--parallelism",
                                         "3"], cwd=self.dir, env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                reached = self.emu.wait_until(
                    lambda: self.emu.calls()["total"] >= base + after or proc.poll() is not None,
                    timeout=60, interval=0.005)
                self.assertTrue(reached)
                self.assertIsNone(proc.poll(), f"destroy ended before call {after}")
                proc.kill()
                proc.communicate()
                # The next destroy takes over the stale lock and removes the
                # rest, subscriptions (untaggable, found through their topic)
                # included, even when the kill came between a topic's
                # subscriptions and the topic.
                r = self.berth("destroy", "--auto-approve")
                self.assertIn("Nothing of stack demo is left.", r.stdout)
                self.assertEqual(self.live(), [])
                for type_ in ("log-group", "topic", "subscription"):
                    self.assertEqual(self.all_of(type_), [], type_)
                self.berth("plan", "--detailed-exitcode", ok=2)

    def test_interrupt_finishes_in_flight_and_releases_lock(self):
        self.emu.set_faults(latency_ms=150)
        self.write_spec(CRASH_SPEC)
        proc = self.start_apply("--parallelism", "2")
        self.emu.wait_until(lambda: self.emu.calls()["total"] >= 8, timeout=60, interval=0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, out + err)  # 128 + SIGINT, as shells say
        self.assertIn("Interrupt received: starting nothing new", err)
        self.assertRegex(out, r"\nApply interrupted\. Resources: \d+ added, 0 changed, "
                              r"0 destroyed\.\n")
        self.assertIn("run apply again", err)
        self.assertNotIn("Sanitizer", err)
        self.assertFalse(os.path.exists(self.lock_path()))
        self.assertLess(len(self.all_of("log-group")) + len(self.all_of("topic")), 9)
        self.emu.set_faults(latency_ms=0)
        self.assert_whole()


class FaultsTest(EngineCase):
    emulator_options = {"throttle_rate": 0.15, "error_rate": 0.05, "seed": 7}

    def test_converges_under_throttling_and_server_errors(self):
        # Retries are the client's, with its default budget (25 attempts).
        self.write_spec(CRASH_SPEC)
        self.berth("apply", "--auto-approve")
        self.berth("plan", "--detailed-exitcode", ok=0)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])
        self.assertEqual(self.all_of("subscription"), [])
        rejected = self.emu.calls()["rejected_by_code"]
        self.assertTrue(any("Throttl" in code for code in rejected), rejected)


class PartialFailureTest(EngineCase):
    SPEC = """\
        berth: 1
        stack: demo
        resources:
          good:
            type: AWS::Logs::LogGroup
            properties:
              LogGroupName: /demo/good
          bad:
            type: AWS::Logs::LogGroup
            properties:
              LogGroupName: NAME
          after-bad:
            type: AWS::SNS::Topic
            properties:
              TopicName: demo-after-bad
              DisplayName: ${bad.Arn}
          after-good:
            type: AWS::SNS::Topic
            properties:
              TopicName: demo-after-good
              DisplayName: ${good.LogGroupName}
        """

    def test_failure_skips_only_dependents(self):
        # The emulator, like CloudWatch Logs, refuses names starting "aws/".
        self.write_spec(self.SPEC.replace("NAME", "aws/reserved"))
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn("Apply incomplete. Resources: 2 added, 0 changed, 0 destroyed.", r.stdout)
        self.assertIn("Failed (1):\n  bad (create AWS::Logs::LogGroup): logs CreateLogGroup "
                      "failed: InvalidParameterException", r.stdout)
        self.assertIn("[InvalidParameterException, request id ", r.stdout)
        self.assertIn("Skipped (1), because something they depend on failed:\n"
                      "  after-bad (waits on bad)\n", r.stdout)
        self.assertNotIn("Done (", r.stdout)  # counted above, not listed
        self.assertIn("Log group names cannot start with 'aws/'", r.stderr)
        self.assertIn("request id", r.stderr)
        self.assertEqual(sorted(x["id"] for x in self.live()),
                         ["/demo/good", "demo-after-good"])
        # Rerun after the fix: only what is missing is made.
        self.write_spec(self.SPEC.replace("NAME", "/demo/bad"))
        self.emu.reset()
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.", r.stdout)
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("logs:CreateLogGroup"), 1)
        self.assertEqual(calls.get("sns:CreateTopic"), 1)
        self.berth("plan", "--detailed-exitcode", ok=0)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])


class DestroyLeftoversTest(EngineCase):
    SPEC = """\
        berth: 1
        stack: demo
        resources:
          kept:
            type: AWS::Logs::LogGroup
            properties:
              LogGroupName: /demo/protected
              DeletionProtectionEnabled: PROTECT
          topic:
            type: AWS::SNS::Topic
            properties:
              TopicName: demo-topic
        """

    def test_destroy_says_what_remains_and_exits_1(self):
        import botocore.session
        if "PutLogGroupDeletionProtection" not in \
                botocore.session.get_session().get_service_model("logs").operation_names:
            self.skipTest("this botocore's Logs model predates PutLogGroupDeletionProtection")
        self.write_spec(self.SPEC.replace("PROTECT", "true"))
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", "--auto-approve", "--retry-timeout", "2", ok=1)
        self.assertIn("Still there (1):\n  kept (AWS::Logs::LogGroup): logs DeleteLogGroup failed: "
                      "OperationAbortedException: The log group has deletion protection enabled.",
                      r.stdout)
        self.assertNotIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual([x["id"] for x in self.live()], ["/demo/protected"])
        # Protection off, changed in place; then destroy finishes.
        self.write_spec(self.SPEC.replace("PROTECT", "false"))
        p = self.plan_json()
        self.assertEqual([(c["address"], c["action"], c["changed"]) for c in p["resources"]
                          if c["action"] != "no-op"],
                         [("kept", "update", ["DeletionProtectionEnabled"]), ("topic", "create", [])])
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(self.live(), [])


class CallCountTest(EngineCase):
    # AWS's own page sizes (SNS lists 100, Logs 50), not the emulator's
    # small default, so the counts are the ones a real account would see.
    emulator_options = {"page_size": 100}

    def plan_calls(self):
        self.emu.reset()
        self.berth("plan", "--detailed-exitcode", ok=0)
        return self.emu.calls()

    def test_plan_cost_grows_with_types_and_pages_not_resources(self):
        self.write_spec(count_spec(10, 5))   # 20 resources
        self.berth("apply", "--auto-approve")
        small = self.plan_calls()
        self.berth("destroy", "--auto-approve")
        self.write_spec(count_spec(100, 50))  # 200 resources
        start = time.monotonic()
        self.berth("apply", "--auto-approve", "--parallelism", "10")
        applied_in = time.monotonic() - start
        large = self.plan_calls()
        print(f"\nplan, 20 resources:  {small['total']} calls {small['by_operation']}")
        print(f"plan, 200 resources: {large['total']} calls {large['by_operation']}")
        print(f"apply of 200 resources took {applied_in:.1f}s")
        # Nothing is read one resource at a time...
        for op in ("sns:GetTopicAttributes", "sns:ListTagsForResource",
                   "sns:GetSubscriptionAttributes", "logs:ListTagsForResource"):
            self.assertNotIn(op, large["by_operation"])
        # ...so ten times the resources costs only the extra pages: the
        # tagging API (100 a page), DescribeLogGroups (50 names a call).
        self.assertLessEqual(large["total"], 10)
        self.assertLessEqual(large["total"] - small["total"], 4)
        # The stack is listed through the tagging API once (150 taggable
        # resources: 2 pages); each type's reading filters that listing
        # rather than listing again.
        self.assertEqual(large["by_operation"]["resourcegroupstaggingapi:GetResources"], 2)
        self.assertEqual(small["by_operation"]["resourcegroupstaggingapi:GetResources"], 1)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_state_after_apply_is_what_a_refresh_reads(self):
        """Log groups and plain topics are not read back after their
        create: what apply records (the state cache, the values dependents
        resolve against) is built from the request and answer, and must be
        exactly what reading them gives."""
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              logs:
                type: AWS::Logs::LogGroup
                properties:
                  RetentionInDays: 14
                  LogGroupClass: INFREQUENT_ACCESS
                  Tags: [{Key: team, Value: blue}]
              plain:
                type: AWS::Logs::LogGroup
              topic:
                type: AWS::SNS::Topic
                properties:
                  DisplayName: hello
                  Tags: [{Key: team, Value: red}]
              follower:
                type: AWS::Logs::LogGroup
                properties:
                  Tags: [{Key: topic, Value: "${topic.TopicArn}"}]
            """)
        self.emu.reset()
        self.berth("apply", "--auto-approve")
        ops = self.emu.calls()["by_operation"]
        # Plan's look for the names it would create (issue 16: a retained
        # group's name is taken) and the final listing.
        self.assertEqual(ops.get("logs:DescribeLogGroups"), 2)
        self.assertNotIn("logs:ListTagsForResource", ops)
        self.assertNotIn("sns:GetTopicAttributes", ops)
        with open(os.path.join(self.dir, ".berth", "demo.state.json")) as f:
            state = json.load(f)["resources"]
        for address in ("logs", "plain", "topic", "follower"):
            r = self.berth("state", "show", address, "--json")
            live = json.loads(r.stdout)
            self.assertEqual(state[address]["id"], live["id"], address)
            self.assertEqual(state[address]["attributes"], live["properties"], address)
        self.berth("plan", "--detailed-exitcode", ok=0)

    def phase_calls(self, *args):
        self.emu.reset()
        self.berth(*args)
        return self.emu.calls()

    def test_apply_and_destroy_cost_per_resource(self):
        """Apply makes the calls each resource needs and reads back only
        what its create cannot tell (whether a subscription awaits
        confirmation); destroy deletes each resource once and confirms per
        type, with one listing, not per resource."""
        n_logs, n_topics = 60, 20
        self.write_spec(count_spec(n_logs, n_topics))  # + n_topics subscriptions
        applied = self.phase_calls("apply", "--auto-approve")
        ops = applied["by_operation"]
        print(f"\napply of {n_logs + 2 * n_topics}: {applied['total']} calls {ops}")
        self.assertEqual(ops.get("logs:CreateLogGroup"), n_logs)
        self.assertEqual(ops.get("logs:PutRetentionPolicy"), n_logs)
        self.assertEqual(ops.get("sns:CreateTopic"), n_topics)
        self.assertEqual(ops.get("sns:Subscribe"), n_topics)
        self.assertEqual(ops.get("sns:GetSubscriptionAttributes"), n_topics)
        for op in ("logs:ListTagsForResource", "sns:GetTopicAttributes",
                   "sns:ListTagsForResource"):
            self.assertNotIn(op, ops)
        # Log groups and topics are not read back one by one: one listing
        # at the end shows them all (60 names: 2 DescribeLogGroups), and
        # plan looks for the names it would create the same way (2 more;
        # 1 more ListTopics, since a topic's ARN is its name's).
        self.assertEqual(ops.get("logs:DescribeLogGroups"), 4)
        self.assertEqual(ops.get("sns:ListTopics"), 2)
        # 2 per log group, 1 per topic, 2 per subscription; beyond that the
        # empty stack's listing, STS, plan's name looks and that final listing.
        self.assertEqual(applied["total"] - (2 * n_logs + n_topics + 2 * n_topics), 9)
        # What apply recorded without reading back is what AWS holds.
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

        destroyed = self.phase_calls("destroy", "--auto-approve")
        ops = destroyed["by_operation"]
        print(f"destroy: {destroyed['total']} calls {ops}")
        self.assertEqual(ops.get("logs:DeleteLogGroup"), n_logs)
        self.assertEqual(ops.get("sns:DeleteTopic"), n_topics)
        self.assertEqual(ops.get("sns:Unsubscribe"), n_topics)
        # No read per resource to confirm: the sweep's listing per type
        # does (and the topics' confirms their subscriptions').
        for op in ("sns:GetSubscriptionAttributes", "sns:GetTopicAttributes",
                   "logs:ListTagsForResource"):
            self.assertNotIn(op, ops)
        self.assertLessEqual(ops.get("logs:DescribeLogGroups", 0), 2)  # 50 names a call
        # Beyond one delete per resource: listings, one or two per type.
        listings = destroyed["total"] - (n_logs + 2 * n_topics)
        self.assertLessEqual(listings, 25)
        self.assertEqual(self.live(), [])


if __name__ == "__main__":
    main()
