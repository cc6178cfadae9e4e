#!/usr/bin/env python3
"""The workshop's apply and destroy under the emulator's AWS timing
(`tests/emulator/start --aws-timing SCALE`), against the critical path that
the emulator's own duration table implies (issue 15, "Timing").

For each chapter (specs/container-insights.yaml, specs/amp-amg.yaml):
- `berth plan --json` gives each resource's type, `berth graph` its edges;
- each type weighs the durations of the table (tests/emulator/awsemu/
  timing.py, TABLE) that its creation (resp. deletion) waits on, at SCALE;
- the heaviest chain through the graph is the bound: no scheduler finishes
  sooner. A resource's draw lies between a kind's shortest and longest, so
  the bound is given three times: every kind at its shortest, midpoint and
  longest. The ratio is wall / midpoint bound; wall / shortest is the
  strictest reading.
- `berth apply --auto-approve` and `berth destroy --auto-approve` are timed
  against one emulator started with that SCALE and seed.

Writes a Markdown report (default bench/REPORT-timing.md). Python 3 stdlib;
the emulator needs botocore, as for the tests. Usage, from the top of the
tree:  bench/critical_path.py [--scale 0.02] [--seed 15] [--berth PATH]
[--verbose] [--out FILE]"""
import argparse
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "emulator"))
from awsemu.timing import TABLE  # noqa: E402  (the emulator's own table)

# What a resource's creation waits on, by type: kinds of TABLE (a number
# multiplies the kind). Types not listed are done when their call answers
# (their reads may lag, VISIBLE, but dependants' writes see them at once).
CFN_TEMPLATE_RESOURCES = len(json.load(open(os.path.join(
    TOP, "specs", "files", "cwagent-ecs-instance-metric-cfn.json")))["Resources"])
CREATE = {
    "AWS::EC2::NatGateway": ["NAT"],
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ["ELB"],
    # A new role cannot be passed or assumed until it has propagated.
    "AWS::IAM::Role": ["IAM"],
    # services-stable: its tasks PROVISIONING -> RUNNING.
    "AWS::ECS::Service": ["ECS"],
    "AWS::ServiceDiscovery::PrivateDnsNamespace": ["SD"],
    "AWS::CloudFormation::Stack": [("CFN_STEP", CFN_TEMPLATE_RESOURCES)],
    "AWS::APS::Workspace": ["AMP"],
    "AWS::Grafana::Workspace": ["GRAFANA"],
    "AWS::EC2::Instance": ["INSTANCE"],
}
# What a deletion waits on before it is done (berth's own wait)...
DELETE = {
    "AWS::EC2::NatGateway": ["NAT_DELETE"],
    # Its tasks STOPPING (stopTimeout).
    "AWS::ECS::Service": ["ECS_STOP"],
    "AWS::ServiceDiscovery::PrivateDnsNamespace": ["SD"],
    "AWS::CloudFormation::Stack": [("CFN_STEP", CFN_TEMPLATE_RESOURCES)],
    "AWS::APS::Workspace": ["AMP"],
    "AWS::Grafana::Workspace": ["GRAFANA_DELETE"],
    "AWS::EC2::Instance": ["INSTANCE"],
    "AWS::IAM::ServiceLinkedRole": ["IAM_SLR"],
}
# ...and what lingers after it, holding only the subnets, security groups
# and addresses it used (their deletion is DependencyViolation meanwhile):
# ENIs. It runs beside the rest of the destroy, so it weighs only the edges
# into those types.
LINGER = {
    "AWS::EC2::NatGateway": ["ENI_NAT"],
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ["ENI_ELB"],
    # Tasks DEPROVISIONING, then their ENIs stay.
    "AWS::ECS::Service": ["ECS", "ENI_ECS"],
}
HELD = {"AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::EIP"}
# Rows of tests/emulator/README.md whose range is chosen, not published.
CHOSEN = ["VISIBLE_TAGGING", "GHOST", "GHOST_TAGGING", "ECS", "SD", "CFN_STEP", "AMP",
          "INSTANCE"]


def weight(kinds, scale, where):
    """Seconds at `where` in each kind's range (0 shortest, 1 longest)."""
    total = 0.0
    for k in kinds:
        kind, n = k if isinstance(k, tuple) else (k, 1)
        low, high = TABLE[kind]
        total += n * (low + (high - low) * where) * scale
    return total


