#!/usr/bin/env python3
"""Checks that berth's sources include only downwards (issue 17).

The layers, from the top. A folder may include its own headers and those of
the folders it lists, and of what those list, transitively; nothing else:

    main.c     the command table's dispatcher
    cli/       commands, views, progress: the only code that prints
    engine/    refresh, diff, plan, apply, destroy, state
    resources/ one file per AWS resource type
    spec/      YAML -> located, evaluated values; the graph of a spec.
               Beside resources, not above or below it: the spec knows
               types only through schema/, the engine joins the two.
    grafana/   Grafana's HTTP API (through aws/ for signing)
    aws/ schema/ graph/ repos/
               the AWS client; type schemas and value rules; the DAG;
               git clones: each on util/ alone
    util/      buffers, diagnostics, values, times, files

A second rule holds inside every folder: no file includes its own caller.
Files pair as units (x.c with x.h); when unit A includes B's header and B
includes A's, the two form a circle, and one of them should move down or be
split. Headers without a .c (a folder's _int.h) are not units of their own.

Usage: tools/check_layers.py [SOURCE_DIR]; exit 1 with every violation
listed. tests/ and tools/ are not checked: tests may reach any layer.
"""
import os
import re
import sys

ALLOWED = {
    "util": [],
    "aws": ["util"],
    "schema": ["util"],
    "graph": ["util"],
    "repos": ["util"],
    "grafana": ["aws"],
    "spec": ["schema", "graph"],
    "resources": ["aws", "grafana", "schema"],
    "engine": ["resources", "spec", "repos"],
    "cli": ["engine"],
    ".": ["cli"],  # src/main.c
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def closure(folder):
    seen, todo = set(), [folder]
    while todo:
        f = todo.pop()
        for d in ALLOWED[f]:
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen | {folder}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    src = os.path.join(root, "src")
    problems = []
    units = {}  # (folder, unit) -> set of (folder, unit) it includes
    for dirpath, _, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        folder = rel.split(os.sep)[0]
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            shown = os.path.relpath(path, root)
            if folder not in ALLOWED:
                problems.append(f"{shown}: folder '{folder}' has no layer in tools/check_layers.py")
                continue
            may = closure(folder)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            unit = (folder, os.path.splitext(name)[0])
            deps = units.setdefault(unit, set())
            for m in INCLUDE.finditer(text):
                inc = m.group(1)
                if "/" not in inc:
                    continue  # generated headers (version.h) and same-folder quotes
                to = inc.split("/")[0]
                line = text.count("\n", 0, m.start()) + 1
                if to not in may:
                    problems.append(f"{shown}:{line}: includes {inc}: {folder}/ may include only "
                                    f"{', '.join(sorted(may))}")
                target = os.path.join(src, inc)
                if os.path.exists(os.path.splitext(target)[0] + ".c"):
                    tunit = (to, os.path.splitext(os.path.basename(inc))[0])
                    if tunit != unit:
                        deps.add(tunit)
    for a, deps in sorted(units.items()):
        for b in sorted(deps):
            if a < b and a in units.get(b, ()):
                problems.append(f"src/{a[0]}/{a[1]} and src/{b[0]}/{b[1]} include each other")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layering problem(s); the layers are in tools/check_layers.py")
        return 1
    print(f"layers: {len(units)} units, every include runs downwards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
