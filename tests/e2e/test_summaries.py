"""What plan, apply, destroy and state list say about a run, against the
emulator (issue 16, item 8): Terraform's words ("Plan: 1 to add, ...",
"Apply complete! Resources: 1 added, ...", "Destroy complete! Resources: N
destroyed."), the same arithmetic in plan and apply (a replacement is one
added and one destroyed, with or without create_before_destroy), addresses
in natural order (lg[4] before lg[10]) wherever they are listed, and how
long each operation took, not "(0s)" for every create."""
import re

from berthtest import main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: sums
    resources:
      lg:
        type: AWS::Logs::LogGroup
        count: COUNT
        properties:
          RetentionInDays: 7
      app:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /sums/app
          RetentionInDays: RETENTION
      topic:
        type: AWS::SNS::Topic
        properties: { TopicName: TOPIC }
      cbd:
        type: AWS::SNS::Topic
        create_before_destroy: true
        properties: { TopicName: CBD }
    """


def spec(count=12, retention=7, topic="sums-one", cbd="sums-cbd-one"):
    return (SPEC.replace("COUNT", str(count)).replace("RETENTION", str(retention))
            .replace("TOPIC", topic).replace("CBD", cbd))


def plan_counts(text):
    m = re.search(r"^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.$", text, re.M)
    return m and tuple(int(x) for x in m.groups())


def apply_counts(text):
    m = re.search(r"^Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed\.$",
                  text, re.M)
    return m and tuple(int(x) for x in m.groups())


def lg_order(text, pattern):
    return [int(n) for n in re.findall(pattern, text, re.M)]


class SummariesTest(EngineCase):
    # Each call takes 100 ms or more, as AWS's do: a create is not "0s".
    emulator_options = {"latency_ms": 100}

    def test_plan_and_apply_agree_in_terraforms_words(self):
        self.write_spec(spec())
        r = self.berth("apply", "--auto-approve")
        self.assertEqual(plan_counts(r.stdout), (15, 0, 0), r.stdout)
        self.assertEqual(apply_counts(r.stdout), (15, 0, 0), r.stdout)
        # Durations: tenths of a second, at least the emulator's latency.
        took = re.findall(r"^lg\[\d+\]: created \((\d+\.\d)s\)$", r.stdout, re.M)
        self.assertEqual(len(took), 12, r.stdout)
        self.assertTrue(all(float(t) >= 0.1 for t in took), took)

        # Listed in natural order.
        r = self.berth("state", "list")
        self.assertEqual(lg_order(r.stdout, r"^lg\[(\d+)\]"), list(range(12)), r.stdout)

        # One update, two replacements (one create_before_destroy), nine
        # removals: the same three numbers before and after.
        self.write_spec(spec(count=3, retention=14, topic="sums-two", cbd="sums-cbd-two"))
        r = self.berth("plan")
        self.assertEqual(plan_counts(r.stdout), (2, 1, 11), r.stdout)
        self.assertEqual(lg_order(r.stdout, r"- lg\[(\d+)\] \("), list(range(3, 12)), r.stdout)
        r = self.berth("apply", "--auto-approve")
        self.assertEqual(plan_counts(r.stdout), (2, 1, 11), r.stdout)
        self.assertEqual(apply_counts(r.stdout), (2, 1, 11), r.stdout)
        self.assertNotIn("replaced,", r.stdout)

        r = self.berth("destroy", "--auto-approve")
        self.assertEqual(plan_counts(r.stdout), (0, 0, 6), r.stdout)
        self.assertIn("\nDestroy complete! Resources: 6 destroyed.\n", r.stdout)

        r = self.berth("state", "list")
        self.assertEqual(r.stdout, "")
        self.assertIn("No resources: nothing live is tagged berth:stack=sums", r.stderr)


if __name__ == "__main__":
    main()
