"""Seeded soak: the workshop's chapter-1 spec (specs/container-insights.yaml:
VPC with public and private subnets, NAT, security groups, ECS cluster, task
definitions and Fargate services behind an ALB, Cloud Map, log groups, the
CloudWatch agent's CloudFormation stack, SNS topic and email subscription,
CPU alarm, Logs Insights queries, service-linked roles) applied and
destroyed under 10 % throttling, 5 % server errors, 2 % dropped connections
and jittered latency, once per seed. Each seed must converge on its own:

  1. apply exits 0 the first time (no second apply allowed: berth retries
     throttles, 5xx and drops itself, and a rerun would hide a missed retry
     or a half-made resource);
  2. plan --detailed-exitcode exits 0 (no changes) -- still under faults;
  3. the emulator holds exactly what a fault-free run of the same spec
     makes: no resource twice (same type and berth:id, or same name), no
     untagged extra (subscriptions, listeners, rules...);
  4. destroy exits 0 and leaves nothing tagged with the stack, and nothing
     that was not there before the apply (no orphans), the account-wide
     service-linked roles apart (retained on purpose).

Seeds come from BERTH_SOAK_SEEDS ("1-25", "3,7,9" or "1-5,40"); CI runs the
default, 3 seeds. The fault draws come from the seed but berth's worker
threads interleave, so a seed sets the mix of faults, not which call gets
which. A failing seed is named in the failure (BERTH_SOAK_SEEDS=N reruns
it; BERTH_KEEP_EMULATOR_LOG=1 keeps the emulator's request log). berth's
own retry settings are used, untouched: the default budget of 25 attempts
(the SDKs' 3 gave up on about one call in 200 at this 17 % fault rate, and
a lifecycle makes over a thousand calls). The long run: see
tests/e2e/README.md."""
import collections
import functools
import http.server
import os
import re
import threading
import time

# Short emulator delays (deployments, load balancers, stacks) keep a seed
# well under a minute while berth still has to wait for each.
os.environ.setdefault("BERTH_EMULATOR_DELAY", "0.3")

from berthtest import main  # noqa: E402
from test_workshop import TEMPLATE, TEMPLATE_NAME, Quiet, WorkshopCase  # noqa: E402

SPEC = "container-insights.yaml"
STACK = "ecs-workshop"
FAULTS = {"throttle_rate": 0.10, "error_rate": 0.05, "drop_rate": 0.02,
          "latency_ms": 5, "jitter_ms": 40}


def parse_seeds(text):
    seeds = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"BERTH_SOAK_SEEDS: '{part}' is not N or N-M")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        seeds.extend(range(lo, hi + 1))
    return seeds


def present(r):
    """Not a deleted thing AWS keeps showing for a while (NAT gateways,
    ECS services, tasks and task definitions) nor a Cloud Map operation
    record (a log of calls, not a resource)."""
    info = r.get("info") or {}
    return not info.get("_deleted") and not info.get("_record")


def injected(rejected_by_code):
    """The emulator's refusals that were injected faults, by kind (the rest
    are AWS's own answers: NotFound while confirming a delete,
    DependencyViolation while one drains...)."""
    kinds = {"throttled": 0, "server errors": 0, "dropped": 0}
    for code, n in rejected_by_code.items():
        if code == "(dropped)":
            kinds["dropped"] += n
        elif "Throttl" in code or code == "RequestLimitExceeded":
            kinds["throttled"] += n
        elif "Internal" in code or "Unavailable" in code:
            kinds["server errors"] += n
    return kinds


def linked(r):
    """A service-linked role: account-wide, retained by destroy on purpose
    and made by the first run only."""
    return r["type"] == "role" and "/aws-service-role/" in r.get("arn", "")


def inventory(resources):
    """What the emulator holds, comparable across runs (ids are random):
    how many of each (service, type, berth:id) for tagged resources, how
    many of each (service, type) for the rest (subscriptions, listeners,
    rules, ENIs and tasks AWS makes, the VPC's defaults)."""
    count = collections.Counter()
    for r in resources:
        tags = r.get("tags") or {}
        if "berth:id" in tags:
            count[(r["service"], r["type"], tags["berth:id"])] += 1
        else:
            count[(r["service"], r["type"])] += 1
    return dict(count)


