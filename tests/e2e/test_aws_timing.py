"""Both workshop specs under the emulator's AWS timing (`--aws-timing`,
issue 15): apply, a plan with no changes and destroy each converge in one
run while reads lag creations and deletions, new IAM roles take a while to
propagate, ENIs linger after what used them is gone, NAT gateways, load
balancers, deployments, stacks and workspaces take their (scaled) time.
The emulator's error counters show that berth met those answers and
waited them out rather than being spared them.

SCALE: AWS's durations times 0.01 (a Grafana workspace's ten minutes are
six seconds). Seeded, so a failure reproduces with the same seed
(BERTH_TIMING_SEED)."""
import os

from berthtest import main
from test_workshop import AmpAmg, ContainerInsights, make_amp_repo

SCALE = float(os.environ.get("BERTH_TIMING_SCALE", "0.01"))
SEED = int(os.environ.get("BERTH_TIMING_SEED", "1"))


class TimedMixin:
    emulator_options = {"page_size": 100, "aws_timing": SCALE, "seed": SEED}

    def one_run(self, command, spec, args, expect):
        """berth COMMAND once; it must succeed the first time."""
        extra = ["--auto-approve"] if command in ("apply", "destroy") else ["--detailed-exitcode"]
        r = self.berth(command, *extra, "-f", spec, *args, ok=False, cwd=self.specs)
        self.assertEqual(r.returncode, 0,
                         f"berth {command} did not converge in one run under --aws-timing "
                         f"{SCALE} (seed {SEED}):\n{r.stdout}\n{r.stderr}")
        self.assertIn(expect, r.stdout)
        return r

    def lifecycle(self, spec, stack, args):
        self.emu.reset()
        self.applied_out = self.one_run("apply", spec, args, "Apply complete").stdout
        applied = self.emu.calls()
        self.one_run("plan", spec, args, "No changes.")
        self.emu.reset()
        self.one_run("destroy", spec, args, f"Nothing of stack {stack} is left.")
        destroyed = self.emu.calls()
        self.assertEqual(self.emu.resources(stack=stack), [])
        return applied, destroyed


class ContainerInsightsTimed(TimedMixin, ContainerInsights):
    def test_chapter_1(self):
        url = self.serve_template()
        args = ["--var", "alarm_email=attendee@example.com",
                "--var", f"cwagent_template_url={url}"]
        applied, destroyed = self.lifecycle("container-insights.yaml", "ecs-workshop", args)
        # Reads lagged what apply had just created, and berth waited them
        # out: not-found answers to reads during apply.
        lagged = {c: n for c, n in applied["rejected_by_code"].items() if "NotFound" in c
                  or c in ("ServiceNotFoundException", "ResourceNotFoundException")}
        self.assertTrue(lagged, applied)
        # The waits show as they happen: what, for which resource, with what
        # budget when one starts, and how long it took when it ends (the load
        # balancer provisions for 120-180 s x SCALE).
        self.assertRegex(self.applied_out, r"(?m)^module\.frontend\.alb\[0\]: waiting for the "
                         r"load balancer to be active \(up to 20m00s\)$")
        self.assertRegex(self.applied_out, r"(?m)^module\.frontend\.alb\[0\]: waited "
                         r"\d+\.\ds for the load balancer to be active$")
        # Destroy met ENIs that outlive their service, load balancer or NAT
        # gateway: DependencyViolation on a security group or subnet.
        self.assertGreater(destroyed["rejected_by_code"].get("DependencyViolation", 0), 0,
                           destroyed)


class AmpAmgTimed(TimedMixin, AmpAmg):
    def test_chapter_2(self):
        url, commit = make_amp_repo(self.dir, os.path.join(self.specs, "files"))
        args = ["--var", f"amp_repo_url={url}", "--var", f"amp_repo_ref={commit}"]
        applied, destroyed = self.lifecycle("amp-amg.yaml", "ecs-workshop-amp", args)
        lagged = sum(n for c, n in applied["rejected_by_code"].items() if "NotFound" in c)
        self.assertGreater(lagged, 0, applied)
        self.assertRegex(self.applied_out, r"(?m)^grafana: waiting for the Grafana workspace to "
                         r"be ACTIVE \(up to 30m00s\)$")
        self.assertRegex(self.applied_out, r"(?m)^grafana: waited \d+\.\ds for the Grafana "
                         r"workspace to be ACTIVE$")
        self.assertGreater(destroyed["rejected_by_code"].get("DependencyViolation", 0), 0,
                           destroyed)


del ContainerInsights, AmpAmg  # run only the timed variants here

if __name__ == "__main__":
    main()
