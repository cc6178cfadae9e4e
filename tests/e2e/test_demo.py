"""The README's first command, scripts/demo, as it stands: both workshop
chapters through validate, plan, apply, outputs, a plan with no changes and
destroy against the emulator under --aws-timing, ending with nothing left.

It runs the test build's berth (BERTH_DEMO_BINARY) instead of building a
release tree; everything else, the timing scale and seed included, is the
script a newcomer runs. The script once
passed a variable the spec had renamed and nothing noticed: this is what
notices."""
import os
import subprocess
import unittest

from berthtest import BERTH, SOURCE_DIR, main


class DemoTest(unittest.TestCase):
    def test_demo_runs_both_chapters_to_nothing_left(self):
        env = dict(os.environ)
        env["BERTH_DEMO_BINARY"] = BERTH
        r = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "demo")], cwd=SOURCE_DIR,
                           env=env, capture_output=True, text=True, timeout=540)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-4000:])
        self.assertEqual(out.count("-> nothing left"), 2, out[-4000:])
        self.assertNotIn("FAILED", out)
        # It prints the waits as they happen (AWS timing is on): when one
        # starts, what for and with what budget, and when it ends.
        self.assertRegex(out, r"(?m)^module\.frontend\.alb\[0\]: waiting for the load balancer "
                         r"to be active \(up to 20m00s\)$")
        self.assertRegex(out, r"(?m)^module\.frontend\.alb\[0\]: waited \d+\.\ds for the load "
                         r"balancer to be active$")
        self.assertRegex(out, r"(?m)^grafana: waited \d+(\.\d)?s for the Grafana workspace to be "
                         r"ACTIVE$")


if __name__ == "__main__":
    main()
