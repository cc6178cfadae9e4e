"""The engine's lifecycle against the emulator: apply -> no-change plan ->
one property changed -> exactly that update -> a resource removed -> its
deletion -> destroy leaves nothing; plus state loss, saved plans, the lock,
confirmation, targets, retain, and destroy --stack without a spec."""
import json
import os
import shutil
import socket
import subprocess
import time

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    variables:
      retention: { type: number, default: 7 }
      emails: { type: list, default: [a@example.com, b@example.com] }
    data:
      me: { type: caller_identity }
    resources:
      app-logs:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /demo/app
          RetentionInDays: ${var.retention}
          Tags: [{ Key: team, Value: ops }]
      worker-logs:
        type: AWS::Logs::LogGroup
        count: 2
        properties:
          RetentionInDays: 14
      alarms:
        type: AWS::SNS::Topic
        properties:
          TopicName: demo-alarms
          DisplayName: Alarms
      events:
        type: AWS::SNS::Topic
        for_each: [deploys, builds]
        properties:
          TopicName: demo-${each.key}
          DisplayName: ${data.me.account_id}-${account}
      mail:
        type: AWS::SNS::Subscription
        for_each: ${var.emails}
        properties:
          TopicArn: ${alarms.TopicArn}
          Protocol: email
          Endpoint: ${each.value}
      pager:
        type: AWS::SNS::Subscription
        properties:
          TopicArn: ${events["deploys"].TopicArn}
          Protocol: sms
          Endpoint: "+15550100"
          FilterPolicy: { kind: [deploy] }
    outputs:
      alarms_arn: { value: "${alarms.TopicArn}" }
      logs_arn: { value: "${app-logs.Arn}" }
    """

LOG_GROUPS = {"/demo/app", "demo-worker-logs-0", "demo-worker-logs-1"}


class LifecycleTest(EngineCase):
    def subscriptions(self):
        return self.all_of("subscription")

    def assert_converged(self):
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def test_lifecycle(self):
        self.write_spec(SPEC)
        first = self.plan_json(code=0)
        self.assertEqual(first["format"], "berth-plan")
        self.assertEqual(first["summary"], {"add": 9, "change": 0, "destroy": 0})
        mail = self.changes(first)['mail["a@example.com"]']
        self.assertIsNone(mail["after"]["TopicArn"])
        self.assertEqual(mail["unknown"], ["TopicArn"])

        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 9 added, 0 changed, 0 destroyed.", r.stdout)
        self.assertIn("alarms_arn = \"arn:aws:sns:us-west-2:", r.stdout)
        r = self.berth("state", "show", 'events["deploys"]')
        self.assertIn('DisplayName = "123456789012-123456789012"', r.stdout)
        self.assertIn("TopicArn = \"arn:aws:sns:us-west-2:123456789012:demo-deploys\"", r.stdout)
        tagged = self.live()
        self.assertEqual({x["id"] for x in tagged if x["type"] == "log-group"}, LOG_GROUPS)
        self.assertEqual(len([x for x in tagged if x["type"] == "topic"]), 3)
        self.assertEqual(len(self.subscriptions()), 3)
        for x in tagged:
            self.assertEqual(x["tags"]["berth:stack"], "demo")
        self.assertEqual({x["tags"]["berth:id"] for x in tagged if x["type"] == "log-group"},
                         {"app-logs", "worker-logs=5B0=5D", "worker-logs=5B1=5D"})

        # Right after apply: nothing to do; pending email subscriptions are
        # normal, and the plan says so.
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.assertIn("pending confirmation", r.stdout)
        self.assertIn("not drift", r.stdout)

        # One property: exactly one update, in place.
        p = self.plan_json("--var", "retention=30", "--detailed-exitcode", code=2)
        ch = self.changes(p)
        self.assertEqual(list(ch), ["app-logs"])
        self.assertEqual(ch["app-logs"]["action"], "update")
        self.assertEqual(ch["app-logs"]["changed"], ["RetentionInDays"])
        self.assertEqual(ch["app-logs"]["before"]["RetentionInDays"], 7)
        self.assertEqual(ch["app-logs"]["after"]["RetentionInDays"], 30)
        r = self.berth("plan", "--var", "retention=30")
        self.assertIn("~ app-logs (AWS::Logs::LogGroup) will be updated in place", r.stdout)
        self.assertIn("RetentionInDays = 7 -> 30", r.stdout)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to destroy.", r.stdout)
        r = self.berth("apply", "--auto-approve", "--var", "retention=30")
        self.assertIn("1 changed", r.stdout)
        group = [x for x in self.live() if x["id"] == "/demo/app"][0]
        self.assertEqual(group["info"].get("retentionInDays", 30), 30)
        self.berth("plan", "--detailed-exitcode", "--var", "retention=30", ok=0)

        # A create-only property forces a replacement, and says which.
        self.write_spec(SPEC.replace("TopicName: demo-alarms", "TopicName: demo-alarms2"))
        p = self.plan_json("--var", "retention=30")
        ch = self.changes(p)
        self.assertEqual(ch["alarms"]["action"], "replace")
        self.assertEqual(ch["alarms"]["replace_paths"], ["TopicName"])
        self.assertEqual(ch['mail["a@example.com"]']["action"], "replace")
        r = self.berth("plan", "--var", "retention=30")
        self.assertIn("-/+ alarms (AWS::SNS::Topic) must be replaced: TopicName", r.stdout)
        self.assertIn("# forces replacement", r.stdout)
        log_start = len(self.emu.log())
        r = self.berth("apply", "--auto-approve", "--var", "retention=30")
        self.assertIn("Resources: 3 added,", r.stdout)
        self.assertIn(" 3 destroyed.", r.stdout)
        # Destroy-then-create, dependents' old instances first: both old
        # subscriptions go before the old topic, which goes before the new.
        ops = [line.split()[1] for line in self.emu.log()[log_start:].splitlines()
               if line.startswith("berth-emulator: sns:")]
        mutations = [o for o in ops if o in ("sns:Unsubscribe", "sns:DeleteTopic",
                                             "sns:CreateTopic", "sns:Subscribe")]
        self.assertEqual(mutations, ["sns:Unsubscribe", "sns:Unsubscribe", "sns:DeleteTopic",
                                     "sns:CreateTopic", "sns:Subscribe", "sns:Subscribe"])
        arns = {x["arn"].rsplit(":", 1)[1] for x in self.all_of("topic")}
        self.assertEqual(arns, {"demo-alarms2", "demo-deploys", "demo-builds"})
        self.assertEqual(len(self.subscriptions()), 3)
        self.assertEqual(sum(1 for x in self.subscriptions()
                             if x["info"]["TopicArn"].endswith(":demo-alarms2")), 2)
        self.berth("plan", "--detailed-exitcode", "--var", "retention=30", ok=0)
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve", "--var", "retention=30")
        self.berth("plan", "--detailed-exitcode", "--var", "retention=30", ok=0)

        # Remove a resource from the spec: the plan deletes exactly it.
        self.write_spec(SPEC.replace("count: 2", "count: 1"))
        p = self.plan_json("--var", "retention=30")
        ch = self.changes(p)
        self.assertEqual(list(ch), ["worker-logs[1]"])
        self.assertEqual(ch["worker-logs[1]"]["action"], "delete")
        self.assertEqual(ch["worker-logs[1]"]["reason"], "not in the spec")
        self.berth("apply", "--auto-approve", "--var", "retention=30")
        self.assertNotIn("demo-worker-logs-1", {x["id"] for x in self.live()})
        self.berth("plan", "--detailed-exitcode", "--var", "retention=30", ok=0)

        # Removing a subscription from a for_each list unsubscribes it.
        self.write_spec(SPEC.replace("count: 2", "count: 1")
                        .replace("default: [a@example.com, b@example.com]",
                                 "default: [a@example.com]"))
        ch = self.changes(self.plan_json("--var", "retention=30"))
        self.assertEqual(list(ch), ['mail["b@example.com"]'])
        self.berth("apply", "--auto-approve", "--var", "retention=30")
        self.assertEqual(len(self.subscriptions()), 2)

        r = self.berth("output", "--var", "retention=30", "alarms_arn")
        self.assertTrue(r.stdout.startswith("arn:aws:sns:us-west-2:"))

        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(self.live(), [])
        self.assertEqual(self.subscriptions(), [])
        self.assertEqual(self.all_of("log-group"), [])

    def test_state_loss(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        self.assertTrue(os.path.exists(os.path.join(self.dir, ".berth", "demo.state.json")))
        shutil.rmtree(os.path.join(self.dir, ".berth"))
        self.assert_converged()
        # A change is still planned exactly, with no cache.
        shutil.rmtree(os.path.join(self.dir, ".berth"), ignore_errors=True)
        ch = self.changes(self.plan_json("--var", "retention=14"))
        self.assertEqual(list(ch), ["app-logs"])
        shutil.rmtree(os.path.join(self.dir, ".berth"), ignore_errors=True)
        r = self.berth("destroy", "--dry-run")
        self.assertIn("- alarms (AWS::SNS::Topic) will be destroyed", r.stdout)
        self.assertIn("--dry-run: nothing was changed.", r.stdout)
        self.assertEqual(len(self.live()), 6)
        shutil.rmtree(os.path.join(self.dir, ".berth"), ignore_errors=True)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])
        self.assertEqual(self.subscriptions(), [])

    def test_removing_every_resource_of_a_type(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        # Only the log groups stay in the spec: topics and subscriptions,
        # types the spec no longer names at all, must still go.
        only_logs = SPEC.split("      alarms:")[0].replace(
            "    outputs:", "") + "    outputs:\n      logs_arn: { value: \"${app-logs.Arn}\" }\n"
        self.write_spec(only_logs)
        shutil.rmtree(os.path.join(self.dir, ".berth"))
        p = self.plan_json()
        gone = {c["address"]: c["action"] for c in p["resources"] if c["action"] == "delete"}
        self.assertTrue({"alarms", 'events["deploys"]', 'events["builds"]'} <= set(gone))
        self.assertEqual(len(gone), 6)  # 3 topics and, found through them, 3 subscriptions
        self.berth("apply", "--auto-approve")
        self.assertEqual(self.all_of("topic"), [])
        self.assertEqual(self.subscriptions(), [])
        self.assertEqual(len(self.all_of("log-group")), 3)
        self.assert_converged()

    def test_tags_update_in_place(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        self.write_spec(SPEC.replace("Tags: [{ Key: team, Value: ops }]",
                                     "Tags: [{ Key: team, Value: dev }, { Key: cost, Value: x1 }]"))
        ch = self.changes(self.plan_json())
        self.assertEqual(list(ch), ["app-logs"])
        self.assertEqual((ch["app-logs"]["action"], ch["app-logs"]["changed"]), ("update", ["Tags"]))
        made = [x for x in self.live() if x["id"] == "/demo/app"][0]["tags"]
        made = {k: made[k] for k in ("berth:created", "berth:owner")}
        self.berth("apply", "--auto-approve")
        group = [x for x in self.live() if x["id"] == "/demo/app"][0]
        # berth:created and berth:owner are create's: tag updates never change
        # or remove them (without expires:).
        self.assertEqual(group["tags"], {"team": "dev", "cost": "x1", "berth:stack": "demo",
                                         "berth:id": "app-logs", **made})
        self.assert_converged()
        self.write_spec(SPEC.replace("          Tags: [{ Key: team, Value: ops }]\n", ""))
        shutil.rmtree(os.path.join(self.dir, ".berth"))  # tags need no cache
        self.berth("apply", "--auto-approve")
        group = [x for x in self.live() if x["id"] == "/demo/app"][0]
        self.assertEqual(group["tags"], {"berth:stack": "demo", "berth:id": "app-logs", **made})
        self.assert_converged()

    def test_repos_are_cloned_by_apply(self):
        if not shutil.which("git"):
            self.skipTest("needs the git command to make a source repository")
        import subprocess
        src = os.path.join(self.dir, "src-repo")
        os.mkdir(src)
        git = ["git", "-C", src, "-c", "user.name=t", "-c", "user.email=t@example.com"]
        subprocess.run(["git", "init", "-q", src], check=True)
        with open(os.path.join(src, "retention.txt"), "w") as f:
            f.write("7")
        subprocess.run(git + ["add", "."], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "one"], check=True)
        commit = subprocess.run(["git", "-C", src, "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        self.write_spec(f"""\
            berth: 1
            stack: demo
            repos:
              src: {{ url: "file://{src}", ref: "{commit[:10]}" }}
            resources:
              logs:
                type: AWS::Logs::LogGroup
                properties:
                  LogGroupName: /demo/from-repo
                  Tags: [{{ Key: source, Value: "${{repo.src.path}}" }}]
            """)
        r = self.berth("plan", "--detailed-exitcode", ok=2)
        self.assertIn("~ repo src: clone file://", r.stdout)
        self.berth("apply", "--auto-approve")
        clone = os.path.join(self.dir, ".berth", "repos", "src")
        with open(os.path.join(clone, "retention.txt")) as f:
            self.assertEqual(f.read(), "7")
        group = [x for x in self.live() if x["id"] == "/demo/from-repo"][0]
        self.assertEqual(group["tags"]["source"], clone)
        self.assert_converged()

    def test_create_before_destroy(self):
        spec = """\
            berth: 1
            stack: demo
            resources:
              t:
                type: AWS::SNS::Topic
                create_before_destroy: true
                properties:
                  TopicName: NAME
                  FifoTopic: FIFO
            """
        self.write_spec(spec.replace("NAME", "demo-one").replace("FIFO", "false"))
        self.berth("apply", "--auto-approve")
        self.write_spec(spec.replace("NAME", "demo-two").replace("FIFO", "false"))
        r = self.berth("plan")
        self.assertIn("must be replaced (create before destroy)", r.stdout)
        self.emu.reset()
        self.berth("apply", "--auto-approve")
        self.assertEqual([x["arn"].rsplit(":", 1)[1] for x in self.all_of("topic")], ["demo-two"])
        self.assert_converged()

    def test_cache_does_not_leak_secrets(self):
        self.write_spec("""\
            berth: 1
            stack: demo
            variables:
              name: { type: string, sensitive: true }
            resources:
              t:
                type: AWS::SNS::Topic
                properties:
                  TopicName: demo-t
                  DisplayName: ${var.name}
            """)
        secret = "TopSecretDisplayName42"
        r = self.berth("plan", "--var", f"name={secret}")
        self.assertIn("(sensitive)", r.stdout)
        self.assertNotIn(secret, r.stdout + r.stderr)
        r = self.berth("plan", "--json", "--var", f"name={secret}", "--out", "p.json")
        self.assertNotIn(secret, r.stdout)
        with open(os.path.join(self.dir, "p.json")) as f:
            self.assertNotIn(secret, f.read())
        r = self.berth("apply", "--auto-approve", "--var", f"name={secret}")
        self.assertNotIn(secret, r.stdout + r.stderr)
        with open(os.path.join(self.dir, ".berth", "demo.state.json")) as f:
            self.assertNotIn(secret, f.read())
        self.berth("plan", "--detailed-exitcode", "--var", f"name={secret}", ok=0)

    def test_saved_plan(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        r = self.berth("plan", "--var", "retention=60", "--out", "change.plan")
        self.assertIn("Saved the plan to change.plan", r.stdout)
        self.assertEqual(os.stat(os.path.join(self.dir, "change.plan")).st_mode & 0o777, 0o600)
        # Unchanged live state: applies exactly the plan, no question asked.
        r = self.berth("apply", "change.plan")
        self.assertIn("1 changed", r.stdout)
        self.berth("plan", "--detailed-exitcode", "--var", "retention=60", ok=0)

        # Live state changes after the plan is made: refused.
        self.berth("plan", "--var", "retention=90", "--out", "stale.plan")
        self.berth("apply", "--auto-approve", "--var", "retention=30")
        r = self.berth("apply", "stale.plan", ok=1)
        self.assertIn("changed since this plan was made", r.stderr)
        group = [x for x in self.live() if x["id"] == "/demo/app"][0]
        self.assertEqual(group["info"].get("retentionInDays", 30), 30)

        # The spec changes after the plan is made: refused too.
        self.berth("plan", "--var", "retention=90", "--out", "again.plan")
        self.write_spec(SPEC.replace("DisplayName: Alarms", "DisplayName: Alerts"))
        r = self.berth("apply", "again.plan", ok=1)
        self.assertIn("spec or its variables changed", r.stderr)

    def test_lock_and_confirmation(self):
        self.write_spec(SPEC)
        lock = self.lock_path()
        with open(lock, "w") as f:
            json.dump({"pid": os.getpid(), "host": socket.gethostname(),
                       "started": "2026-11-24T16:02:11Z", "command": "berth apply"}, f)
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn(f"stack 'demo' is locked by pid {os.getpid()} (berth apply)", r.stderr)
        r = self.berth("destroy", "--auto-approve", ok=1)
        self.assertIn("is locked by pid", r.stderr)
        os.unlink(lock)

        # No terminal and no --auto-approve: refuse, change nothing.
        r = self.berth("apply", ok=1, input="yes\n")
        self.assertIn("without a terminal", r.stderr)
        self.assertIn("--auto-approve", r.stderr)
        self.assertEqual(self.live(), [])
        self.assertFalse(os.path.exists(lock))
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", ok=1, input="yes\n")
        self.assertIn("without a terminal", r.stderr)
        self.assertEqual(len(self.live()), 6)

    def test_plan_takes_the_lock(self):
        self.write_spec(SPEC)
        lock = self.lock_path()
        held = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": "2026-11-24T16:02:11Z", "command": "berth apply"}
        with open(lock, "w") as f:
            json.dump(held, f)
        # An apply holds the stack: plan says so rather than read it
        # half-applied, as apply and destroy do, and reads nothing.
        self.emu.reset()
        r = self.berth("plan", ok=1)
        self.assertIn(f"stack 'demo' is locked by pid {os.getpid()} (berth apply)", r.stderr)
        self.assertNotIn("will be created", r.stdout)
        # Only the account, which keys the lock, is asked for.
        self.assertEqual(self.emu.calls()["by_operation"], {"sts:GetCallerIdentity": 1})
        r = self.berth("plan", "--json", ok=1)
        self.assertIn("is locked by pid", r.stderr)
        self.assertEqual(r.stdout, "")
        # --lock=false reads anyway, and leaves the holder's lock as it was.
        r = self.berth("plan", "--lock=false", "--detailed-exitcode", ok=2)
        self.assertIn("+ alarms (AWS::SNS::Topic) will be created", r.stdout)
        with open(lock) as f:
            self.assertEqual(json.load(f), held)
        r = self.berth("plan", "--lock=maybe", ok=1)
        self.assertIn("--lock takes true or false, not 'maybe'", r.stderr)
        os.unlink(lock)

        # Free: plan holds the lock while it reads, naming itself, and
        # releases it when done, whatever it exits with.
        self.emu.set_faults(latency_ms=150)
        p = subprocess.Popen([BERTH, "plan"], cwd=self.dir, env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = None
        deadline = time.monotonic() + 60
        while p.poll() is None and time.monotonic() < deadline and not seen:
            try:
                with open(lock) as f:
                    seen = json.load(f)
            except (OSError, ValueError):
                time.sleep(0.02)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, err)
        self.assertIsNotNone(seen, "plan never held the lock")
        self.assertEqual(seen["command"], "berth plan")
        self.assertEqual(seen["pid"], p.pid)
        self.assertFalse(os.path.exists(lock))
        self.emu.set_faults(latency_ms=0)
        self.berth("plan", "--detailed-exitcode", ok=2)
        self.assertFalse(os.path.exists(lock))
        self.berth("plan", "--lock=true")
        self.assertFalse(os.path.exists(lock))

    def test_target_exclude_retain(self):
        self.write_spec(SPEC)
        p = self.plan_json("--target", "alarms")
        self.assertEqual(set(self.changes(p)) - {c["address"] for c in p["resources"]
                                                 if c["excluded"]}, {"alarms"})
        p = self.plan_json("--target", "mail")
        active = {c["address"] for c in p["resources"] if not c["excluded"]}
        self.assertEqual(active, {"alarms", 'mail["a@example.com"]', 'mail["b@example.com"]'})
        self.assertTrue(any("also planning its dependencies: alarms" in n for n in p["notes"]))
        p = self.plan_json("--exclude", "alarms")
        excluded = {c["address"] for c in p["resources"] if c["excluded"]}
        self.assertEqual(excluded, {"alarms", 'mail["a@example.com"]', 'mail["b@example.com"]'})
        self.assertTrue(any("also excluding what depends on it" in n for n in p["notes"]))
        r = self.berth("plan", "--target", "alrams", ok=1)
        self.assertIn("did you mean 'alarms'?", r.stderr)

        self.berth("apply", "--auto-approve", "--target", "events")
        self.assertEqual({x["arn"].rsplit(":", 1)[1] for x in self.live()},
                         {"demo-deploys", "demo-builds"})

        # retain: destroy leaves it in AWS, without berth's tags, and says so.
        self.write_spec(SPEC.replace("          DisplayName: ${data.me.account_id}-${account}",
                                     "          DisplayName: ${data.me.account_id}-${account}\n"
                                     "        retain: true"))
        r = self.berth("plan")
        self.assertIn("events[\"deploys\"]", r.stdout)  # the retain tag is added in place
        self.berth("apply", "--auto-approve")
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("left in AWS (retain: true)", r.stdout)
        self.assertEqual(self.live(), [])
        left = [x for x in self.all_of("topic")]
        self.assertEqual(sorted(x["arn"].rsplit(":", 1)[1] for x in left),
                         ["demo-builds", "demo-deploys"])
        for x in left:
            self.assertNotIn("berth:stack", x["tags"])

    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def test_drift(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        r = self.berth("plan", "--refresh-only", "--detailed-exitcode", ok=0)
        self.assertIn("No drift", r.stdout)
        # Changed and deleted behind berth's back.
        self.aws("logs").put_retention_policy(logGroupName="/demo/app", retentionInDays=90)
        self.aws("logs").delete_log_group(logGroupName="demo-worker-logs-1")
        p = self.plan_json("--refresh-only", "--detailed-exitcode", code=2)
        self.assertEqual(p["kind"], "refresh-only")
        drift = {d["address"]: d for d in p["drift"]}
        self.assertEqual(drift["app-logs"]["what"], "changed outside berth")
        self.assertEqual(drift["app-logs"]["before"]["RetentionInDays"], 7)
        self.assertEqual(drift["app-logs"]["after"]["RetentionInDays"], 90)
        self.assertEqual(drift["worker-logs[1]"]["what"], "deleted outside berth")
        self.assertEqual(p["resources"], [])
        r = self.berth("plan", "--refresh-only")
        self.assertIn("RetentionInDays = 7 -> 90", r.stdout)
        # A normal plan puts both back.
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["app-logs"]["action"], "update")
        self.assertEqual(ch["worker-logs[1]"]["action"], "create")
        self.berth("apply", "--auto-approve")
        self.assert_converged()
        self.berth("plan", "--refresh-only", "--detailed-exitcode", ok=0)

    def test_data_sources(self):
        ec2 = self.aws("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16", TagSpecifications=[{
            "ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "shared"}]}])["Vpc"]
        zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
        self.write_spec("""\
            berth: 1
            stack: demo
            data:
              azs: { type: availability_zones }
              net: { type: vpc, tags: { Name: shared } }
            resources:
              logs:
                type: AWS::Logs::LogGroup
                properties:
                  LogGroupName: /demo/${data.azs.names[0]}
                  Tags:
                    - { Key: vpc, Value: "${data.net.id}" }
                    - { Key: cidr, Value: "${data.net.cidr_block}" }
            """)
        p = self.plan_json()
        after = self.changes(p)["logs"]["after"]
        self.assertEqual(after["LogGroupName"], "/demo/" + zones[0])
        self.assertIn({"Key": "vpc", "Value": vpc["VpcId"]}, after["Tags"])
        self.assertIn({"Key": "cidr", "Value": "10.7.0.0/16"}, after["Tags"])
        self.berth("apply", "--auto-approve")
        self.assert_converged()
        # A lookup that matches nothing is an error that names the entry.
        with open(os.path.join(self.dir, "berth.yaml")) as f:
            text = f.read()
        with open(os.path.join(self.dir, "berth.yaml"), "w") as f:
            f.write(text.replace("Name: shared", "Name: missing"))
        r = self.berth("plan", ok=1)
        self.assertIn("data vpc: 0 VPCs match, expected exactly one", r.stderr)
        self.assertIn("data.net: lookup failed", r.stderr)

    def test_destroy_by_stack_name_without_spec(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        elsewhere = os.path.join(self.dir, "elsewhere")
        os.mkdir(elsewhere)
        r = self.berth("state", "list", "--stack", "demo", cwd=elsewhere)
        self.assertIn("/demo/app", r.stdout)
        r = self.berth("destroy", "--stack", "demo", "--dry-run", cwd=elsewhere)
        self.assertIn("will be destroyed", r.stdout)
        self.assertEqual(len(self.live()), 6)
        start = time.monotonic()
        r = self.berth("destroy", "--stack", "demo", "--auto-approve", cwd=elsewhere)
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertLess(time.monotonic() - start, 60)
        self.assertEqual(self.live(), [])
        self.assertEqual(self.subscriptions(), [])
        r = self.berth("destroy", "--stack", "demo", "--auto-approve", cwd=elsewhere)
        self.assertIn("Nothing to destroy", r.stdout)
        # No spec, no project folder: nothing is written where it ran
        # (the lock lives in the user's state folder).
        self.assertEqual(os.listdir(elsewhere), [])


if __name__ == "__main__":
    main()
