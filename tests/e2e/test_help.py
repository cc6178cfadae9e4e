"""Help, the manual page and the completions say what the code accepts.

The truth is the option tables in the source (every `{ OPT_..., "name", ...}`
line of each command's function, found through the command table in
src/cli/commands.c, and the global options in src/cli/options.c). Every
option of every command must appear in its usage line and its --help, in its
section of berth(1), and in its case of the bash and zsh completions the
build generated; every environment variable the code reads must be in the
manual's ENVIRONMENT section."""
import glob
import os
import re
import shutil
import subprocess
import unittest

from berthtest import BERTH, SOURCE_DIR, clean_env, main, run_berth, scratch_dir

BUILD_DIR = os.environ.get("BERTH_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
OPTION_LINE = re.compile(r"\{\s*OPT_(FLAG|COUNT|STRING|INT|STRING_LIST|BOOL)\s*,\s*"
                         r"(0|'(.)')\s*,\s*\"([a-z0-9-]+)\"")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def options_in(text):
    """[(short or None, long)] of the option lines in C source text."""
    return [(m.group(3), m.group(4)) for m in OPTION_LINE.finditer(text)]


def function_body(text, name):
    """The text of `int NAME(...) {...}` (up to the next top-level '}')."""
    m = re.search(r"^int %s\(struct cli_ctx[^)]*\)\n\{\n" % re.escape(name), text, re.M)
    if not m:
        return None
    end = text.find("\n}\n", m.end())
    return text[m.end():end]


def source_tables():
    """{command: [(short, long)]} from the sources, and the global options."""
    commands = read(os.path.join(SOURCE_DIR, "src/cli/commands.c"))
    table = re.findall(r'\{\s*"([a-z_-]+)",\s*(cmd_[a-z_]+),\s*([^,]+),', commands)
    sources = {p: read(p) for p in glob.glob(os.path.join(SOURCE_DIR, "src/**/*.c"),
                                              recursive=True)}
    out = {}
    for name, func, flags in table:
        if "HIDDEN" in flags:
            continue
        bodies = [b for b in (function_body(t, func) for t in sources.values()) if b is not None]
        if len(bodies) != 1:
            raise AssertionError("cannot find the one definition of %s" % func)
        out[name] = options_in(bodies[0])
    options_c = read(os.path.join(SOURCE_DIR, "src/cli/options.c"))
    start = options_c.index("void cli_global_options")
    globals_ = options_in(options_c[start:options_c.index("_Static_assert", start)])
    return out, globals_


def manual_text():
    """berth(1) as text: rendered by man when there is one, else the roff
    source without its escapes (enough to find option names)."""
    page = os.path.join(BUILD_DIR, "berth.1")
    try:
        r = subprocess.run(["man", "-l", page], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="200", MAN_KEEP_FORMATTING="",
                                    LC_ALL="C.UTF-8"), timeout=60)
        if r.returncode == 0 and r.stdout:
            return re.sub(r".\x08", "", r.stdout)
    except FileNotFoundError:
        pass
    return read(page).replace("\\-", "-").replace("\\ ", " ")


def usage_of(help_text):
    """The usage line(s) of --help output: up to the first blank line."""
    return help_text.split("\n\n", 1)[0]


def section(text, start, ends):
    """text from the line matching `start` to the next line matching any of
    `ends` (regexes, multiline)."""
    m = re.search(start, text, re.M)
    if not m:
        return ""
    rest = text[m.end():]
    stop = min([e.start() for e in (re.search(p, rest, re.M) for p in ends) if e] + [len(rest)])
    return rest[:stop]


class HelpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.commands, cls.globals = source_tables()
        cls.helps = {}
        for name in cls.commands:
            r = run_berth([name, "--help"])
            assert r.returncode == 0, (name, r.stderr)
            cls.helps[name] = r.stdout
        cls.man = manual_text()
        cls.bash = read(os.path.join(BUILD_DIR, "berth.bash"))
        cls.zsh = read(os.path.join(BUILD_DIR, "_berth"))

    def test_tables_found(self):
        # The test would pass vacuously if the source parsing found nothing.
        self.assertIn(("f", "file"), self.commands["apply"])
        self.assertIn((None, "retry-timeout"), self.commands["destroy"])
        self.assertIn((None, "region"), self.globals)
        self.assertGreaterEqual(len(self.commands), 10)

    def test_every_option_in_usage_and_help(self):
        for name, opts in self.commands.items():
            usage = usage_of(self.helps[name])
            listed = self.helps[name].split("\noptions:\n", 1)[-1].split("\nglobal options:\n")[0]
            for short, long in opts:
                with self.subTest(command=name, option=long):
                    want = "-" + short if short else "--" + long
                    self.assertRegex(usage, r"\[%s[ \[\]]" % re.escape(want))
                    self.assertRegex(listed, r"(?m)^  (-%s, |    )--%s\b" % (short, long)
                                     if short else r"(?m)^      --%s\b" % long)

    def test_global_options_in_every_help(self):
        top = run_berth(["--help"]).stdout
        for short, long in self.globals:
            self.assertRegex(top, r"(?m)^  (-., |    )--%s\b" % long)
            for name in self.commands:
                self.assertIn("--" + long, self.helps[name].split("\nglobal options:\n")[1])

    def test_help_lists_exit_codes(self):
        top = run_berth(["--help"]).stdout
        self.assertIn("exit status:", top)
        for code in ("0", "1", "2"):
            self.assertRegex(top, r"(?m)^  %s +\S" % code)

    def test_repeatable_marked(self):
        usage = usage_of(self.helps["apply"])
        self.assertIn("[--var K=V]...", usage)
        self.assertIn("[--target ADDRESS]...", usage)
        self.assertRegex(self.helps["apply"], r"--var K=V +set variable K \(repeatable\)")

    def test_no_line_overruns(self):
        for name, text in self.helps.items():
            for line in text.splitlines():
                with self.subTest(command=name, line=line):
                    self.assertLessEqual(len(line), 80)

    def test_lock_spellings(self):
        usage = usage_of(self.helps["plan"])
        self.assertIn("[--lock[=false]]", usage)
        for args in (["--lock=maybe"], ["--lock=", "x"]):
            r = run_berth(["plan"] + args)
            self.assertEqual(r.returncode, 1)
            self.assertIn("--lock takes true or false", r.stderr)

    def test_every_option_in_manual(self):
        for name, opts in self.commands.items():
            part = section(self.man, r"^ +berth %s$" % re.escape(name),
                           [r"^ +berth [a-z-]+$", r"^[A-Z][A-Z ]+$"])
            self.assertTrue(part, "no section for %s in berth(1)" % name)
            for short, long in opts:
                with self.subTest(command=name, option=long):
                    self.assertIn("--" + long, part)
        glob_part = section(self.man, r"^GLOBAL OPTIONS$", [r"^[A-Z][A-Z ]+$"])
        for short, long in self.globals:
            self.assertIn("--" + long, glob_part)
        for heading in ("ENVIRONMENT", "EXIT STATUS", "FILES"):
            self.assertRegex(self.man, r"(?m)^%s$" % heading)
        self.assertIn(".berth/", section(self.man, r"^FILES$", [r"^[A-Z][A-Z ]+$"]))

    def test_every_environment_variable_in_manual(self):
        env = section(self.man, r"^ENVIRONMENT$", [r"^[A-Z][A-Z ]+$"])
        names = set()
        for path in glob.glob(os.path.join(SOURCE_DIR, "src/**/*.c"), recursive=True):
            names.update(re.findall(r'getenv\("([A-Z0-9_]+)"\)', read(path)))
        self.assertIn("AWS_REGION", names)
        for name in sorted(names):
            with self.subTest(variable=name):
                self.assertRegex(env, r"(?m)^ +%s\b" % name,
                                 "%s is read but not in src/cli/reference.c" % name)
        for name in ("NO_COLOR", "BERTH_VAR_<NAME>"):
            self.assertIn(name, env)

    def test_every_option_in_completions(self):
        for name, opts in self.commands.items():
            bash_case = section(self.bash, r"^\t%s\)$" % re.escape(name), [r"^\t;;$", r"^\t\t;;$"])
            zsh_case = section(self.zsh, r"^\t\t\(%s\)$" % re.escape(name), [r"&& ret=0 ;;$"])
            self.assertTrue(bash_case and zsh_case, name)
            for short, long in opts:
                with self.subTest(command=name, option=long):
                    self.assertRegex(bash_case, r"[\" ]--%s[ \"]" % long)
                    self.assertIn("--%s" % long, zsh_case)
        for short, long in self.globals:
            self.assertIn("--%s " % long, self.bash)
            self.assertIn("--%s" % long, section(self.zsh, r"^\tglobals=\($", [r"^\t\)$"]))

    def test_generated_files_are_current(self):
        # What the build installs is what this binary generates.
        for kind, path in (("man", "berth.1"), ("bash", "berth.bash"), ("zsh", "_berth")):
            r = run_berth(["__generate", kind])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, read(os.path.join(BUILD_DIR, path)), kind)

    def complete_bash(self, line, cwd):
        """COMPREPLY for `line` (words split at spaces, and at '=' and ':' as
        bash does), the binary under test as the command word."""
        words = [w for w in re.split(r"( |=|::)", line) if w not in (" ", "")]
        if line.endswith(" "):
            words.append("")
        words[0] = BERTH
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
                  'COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}; _berth; '
                  'printf "%s\\n" "${COMPREPLY[@]}"')
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash",
                            os.path.join(BUILD_DIR, "berth.bash")] + words,
                           env=dict(clean_env(), LINE=line), cwd=cwd, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [w for w in r.stdout.split("\n") if w]

    def test_bash_completes_from_the_spec_and_state(self):
        work = scratch_dir("berth-complete-")
        shutil.copy(os.path.join(SOURCE_DIR, "examples", "04-count-and-for-each", "berth.yaml"),
                    work)
        os.makedirs(os.path.join(work, ".berth", "repos"))
        for stack in ("replication-demo", "old-one"):
            open(os.path.join(work, ".berth", stack + ".state.json"), "w").close()
        self.assertEqual(self.complete_bash("berth pl", work), ["plan"])
        self.assertEqual(self.complete_bash("berth apply --ret", work), ["--retry-timeout"])
        # addresses, quoted for the shell (they hold brackets and quotes)
        self.assertEqual(self.complete_bash("berth plan --target to", work),
                         ["topic", 'topic\\[\\"orders\\"\\]', 'topic\\[\\"payments\\"\\]'])
        self.assertIn("workers\\[1\\]", self.complete_bash("berth apply --exclude=w", work))
        self.assertEqual(sorted(self.complete_bash("berth destroy --stack ", work)),
                         ["old-one", "replication-demo"])
        self.assertEqual(self.complete_bash("berth types AWS::EC2::VPCG", work),
                         ["VPCGatewayAttachment"])
        # the helper itself, its stderr seen (the scripts hide it): clean exits
        for kind in ("addresses", "stacks", "types", "profiles"):
            r = run_berth(["__complete", kind], cwd=work)
            self.assertEqual((r.returncode, r.stderr), (0, ""), kind)
        self.assertIn("topic[\"orders\"]", run_berth(["__complete", "addresses"], cwd=work).stdout)
        # no spec: nothing, and no error
        self.assertEqual(self.complete_bash("berth plan --target x", scratch_dir("berth-e-")), [])

    @unittest.skipUnless(shutil.which("zsh"), "no zsh (scripts/bootstrap installs it)")
    def test_zsh_script_parses(self):
        r = subprocess.run(["zsh", "-n", os.path.join(BUILD_DIR, "_berth")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_hidden_commands_stay_hidden(self):
        top = run_berth(["--help"]).stdout
        self.assertNotIn("__complete", top)
        self.assertNotIn("__generate", self.man)


if __name__ == "__main__":
    main()
