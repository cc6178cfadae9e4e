"""`berth destroy -f SPEC` without the spec's variables (issue 16, item 4):
destroy finds the stack by its tags, so a variable without a value is a note,
not an error; what can be evaluated still orders the deletions, and a count,
for_each or repository that needs the missing value simply counts as none.
Where the spec still does not load, the error names `--stack`."""
import os
import shutil

from berthtest import SOURCE_DIR, main
from enginetest import EngineCase


class DestroyWithoutVariables(EngineCase):
    def test_example_variables(self):
        shutil.copytree(os.path.join(SOURCE_DIR, "examples", "02-variables"), self.dir,
                        dirs_exist_ok=True)
        self.berth("apply", "--auto-approve", "--var", "team=platform",
                   "--var", "webhook=https://hooks.example.com/T0001/B0001/s3cr3t-t0ken")
        self.assertTrue(self.live("variables-demo"))
        r = self.berth("destroy", "--dry-run")
        self.assertIn("- logs (AWS::Logs::LogGroup) will be destroyed", r.stdout)
        r = self.berth("destroy", "--auto-approve", "-f", "berth.yaml")
        self.assertIn("note: variable 'team' has no value; going on without it", r.stderr)
        self.assertIn("Nothing of stack variables-demo is left.", r.stdout)
        self.assertEqual(self.live("variables-demo"), [])

    def test_counts_for_each_and_repos_that_need_a_missing_variable(self):
        self.write_spec("""\
            berth: 1
            stack: demo
            variables:
              n: { type: number }
              names: { type: list }
              prefix: { type: string }
              url: { type: string }
            repos:
              src: { url: "${var.url}", ref: main }
            resources:
              topic:
                type: AWS::SNS::Topic
                count: "${var.n}"
                properties: { TopicName: "${var.prefix}-t${count.index}" }
              logs:
                type: AWS::Logs::LogGroup
                for_each: "${var.names}"
                properties: { LogGroupName: "/${var.prefix}/${each.key}" }
              sub:
                type: AWS::SNS::Subscription
                count: "${var.n}"
                properties:
                  TopicArn: "${topic[count.index].TopicArn}"
                  Protocol: email
                  Endpoint: "ops@example.com"
            """)
        # Apply without the repository, whose value destroy never needs.
        vars_ = ["--var", "n=2", "--var", "names=[a, b]", "--var", "prefix=p",
                 "--var", "url=file:///nonexistent"]
        with open(os.path.join(self.dir, "berth.yaml")) as f:
            text = f.read()
        self.write_spec(text.replace("repos:\n  src: { url: \"${var.url}\", ref: main }\n", ""),
                        name="apply.yaml")
        self.berth("apply", "--auto-approve", "-f", "apply.yaml", *vars_)
        self.assertEqual(len(self.live()), 4)  # 2 topics, 2 groups (subscriptions are untagged)
        self.assertEqual(len(self.all_of("subscription")), 2)
        r = self.berth("destroy", "--auto-approve")
        for v in ("n", "names", "prefix", "url"):
            self.assertIn(f"note: variable '{v}' has no value", r.stderr)
        self.assertIn("Nothing of stack demo is left.", r.stdout)
        self.assertEqual(self.live(), [])
        self.assertEqual(self.all_of("subscription"), [])

    def test_a_spec_that_does_not_load_names_stack(self):
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              x: { type: AWS::Logs::LogGrop }
            """)
        r = self.berth("destroy", "--auto-approve", ok=1)
        self.assertIn("unknown resource type 'AWS::Logs::LogGrop'", r.stderr)
        self.assertIn("fix it, or destroy the stack by its tags alone: "
                      "berth destroy --stack demo", r.stderr)
        r = self.berth("destroy", "--auto-approve", "--stack", "demo")
        self.assertIn("Nothing to destroy", r.stdout)


if __name__ == "__main__":
    main()
