"""bench/run --quick (the performance harness, short form) completes against
the emulator and writes a report with every section. No timing is asserted:
the machine CI runs on is shared and the binary may carry sanitizers; the
numbers are for people (bench/REPORT.md), this only keeps the harness
working as berth changes."""
import json
import os
import re
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

    def test_workshop_mix_spec_is_the_workshop_at_scale(self):
        """bench/gen_spec.py --mix workshop (the full run's 1,000-resource
        workshop mix; not run by --quick, whose ~10 s its load balancers'
        and services' waits would double): exactly N valid resources, every
        type of the workshop's chain, and the chain itself in the graph."""
        gen = os.path.join(SOURCE_DIR, "bench", "gen_spec.py")
        d = tempfile.mkdtemp(prefix="berth-bench-ws-")
        try:
            spec = os.path.join(d, "berth.yaml")
            with open(spec, "w") as f:
                subprocess.run([sys.executable, gen, "1000", "--mix", "workshop"], stdout=f,
                               check=True)
            r = subprocess.run([BERTH, "validate", "-f", spec], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("valid (1000 resources", r.stdout + r.stderr)
            with open(spec) as f:
                types = set(re.findall(r"^    type: (\S+)$", f.read(), re.M))
            for t in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable",
                      "AWS::EC2::SecurityGroup", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition",
                      "AWS::ECS::Service", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                      "AWS::ElasticLoadBalancingV2::TargetGroup",
                      "AWS::CloudWatch::Alarm", "AWS::Logs::LogGroup"):
                self.assertIn(t, types)
            dot = subprocess.run([BERTH, "graph", "-f", spec], capture_output=True, text=True,
                                 check=True).stdout
            # VPC -> attachment -> public subnet -> ALB -> listener -> service -> alarm
            for a, b in (("cpu-9-7", "service-9-7"), ("service-9-7", "listener-9-7"),
                         ("listener-9-7", "alb-9-7"), ("alb-9-7", "public-9-1"),
                         ("public-9-1", "igw-attachment-9"), ("igw-attachment-9", "vpc-9")):
                self.assertIn(f'"{a}" -> "{b}"', dot)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
