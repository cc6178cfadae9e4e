"""berth's own files at the CLI level: the state cache (under .berth/) and the
lock (in the user's state folder) are private (0600 in a 0700 folder, whatever the umask), written
atomically, and a symlink planted in their place is never followed -- not
for reading, not for writing -- and berth says so."""
import os
import stat
import subprocess

from berthtest import BERTH, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    resources:
      t:
        type: AWS::SNS::Topic
        properties: { TopicName: demo-t }
    """


class FilesTest(EngineCase):
    def setUp(self):
        super().setUp()
        self.write_spec(SPEC)
        self.victim = os.path.join(self.dir, "victim")
        with open(self.victim, "w") as f:
            f.write("precious\n")
        self.berthdir = os.path.join(self.dir, ".berth")

    def mode(self, path):
        return stat.S_IMODE(os.lstat(path).st_mode)

    def assert_victim_intact(self):
        with open(self.victim) as f:
            self.assertEqual(f.read(), "precious\n")

    def test_private_modes_whatever_the_umask(self):
        r = subprocess.run([BERTH, "apply", "--auto-approve"], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, preexec_fn=lambda: os.umask(0))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.mode(self.berthdir), 0o700)
        state = os.path.join(self.berthdir, "demo.state.json")
        self.assertEqual(self.mode(state), 0o600)
        self.assertFalse(os.path.exists(self.lock_path()))
        # The lock's folder in the user's state folder is private too.
        self.assertEqual(self.mode(os.path.dirname(self.lock_path())), 0o700)
        # No temp file is left next to it.
        self.assertEqual(sorted(os.listdir(self.berthdir)), ["demo.state.json"])

    def test_existing_open_folder_is_made_private(self):
        os.mkdir(self.berthdir, 0o755)
        os.chmod(self.berthdir, 0o777)
        self.berth("apply", "--auto-approve")
        self.assertEqual(self.mode(self.berthdir), 0o700)

    def test_state_cache_symlink_is_not_followed(self):
        os.mkdir(self.berthdir, 0o700)
        link = os.path.join(self.berthdir, "demo.state.json")
        os.symlink(self.victim, link)
        r = self.berth("plan")
        self.assertIn("refusing to read %s: it is a symbolic link" % link, r.stderr)
        self.assertIn("the state cache is only a cache: going on without it", r.stderr)
        self.assert_victim_intact()
        r = self.berth("apply", "--auto-approve")
        self.assertIn("it is a symbolic link", r.stderr)
        self.assert_victim_intact()
        # The write replaced the link with berth's own private file.
        self.assertFalse(os.path.islink(link))
        self.assertEqual(self.mode(link), 0o600)
        self.berth("plan", "--detailed-exitcode", ok=0)
        self.berth("destroy", "--auto-approve")
        self.assert_victim_intact()

    def test_lock_symlink_is_refused(self):
        link = self.lock_path()
        os.symlink(self.victim, link)
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn("refusing to read %s: it is a symbolic link" % link, r.stderr)
        self.assertIn("stack 'demo' cannot be locked: %s is not a lock berth wrote" % link,
                      r.stderr)
        self.assertIn("if no berth process is working on this stack, remove", r.stderr)
        self.assert_victim_intact()
        self.assertTrue(os.path.islink(link))
        self.assertEqual(self.live(), [])

    def test_berth_folder_symlink_is_refused(self):
        elsewhere = os.path.join(self.dir, "elsewhere")
        os.mkdir(elsewhere, 0o755)
        os.symlink(elsewhere, self.berthdir)
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn(".berth", r.stderr)
        self.assertIn("symbolic link", r.stderr)
        self.assertEqual(os.listdir(elsewhere), [])

    def test_log_file_is_private_and_not_followed(self):
        log = os.path.join(self.dir, "berth.log")
        r = subprocess.run([BERTH, "--log-file", log, "-v", "plan"], cwd=self.dir,
                           env=self.env, capture_output=True, text=True,
                           preexec_fn=lambda: os.umask(0))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.mode(log), 0o600)
        link = os.path.join(self.dir, "link.log")
        os.symlink(self.victim, link)
        r = self.berth("--log-file", link, "plan", ok=1)
        self.assertIn("cannot open log file", r.stderr)
        self.assert_victim_intact()


if __name__ == "__main__":
    main()