def longest_path(nodes, edges, w, ew=lambda a, b: 0.0):
    """(seconds, chain) of the heaviest chain; edges A -> B: A needs B;
    w(node) and ew(A, B) weigh nodes and edges."""
    needs = {n: [] for n in nodes}
    for a, b in edges:
        needs.setdefault(a, []).append(b)
        needs.setdefault(b, [])
    memo = {}

    def best(n):
        if n not in memo:
            tail = max(((ew(n, b) + best(b)[0], best(b)[1]) for b in needs[n]),
                       default=(0.0, []))
            memo[n] = (w(n) + tail[0], [n] + tail[1])
        return memo[n]
    return max((best(n) for n in needs), default=(0.0, []))


def run(cmd, cwd, env, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"critical_path: {' '.join(cmd[:3])}... failed ({r.returncode}):\n"
                 f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def make_amp_repo(folder):
    """The local stand-in for aws-samples/ecsdemo-amp (as tests/e2e and
    scripts/demo make it)."""
    work, bare = os.path.join(folder, "amp-work"), os.path.join(folder, "ecsdemo-amp.git")
    for sub, name in (("cdk", "ecs-fargate-adot-config.yaml"),
                      ("grafana", "AMP_ECS_Task_Monitoring.json")):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
        shutil.copy(os.path.join(TOP, "specs", "files", name), os.path.join(work, sub, name))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
           "-c", "init.defaultBranch=main"]
    for c in (["init", "-q", work], ["-C", work, "add", "."],
              ["-C", work, "commit", "-qm", "ecsdemo-amp"], ["clone", "-q", "--bare", work, bare]):
        subprocess.run(git + c, check=True)
    commit = subprocess.run(["git", "-C", work, "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    return "file://" + bare, commit


def serve_files(directory):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                        functools.partial(Quiet, directory=directory))
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


def start_emulator(py, scale, seed, log):
    p = subprocess.Popen([py, os.path.join(TOP, "tests", "emulator", "start"), "--port", "0",
                          "--aws-timing", str(scale), "--seed", str(seed), "--quiet"],
                         stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        with open(log.name) as f:
            m = re.search(r"listening on (http\S+)", f.read())
        if m:
            return p, m.group(1)
        time.sleep(0.1)
    p.kill()
    sys.exit("critical_path: the emulator did not start")


def chapter(berth, specs, env, spec, args, scale, logs, verbose):
    f = ["-f", spec] + args
    plan = json.loads(run([berth, "plan", "--json"] + f, specs, env).stdout)
    types = {r["address"]: r["type"] for r in plan["resources"]}
    dot = run([berth, "graph"] + f, specs, env).stdout
    edges = re.findall(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"', dot, re.M)
    nodes = re.findall(r'^\s*"([^"]+)";', dot, re.M)
    out = {"resources": len(types), "edges": len(edges)}
    for phase, table in (("apply", CREATE), ("destroy", DELETE)):
        bounds = {}
        for name, where in (("shortest", 0.0), ("mid", 0.5), ("longest", 1.0)):
            def ew(a, b, where=where):
                if phase != "destroy" or types.get(b) not in HELD:
                    return 0.0
                return weight(LINGER.get(types.get(a), []), scale, where)
            bounds[name] = longest_path(
                nodes, edges, lambda n, where=where: weight(table.get(types.get(n), []), scale,
                                                            where), ew)
        t0 = time.monotonic()
        r = run([berth, "--no-color"] + (["-v"] if verbose else []) + [phase, "--auto-approve"]
                + f, specs, env, check=False)
        wall = time.monotonic() - t0
        with open(os.path.join(logs, f"{spec}.{phase}.log"), "w") as log:
            log.write(r.stdout + r.stderr)
        timed = {t: table.get(t, []) + (LINGER.get(t, []) if phase == "destroy" else [])
                 for t in set(table) | set(LINGER)}
        chain = [n + (f" ({types[n]}: {'+'.join(k if isinstance(k, str) else f'{k[1]}x{k[0]}' for k in timed[types[n]])})"
                      if timed.get(types.get(n)) else "") for n in bounds["mid"][1]]
        out[phase] = {"bound": {k: v[0] for k, v in bounds.items()}, "chain": chain,
                      "wall": wall, "rc": r.returncode,
                      "waits": [l.strip() for l in r.stdout.splitlines() + r.stderr.splitlines()
                                if "waiting" in l or "waited" in l][:12]}
        if r.returncode != 0:
            out[phase]["error"] = (r.stdout[-1500:] + r.stderr[-1500:])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--berth", default=os.path.join(TOP, "build-bench", "berth"))
    ap.add_argument("--verbose", action="store_true",
                    help="berth -v: each call and wait in the logs kept in the temporary folder")
    ap.add_argument("--out", default=os.path.join(TOP, "bench", "REPORT-timing.md"))
    a = ap.parse_args()
    py = subprocess.run([os.path.join(TOP, "scripts", "find-python")], capture_output=True,
                        text=True).stdout.strip() or sys.executable
    tmp = tempfile.mkdtemp(prefix="berth-critpath-")
    web = serve_files(os.path.join(TOP, "specs", "files"))
    load_before = os.getloadavg()
    log = open(os.path.join(tmp, "emu.log"), "w")
    emu, url = start_emulator(py, a.scale, a.seed, log)
    try:
        # A copy of specs/ and modules/: apply clones repositories beside the spec.
        shutil.copytree(os.path.join(TOP, "specs"), os.path.join(tmp, "specs"))
        shutil.copytree(os.path.join(TOP, "modules"), os.path.join(tmp, "modules"))
        specs = os.path.join(tmp, "specs")
        env = {k: v for k, v in os.environ.items()
               if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
        env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="AKIDEMULATOR",
                   AWS_SECRET_ACCESS_KEY="emulator-secret", AWS_REGION="us-west-2",
                   AWS_DEFAULT_REGION="us-west-2")
        template = f"http://127.0.0.1:{web.server_address[1]}/cwagent-ecs-instance-metric-cfn.json"
        amp_url, amp_ref = make_amp_repo(tmp)
        results = {}
        results["chapter 1 (container-insights.yaml)"] = chapter(
            a.berth, specs, env, "container-insights.yaml",
            ["--var", "alarm_email=attendee@example.com", "--var",
             f"cwagent_template_url={template}"], a.scale, tmp, a.verbose)
        results["chapter 2 (amp-amg.yaml)"] = chapter(
            a.berth, specs, env, "amp-amg.yaml",
            ["--var", f"amp_repo_url={amp_url}", "--var", f"amp_repo_ref={amp_ref}"], a.scale, tmp, a.verbose)
    finally:
        emu.terminate()
        emu.wait()
        web.shutdown()
    load_after = os.getloadavg()
    write_report(a, results, load_before, load_after)
    json.dump(results, open(os.path.join(tmp, "results.json"), "w"), indent=1)
    print(f"wrote {a.out} (raw figures and berth's output: {tmp})")


def write_report(a, results, load_before, load_after):
    L = []
    w = L.append
    w("# berth under the emulator's AWS timing: wall time against the critical path\n")
    w(f"Generated by `bench/critical_path.py --scale {a.scale} --seed {a.seed}` on "
      f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
      f"load average {load_before[0]:.2f} before and {load_after[0]:.2f} after "
      f"(1-minute). Goal (issue 15): wall <= 1.15 x bound.\n")
    w("| chapter | command | resources | bound shortest (s) | bound mid (s) | "
      "bound longest (s) | wall (s) | wall / mid | wall / shortest | wall / longest | exit |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for ch, r in results.items():
        for ph in ("apply", "destroy"):
            p = r[ph]
            b = p["bound"]
            w(f"| {ch} | {ph} | {r['resources']} | {b['shortest']:.1f} | {b['mid']:.1f} | "
              f"{b['longest']:.1f} | {p['wall']:.1f} | {p['wall'] / b['mid']:.2f} | "
              f"{p['wall'] / b['shortest']:.2f} | {p['wall'] / b['longest']:.2f} | {p['rc']} |")
    w("")
    for ch, r in results.items():
        for ph in ("apply", "destroy"):
            p = r[ph]
            w(f"**{ch}, {ph}: the heaviest chain** (midpoint; A -> B: A needs B): "
              + (" -> ".join(p["chain"]) or "none") + "\n")
            if p.get("error"):
                w("It failed:\n\n```\n" + p["error"] + "\n```\n")
    w("Where the table's ranges come from (tests/emulator/README.md, \"AWS in time\"): "
      f"chosen, no number published: {', '.join(CHOSEN)}; from AWS documentation or "
      "botocore's waiters: VISIBLE, IAM, ELB, ELB_HEALTH, ECS_STOP, DEREGISTRATION; from "
      "public issues (what users report): NAT, NAT_DELETE, ENI_NAT, ENI_ELB, ENI_ECS, "
      "GRAFANA, GRAFANA_UPDATE, GRAFANA_DELETE; IAM_SLR has no row. On the chains above, "
      "ECS (a Fargate task starting, and deprovisioning after it stops) is chosen; the "
      "others are documented or reported.\n")
    findings = os.path.join(TOP, "bench", "findings-timing.md")
    if os.path.exists(findings):
        w(open(findings).read())
    open(a.out, "w").write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
