"""Ctrl-C, against the emulator (issue 16, item 5): every interrupt says what
state things are in and exits 130, as shells report SIGINT. The first
Ctrl-C of plan stops the reading and says nothing was changed; the first of
destroy lets what is in flight finish, naming it; a second one leaves at
once, naming what it abandoned, and how to go on. (The first Ctrl-C of
apply: test_resilience.py.)"""
import os
import re
import signal
import subprocess
import time

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: intr
    resources:
      lg:
        type: AWS::Logs::LogGroup
        count: 8
        properties:
          RetentionInDays: 7
    """


class InterruptTest(EngineCase):
    def start(self, *args):
        return subprocess.Popen([BERTH] + list(args), cwd=self.dir, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_calls(self, proc, what, n):
        def reached():
            calls = self.emu.calls()
            got = calls["total"] if what == "total" else calls["by_operation"].get(what, 0)
            return got >= n or proc.poll() is not None
        self.assertTrue(self.emu.wait_until(reached, timeout=60, interval=0.005))
        self.assertIsNone(proc.poll(), "berth ended before it could be interrupted")

    def test_plan_interrupted_says_nothing_changed(self):
        self.write_spec(SPEC)
        self.emu.set_faults(latency_ms=400)
        proc = self.start("plan")
        self.wait_calls(proc, "total", 1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertIn("Interrupt received: berth plan stops once the reads in flight return; "
                      "it has changed nothing.", err)
        self.assertIn("berth plan: interrupted; nothing was changed.", err)
        self.assertNotIn("Sanitizer", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".berth", "intr.lock")))

    def test_destroy_interrupted_twice_names_what_it_abandoned(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        self.emu.set_faults(latency_ms=700)
        proc = self.start("destroy", "--auto-approve", "--parallelism", "2")
        # Interrupt right after the third deletion began (each takes 700 ms):
        # two are in flight then.
        seen = ""
        while "lg[2]: destroying..." not in seen:
            line = proc.stdout.readline()
            self.assertTrue(line, "destroy ended before it could be interrupted")
            seen += line
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        out = seen + out
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertNotIn("Sanitizer", err)
        # The first: what it waits for and how to leave at once.
        self.assertRegex(err, r"Interrupt received: starting nothing new; letting the \d "
                              r"operations? in flight finish so that AWS and berth agree: "
                              r"lg\[\d\] \(destroying\)")
        self.assertIn("Press Ctrl-C again to leave at once", err)
        # The second: what it abandoned, and how to go on.
        m = re.search(r"Interrupted again: leaving at once\. Abandoned in flight \(each may or "
                      r"may not have happened in AWS\): (.*?)\. (\d+) operations? done before\. "
                      r"The stack's lock is released\. To go on, run destroy again: it finds "
                      r"what is left by its tags\.", err)
        self.assertIsNotNone(m, err)
        self.assertRegex(m.group(1), r"^lg\[\d\] \(destroying\)")
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".berth", "intr.lock")))
        # And going on works.
        self.emu.set_faults(latency_ms=0)
        r = self.berth("destroy", "--auto-approve")
        self.assertIn("Nothing of stack intr is left.", r.stdout)

    def test_destroy_interrupted_once_finishes_in_flight(self):
        self.write_spec(SPEC)
        self.berth("apply", "--auto-approve")
        self.emu.set_faults(latency_ms=300)
        proc = self.start("destroy", "--auto-approve", "--parallelism", "2")
        self.wait_calls(proc, "logs:DeleteLogGroup", 1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertIn("Interrupt received: starting nothing new", err)
        self.assertRegex(out, r"\nDestroy interrupted\. Resources: \d destroyed\.\n")
        self.assertRegex(out, r"Not started \(\d\), because of the interruption:\n  lg\[")
        self.assertIn("run destroy again to remove the rest", err)
        self.assertNotIn("Done (", out)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".berth", "intr.lock")))


if __name__ == "__main__":
    main()
