"""The spec corpus: every tests/spec/valid/NAME.yaml must validate (and, when
NAME.dot exists, `berth graph` must print exactly it); every
tests/spec/invalid/NAME.yaml must fail validation with exactly the error lines
in NAME.expected (the `FILE:LINE:COL: error: message` lines of stderr, in
order; source excerpts and carets are not compared). Optional NAME.args holds
extra arguments, one per line (--var, --var-file); NAME.env holds K=V lines
added to the environment. Paths are relative to the corpus folder, which is
the working directory.

BERTH_CORPUS_UPDATE=1 rewrites the .expected and .dot files from berth's
output instead of comparing: review the diff before committing it.
"""
import glob
import json
import os
import re
import unittest

from berthtest import SOURCE_DIR, clean_env, main, run_berth

CORPUS = os.path.join(SOURCE_DIR, "tests", "spec")
UPDATE = os.environ.get("BERTH_CORPUS_UPDATE") == "1"
ERROR_LINE = re.compile(r"^\S.*: error: ")


def extras(path):
    base = path[:-len(".yaml")]
    args, env = [], {}
    if os.path.exists(base + ".args"):
        with open(base + ".args") as f:
            args = [l.rstrip("\n") for l in f if l.strip()]
    if os.path.exists(base + ".env"):
        with open(base + ".env") as f:
            for l in f:
                if "=" in l:
                    k, v = l.rstrip("\n").split("=", 1)
                    env[k] = v
    return args, env


def error_lines(stderr):
    return [l for l in stderr.splitlines() if ERROR_LINE.match(l)]


class SpecCorpus(unittest.TestCase):
    maxDiff = None

    def run_in(self, folder, path, cmd):
        args, env = extras(path)
        return run_berth([cmd, "-f", os.path.basename(path)] + args,
                         env=clean_env(env), cwd=folder)

    def test_valid(self):
        folder = os.path.join(CORPUS, "valid")
        specs = sorted(glob.glob(os.path.join(folder, "*.yaml")))
        self.assertGreater(len(specs), 0)
        for path in specs:
            with self.subTest(spec=os.path.basename(path)):
                r = self.run_in(folder, path, "validate")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "")
                dot = path[:-len(".yaml")] + ".dot"
                g = self.run_in(folder, path, "graph")
                self.assertEqual(g.returncode, 0, g.stderr)
                if UPDATE:
                    with open(dot, "w") as f:
                        f.write(g.stdout)
                elif os.path.exists(dot):
                    with open(dot) as f:
                        self.assertEqual(g.stdout, f.read())

    def test_invalid(self):
        folder = os.path.join(CORPUS, "invalid")
        specs = sorted(glob.glob(os.path.join(folder, "*.yaml")))
        self.assertGreaterEqual(len(specs), 60)
        for path in specs:
            name = os.path.basename(path)
            with self.subTest(spec=name):
                r = self.run_in(folder, path, "validate")
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertNotIn("Sanitizer", r.stderr)
                self.assertNotIn("runtime error", r.stderr)
                got = error_lines(r.stderr)
                exp_path = path[:-len(".yaml")] + ".expected"
                if UPDATE:
                    with open(exp_path, "w") as f:
                        f.write("".join(l + "\n" for l in got))
                    continue
                with open(exp_path) as f:
                    want = [l for l in f.read().splitlines() if l]
                self.assertEqual(got, want)
                # --json carries the same errors.
                j = run_berth(["validate", "--json", "-f", name] + extras(path)[0],
                              env=clean_env(extras(path)[1]), cwd=folder)
                self.assertEqual(j.returncode, 1)
                doc = json.loads(j.stdout)
                self.assertFalse(doc["valid"])
                rendered = []
                for e in doc["errors"]:
                    if "file" in e:
                        rendered.append("%s:%d:%d: error: %s" % (e["file"], e["line"],
                                                                e["column"], e["message"]))
                    else:
                        rendered.append("berth: error: %s" % e["message"])
                self.assertEqual(rendered, want)


if __name__ == "__main__":
    main()
