"""A VPC with a NAT gateway (modules/vpc.yaml, as the workshop's platform
lays it out) under the emulator's AWS timing (issue 15): the NAT gateway is
`pending` a while, and after its deletion it is `deleting` (its Elastic IP
cannot be released: AuthFailure, terraform-provider-aws #49299) and its
network interface stays a while longer (its subnet cannot be deleted:
DependencyViolation; nor the Elastic IP released, nor the internet gateway
detached while the interface keeps the public address mapped). Apply, a plan
with no changes and destroy each converge in one run; the emulator's error
counters show which of those answers berth met and waited out."""
import os

from berthtest import SOURCE_DIR, main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: net
    modules:
      net:
        source: MODULE
        inputs: { cidr: 10.0.0.0/24, azs: 2, nat_gateways: 1 }
    """


class Network(EngineCase):
    emulator_options = {"page_size": 100, "aws_timing": 0.01, "seed": 4}

    def one_run(self, *args, expect):
        r = self.berth(*args, ok=False)
        self.assertEqual(r.returncode, 0, f"berth {' '.join(args)} did not converge in one "
                         f"run:\n{r.stdout}\n{r.stderr}")
        self.assertIn(expect, r.stdout)
        return r

    def test_nat_gateway_lifecycle_converges_in_one_run(self):
        self.write_spec(SPEC.replace("MODULE", os.path.join(SOURCE_DIR, "modules", "vpc.yaml")))
        self.one_run("apply", "--auto-approve", expect="Apply complete")
        nats = [r for r in self.live("net") if r["type"] == "natgateway"]
        self.assertEqual(len(nats), 1)
        self.one_run("plan", "--detailed-exitcode", expect="No changes.")
        self.emu.reset()
        self.one_run("destroy", "--auto-approve", expect="Nothing of stack net is left.")
        self.assertEqual(self.live("net"), [])
        calls = self.emu.calls()
        rejected = calls["rejected_by_code"]
        # The public subnet's deletion met the deleted NAT gateway's
        # lingering interface (DependencyViolation), and so did the Elastic
        # IP's release: both were retried until it went.
        self.assertGreater(rejected.get("DependencyViolation", 0), 0, rejected)
        self.assertGreater(calls["by_operation"]["ec2:ReleaseAddress"], 1, calls)


if __name__ == "__main__":
    main()
