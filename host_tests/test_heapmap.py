"""make heapmap (tools/heapmap.py): the heap after boot block by block, from a diagnostic
build of the frozen Unix port with the heapmap C module (tools/cmod/heapmap). The blocks it
counts add up to the benchmark's own frozen Memory row, exactly."""
import re
import subprocess
import sys

import heapmap
import pytest
from mpbuild import BuildError

# three dumps as tools/heapmap_run.py prints them: the baseline, the controller built, and
# after it is let go. 0x100: a block from before the baseline, kept; 0x120: one freed after
# it; 0x200..: a module's function and its class's dict with its table (kept); 0x300..: an
# instance, its table, a bytearray it holds and the bytearray's bytes (let go).
_TEXT = """DUMP
H 100 32 O list 0
H 120 64 R - 100
DUMP
H 100 32 O list 0
H 120 64 R - 100
H 200 32 F play 240
H 220 32 O dict 260
H 240 288 R - 220
H 260 128 C Knob 0
H 300 32 I Knob 0
H 320 288 R - 300
H 440 32 O bytearray 320
H 460 64 R - 440
DUMP
H 100 32 O list 0
H 200 32 F play 240
H 220 32 O dict 260
H 240 288 R - 220
H 260 128 C Knob 0
ROW|mem|896|416
"""


def test_the_runner_output_is_split_into_code_kept_and_objects():
    dumps, row = heapmap.parse(_TEXT)
    assert row == (896, 416) and [len(d) for d in dumps] == [2, 10, 5]
    kept, objs = heapmap.split(dumps)
    assert kept == {0x200, 0x220, 0x240, 0x260} and objs == {0x300, 0x320, 0x440, 0x460}
    # raw blocks go with the object holding them, through raw blocks: the bytearray's bytes
    # with the bytearray, which the instance's table holds, with the instance
    assert heapmap.groups(dumps[1], objs) == {("I", "Knob"): [1, 32 + 288], ("O", "bytearray"): [1, 32 + 64]}
    assert heapmap.groups(dumps[2], kept) == {("F", ""): [1, 32], ("O", "dict"): [1, 32 + 288], ("C", ""): [1, 128]}
    # and by the nearest instance up the chain of holders: the bytearray with the Knob holding it
    assert heapmap.components(dumps[1], objs) == {"Knob": [1, 416]}
    assert heapmap.components(dumps[1], objs - {0x300}) == {"": [0, 384]}  # its holder not counted: elsewhere
    text, total = heapmap.table("t", dumps[1], objs)
    assert total == 416 and text.splitlines() == [
        "| t | objects | bytes |", "|---|---:|---:|", "| Knob instances | 1 | 320 |", "| bytearray | 1 | 96 |",
        "| all | 2 | 416 |"]


def test_a_run_without_its_three_dumps_or_its_row_is_an_error():
    with pytest.raises(BuildError, match="printed 2 dumps and a memory row, not 3 and one"):
        heapmap.parse(_TEXT.replace("DUMP\n", "", 1))
    with pytest.raises(BuildError, match="printed 3 dumps and no memory row"):
        heapmap.parse(_TEXT.replace("ROW|mem|896|416\n", ""))


def test_make_heapmap_counts_exactly_the_benchmarks_frozen_memory_row():
    r = subprocess.run([sys.executable, heapmap.__file__], capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    head = r.stdout.split("\n\n")[0]
    m = re.search(r"heap after boot (\d+) B, (\d+) code \+ (\d+) objects\. The blocks boot left: (\d+) \+ (\d+) B "
                  r"\(the code part's (\d+) less the (\d+) B", head)
    assert m, head
    total, code, objs, kept_n, objs_n, _, freed = map(int, m.groups())
    assert objs_n == objs == total - code and kept_n - freed == code
    assert "| Knob instances | 16 | 2560 |" in r.stdout  # 8 knobs with a shift layer: 32 B and an 8-slot table each
    by_holder = r.stdout.split("\n\n")[3].splitlines()
    assert "| Knob | 16 | 2560 |" in by_holder  # (they hold nothing of their own)
    assert sum(int(ln.split("|")[3]) for ln in by_holder[2:]) == objs
