"""The small things a new user meets in the first hour (issue 16, item 12),
through the binary: an empty NO_COLOR keeps colour (no-color.org), a list
variable written "a,b" explains the list syntax, a property named by its
start gets the full name suggested, `plan --out` says the whole apply
command with the user's variables (sensitive ones masked), `state list` of
an empty stack says so, and `berth output` agrees with `berth output NAME`
when the stack is not live."""
import os
import pty
import select
import subprocess
import textwrap

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: first
    variables:
      zones: { type: list, default: [a] }
      token: { type: string, sensitive: true, default: "" }
      team: { type: string, default: ops }
    resources:
      logs:
        type: AWS::Logs::LogGroup
        properties:
          LogGroupName: /first/${var.team}
          RetentionInDays: 7
    outputs:
      group: { value: "${logs.LogGroupName}" }
      arn: { value: "${logs.Arn}" }
    """


def run_on_tty(args, env, cwd):
    """Runs berth with stderr on a pseudo-terminal (where berth colours);
    returns (exit code, what it wrote there)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([BERTH] + args, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=30), out.decode(errors="replace")


class FirstHourTest(EngineCase):
    def test_empty_no_color_keeps_colour(self):
        self.write_spec("berth: 1\nstack: first\nresourcez: {}\n")
        colour = "\033[1;31m"
        for value, coloured in (("", True), ("1", False), (None, True)):
            env = dict(self.env)
            env.pop("NO_COLOR", None)
            if value is not None:
                env["NO_COLOR"] = value
            code, err = run_on_tty(["validate"], env, self.dir)
            self.assertEqual(code, 1, err)
            self.assertIn("error:", err)
            self.assertEqual(colour in err, coloured, "NO_COLOR=%r: %r" % (value, err))

    def test_list_variable_given_with_commas(self):
        self.write_spec(SPEC)
        r = self.berth("validate", "--var", "zones=a,b", ok=1)
        self.assertIn("variable 'zones' expects a list, got 'a,b' (from --var)", r.stderr)
        self.assertIn("a list is written in YAML's brackets, quoted for the shell: "
                      "--var 'zones=[a,b]'", r.stderr)
        env = dict(self.env, BERTH_VAR_zones="a,b")
        r = self.berth("validate", env=env, ok=1)
        self.assertIn("'BERTH_VAR_zones=[a,b]'", r.stderr)
        # And the way it says works.
        self.berth("validate", "--var", "zones=[a,b]")

    def test_property_named_by_its_start(self):
        self.write_spec(SPEC.replace("RetentionInDays: 7", "Retention: 7"))
        r = self.berth("validate", ok=1)
        self.assertIn("unknown property 'Retention' for AWS::Logs::LogGroup; did you mean "
                      "'RetentionInDays'?", r.stderr)

    def test_plan_out_hint_repeats_the_variables(self):
        self.write_spec(SPEC)
        with open(os.path.join(self.dir, "vars.yaml"), "w") as f:
            f.write("team: ops\n")
        r = self.berth("plan", "--out", "my plan", "--var-file", "vars.yaml",
                       "--var", "token=hunter2-secret", "--var", "zones=[a, b]")
        self.assertIn("\nSaved the plan to my plan; apply exactly this with:\n"
                      "  berth apply 'my plan' --var-file vars.yaml --var token=(sensitive) "
                      "--var 'zones=[a, b]'\n", r.stdout)
        self.assertIn("The plan holds no sensitive value", r.stdout)
        self.assertNotIn("hunter2", r.stdout + r.stderr)
        # The command it gives (with the secret put back) applies the plan.
        r = self.berth("apply", "my plan", "--var-file", "vars.yaml", "--var",
                       "token=hunter2-secret", "--var", "zones=[a, b]")
        self.assertIn("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.", r.stdout)

    def test_empty_stack_and_outputs_that_are_not_known(self):
        self.write_spec(SPEC)
        r = self.berth("state", "list")
        self.assertEqual(r.stdout, "")
        self.assertIn("No resources: nothing live is tagged berth:stack=first (never applied, "
                      "or destroyed).", r.stderr)
        # Not applied (or destroyed): the ARN is not known (the group's name
        # is: the spec sets it). Listing them fails as asking for the ARN
        # does, says why, and still prints what is known.
        for args in ([], ["--json"], ["arn"]):
            r = self.berth("output", *args, ok=1)
            self.assertIn("output: not known yet: arn (what it refers to is not live in stack "
                          "first: apply first)", r.stderr)
        r = self.berth("output", ok=1)
        self.assertIn("group = \"/first/ops\"\narn = (not known yet)\n", r.stdout)
        self.berth("output", "group")
        self.berth("apply", "--auto-approve")
        r = self.berth("output")
        self.assertIn("arn = \"arn:aws:logs:", r.stdout)
        self.berth("output", "arn")
        self.berth("destroy", "--auto-approve")
        self.berth("output", ok=1)
        self.berth("output", "arn", ok=1)


if __name__ == "__main__":
    main()
