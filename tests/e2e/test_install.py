"""berth installed like a real command: `cmake --install --prefix` into a
temporary folder and the Debian package (cpack -G DEB, unpacked with
dpkg -x into a scratch root), each run from outside the source tree: the
version, validate on a copied example, the manual page rendered by
`man -l` listing every option --help lists, bash completion completing
`berth pl` to `plan`.

The package is built from the build folder under test (with the sanitizers
in scripts/test, so it also depends on libasan); scripts/package builds a
release one. Without dpkg-deb or cpack the package half is skipped."""
import os
import re
import shutil
import subprocess
import unittest

from berthtest import SOURCE_DIR, clean_env, main, scratch_dir

BUILD_DIR = os.environ.get("BERTH_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
EXAMPLE = os.path.join(SOURCE_DIR, "examples", "01-first-log-group", "berth.yaml")


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    return subprocess.run(args, **kw)


def outside_env(bindir):
    """No hint of the source tree: a clean environment, berth on PATH."""
    env = clean_env()
    for k in ("BERTH", "BERTH_SOURCE_DIR", "BERTH_SHARED_DIR", "BERTH_BUILD_DIR"):
        env.pop(k, None)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    return env


def options_of_help(text):
    return set(re.findall(r"(?m)^  (?:-\w, |    )(--[a-z0-9-]+)", text))


class Installed:
    """Checks shared by both ways of installing; `root` is the prefix."""

    def check_installed(self, root, zsh_dir, thorough):
        """`thorough`: also compare the manual with every --help and drive
        the completion (once is enough: both installs hold the same files)."""
        for rel in ("bin/berth", "share/man/man1/berth.1.gz",
                    "share/bash-completion/completions/berth",
                    "share/zsh/%s/_berth" % zsh_dir,
                    "share/doc/berth/README.md", "share/doc/berth/plan-json.md",
                    "share/doc/berth/types.md"):
            self.assertTrue(os.path.isfile(os.path.join(root, rel)), rel)
        bindir = os.path.join(root, "bin")
        env = outside_env(bindir)
        work = scratch_dir("berth-installed-")

        # The binary runs from elsewhere and needs nothing from the tree.
        r = run(["berth", "version"], env=env, cwd=work)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("berth "), r.stdout)
        version = r.stdout.split("\n", 1)[0][len("berth "):]
        shutil.copy(EXAMPLE, os.path.join(work, "berth.yaml"))
        r = run(["berth", "validate"], env=env, cwd=work)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run(["berth", "schema"], env=env, cwd=work)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(SOURCE_DIR, "specs", "berth.schema.json")) as f:
            self.assertEqual(r.stdout.strip(), f.read().strip())

        # The manual renders and lists every option any --help lists.
        self.assertTrue(shutil.which("man"), "no man: scripts/bootstrap installs man-db")
        r = run(["man", "-l", os.path.join(root, "share/man/man1/berth.1.gz")],
                env=dict(env, MANWIDTH="120", LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat"),
                cwd=work)
        self.assertEqual(r.returncode, 0, r.stderr)
        man = re.sub(r".\x08", "", r.stdout)
        for heading in ("COMMANDS", "GLOBAL OPTIONS", "ENVIRONMENT", "EXIT STATUS", "FILES"):
            self.assertRegex(man, r"(?m)^%s$" % heading)
        if not thorough:
            return version
        top = run(["berth", "--help"], env=env, cwd=work).stdout
        names = re.findall(r"(?m)^  ([a-z][a-z-]*) ", top.split("commands:\n")[1].split("\n\n")[0])
        self.assertIn("plan", names)
        wanted = options_of_help(top)
        for name in names:
            wanted |= options_of_help(run(["berth", name, "--help"], env=env, cwd=work).stdout)
        self.assertIn("--retry-timeout", wanted)
        for opt in sorted(wanted):
            self.assertIn(opt, man)

        # bash completion, driven as bash's programmable completion would.
        script = ('source "$1"; COMP_WORDS=(berth pl); COMP_CWORD=1; COMP_LINE="berth pl"; '
                  'COMP_POINT=${#COMP_LINE}; _berth; printf "%s\\n" "${COMPREPLY[@]}"')
        r = run(["bash", "--norc", "--noprofile", "-c", script, "bash",
                 os.path.join(root, "share/bash-completion/completions/berth")], env=env, cwd=work)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "plan\n")
        return version


class InstallTest(Installed, unittest.TestCase):
    def test_cmake_install_prefix(self):
        prefix = scratch_dir("berth-prefix-")
        r = run(["cmake", "--install", BUILD_DIR, "--prefix", prefix])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.check_installed(prefix, "site-functions", thorough=True)

    @unittest.skipUnless(shutil.which("dpkg-deb") and shutil.which("cpack"),
                         "no dpkg-deb or cpack (scripts/bootstrap installs dpkg-dev)")
    def test_debian_package(self):
        out = scratch_dir("berth-deb-")
        r = run(["cpack", "-G", "DEB", "-B", out,
                 "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake")], cwd=out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1, os.listdir(out))
        deb = os.path.join(out, debs[0])
        fields = {}
        for field in ("Package", "Version", "Depends"):
            fields[field] = run(["dpkg-deb", "-f", deb, field]).stdout.strip()
        self.assertEqual(fields["Package"], "berth")
        # The runtime libraries of Debian 12, found by dpkg-shlibdeps.
        for lib in ("libyaml-0-2", "libcurl4", "libjansson4", "libssl3", "libgit2-",
                    "libxml2", "libc6"):
            self.assertIn(lib, fields["Depends"])
        root = scratch_dir("berth-root-")
        r = run(["dpkg", "-x", deb, root])
        self.assertEqual(r.returncode, 0, r.stderr)
        version = self.check_installed(os.path.join(root, "usr"), "vendor-completions",
                                      thorough=False)
        self.assertEqual(version, fields["Version"])


if __name__ == "__main__":
    main()
