#!/usr/bin/env python3
"""Writes a berth spec of N resources of mixed types with dependency depth,
for bench/run.

The spec is a sequence of "units": small groups of resources that refer to
each other the way a real stack does. Each unit is a template in UNITS below;
the generator cycles through them (weighted) until N resources exist. Units
also chain across each other (a unit may refer to a resource of the previous
unit of the same kind), so the longest dependency chain is CHAIN_DEPTH units
deep, not one, as in a real stack where VPC -> subnet -> security group ->
load balancer -> listener -> service -> alarm.

Extending the mix when a type lands (EC2, ECS, IAM, CloudWatch alarms): add a
unit to UNITS with the resources it makes. `{u}` is the unit's number,
`{prev}` the number of the previous unit of the same template in the same
chain (or None for the first one: use `prev_ref` to write a reference that is
only there when a previous unit exists). Only types `berth types` lists are
used: a unit whose types the engine does not implement is skipped (with
--src, the types are read from src/resources/registry.c; `berth types` lists
every schema type, implemented or not, so it cannot tell).

    gen_spec.py N [--stack NAME] [--src SRCDIR] > spec.yaml
"""
import argparse
import re
import sys

# How many units of one template chain together through references (the
# chain depth in units). Resources per unit x CHAIN_DEPTH ~ longest path.
CHAIN_DEPTH = 4


def unit_alerting(u, prev):
    """A topic; two subscriptions to it; the topic's display name refers to
    the previous unit's log group (so topic waits for it): depth 2 per unit
    plus the chain."""
    after = f'    depends_on: [app-logs-{prev}]\n' if prev is not None else ''
    return [
        ("AWS::SNS::Topic", f"alarms-{u}",
         f"    properties:\n      TopicName: \"${{stack}}-alarms-{u}\"\n"
         f"      DisplayName: Alarms {u}\n"
         f"      Tags: [{{ Key: team, Value: t{u % 7} }}]\n" + after),
        ("AWS::SNS::Subscription", f"oncall-{u}",
         f"    properties:\n      TopicArn: \"${{alarms-{u}.TopicArn}}\"\n"
         f"      Protocol: email\n      Endpoint: oncall-{u}@example.com\n"),
        ("AWS::SNS::Subscription", f"pager-{u}",
         f"    properties:\n      TopicArn: \"${{alarms-{u}.TopicArn}}\"\n"
         f"      Protocol: email\n      Endpoint: \"${{var.pager}}\"\n"),
    ]


def unit_logging(u, prev):
    """A log group named after a topic (a reference: the group waits for the
    topic), and a second group that waits for the first."""
    return [
        ("AWS::SNS::Topic", f"log-events-{u}",
         f"    properties:\n      TopicName: \"${{stack}}-log-events-{u}\"\n"
         + (f"    depends_on: [app-logs-{prev}]\n" if prev is not None else '')),
        ("AWS::Logs::LogGroup", f"app-logs-{u}",
         f"    properties:\n      LogGroupName: \"/${{stack}}/${{log-events-{u}.TopicName}}/app\"\n"
         f"      RetentionInDays: \"${{var.retention}}\"\n"
         f"      Tags: [{{ Key: team, Value: t{u % 7} }}]\n"),
        ("AWS::Logs::LogGroup", f"audit-logs-{u}",
         f"    depends_on: [app-logs-{u}]\n"
         f"    properties:\n      LogGroupName: \"/${{stack}}/audit/{u}\"\n"
         f"      RetentionInDays: 30\n"),
        ("AWS::SNS::Subscription", f"log-sub-{u}",
         f"    properties:\n      TopicArn: \"${{log-events-{u}.TopicArn}}\"\n"
         f"      Protocol: email\n      Endpoint: logs-{u}@example.com\n"),
    ]


def unit_plain(u, prev):
    """Independent log groups (services' own logs): breadth, no depth."""
    return [("AWS::Logs::LogGroup", f"svc-logs-{u}",
             f"    properties:\n      LogGroupName: \"/${{stack}}/svc/{u}\"\n"
             f"      RetentionInDays: 14\n")]


# (template, weight). A round takes `weight` units of each template in
# order; chains link units of the same round index across templates through
# `prev` (the logging unit before). Add a line here per new unit template.
UNITS = [
    (unit_logging, 1),
    (unit_alerting, 1),
    (unit_plain, 2),
]


def generate(n, stack, types=None):
    out = ["berth: 1\n", f"stack: {stack}\n", "region: us-west-2\n",
           "variables:\n",
           "  retention: { type: number, default: 7 }\n",
           "  pager: { type: string, default: pager@example.com }\n",
           "resources:\n"]
    count = 0
    u = 0
    prev_logging = None   # unit number of the last logging unit in the chain
    depth = 0
    usable = [(t, w) for t, w in UNITS
              if types is None or all(r[0] in types for r in t(0, None))]
    if not usable:
        sys.exit("gen_spec: no unit template has only registered types")
    while count < n:
        for template, weight in usable:
            for _ in range(weight):
                if count >= n:
                    break
                prev = prev_logging if template is not unit_plain else None
                res = template(u, prev)
                for typ, rid, body in res[: n - count]:
                    out.append(f"  {rid}:\n    type: {typ}\n{body}")
                    count += 1
                if template is unit_logging:
                    depth += 1
                    prev_logging = u if depth < CHAIN_DEPTH else None
                    if depth >= CHAIN_DEPTH:
                        depth = 0
                u += 1
    return "".join(out)


def engine_types(src):
    """The type names registered in src/resources/registry.c."""
    import glob
    import os
    with open(os.path.join(src, "resources", "registry.c")) as f:
        names = set(re.findall(r"&(rtype_\w+)", f.read()))
    types = set()
    for path in glob.glob(os.path.join(src, "resources", "*.c")):
        with open(path) as f:
            for var, tname in re.findall(
                    r"const struct rtype (rtype_\w+)\s*=\s*\{.*?\.type_name\s*=\s*\"([^\"]+)\"",
                    f.read(), re.S):
                if var in names:
                    types.add(tname)
    return types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--stack", default="bench")
    ap.add_argument("--src", help="berth's src/ (use only the types it registers)")
    a = ap.parse_args()
    types = engine_types(a.src) if a.src else None
    sys.stdout.write(generate(a.n, a.stack, types))


if __name__ == "__main__":
    main()
