"""Run the berth AWS emulator from a test.

    import sys; sys.path.insert(0, "<repo>/tests/emulator")
    from fixture import Emulator

    with Emulator(page_size=2) as emu:
        subprocess.run(["berth", "apply"], env=emu.env(), check=True)
        assert emu.calls()["by_operation"]["sns:CreateTopic"] == 1
        assert emu.resources(stack="demo") == []

The emulator runs as a subprocess (`start --port 0`) with the same Python
as the test unless `python=` says otherwise; its request log (stderr) goes
to `emu.log_path`, which `emu.log()` reads back. Only the standard library
is used here, so any test can import this file."""

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
START = os.path.join(HERE, 'start')

ACCESS_KEY = 'AKIDEMULATOR'
SECRET_KEY = 'emulator-secret'
REGION = 'us-west-2'
READY_PREFIX = 'berth-emulator listening on '

# Variables that would let the host's own AWS setup leak into a test.
_SCRUBBED = ('AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN',
             'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_WEB_IDENTITY_TOKEN_FILE',
             'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
             'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
             'AWS_CREDENTIAL_EXPIRATION', 'AWS_CA_BUNDLE', 'AWS_USE_FIPS_ENDPOINT',
             'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS')


class EmulatorError(RuntimeError):
    pass


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


