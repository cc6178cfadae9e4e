#!/usr/bin/env python3
"""The workshop's apply and destroy under the emulator's AWS timing
(`tests/emulator/start --aws-timing SCALE`), against the critical path that
the emulator's own duration table implies (issue 15, "Timing").

For each chapter (specs/container-insights.yaml, specs/amp-amg.yaml):
- `berth plan --json` gives each resource's type, `berth graph` its edges;
- each type weighs the durations of the table (tests/emulator/awsemu/
  timing.py, TABLE) that its creation (resp. deletion) waits on, at SCALE;
- the heaviest chain through the graph is the bound: no scheduler finishes
  sooner. Each resource weighs what the emulator drew for it in this very
  run (GET /_emulator/timing); the bound from the table's midpoints is
  given beside it.
- `berth apply --auto-approve` and `berth destroy --auto-approve` are timed
  against one emulator started with that SCALE and seed, and the chain's
  time is split per resource (chain_lag: waiting for a worker, seen done
  late) from berth's stamped output.

Writes a Markdown report (default bench/REPORT-timing.md). Python 3 stdlib;
the emulator needs botocore, as for the tests. Usage, from the top of the
tree:  bench/critical_path.py [--scales 0.02,0.05] [--seed 15] [--berth PATH]
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
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "emulator"))
from awsemu.timing import TABLE  # noqa: E402  (the emulator's own table)

# What a resource's creation waits on, by type: kinds of TABLE (a number
# multiplies the kind). Types not listed are done when their call answers.
# Their reads may lag (VISIBLE); so do EC2 writes that name them by id, and
# that lag weighs the edge from an EC2 resource to the EC2 resource it
# names (ec2_names): a subnet's CreateSubnet cannot name its VPC sooner.
# Other services' writes see a new resource at once.
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
    # Its tasks' ENIs stay once the tasks have stopped (a running task goes
    # STOPPING -> STOPPED: ECS_STOP, its node's weight).
    "AWS::ECS::Service": ["ENI_ECS"],
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


def ec2_names(types, a, b):
    """Whether a's creation is an EC2 write naming b's id: both are EC2
    types (the workshop's EC2 -> EC2 edges are all references, none a bare
    depends_on)."""
    return str(types.get(a, "")).startswith("AWS::EC2::") and \
        str(types.get(b, "")).startswith("AWS::EC2::")


def same_thing(a, b):
    """Whether an emulator key or owner and a berth id name the same
    resource: equal, or one an ARN ending in the other ("...:role/NAME",
    ".../workspace/g-1")."""
    return bool(a and b) and (a == b or a.endswith(("/" + b, ":" + b))
                              or b.endswith(("/" + a, ":" + a)))


class Drawn:
    """The durations the emulator drew in this run (GET /_emulator/timing,
    each with its key and owner), read by the resource berth knows them by:
    a task's draws belong to its service, an ENI's to its task or its load
    balancer or NAT gateway."""

    def __init__(self, document):
        self.draws = document.get("draws", [])

    def of(self, ident, kind, owner=False):
        """The draws of `kind` whose key (or owner) is `ident`."""
        return [d for d in self.draws if d["kind"] == kind
                and same_thing(d.get("owner") if owner else d["key"], ident)]

    def tasks(self, service):
        """{task key: {kind: seconds}} of an ECS service's tasks."""
        out = {}
        for kind in ("ECS", "ECS_STOP"):
            for d in self.of(service, kind, owner=True):
                out.setdefault(d["key"], {})[kind] = d["seconds"]
        return out


