"""The human plan view with long values: a 2,000-character query shows its
head and tail, not all of it; an update shows the part that changed; plan
--json keeps the whole value; outputs are printed whole."""
import json

from berthtest import main
from enginetest import EngineCase

# 24 clauses of ~80 characters: well over the view's 400.
CLAUSES = [f"filter Service{i:02d} = svc-{i:02d} or Other{i:02d} like /pattern-{i:02d}/ and x > {i}" for i in range(24)]


def spec(clauses):
    query = " | ".join(clauses)
    return f"""\
    berth: 1
    stack: view
    resources:
      q:
        type: AWS::Logs::QueryDefinition
        properties:
          Name: view/long
          QueryString: {json.dumps(query)}
    outputs:
      query: {{ value: {json.dumps(query)} }}
    """


class PlanViewTest(EngineCase):
    def test_long_values_are_shortened_around_the_change(self):
        query = " | ".join(CLAUSES)
        self.write_spec(spec(CLAUSES))
        r = self.berth("plan")
        line = next(l for l in r.stdout.splitlines() if "QueryString" in l)
        self.assertLess(len(line), 400, line)
        self.assertIn(CLAUSES[0][:60], line)            # the head
        self.assertIn(f"({len(query) + 2} bytes; plan --json shows it whole)", line)
        self.assertNotIn(CLAUSES[12], line)             # the middle is left out
        # The machine-readable plan keeps every byte.
        plan = self.plan_json()
        after = self.changes(plan)["q"]["after"]
        self.assertEqual(after["QueryString"], query)

        r = self.berth("apply", "--auto-approve")
        # Outputs are there to be copied: whole.
        self.assertIn(query, r.stdout)

        # One clause in the middle changes: both sides show it.
        changed = list(CLAUSES)
        changed[12] = changed[12].replace("svc-12", "svc-XX")
        self.write_spec(spec(changed))
        r = self.berth("plan")
        line = next((l for l in r.stdout.splitlines() if "QueryString" in l), None)
        self.assertIsNotNone(line, r.stdout)
        before_side, after_side = line.split(" -> ")
        self.assertIn("svc-12 ", before_side)
        self.assertIn("svc-XX ", after_side)
        self.assertNotIn("svc-XX", before_side)
        self.assertLess(len(line), 900, line)

        # A short value is shown as before, whole.
        self.write_spec(spec(["fields @message"]))
        r = self.berth("plan")
        self.assertIn('"fields @message"', r.stdout)
        self.berth("destroy", "--auto-approve")


if __name__ == "__main__":
    main()