class Emulator:
    """Options mirror `start`'s: account, credentials (list of
    "AKID:SECRET[:TOKEN]"), latency_ms, jitter_ms, throttle_rate, error_rate,
    drop_rate, seed, visibility_delay_ms, page_size, services_dirs, backlog,
    aws_timing (SCALE), aws_timing_rows ({KIND: (LOW, HIGH)}, as
    --aws-timing-row); plus python
    (interpreter),
    host, ready_timeout and stop_timeout (seconds)."""

    def __init__(self, account=None, credentials=(), latency_ms=None, jitter_ms=None,
                 throttle_rate=None, error_rate=None, drop_rate=None, seed=None,
                 visibility_delay_ms=None, page_size=None, services_dirs=(), python=None,
                 aws_timing=None, aws_timing_rows=None,
                 host='127.0.0.1', backlog=None,
                 ready_timeout=30.0, stop_timeout=5.0):
        self.host = host
        self.python = python or sys.executable
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.args = ['--port', '0', '--host', host]
        options = {'--account': account, '--latency-ms': latency_ms, '--jitter-ms': jitter_ms,
                   '--throttle-rate': throttle_rate, '--error-rate': error_rate,
                   '--drop-rate': drop_rate, '--seed': seed, '--page-size': page_size,
                   '--visibility-delay-ms': visibility_delay_ms, '--backlog': backlog,
                   '--aws-timing': aws_timing}
        for flag, value in options.items():
            if value is not None:
                self.args += [flag, str(value)]
        for kind, (low, high) in (aws_timing_rows or {}).items():
            self.args += ['--aws-timing-row', f'{kind}={low}:{high}']
        for spec in credentials:
            self.args += ['--credentials', spec]
        for directory in services_dirs:
            self.args += ['--services-dir', directory]
        self.process = None
        self.url = None
        self.port = None
        self.log_path = None
        self._log_file = None

    # ---- lifecycle -------------------------------------------------------

    def start(self):
        fd, self.log_path = tempfile.mkstemp(prefix='berth-emulator-', suffix='.log')
        # Tests read the log through log() while they run and put it in their
        # failure messages; the file itself goes when the test process ends
        # unless BERTH_KEEP_EMULATOR_LOG asks to keep it for a post-mortem.
        if not os.environ.get('BERTH_KEEP_EMULATOR_LOG'):
            atexit.register(_unlink_quietly, self.log_path)
        self._log_file = os.fdopen(fd, 'w')
        self.process = subprocess.Popen(
            [self.python, START] + self.args, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self._log_file, text=True)
        line = self._read_ready_line()
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise EmulatorError(f'emulator did not start (got {line!r}); log:\n{self.log()}')
        self.url = line[len(READY_PREFIX):].strip()
        self.port = int(self.url.rsplit(':', 1)[1])
        # Keep draining stdout so the server can never block on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        return self

    def _read_ready_line(self):
        result = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(self.ready_timeout)
        if not result:
            self.stop()
            raise EmulatorError(f'emulator not ready after {self.ready_timeout}s; log:\n{self.log()}')
        return result[0]

    def stop(self):
        """SIGTERM, then SIGKILL after stop_timeout. Safe to call twice."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            try:
                self.process.stdout.close()
            except OSError:
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def log(self):
        """The emulator's stderr so far (one line per AWS request)."""
        if self._log_file is not None:
            self._log_file.flush()
        try:
            with open(self.log_path) as f:
                return f.read()
        except (OSError, TypeError):
            return ''

    # ---- environment for clients ----------------------------------------

    def env(self, base=None, **extra):
        """A copy of `base` (default os.environ) set up to reach the emulator
        with the default key: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY, AWS_REGION (and AWS_DEFAULT_REGION), no
        profile, token, role or container credentials, and the shared config
        and credentials files pointed at /dev/null so the host's ~/.aws stays
        out. `extra` entries are set last (None removes a variable)."""
        env = dict(os.environ if base is None else base)
        for name in _SCRUBBED:
            env.pop(name, None)
        for name in list(env):
            if name.startswith('AWS_ENDPOINT_URL_'):
                del env[name]
        env.update({'AWS_ENDPOINT_URL': self.url, 'AWS_ACCESS_KEY_ID': ACCESS_KEY,
                    'AWS_SECRET_ACCESS_KEY': SECRET_KEY, 'AWS_REGION': REGION,
                    'AWS_DEFAULT_REGION': REGION, 'AWS_CONFIG_FILE': os.devnull,
                    'AWS_SHARED_CREDENTIALS_FILE': os.devnull,
                    'AWS_EC2_METADATA_DISABLED': 'true'})
        for name, value in extra.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    # ---- control API -----------------------------------------------------

    def _control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + '/_emulator/' + path, data=data,
                                         method=method,
                                         headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as err:
            raise EmulatorError(f'{method} /_emulator/{path}: {err.code} {err.read().decode()}')

    def calls(self):
        """{"total", "by_operation", "rejected", "rejected_by_operation",
        "rejected_by_code"} since start or the last reset."""
        return self._control('GET', 'calls')

    def reset(self, state=False):
        """Zero the call counters; state=True also drops every resource and
        temporary credential."""
        return self._control('POST', 'reset?state=1' if state else 'reset')

    def set_faults(self, **settings):
        """Change fault settings (latency_ms, jitter_ms, throttle_rate,
        error_rate, drop_rate, seed, throttle_next, error_next, drop_next,
        operations); returns them all."""
        return self._control('POST', 'faults', settings)

    def faults(self):
        return self._control('GET', 'faults')

    def resources(self, stack=None):
        """Every live resource (dicts with service, type, id, arn, account,
        region, tags, created, info), or only those tagged
        berth:stack=STACK."""
        path = 'resources'
        if stack is not None:
            path += '?' + urllib.parse.urlencode({'stack': stack})
        return self._control('GET', path)['resources']

    def timing(self):
        """Under --aws-timing, the durations drawn so far (GET
        /_emulator/timing): {'scale', 'seed', 'draws': [{'kind', 'key',
        'seconds'[, 'owner'][, 'holds']}]}."""
        return self._control('GET', 'timing')

    def advance_clock(self, seconds):
        """Move the emulator's clock forward (temporary credentials expire,
        creation times move); SigV4 skew checks still use real time."""
        return self._control('POST', 'clock', {'advance_seconds': seconds})

    def wait_until(self, predicate, timeout=5.0, interval=0.05):
        """Poll `predicate()` until true or `timeout`; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() >= deadline:
                return value
            time.sleep(interval)
