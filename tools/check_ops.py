#!/usr/bin/env python3
"""Every AWS operation berth's code names is one berth's models know.

src/aws/models_gen.c holds the shapes of a curated list of operations
(tools/gen_aws_models.py, OPERATIONS); a call to an operation missing from
it fails only when it runs ("ec2: unknown operation X"), so a path the tests
do not drive would fail for the user. This reads the sources and checks:
- every `"SERVICE", "Operation"` pair (rt_call, rt_call_all, rt_call_expect,
  aws_call and the like all take the service, then the operation);
- every operation a type description names (`.service = "ec2"` with
  `create_op = "CreateVpc"`, `.update_op = ...`: the `*_op` fields),
  against the service of its description;
- that the generator's list and the generated file agree (an operation
  added to OPERATIONS without rerunning the generator);
- every other string that reads as an operation (a verb berth calls, then
  a capital: "DescribeSubnets" in a table, `op = "CreateWorkspaceApiKey"`)
  against every service's operations, but for the few such names that are
  members or error codes (NOT_OPERATIONS).

Usage: tools/check_ops.py [TOP]. Python 3 stdlib only; exits 1 with one line
per problem, file:line first."""
import ast
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))
GEN = os.path.join(TOP, "src", "aws", "models_gen.c")


# Strings shaped like operations that are not: error codes and members.
NOT_OPERATIONS = {"DeleteConflict", "DeleteOnTermination"}
OP_SHAPED = re.compile(r'"((?:Describe|List|Get|Create|Delete|Update|Put|Modify)'
                       r'[A-Z][A-Za-z0-9]+)"')


def generated():
    """{service: {operation}} from models_gen.c's aws_op definitions."""
    text = open(GEN).read()
    services = re.findall(r'\{ \.name = "([a-z0-9-]+)"', text)
    ops = {s: set() for s in services}
    # O_<service with '-' as '_'>_<Operation>: the operation starts upper.
    by_ident = {s.replace("-", "_"): s for s in services}
    for ident, op in re.findall(r"static const struct aws_op O_([a-z0-9_]+?)_([A-Z]\w*) =",
                                text):
        if ident not in by_ident:
            raise SystemExit(f"{GEN}: operation {op} of unknown service {ident}")
        ops[by_ident[ident]].add(op)
    return ops


def generator_list():
    """{service: {operation}} from tools/gen_aws_models.py's OPERATIONS."""
    tree = ast.parse(open(os.path.join(TOP, "tools", "gen_aws_models.py")).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "OPERATIONS" for t in node.targets):
            value = ast.literal_eval(node.value)
            return {s: set(v.split()) for s, v in value.items()}
    raise SystemExit("tools/gen_aws_models.py: no OPERATIONS")


def sources():
    for folder, _, files in os.walk(os.path.join(TOP, "src")):
        for name in sorted(files):
            if name.endswith(".c") and name != "models_gen.c":
                yield os.path.join(folder, name)


def main():
    ops = generated()
    problems = []
    listed = generator_list()
    for service in sorted(set(listed) | set(ops)):
        want, have = listed.get(service, set()), ops.get(service, set())
        for op in sorted(want - have):
            problems.append(f"{GEN}: {service} {op} is in tools/gen_aws_models.py's "
                            "OPERATIONS but not generated: rerun the generator")
        for op in sorted(have - want):
            problems.append(f"{GEN}: {service} {op} is generated but not in "
                            "tools/gen_aws_models.py's OPERATIONS")
    checked = 0
    every = set().union(*ops.values())
    # A call: the function, its first argument, the service, the operation.
    pair = re.compile(r'\b(?:rt_call|aws_call)\w*\(\s*[^,()]+,\s*"([a-z0-9-]+)",\s*'
                      r'"([A-Z][A-Za-z0-9]+)"')
    field = re.compile(r'\.([a-z_]*_op|update_op|dflt)\s*=\s*"([A-Z][A-Za-z0-9]+)"'
                       # a property map's entry written by position: cfn,
                       # api, flags, update_op
                       r'|\{\s*"[^"]*",\s*"[^"]*",\s*[A-Z0-9_| ]+,\s*"([A-Z][A-Za-z0-9]+)"')
    for path in sources():
        text = open(path).read()
        rel = os.path.relpath(path, TOP)
        services = [(m.start(), m.group(1))
                    for m in re.finditer(r'\.service = "([a-z0-9-]+)"', text)]

        def line(pos):
            return text.count("\n", 0, pos) + 1
        for m in OP_SHAPED.finditer(text):
            checked += 1
            if m.group(1) not in every and m.group(1) not in NOT_OPERATIONS:
                problems.append(f"{rel}:{line(m.start())}: {m.group(1)} reads as an operation "
                                "but no service of berth's models has it (a typo, an operation "
                                "missing from tools/gen_aws_models.py, or a name to add to "
                                "tools/check_ops.py's NOT_OPERATIONS)")
        for m in pair.finditer(text):
            if m.group(1) in ops:
                checked += 1
                if m.group(2) not in ops[m.group(1)]:
                    problems.append(f"{rel}:{line(m.start())}: {m.group(1)} {m.group(2)} is "
                                    "not an operation berth's models know (add it to "
                                    "tools/gen_aws_models.py's OPERATIONS and rerun it)")
        # A description names its operations in *_op fields (and RTA_CLEAR's
        # operation in dflt), after its .service: each field belongs to the
        # description whose .service comes last before it.
        for m in field.finditer(text):
            before = [svc for at, svc in services if at < m.start()]
            if not before or before[-1] not in ops:
                continue
            checked += 1
            op, where = (m.group(2), "." + m.group(1)) if m.group(2) else \
                (m.group(3), "a property's update_op")
            if op not in ops[before[-1]]:
                problems.append(f"{rel}:{line(m.start())}: {before[-1]} {op} "
                                f"({where}) is not an operation berth's models know")
    for p in problems:
        print(p)
    if not checked:
        print("tools/check_ops.py: found no operation to check: the patterns are stale")
        return 1
    print(f"{checked} operation names checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
