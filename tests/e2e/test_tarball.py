"""The workshop's specs outside a git clone: a release tarball or a copied
folder holds specs/ and modules/ side by side with no .git above them.
Relative module sources (specs/ -> ../modules/vpc.yaml) and file paths
resolve against the folder of the file that names them and may go up, as
Terraform's do, so validate and plan work there as in a clone (issue 16,
item 11). Run against the emulator; nothing is applied."""
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading

from berthtest import SOURCE_DIR, main
from enginetest import EngineCase
from test_workshop import TEMPLATE_NAME, make_amp_repo

# The repository's own copy (nothing outside the repository is read).
TEMPLATE = os.path.join(SOURCE_DIR, "specs", "files", TEMPLATE_NAME)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Tarball(EngineCase):
    def setUp(self):
        super().setUp()
        # As `tar -x` of a release leaves it: the two folders, no .git.
        self.root = os.path.join(self.dir, "berth-workshop")
        for folder in ("specs", "modules"):
            shutil.copytree(os.path.join(SOURCE_DIR, folder), os.path.join(self.root, folder),
                            ignore=shutil.ignore_patterns(".berth"))
        self.specs = os.path.join(self.root, "specs")
        inside = subprocess.run(["git", "-C", self.specs, "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True)
        self.assertNotEqual(inside.returncode, 0, "the test folder must not be in a git work tree")

    def serve_template(self):
        handler = functools.partial(Quiet, directory=os.path.dirname(TEMPLATE))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}/{TEMPLATE_NAME}"

    def validate_and_plan(self, spec, args):
        r = self.berth("validate", "-f", spec, *args, cwd=self.specs)
        self.assertIn("valid", r.stdout)
        r = self.berth("plan", "--detailed-exitcode", "-f", spec, *args, ok=2, cwd=self.specs)
        self.assertIn("to add, 0 to change, 0 to destroy", r.stdout)
        r = self.berth("plan", "--json", "-f", spec, *args, cwd=self.specs)
        return {c["address"]: c for c in json.loads(r.stdout)["resources"]}

    def test_container_insights(self):
        args = ["--var", "alarm_email=attendee@example.com",
                "--var", f"cwagent_template_url={self.serve_template()}"]
        plan = self.validate_and_plan("container-insights.yaml", args)
        # The module's resources, read through ../modules/vpc.yaml.
        self.assertEqual(plan["module.net.vpc"]["action"], "create")
        # The state cache and fetch()'s cache live in the spec's folder,
        # the project folder of a spec outside any git work tree.
        self.assertTrue(os.path.isdir(os.path.join(self.specs, ".berth")))

    def test_amp_amg(self):
        url, commit = make_amp_repo(self.dir, os.path.join(self.specs, "files"))
        args = ["--var", f"amp_repo_url={url}", "--var", f"amp_repo_ref={commit}"]
        plan = self.validate_and_plan("amp-amg.yaml", args)
        self.assertEqual(plan["module.net.vpc"]["action"], "create")
        # file("${repo.ecsdemo-amp.path}/...") reads the clone apply makes.
        self.assertIn("DashboardJson", plan["dashboard"]["unknown"])


if __name__ == "__main__":
    main()
