"""Shared setup for the engine's end-to-end tests (test_lifecycle.py,
test_resilience.py): a project folder with a spec, an emulator, and helpers
to run berth in it and look at what the emulator holds."""
import json
import os
import shutil
import tempfile
import textwrap
import unittest

from berthtest import BERTH, SOURCE_DIR, clean_env, lock_path, run_berth  # noqa: F401
from fixture import Emulator


class EngineCase(unittest.TestCase):
    emulator_options = {}

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="berth-engine-")
        self.emu = Emulator(**self.emulator_options).start()
        self.env = clean_env(home=self.dir)
        self.env.update(self.emu.env(base={}))

    def tearDown(self):
        self.emu.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def lock_path(self, stack="demo"):
        """The stack lock berth takes in this test's HOME (made ready to plant
        a lock in)."""
        path = lock_path(self.env["HOME"], stack)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        return path

    def write_spec(self, text, name="berth.yaml"):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(textwrap.dedent(text))

    def berth(self, *args, ok=True, input=None, cwd=None, env=None):
        r = run_berth(list(args), env=env or self.env, cwd=cwd or self.dir, input=input)
        if ok is True and r.returncode != 0:
            self.fail(f"berth {' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
        if isinstance(ok, int) and not isinstance(ok, bool) and r.returncode != ok:
            self.fail(f"berth {' '.join(args)} exited {r.returncode}, expected {ok}\n"
                      f"{r.stdout}\n{r.stderr}")
        # Nothing berth prints may carry an AddressSanitizer/UBSan report.
        self.assertNotIn("Sanitizer", r.stderr)
        self.assertNotIn("runtime error", r.stderr)
        return r

    def plan_json(self, *args, code=None):
        r = self.berth("plan", "--json", *args, ok=code if code is not None else True)
        return json.loads(r.stdout)

    def changes(self, plan):
        return {c["address"]: c for c in plan["resources"] if c["action"] != "no-op"}

    def live(self, stack="demo"):
        return self.emu.resources(stack=stack)

    def all_of(self, type_):
        return [r for r in self.emu.resources() if r["type"] == type_]
