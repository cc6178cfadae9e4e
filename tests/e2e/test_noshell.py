"""berth runs no shell. credential_process is split into argv by berth
(quotes as the AWS CLI reads them) and executed directly, so shell
metacharacters in it reach the program as plain arguments and nothing else
runs. And the source calls no system()/popen() (banned.h makes them fail to
compile; this checks nobody worked around it). And TLS verification cannot
be switched off: no code path sets curl's peer or host verification to 0
(the AWS client's verification itself is tested in test_whoami.py,
test_tls_is_verified)."""
import json
import os
import re
import sys
import unittest

from berthtest import SOURCE_DIR, clean_env, main, run_berth, scratch_dir
from fixture import ACCESS_KEY, Emulator, SECRET_KEY


class NoShellTest(unittest.TestCase):
    def setUp(self):
        self.dir = scratch_dir("berth-noshell-")
        self.emu = Emulator().start()

    def tearDown(self):
        self.emu.stop()

    def test_metacharacters_are_plain_arguments(self):
        pwned = os.path.join(self.dir, "pwned")
        seen = os.path.join(self.dir, "argv.json")
        script = os.path.join(self.dir, "creds.py")
        with open(script, "w") as f:
            f.write("import json, sys\n"
                    "json.dump(sys.argv[1:], open(%r, 'w'))\n"
                    "print(json.dumps({'Version': 1, 'AccessKeyId': %r, 'SecretAccessKey': %r}))\n"
                    % (seen, ACCESS_KEY, SECRET_KEY))
        hostile = ["; touch %s" % pwned, "$(touch %s)" % pwned, "`touch %s`" % pwned,
                   "| touch %s" % pwned, "&& touch %s" % pwned, "> %s" % pwned, "$HOME", "*"]
        cmd = "%s %s %s" % (sys.executable, script, " ".join('"%s"' % h for h in hostile))
        cfg = os.path.join(self.dir, "config")
        with open(cfg, "w") as f:
            f.write("[profile proc]\ncredential_process = %s\n" % cmd)
        env = self.emu.env(base=clean_env(home=self.dir), AWS_CONFIG_FILE=cfg,
                           AWS_PROFILE="proc", AWS_ACCESS_KEY_ID=None,
                           AWS_SECRET_ACCESS_KEY=None)
        r = run_berth(["whoami", "--json"], env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["credential_source"], "process")
        self.assertFalse(os.path.exists(pwned), "a shell ran the credential_process")
        with open(seen) as f:
            self.assertEqual(json.load(f), hostile)

    def test_unquoted_metacharacters_are_not_a_pipeline(self):
        pwned = os.path.join(self.dir, "pwned2")
        cfg = os.path.join(self.dir, "config2")
        with open(cfg, "w") as f:
            f.write("[profile proc]\ncredential_process = /bin/true; touch %s\n" % pwned)
        env = self.emu.env(base=clean_env(home=self.dir), AWS_CONFIG_FILE=cfg,
                           AWS_PROFILE="proc", AWS_ACCESS_KEY_ID=None,
                           AWS_SECRET_ACCESS_KEY=None)
        r = run_berth(["whoami"], env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("credential_process", r.stderr)
        self.assertFalse(os.path.exists(pwned))

    def test_no_shell_calls_in_the_source(self):
        calls = re.compile(r"\b(system|popen|execl|execlp|execle)\s*\(")
        found = []
        for root, _, files in os.walk(os.path.join(SOURCE_DIR, "src")):
            for name in files:
                if not name.endswith((".c", ".h")) or name == "banned.h":
                    continue
                path = os.path.join(root, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        if calls.search(line) and not line.lstrip().startswith(("/*", "*")):
                            found.append("%s:%d: %s" % (path, n, line.strip()))
        self.assertEqual(found, [])


    def test_tls_verification_is_never_disabled(self):
        off = re.compile(r"CURLOPT_SSL_VERIFY(PEER|HOST|STATUS)\s*,\s*0|CURLOPT_PROXY_SSL_VERIFY"
                         r"|insecure|no[-_]verify", re.I)
        on = re.compile(r"CURLOPT_SSL_VERIFYPEER\s*,\s*1L")
        found, verifying = [], []
        for root, _, files in os.walk(os.path.join(SOURCE_DIR, "src")):
            for name in files:
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                found += ["%s: %s" % (path, m.group(0)) for m in off.finditer(text)]
                if "curl_easy_init" in text or "curl_easy_reset" in text:
                    verifying.append((path, bool(on.search(text))))
        self.assertEqual(found, [])
        # Every file that makes curl handles asks for verification itself.
        self.assertTrue(verifying)
        self.assertEqual([p for p, ok in verifying if not ok], [])


if __name__ == "__main__":
    main()