def exact_node(phase, rtype, ident, drawn, scale):
    """Seconds the resource `ident` of `rtype` spent on what its creation
    (or deletion) waits on in this run, from the draws, and the kinds the
    emulator drew without a key (CloudFormation steps, Cloud Map
    operations), which count at their shortest so the bound stays one that
    no scheduler beats."""
    total, missing = 0.0, []
    for k in (CREATE if phase == "apply" else DELETE).get(rtype, []):
        kind, n = k if isinstance(k, tuple) else (k, 1)
        if rtype == "AWS::ECS::Service":
            # Tasks start (stop) side by side: the slowest one.
            found = [t[kind] for t in drawn.tasks(ident).values() if kind in t]
        else:
            found = [d["seconds"] for d in drawn.of(ident, kind)]
        if found:
            total += max(found)
        else:
            total += n * TABLE[kind][0] * scale
            missing.append(kind)
    return total, missing


def exact_linger(rtype, ident, held, drawn, node_seconds):
    """Seconds after the deletion of `ident` (which took node_seconds) that
    its ENIs still hold `held` (a subnet or security group id): the ENIs
    that held it, each from when it was let go."""
    if rtype == "AWS::ECS::Service":
        longest = 0.0
        for task, kinds in drawn.tasks(ident).items():
            for eni in drawn.of(task, "ENI_ECS", owner=True):
                if any(same_thing(h, held) for h in eni.get("holds", [])):
                    # A running task stops (ECS_STOP); one that never ran
                    # deprovisions instead (ECS, its draw of the start).
                    stop = kinds["ECS_STOP"] if "ECS_STOP" in kinds else kinds.get("ECS", 0.0)
                    longest = max(longest, stop + eni["seconds"])
        return max(0.0, longest - node_seconds)
    kinds = LINGER.get(rtype, [])
    return max((d["seconds"] for k in kinds for d in drawn.of(ident, k, owner=True)
                if any(same_thing(h, held) for h in d.get("holds", []))), default=0.0)


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


def chain_lag(text, chain, edges, phase, node_w, ew, first):
    """Where the chain's time went beyond its draws, per resource, from the
    stamped output ("+SECONDS ADDRESS: creating...", "...: created (").
    For each resource in the order it ran: `off`, how long it waited after
    its predecessor on the chain for something off the chain; `slot`, how
    long it waited to start once all it waits for was done (the walker's
    queue); `over`, how long after the draws allowed it berth saw it done
    (poll lag, untimed calls, reads after the change). Dicts, in the order
    they ran."""
    start, done = {}, {}
    for m in re.finditer(r"^\+\s*([0-9.]+) (\S+): (creating|destroying|updating|replacing)"
                         r"\.\.\.$", text, re.M):
        start.setdefault(m.group(2), float(m.group(1)))
    for m in re.finditer(r"^\+\s*([0-9.]+) (\S+): (created|destroyed|updated|replaced) \(",
                         text, re.M):
        done[m.group(2)] = float(m.group(1))
    order = list(reversed(chain)) if phase == "apply" else list(chain)
    rows = []
    for i, n in enumerate(order):
        if n not in start or n not in done:
            continue
        prev = order[i - 1] if i else None
        # Ready once all it waits for is done, on the chain or not: its
        # dependencies (apply) or its dependants (destroy).
        waits = [b for a, b in edges if a == n] if phase == "apply" else \
            [a for a, b in edges if b == n]
        ready = max([done[x] for x in waits if x in done] + [first])
        # What lingers after its predecessor on the chain (ENIs)...
        linger = ew(prev, n) if prev and phase == "destroy" else 0.0
        # ...or, in an apply, how long EC2 does not know it for the next
        # one's write naming it (it reads it back until it does).
        nxt = order[i + 1] if i + 1 < len(order) else None
        known = ew(nxt, n) if nxt and phase == "apply" else 0.0
        could = max(start[n] + node_w[n] + known,
                    (done.get(prev, first) + linger) if prev else 0.0)
        after_prev = done.get(prev, first) if prev else first
        rows.append({"address": n, "ready": ready, "start": start[n], "done": done[n],
                     "off": max(0.0, ready - after_prev),
                     "drawn": node_w[n] + linger + known, "slot": max(0.0, start[n] - ready),
                     "over": done[n] - could})
    return rows