def duplicates(resources):
    """Resources berth made twice: the same type and berth:id on more than
    one. What a CloudFormation stack makes carries the stack's tags (its
    berth:id and berth:parameters) and is not berth's to count."""
    count = collections.Counter()
    for r in resources:
        tags = r.get("tags") or {}
        if "berth:id" in tags and "berth:parameters" not in tags:
            count[(r["service"], r["type"], tags["berth:id"])] += 1
    return sorted(k for k, n in count.items() if n > 1)


class Soak(WorkshopCase):
    maxDiff = None

    def setUp(self):
        super().setUp()
        handler = functools.partial(Quiet, directory=os.path.dirname(TEMPLATE))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}/{TEMPLATE_NAME}"
        self.args = ["-f", SPEC, "--var", "alarm_email=soak@example.com",
                     "--var", f"cwagent_template_url={url}"]
        # The defaults are what is tested: nothing may raise the budget.
        for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "BERTH_TEST_RETRY_SCALE"):
            self.env.pop(name, None)

    def run_in_specs(self, *args, ok=True):
        return self.berth(*args, *self.args, ok=ok, cwd=self.specs)

    def lifecycle(self):
        """apply, empty plan, inventory, destroy; returns (inventory,
        seconds, rejected calls by code)."""
        # Present before the run: the service-linked roles of an earlier run
        # (retained), not what was deleted and may come back under its name.
        before = {(r["type"], r["id"]) for r in self.emu.resources() if present(r)}
        self.emu.reset()
        t0 = time.monotonic()
        # One run per command: each is run exactly once and must converge;
        # nothing here runs a command again.
        r = self.run_in_specs("apply", "--auto-approve", ok=False)
        self.assertEqual(r.returncode, 0, f"apply failed:\n{r.stdout}\n{r.stderr}")
        self.assertNotIn("run berth again", r.stdout + r.stderr)
        r = self.run_in_specs("plan", "--detailed-exitcode", ok=False)
        self.assertEqual(r.returncode, 0, f"the plan after apply is not empty:\n"
                                          f"{r.stdout}\n{r.stderr}")
        made = [r for r in self.emu.resources()
                if (r["type"], r["id"]) not in before and present(r) and not linked(r)]
        self.assertEqual(duplicates(made), [], "resources made twice")
        inv = inventory(made)
        r = self.run_in_specs("destroy", "--auto-approve", ok=False)
        self.assertEqual(r.returncode, 0, f"destroy failed:\n{r.stdout}\n{r.stderr}")
        self.assertNotIn("gave up", r.stderr)
        self.assertIn(f"Nothing of stack {STACK} is left.", r.stdout)
        self.assertEqual(self.emu.resources(stack=STACK), [])
        left = [r for r in self.emu.resources() if (r["type"], r["id"]) not in before
                and present(r) and not linked(r)]
        self.assertEqual([(r["type"], r["id"], r.get("info")) for r in left], [],
                         "orphans: made by the run and not destroyed")
        return inv, time.monotonic() - t0, self.emu.calls()

    def test_seeds(self):
        seeds = parse_seeds(os.environ.get("BERTH_SOAK_SEEDS", "1-3"))
        self.assertTrue(seeds)
        # The reference: what a fault-free run makes.
        reference, secs, calls = self.lifecycle()
        print(f"reference: {sum(reference.values())} resources, {calls['total']} calls, "
              f"{secs:.1f} s", flush=True)
        self.assertGreater(sum(reference.values()), 60)
        passed, started = [], time.monotonic()
        for seed in seeds:
            with self.subTest(seed=seed):
                self.emu.set_faults(seed=seed, **FAULTS)
                try:
                    inv, secs, calls = self.lifecycle()
                    self.assertEqual(inv, reference, "not what a fault-free run makes")
                finally:
                    self.emu.set_faults(throttle_rate=0, error_rate=0, drop_rate=0,
                                        latency_ms=0, jitter_ms=0)
                kinds = injected(calls["rejected_by_code"])
                print(f"seed {seed}: ok, {calls['total']} calls, "
                      f"{kinds['throttled']} throttled, {kinds['server errors']} server "
                      f"errors, {kinds['dropped']} dropped, {secs:.1f} s", flush=True)
                # The faults really happened, of every kind asked for.
                for kind, n in kinds.items():
                    self.assertGreater(n, 0, f"no {kind}: {calls['rejected_by_code']}")
                passed.append(seed)
        print(f"soak: {len(passed)}/{len(seeds)} seeds passed in "
              f"{time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
