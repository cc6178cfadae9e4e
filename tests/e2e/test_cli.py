"""The command line itself: help, version, unknown commands and options."""
import json
import unittest

from berthtest import main, run_berth


class CliTest(unittest.TestCase):
    def test_help_lists_commands(self):
        r = run_berth(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: berth", r.stdout)
        self.assertIn("version", r.stdout)

    def test_no_command_is_an_error(self):
        r = run_berth([])
        self.assertEqual(r.returncode, 1)
        self.assertIn("usage: berth", r.stderr)

    def test_version_names_libraries(self):
        r = run_berth(["version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for lib in ("libyaml", "libcurl", "jansson", "openssl", "libgit2", "libxml2"):
            self.assertIn(lib, r.stdout)
        self.assertTrue(r.stdout.startswith("berth "))

    def test_version_json(self):
        r = run_berth(["version", "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertIn("libgit2", doc["libraries"])

    def test_unknown_command(self):
        r = run_berth(["frobnicate"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown command 'frobnicate'", r.stderr)

    def test_misspelled_command_gets_suggestion(self):
        r = run_berth(["verison"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("did you mean 'version'?", r.stderr)

    def test_unknown_option_gets_suggestion(self):
        r = run_berth(["version", "--jsn"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown option '--jsn'; did you mean '--json'?", r.stderr)

    def test_global_option_after_command(self):
        r = run_berth(["version", "--no-color", "-v"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_missing_option_value(self):
        r = run_berth(["version", "--region"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("--region needs a value", r.stderr)

    def test_help_command(self):
        r = run_berth(["help", "version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: berth version", r.stdout)


if __name__ == "__main__":
    main()
