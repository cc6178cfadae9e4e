"""Every example under examples/ validates, applies against the emulator,
plans empty right after, and destroys to nothing (issue 8: examples are
tested, not just shown). A `# test: ARGS` line in an example's header gives
the arguments it needs (e.g. a required --var)."""
import os
import shlex
import shutil
import tempfile
import unittest

from berthtest import SOURCE_DIR, clean_env, main, run_berth
from fixture import Emulator

EXAMPLES = os.path.join(SOURCE_DIR, "examples")


def examples():
    for name in sorted(os.listdir(EXAMPLES)):
        spec = os.path.join(EXAMPLES, name, "berth.yaml")
        if os.path.isfile(spec):
            yield name, spec


def test_args(spec):
    args = []
    with open(spec) as f:
        for line in f:
            if line.startswith("# test:"):
                args += shlex.split(line[len("# test:"):])
    return args


def stack_of(spec):
    with open(spec) as f:
        for line in f:
            if line.startswith("stack:"):
                return line.split(":", 1)[1].split("#")[0].strip()
    raise AssertionError(f"{spec} names no stack")


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def run_in(self, folder, *args, ok=0):
        env = clean_env(home=folder)
        env.update(self.emu.env(base={}))
        r = run_berth(list(args), env=env, cwd=folder)
        self.assertEqual(r.returncode, ok, f"berth {' '.join(args)}\n{r.stdout}\n{r.stderr}")
        self.assertNotIn("Sanitizer", r.stderr)
        self.assertNotIn("runtime error", r.stderr)
        return r

    def test_there_are_examples(self):
        self.assertGreaterEqual(len(list(examples())), 8)

    def test_each_example_lifecycle(self):
        for name, spec in examples():
            with self.subTest(example=name):
                folder = tempfile.mkdtemp(prefix=f"berth-example-{name}-")
                self.addCleanup(shutil.rmtree, folder, True)
                shutil.copytree(os.path.dirname(spec), folder, dirs_exist_ok=True)
                args = test_args(spec)
                stack = stack_of(spec)

                self.run_in(folder, "validate", *args)
                self.run_in(folder, "apply", "--auto-approve", *args)
                self.assertTrue(self.emu.resources(stack=stack),
                                f"{name}: apply left nothing tagged {stack}")
                # No perpetual diff: AWS's answers match the spec once applied.
                r = self.run_in(folder, "plan", "--detailed-exitcode", *args)
                self.assertIn("No changes", r.stdout)
                self.run_in(folder, "output", "--json", *args)
                self.run_in(folder, "destroy", "--auto-approve", *args)
                self.assertEqual(self.emu.resources(stack=stack), [],
                                 f"{name}: destroy left resources behind")

    def test_sensitive_variable_is_masked(self):
        # 02-variables promises masking: its webhook URL is never printed,
        # in plan, apply, output or a saved plan, and shows as (sensitive).
        name, spec = next(e for e in examples() if e[0] == "02-variables")
        args = test_args(spec)
        secret = next(a.split("=", 1)[1] for a in args if a.startswith("webhook="))
        self.assertIn("s3cr3t", secret)
        folder = tempfile.mkdtemp(prefix="berth-example-sensitive-")
        self.addCleanup(shutil.rmtree, folder, True)
        shutil.copytree(os.path.dirname(spec), folder, dirs_exist_ok=True)
        seen = []
        for cmd in (["plan", "--out", "saved.plan"], ["apply", "--auto-approve"],
                    ["output"], ["output", "--json"], ["plan"],
                    ["destroy", "--auto-approve"]):
            r = self.run_in(folder, *cmd, *args)
            seen.append(r.stdout)
            self.assertNotIn("s3cr3t", r.stdout + r.stderr, cmd)
        with open(os.path.join(folder, "saved.plan")) as f:
            self.assertNotIn("s3cr3t", f.read())
        self.assertIn("(sensitive)", seen[0])  # the plan
        self.assertIn("webhook = (sensitive)", seen[2])  # the outputs

    def test_retained_resource_outlives_destroy(self):
        # 07-lifecycle retains its audit log group: destroy leaves it in AWS
        # (untagged, so no longer the stack's).
        groups = [r["id"] for r in self.emu.resources() if r["type"] == "log-group"]
        if "/examples/lifecycle/audit" not in groups:
            name, spec = next(e for e in examples() if e[0] == "07-lifecycle")
            folder = tempfile.mkdtemp(prefix="berth-example-retain-")
            self.addCleanup(shutil.rmtree, folder, True)
            shutil.copytree(os.path.dirname(spec), folder, dirs_exist_ok=True)
            self.run_in(folder, "apply", "--auto-approve")
            self.run_in(folder, "destroy", "--auto-approve")
            groups = [r["id"] for r in self.emu.resources() if r["type"] == "log-group"]
        self.assertIn("/examples/lifecycle/audit", groups)
        self.assertNotIn("/examples/lifecycle/app", groups)


if __name__ == "__main__":
    main()
