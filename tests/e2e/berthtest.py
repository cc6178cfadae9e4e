"""Shared helpers for berth's end-to-end tests (tests/e2e/test_*.py).

Each test file is one ctest entry; ctest sets BERTH (the binary under test),
and BERTH_SOURCE_DIR; nothing outside the source tree is read. Tests that need AWS use the emulator
fixture from tests/emulator/fixture.py.
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get("BERTH_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BERTH = os.environ.get("BERTH") or os.path.join(SOURCE_DIR, "build", "berth")

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "emulator"))

# Variables a developer's shell may carry that would steer berth elsewhere.
_AWS_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
             "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
             "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
             "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
             "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
             "AWS_CONTAINER_CREDENTIALS_FULL_URI", "NO_COLOR")


def scratch_dir(prefix):
    """A fresh folder under the system temp dir, removed when this test
    process exits (pass or fail), so runs leave nothing in /tmp."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def clean_env(extra=None, home=None):
    """An environment with no AWS settings from the caller's shell, a private
    HOME (so ~/.aws is never read), IMDS disabled, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in _AWS_VARS and not k.startswith("AWS_ENDPOINT_URL_")}
    env["HOME"] = home or scratch_dir("berth-home-")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    if extra:
        env.update(extra)
    return env


def run_berth(args, env=None, cwd=None, input=None, timeout=300):
    """Runs berth; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([BERTH] + list(args), env=env if env is not None else clean_env(),
                          cwd=cwd, input=input, capture_output=True, text=True,
                          timeout=timeout)


def main():
    unittest.main()
