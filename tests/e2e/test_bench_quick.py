"""bench/run --quick (the performance harness, short form) completes against
the emulator and writes a report with every section. No timing is asserted:
the machine CI runs on is shared and the binary may carry sanitizers; the
numbers are for people (bench/REPORT.md), this only keeps the harness
working as berth changes."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from berthtest import BERTH, SOURCE_DIR, main


class BenchQuick(unittest.TestCase):
    def test_quick_run_writes_every_section(self):
        out = tempfile.mkdtemp(prefix="berth-bench-quick-")
        try:
            r = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "bench", "run"),
                                "--quick", "--berth", BERTH, "--out", out],
                               capture_output=True, text=True, timeout=240)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            with open(os.path.join(out, "REPORT.md")) as f:
                report = f.read()
            for section in ("## Machine", "## Method", "## Calls and wall time",
                            "## Critical path", "## CPU and memory", "## Targets",
                            "## Against the aws CLI", "## Findings"):
                self.assertIn(section, report)
            # One row per phase for the 100-resource spec, from real counts.
            for phase in ("no-change plan", "apply", "destroy"):
                self.assertRegex(report, rf"\| 100 \| \d+ \| {phase} \| [1-9]\d* \|")
            self.assertIn("Left in the emulator after destroy: 0 resources", report)
            # Calls are deterministic where time is not: per resource and
            # type, refresh excluded, what each needs and no more.
            with open(os.path.join(out, "results.json")) as f:
                size = json.load(f)["sizes"][0]
            # Apply: log groups and topics are not read back one by one;
            # one listing of the type at the end (1 call for 44 log groups,
            # 1 for 23 topics) shows them all. Log groups also cost one
            # DescribeLogGroups by name before the plan promises to create
            # them (names no stack owns would make apply fail: e2e.import),
            # topics one ListTopics (a topic's ARN is its name's).
            per_type = size["apply"]["per_type"]
            self.assertEqual(set(per_type), {"AWS::Logs::LogGroup", "AWS::SNS::Topic",
                                             "AWS::SNS::Subscription"})
            self.assertAlmostEqual(per_type["AWS::Logs::LogGroup"], 2 + 2 / 44)  # Create, PutRetention
            self.assertAlmostEqual(per_type["AWS::SNS::Topic"], 1 + 2 / 23)      # CreateTopic
            self.assertEqual(per_type["AWS::SNS::Subscription"], 2.0)  # Subscribe, state read back
            self.assertEqual(size["destroy"]["per_type"], {
                "AWS::Logs::LogGroup": 1.0,     # confirmed by the sweep's listing
                "AWS::SNS::Topic": 1.0,
                "AWS::SNS::Subscription": 1.0,  # confirmed by its topic's deletion
            })
            self.assertLess(size["plan"]["total"] / size["n"], 0.3)
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
