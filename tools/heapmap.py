#!/usr/bin/env python3
"""What the heap after boot holds, block by block (make heapmap).

Builds a diagnostic interpreter (build/heapmap/micropython: the Unix port as `make frozen`
builds it, with the firmware frozen in, and the heapmap module of tools/cmod, which prints
every block of the GC heap with its kind and the first block pointing at it), runs the
memory benchmark's script under it unchanged (tools/bench_fwmem.py, through
tools/heapmap_run.py, which dumps the heap at each of the script's three readings) and
prints the blocks boot left, as the benchmark's frozen Memory row counts them: the code
(what stays once the controller is let go: module, class and function objects and their
tables) and the objects the controller holds. Each object is counted with the raw memory
it alone holds (a dict's or an instance's table, a list's items, a buffer's bytes), and
grouped by kind and name: instances by class, functions together, other objects by type.

Needs what `make frozen` needs (tools/mpbuild.py: MicroPython's source, a C compiler).
Exit status: 0 done; 1 a failure (one message: what failed, and where).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbuild  # noqa: E402
from mpbuild import BuildError  # noqa: E402

ROOT = mpbuild.ROOT
PROG = os.path.join(mpbuild.BUILD, "heapmap", "micropython")
CMODULES = os.path.join(ROOT, "tools", "cmod")
RUNNER = os.path.join(ROOT, "tools", "heapmap_run.py")
KINDS = {"I": "instances", "C": "classes", "F": "functions", "M": "modules", "O": "", "R": "raw"}


def parse(text):
    """The runner's output -> ([dump, dump, dump], (total, code)): each dump a dict address ->
    (bytes, kind, name, owner address or 0)."""
    dumps = []
    row = None
    for line in text.splitlines():
        if line == "DUMP":
            dumps.append({})
        elif line.startswith("H ") and dumps:
            _, addr, size, kind, name, owner = line.split(" ")
            dumps[-1][int(addr, 16)] = (int(size), kind, name, int(owner, 16))
        elif line.startswith("ROW|mem|"):
            row = tuple(int(x) for x in line.split("|")[2:4])
    if len(dumps) != 3 or row is None:
        raise BuildError("the heap map run printed %d dumps and %s memory row, not 3 and one"
                         % (len(dumps), "a" if row else "no"))
    return dumps, row


def groups(dump, blocks):
    """The blocks (addresses in dump), each raw one counted with the object that holds it
    (through raw blocks holding raw ones), grouped -> {(kind, name): [objects, bytes]};
    raw memory no object in `blocks` holds is its own group ("R", "-")."""
    out = {}
    for a in blocks:
        size, kind, name, owner = dump[a]
        seen = 0
        while kind == "R" and owner in blocks and seen < 64:  # (a chain of raw blocks: a table's
            _, kind, name, owner = dump[owner]  # values, a list's items ...)
            seen += 1
        g = out.setdefault((kind, "" if kind in "CFM" else name), [0, 0])
        g[1] += size
        if dump[a][1] != "R":
            g[0] += 1
    return out


def components(dump, blocks):
    """The blocks, each counted with the nearest instance up its chain of holders (itself if it
    is one: a DinOut's FIFO with the DinOut) -> {class name: [instances, bytes]}; a chain
    that leaves `blocks` before reaching one is counted under "" (held from elsewhere). The
    first holder is the block that points at it first in address order: an object two hold
    is counted with one of them."""
    out = {}
    for a in blocks:
        b = a
        seen = 0
        while dump[b][1] != "I" and dump[b][3] in blocks and seen < 64:
            b = dump[b][3]
            seen += 1
        name = dump[b][2] if dump[b][1] == "I" else ""
        g = out.setdefault(name, [0, 0])
        g[1] += dump[a][0]
        if a == b and dump[a][1] == "I":
            g[0] += 1
    return out


def split(dumps):
    """(code, objects): the addresses of the blocks boot left that stay once the controller
    is let go, and of those that go with it (a block is the same in two dumps when its
    address, size, kind and name are)."""
    before, full, code = dumps

    def same(a, d1, d2):
        return a in d2 and d1[a][:3] == d2[a][:3]

    kept = {a for a in code if not same(a, code, before)}
    objs = {a for a in full if not same(a, full, before) and not same(a, full, code)}
    return kept, objs


def table(title, dump, blocks, top=14):
    g = sorted(groups(dump, blocks).items(), key=lambda kv: (-kv[1][1], kv[0]))
    total = sum(v[1] for _, v in g)
    rows = ["| %s | objects | bytes |" % title, "|---|---:|---:|"]
    for (kind, name), (n, b) in g[:top]:
        what = "raw memory held by no object here" if kind == "R" else \
            "%s instances" % name if kind == "I" else KINDS[kind] or name or "(a type without a name)"
        rows.append("| %s | %s | %d |" % (what, n if kind != "R" else "", b))
    rest = g[top:]
    if rest:
        rows.append("| %d more kinds | %d | %d |" % (len(rest), sum(v[0] for _, v in rest), sum(v[1] for _, v in rest)))
    rows.append("| all | %d | %d |" % (sum(v[0] for _, v in g), total))
    return "\n".join(rows), total


def component_table(dump, blocks, top=16):
    g = sorted(components(dump, blocks).items(), key=lambda kv: (-kv[1][1], kv[0]))
    rows = ["| the objects by the instance holding them | instances | bytes |", "|---|---:|---:|"]
    for name, (n, b) in g[:top]:
        rows.append("| %s | %s | %d |" % (name or "held from elsewhere", n if name else "", b))
    rest = g[top:]
    if rest:
        rows.append("| %d more classes | %d | %d |" % (len(rest), sum(v[0] for _, v in rest), sum(v[1] for _, v in rest)))
    return "\n".join(rows)


def report(text):
    dumps, (total, code) = parse(text)
    kept, objs = split(dumps)
    t1, n1 = table("code kept (the Memory row's code part)", dumps[2], kept)
    t2, n2 = table("objects the controller holds", dumps[1], objs)
    freed = sum(dumps[0][a][0] for a in dumps[0] if a not in dumps[2] or dumps[2][a][:3] != dumps[0][a][:3])
    head = ("The firmware frozen into MicroPython %d.%d.%d's Unix port, the reference layout booted by "
            "tools/bench_fwmem.py: the benchmark's heap after boot %d B, %d code + %d objects. The blocks "
            "boot left: %d + %d B (the code part's %d less the %d B of blocks from before the baseline "
            "freed since is the benchmark's)."
            % (mpbuild.version(mpbuild.source()) + (total, code, total - code, n1, n2, n1, freed)))
    return "\n\n".join([head, t1, t2, component_table(dumps[1], objs)])


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.parse_args(argv)
    try:
        prog = mpbuild.build_unix(PROG, CMODULES, "heapmap")
        env = dict(os.environ, MICROPYPATH=":".join([".frozen", os.path.join(ROOT, "tools", "simboard"),
                                                      os.path.join(ROOT, "tools")]))
        r = subprocess.run([prog, "-X", "heapsize=32M", RUNNER, ROOT], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=600)
        if r.returncode != 0:
            raise BuildError("%s %s failed:\n%s" % (prog, RUNNER, (r.stdout[-2000:] + r.stderr).strip()))
        print(report(r.stdout))
    except BuildError as e:
        print("heapmap: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