def run(cmd, cwd, env, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"critical_path: {' '.join(cmd[:3])}... failed ({r.returncode}):\n"
                 f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def run_stamped(cmd, cwd, env, t0):
    """Runs cmd, its output (stdout and stderr as one) kept with the time
    each line came, "+SECONDS line", so the log says where the time went."""
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    lines = [f"+{time.monotonic() - t0:6.2f} {line.rstrip()}" for line in p.stdout]
    rc = p.wait()
    return subprocess.CompletedProcess(cmd, rc, "\n".join(lines) + "\n", "")


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


# The calls berth repeats while it waits: its polls, and the deletions it
# retries while AWS answers DependencyViolation.
POLLS = ["elbv2:DescribeLoadBalancers", "ecs:DescribeServices",
         "ec2:DescribeNatGateways", "cloudformation:DescribeStacks", "grafana:DescribeWorkspace",
         "aps:DescribeWorkspace", "ec2:DeleteSecurityGroup", "ec2:DeleteSubnet",
         "ec2:DetachInternetGateway", "ec2:ReleaseAddress"]


def control(url, path, method="GET"):
    req = urllib.request.Request(url + "/_emulator/" + path, method=method,
                                 data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def chapter(berth, specs, env, spec, args, scale, logs, verbose, url):
    f = ["-f", spec] + args
    plan = json.loads(run([berth, "plan", "--json"] + f, specs, env).stdout)
    types = {r["address"]: r["type"] for r in plan["resources"]}
    dot = run([berth, "graph"] + f, specs, env).stdout
    edges = re.findall(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"', dot, re.M)
    nodes = re.findall(r'^\s*"([^"]+)";', dot, re.M)
    out = {"resources": len(types), "edges": len(edges)}
    ids = {}
    for phase, table in (("apply", CREATE), ("destroy", DELETE)):
        bounds = {}
        for name, where in (("shortest", 0.0), ("mid", 0.5), ("longest", 1.0)):
            def ew(a, b, where=where):
                if phase == "apply":
                    return weight(["VISIBLE"], scale, where) if ec2_names(types, a, b) else 0.0
                if types.get(b) not in HELD:
                    return 0.0
                return weight(LINGER.get(types.get(a), []), scale, where)
            bounds[name] = longest_path(
                nodes, edges, lambda n, where=where: weight(table.get(types.get(n), []), scale,
                                                            where), ew)
        control(url, "reset", "POST")
        t0 = time.monotonic()
        r = run_stamped([berth, "--no-color"] + (["-v"] if verbose else [])
                        + [phase, "--auto-approve"] + f, specs, env, t0)
        wall = time.monotonic() - t0
        calls = control(url, "calls")["by_operation"]
        if phase == "apply":
            listed = json.loads(run([berth, "state", "--json", "list"] + f, specs, env).stdout)
            ids = {x["address"]: x.get("id") for x in listed if x.get("address")}
        drawn = Drawn(control(url, "timing"))
        with open(os.path.join(logs, f"{spec}.{phase}.log"), "w") as log:
            log.write(r.stdout + r.stderr)
        # The exact bound: each resource weighs what the emulator drew for it.
        node_w, unattributed = {}, {}
        for n in nodes:
            node_w[n], miss = exact_node(phase, types.get(n), ids.get(n), drawn, scale) \
                if ids.get(n) else (weight(table.get(types.get(n), []), scale, 0.0),
                                    [k if isinstance(k, str) else k[0]
                                     for k in table.get(types.get(n), [])])
            if miss:
                unattributed[n] = miss

        def visible(n):
            return max((d["seconds"] for d in drawn.of(ids[n], "VISIBLE")), default=0.0) \
                if ids.get(n) else 0.0

        def exact_ew(a, b):
            if phase == "apply":
                # EC2's eventual consistency: a names b, made a moment ago.
                return visible(b) if ec2_names(types, a, b) else 0.0
            if types.get(b) not in HELD or not ids.get(a) or not ids.get(b):
                return 0.0
            return exact_linger(types.get(a), ids[a], ids[b], drawn, node_w[a])
        exact = longest_path(nodes, edges, lambda n: node_w[n], exact_ew)
        bounds["exact"] = exact
        timed = {t: table.get(t, []) + (LINGER.get(t, []) if phase == "destroy" else [])
                 for t in set(table) | set(LINGER)}

        def label(n):
            kinds = timed.get(types.get(n))
            if not kinds:
                return n
            return n + f" ({types[n]}: " + "+".join(
                k if isinstance(k, str) else f"{k[1]}x{k[0]}" for k in kinds) + \
                f", {node_w[n]:.2f} s)"
        steps = []
        chain = exact[1]
        for i, n in enumerate(chain):
            steps.append(label(n))
            if i + 1 < len(chain) and exact_ew(n, chain[i + 1]) > 0:
                steps.append(f"[ENIs hold it {exact_ew(n, chain[i + 1]):.2f} s]"
                             if phase == "destroy" else
                             f"[EC2 does not know it for {exact_ew(n, chain[i + 1]):.2f} s]")
        # How long the chain's own resources were missing from reads after
        # their creation (VISIBLE): a read-after-create pays it; the bound
        # counts it only where an EC2 write names the new id (the edge).
        visible_all = sum(visible(n) for n in chain) if phase == "apply" else 0.0
        counted = sum(exact_ew(chain[i], chain[i + 1]) for i in range(len(chain) - 1)) \
            if phase == "apply" else 0.0
        # Before the first change: berth reads the stack (refresh) and plans.
        first = re.search(r"^\+\s*([0-9.]+) \S+: (creating|destroying)\.\.\.$", r.stdout, re.M)
        before_first = float(first.group(1)) if first else 0.0
        lag = chain_lag(r.stdout, chain, edges, phase, node_w, exact_ew, before_first)
        out[phase] = {"bound": {k: v[0] for k, v in bounds.items()}, "chain": steps, "lag": lag,
                      "before_first": before_first,
                      "visible_on_chain": visible_all - counted,
                      "visible_counted": counted,
                      "unattributed": {n: unattributed[n] for n in chain if n in unattributed},
                      "wall": wall, "rc": r.returncode, "calls": sum(calls.values()),
                      "polls": {k: calls[k] for k in POLLS if k in calls},
                      "waits": [l.strip() for l in r.stdout.splitlines() + r.stderr.splitlines()
                                if ": waiting for " in l or ": waited " in l]}
        if r.returncode != 0:
            out[phase]["error"] = (r.stdout[-1500:] + r.stderr[-1500:])
    return out


def run_scale(a, berth, scale, py, tmp):
    """Both chapters, apply then destroy, against one emulator at `scale`."""
    web = serve_files(os.path.join(TOP, "specs", "files"))
    where = tempfile.mkdtemp(prefix=f"s{scale}-", dir=tmp)
    log = open(os.path.join(where, "emu.log"), "w")
    emu, url = start_emulator(py, scale, a.seed, log)
    try:
        # A copy of specs/ and modules/: apply clones repositories beside the spec.
        shutil.copytree(os.path.join(TOP, "specs"), os.path.join(where, "specs"))
        shutil.copytree(os.path.join(TOP, "modules"), os.path.join(where, "modules"))
        specs = os.path.join(where, "specs")
        env = {k: v for k, v in os.environ.items()
               if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")}
        env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="AKIDEMULATOR",
                   AWS_SECRET_ACCESS_KEY="emulator-secret", AWS_REGION="us-west-2",
                   AWS_DEFAULT_REGION="us-west-2",
                   # A sanitizer build: libgit2's pcre2 leak (tests/lsan.supp) is no failure.
                   ASAN_OPTIONS="detect_leaks=0")
        template = f"http://127.0.0.1:{web.server_address[1]}/cwagent-ecs-instance-metric-cfn.json"
        amp_url, amp_ref = make_amp_repo(where)
        results = {}
        results["chapter 1 (container-insights.yaml)"] = chapter(
            berth, specs, env, "container-insights.yaml",
            ["--var", "alarm_email=attendee@example.com", "--var",
             f"cwagent_template_url={template}"], scale, where, a.verbose, url)
        results["chapter 2 (amp-amg.yaml)"] = chapter(
            berth, specs, env, "amp-amg.yaml",
            ["--var", f"amp_repo_url={amp_url}", "--var", f"amp_repo_ref={amp_ref}"], scale,
            where, a.verbose, url)
    finally:
        emu.terminate()
        emu.wait()
        web.shutdown()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="0.02,0.05",
                    help="comma-separated SCALEs, one emulator each")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--berth", default=os.path.join(TOP, "build-bench", "berth"))
    ap.add_argument("--berth-before", metavar="PATH",
                    help="also run this (older) berth, for its wall time and calls")
    ap.add_argument("--verbose", action="store_true",
                    help="berth -v: each call and wait in the logs kept in the temporary folder")
    ap.add_argument("--out", default=os.path.join(TOP, "bench", "REPORT-timing.md"))
    a = ap.parse_args()
    py = subprocess.run([os.path.join(TOP, "scripts", "find-python")], capture_output=True,
                        text=True).stdout.strip() or sys.executable
    tmp = tempfile.mkdtemp(prefix="berth-critpath-")
    load_before = os.getloadavg()
    scales = [float(x) for x in a.scales.split(",")]
    results = {}
    for scale in scales:
        results[str(scale)] = {"after": run_scale(a, a.berth, scale, py, tmp)}
        if a.berth_before:
            results[str(scale)]["before"] = run_scale(a, a.berth_before, scale, py, tmp)
    load_after = os.getloadavg()
    write_report(a, results, load_before, load_after)
    json.dump(results, open(os.path.join(tmp, "results.json"), "w"), indent=1)
    print(f"wrote {a.out} (raw figures and berth's output: {tmp})")


def write_report(a, results, load_before, load_after):
    L = []
    w = L.append
    w("# berth under the emulator's AWS timing: wall time against the critical path\n")
    w(f"Generated by `bench/critical_path.py --scales {a.scales} --seed {a.seed}"
      + (" --berth-before OLD" if a.berth_before else "") + "` on "
      f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
      f"load average {load_before[0]:.2f} before and {load_after[0]:.2f} after "
      f"(1-minute). Goal (issue 15): wall <= 1.15 x bound.\n")
    w("The bound is exact: the emulator lists the durations it drew in the run "
      "(`GET /_emulator/timing`, each with the resource it was drawn for), and each "
      "resource of the graph weighs what was drawn for it; the heaviest chain is the "
      "bound. Kinds drawn without a resource (CloudFormation steps, Cloud Map operations) "
      "count at their shortest, so the bound stays one no scheduler beats; the table "
      "says when the chain holds one. In an apply, an edge from an EC2 resource to the "
      "EC2 resource it names weighs how long EC2 did not know the new id (VISIBLE): EC2's "
      "writes lag like its reads (the EC2 API reference, \"Eventual consistency\"). "
      "\"mid\" is the older estimate from the table's midpoints, for comparison.\n")
    w("| SCALE | chapter | command | resources | bound, exact (s) | bound, mid (s) | "
      "wall (s) | wall / bound | refresh and plan (s) | (wall - refresh and plan) / bound | "
      "calls | polls and retried deletions | exit |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale, by in results.items():
        for ch, r in by["after"].items():
            for ph in ("apply", "destroy"):
                p = r[ph]
                b = p["bound"]
                polls = ", ".join(f"{k.split(':')[1]} {v}" for k, v in p["polls"].items())
                w(f"| {scale} | {ch} | {ph} | {r['resources']} | {b['exact']:.2f} | "
                  f"{b['mid']:.2f} | {p['wall']:.2f} | **{p['wall'] / b['exact']:.2f}** | "
                  f"{p['before_first']:.2f} | {(p['wall'] - p['before_first']) / b['exact']:.2f} | "
                  f"{p['calls']} | {polls or '-'} | {p['rc']} |")
    w("")
    if any("before" in by for by in results.values()):
        w("**Before and after** (the same runs with the berth before this change: poll "
          "back-off 1.5x from 100 ms, capped at 5-15 s; same seed, so the draws that "
          "depend on the seed alone are the same, but ARNs differ, so each run has its "
          "own bound):\n")
        w("| SCALE | chapter | command | before: wall / bound | after: wall / bound | "
          "before: calls | after: calls | before: polls | after: polls |")
        w("|---|---|---|---|---|---|---|---|---|")
        for scale, by in results.items():
            if "before" not in by:
                continue
            for ch in by["after"]:
                for ph in ("apply", "destroy"):
                    o, n = by["before"][ch][ph], by["after"][ch][ph]
                    w(f"| {scale} | {ch} | {ph} | {o['wall'] / o['bound']['exact']:.2f} | "
                      f"{n['wall'] / n['bound']['exact']:.2f} | {o['calls']} | {n['calls']} | "
                      f"{sum(o['polls'].values())} | {sum(n['polls'].values())} |")
        w("")
    for scale, by in results.items():
        for ch, r in by["after"].items():
            for ph in ("apply", "destroy"):
                p = r[ph]
                w(f"**SCALE {scale}, {ch}, {ph}: the heaviest chain** (A -> B: A needs B; "
                  "what each waited on, as drawn): " + (" -> ".join(p["chain"]) or "none")
                  + (f"; reads lagged the chain's creations by {p['visible_on_chain']:.2f} s "
                     "more, where no EC2 write names them (VISIBLE, not in the bound)"
                     if p.get("visible_on_chain") else "")
                  + ("; drawn without a resource, counted at their shortest: "
                     + "; ".join(f"{n}: {', '.join(k)}" for n, k in p["unattributed"].items())
                     if p["unattributed"] else "") + "\n")
                if p.get("lag"):
                    w(f"Where the chain's time went (first change at +{p['before_first']:.2f} s; "
                      "off: waited after its predecessor on the chain for something off it; "
                      "slot: waited for a worker once all it waits for was done; over: seen "
                      "done after its draws allowed):\n")
                    for x in p["lag"]:
                        w(f"- {x['address']}: ready +{x['ready']:.2f} (off {x['off']:.2f}), "
                          f"started +{x['start']:.2f} (slot {x['slot']:.2f}), done +{x['done']:.2f} (drawn "
                          f"{x['drawn']:.2f}, over {x['over']:.2f})")
                    w(f"- in all: before the first change {p['before_first']:.2f} s, off "
                      f"{sum(x['off'] for x in p['lag']):.2f} s, slot "
                      f"{sum(x['slot'] for x in p['lag']):.2f} s, over "
                      f"{sum(x['over'] for x in p['lag']):.2f} s, after the last "
                      f"{p['wall'] - p['lag'][-1]['done']:.2f} s\n")
                if p.get("error"):
                    w("It failed:\n\n```\n" + p["error"] + "\n```\n")
    w("Where the table's ranges come from (tests/emulator/README.md, \"AWS in time\"): "
      f"chosen, no number published: {', '.join(CHOSEN)}; from AWS documentation or "
      "botocore's waiters: VISIBLE, IAM, ELB, ELB_HEALTH, ECS_STOP, DEREGISTRATION; from "
      "public issues (what users report): NAT, NAT_DELETE, ENI_NAT, ENI_ELB, ENI_ECS, "
      "GRAFANA, GRAFANA_UPDATE, GRAFANA_DELETE; IAM_SLR has no row.\n")
    findings = os.path.join(TOP, "bench", "findings-timing.md")
    if os.path.exists(findings):
        w(open(findings).read())
    open(a.out, "w").write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
