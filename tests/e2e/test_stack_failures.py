"""CloudFormation stacks that end in failure states, under the emulator's
`--aws-timing` (tests/emulator/README.md says how each is produced):

- UPDATE_ROLLBACK_FAILED (an update failed, and so did its rollback, as AWS
  documents it happens: a resource deleted outside CloudFormation): the
  apply says so with each failed resource and AWS's reason; the next plan
  says it will continue the failed rollback, then update; apply does
  (ContinueUpdateRollback, its wait, then UpdateStack), and when the
  continued rollback fails again says why and what is left to the user;
  destroy deletes such a stack.
- ROLLBACK_COMPLETE (a create that failed): the apply names the first
  failed resource and AWS's reason, the next plan replaces the stack, the
  apply replaces it, destroy leaves nothing."""
from berthtest import main
from enginetest import EngineCase


class StackFailures(EngineCase):
    # A stack's steps take 0.4-0.5 s here (AWS: 5-30 s): long enough that
    # berth prints its waits (a wait is printed once it has lasted 1 s; a
    # continued rollback takes three steps), short enough for a fast test.
    emulator_options = {"aws_timing": 0.01, "seed": 15,
                        "aws_timing_rows": {"CFN_STEP": (40.0, 50.0)}}

    ROLLBACK_SPEC = """\
        berth: 1
        stack: fail
        resources:
          app:
            type: AWS::CloudFormation::Stack
            properties:
              StackName: app
              TemplateBody:
                Resources:
                  Group:
                    Type: AWS::Logs::LogGroup
                    Properties: { LogGroupName: app, RetentionInDays: RETENTION }
        """

    def update_rollback_failed(self):
        """The stack `app` in UPDATE_ROLLBACK_FAILED, as AWS documents it
        happens: a resource deleted outside CloudFormation can neither be
        updated nor rolled back. Returns the failed apply's output."""
        self.write_spec(self.ROLLBACK_SPEC.replace("RETENTION", "7"))
        self.berth("apply", "--auto-approve")
        self.aws("logs").delete_log_group(logGroupName="app")
        self.write_spec(self.ROLLBACK_SPEC.replace("RETENTION", "14"))
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertEqual(self.stack_status("app"), "UPDATE_ROLLBACK_FAILED")
        return r.stdout + r.stderr

    def stack_status(self, name):
        return self.aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0][
            "StackStatus"]

    def test_stack_update_rollback_failed_continued_then_updated(self):
        out = self.update_rollback_failed()
        # The update's failure: the stack's reason, each failed resource
        # with AWS's reason, the first (the cause) first, and the way out.
        self.assertIn("stack app is UPDATE_ROLLBACK_FAILED, not UPDATE_COMPLETE: The following "
                      "resource(s) failed to update: [Group].\n"
                      '  Group (AWS::Logs::LogGroup): UPDATE_FAILED: Resource handler returned '
                      'message: "The specified log group does not exist.', out)
        self.assertIn('Group (AWS::Logs::LogGroup): UPDATE_FAILED while rolling back: Resource '
                      'handler returned message: "The specified log group does not exist.', out)
        self.assertIn("the next apply continues the rollback (ContinueUpdateRollback), then "
                      "updates", out)
        self.assertIn("Failed (1):", out)

        # The plan says what apply will do, though the spec is unchanged.
        reason = ("the stack is UPDATE_ROLLBACK_FAILED (an update failed, and so did its "
                  "rollback): continue the failed rollback (ContinueUpdateRollback), then update")
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["app"]["action"], "update")
        self.assertEqual(ch["app"]["reason"], reason)
        r = self.berth("plan", "--detailed-exitcode", ok=2)
        self.assertIn(f"app (AWS::CloudFormation::Stack) will be updated in place: {reason}",
                      r.stdout)

        # The cause still there: the continued rollback fails again, and
        # berth says why and what is left to the user.
        r = self.berth("apply", "--auto-approve", ok=1)
        out = r.stdout + r.stderr
        self.assertIn("the continued rollback of stack app failed: it is UPDATE_ROLLBACK_FAILED, "
                      "not UPDATE_ROLLBACK_COMPLETE: The following resource(s) failed to "
                      "update: [Group].\n"
                      "  Group (AWS::Logs::LogGroup): UPDATE_FAILED while rolling back: Resource "
                      'handler returned message: "The specified log group does not exist.', out)
        self.assertIn("aws cloudformation continue-update-rollback --stack-name app "
                      "--resources-to-skip Group", out)
        self.assertEqual(self.stack_status("app"), "UPDATE_ROLLBACK_FAILED")

        # Fixed: one apply continues the rollback, then makes the update.
        self.aws("logs").create_log_group(logGroupName="app")
        r = self.berth("apply", "--auto-approve")
        self.assertRegex(r.stdout, r"(?m)^app: waiting for stack app to finish its failed "
                                   r"update's rollback, continued \(UPDATE_ROLLBACK_COMPLETE\)")
        self.assertRegex(r.stdout, r"(?m)^app: waited \d+\.\ds for stack app to finish its "
                                   r"failed update's rollback")
        self.assertEqual(self.stack_status("app"), "UPDATE_COMPLETE")
        self.assertEqual(self.aws("logs").describe_log_groups(logGroupNamePrefix="app")
                         ["logGroups"][0]["retentionInDays"], 14)
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("cloudformation:ContinueUpdateRollback"), 2)
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live("fail"), [])
        self.assertEqual(self.aws("cloudformation").describe_stacks()["Stacks"], [])

    def test_stack_update_rollback_failed_destroyed(self):
        self.update_rollback_failed()
        # DeleteStack is allowed in UPDATE_ROLLBACK_FAILED: destroy needs
        # no rollback first.
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack fail is left", r.stdout + r.stderr)
        self.assertEqual(self.aws("cloudformation").describe_stacks()["Stacks"], [])
        self.assertEqual(self.live("fail"), [])
        self.assertNotIn("cloudformation:ContinueUpdateRollback",
                         self.emu.calls()["by_operation"])

    CREATE_SPEC = """\
        berth: 1
        stack: fail
        resources:
          app:
            type: AWS::CloudFormation::Stack
            properties:
              StackName: app
              TemplateBody:
                Resources:
                  Topic: { Type: AWS::SNS::Topic, Properties: { TopicName: app } }
                  Group:
                    Type: AWS::Logs::LogGroup
                    DependsOn: Topic
                    Properties: { LogGroupName: taken }
        """

    def test_stack_create_rolled_back_then_replaced(self):
        # A log group of that name exists already (made outside the stack):
        # the stack's create fails and rolls back to ROLLBACK_COMPLETE.
        logs = self.aws("logs")
        logs.create_log_group(logGroupName="taken")
        self.write_spec(self.CREATE_SPEC)
        r = self.berth("apply", "--auto-approve", ok=1)
        out = r.stdout + r.stderr
        # The wait names the rollback once the create fails.
        self.assertRegex(out, r"(?m)^app: waiting for (CREATE|ROLLBACK)_COMPLETE")
        self.assertRegex(out, r"(?m)^app: stopped waiting after \d+\.\ds for ROLLBACK_COMPLETE$")
        self.assertIn("stack app is ROLLBACK_COMPLETE, not CREATE_COMPLETE: The following "
                      "resource(s) failed to create: [Group]. Rollback requested by user.\n"
                      "  Group (AWS::Logs::LogGroup): CREATE_FAILED: Resource handler returned "
                      'message: "The specified log group already exists', out)
        self.assertIn("Error Code: ResourceAlreadyExistsException", out)
        self.assertIn("Failed (1):", out)
        failed = self.aws("cloudformation").describe_stacks(StackName="app")["Stacks"][0]
        self.assertEqual(failed["StackStatus"], "ROLLBACK_COMPLETE")
        self.assertNotIn("app", str(self.aws("sns").list_topics()))  # rolled back

        # It takes no update: the next plan replaces it, and once the
        # cause is gone one apply does.
        ch = self.changes(self.plan_json())
        self.assertEqual(ch["app"]["action"], "replace")
        self.assertEqual(ch["app"]["reason"], "the stack is in ROLLBACK_COMPLETE and cannot be "
                         "updated, only deleted and created again")
        logs.delete_log_group(logGroupName="taken")
        r = self.berth("apply", "--auto-approve")
        self.assertIn("1 added, 0 changed, 1 destroyed", r.stdout)
        self.assertRegex(r.stdout, r"(?m)^app: waited \d+\.\ds for (CREATE|DELETE)_COMPLETE")
        stack = self.aws("cloudformation").describe_stacks(StackName="app")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE")
        self.assertNotEqual(stack["StackId"], failed["StackId"])
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.aws("cloudformation").describe_stacks()["Stacks"], [])
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="taken")["logGroups"], [])
        self.assertEqual(self.live("fail"), [])

    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


if __name__ == "__main__":
    main()
