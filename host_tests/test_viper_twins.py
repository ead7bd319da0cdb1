"""Every @micropython.viper hot spot against its plain-Python twin on random inputs, under
the MicroPython Unix port (whose native emitter compiles viper as the chip's does; CPython
only ever runs the twins)."""
from mpy import run

PADS = r'''
import random
from array import array
from midictl.controls import pads
assert pads.above is not pads.above_twin  # the viper one, under MicroPython
random.seed(3)
for trial in range(3000):
    n = random.randint(1, 30)
    samples = array("H", [random.choice((0, 4095, random.randint(0, 4095))) for _ in range(n + 2)])
    thr = array("H", [random.randint(0, 4095) for _ in range(n)])
    if trial % 5 == 0:
        for i in range(n):
            samples[i] = thr[i] + random.randint(-1, 1) if 0 < thr[i] < 4095 else samples[i]
    view = memoryview(samples)[:n]  # what the scan loop passes: a view of the first n samples
    a = pads.above(view, thr, n)
    b = pads.above_twin(view, thr, n)
    assert a == b, (trial, n, list(samples), list(thr), a, b)
print("ok")
'''

REGISTERS = r'''
import json, random, sys
sys.path.insert(0, "tools/simboard")
from array import array
import uctypes
import world
random.seed(5)
from midictl.hw import Hardware, read_block, read_block_twin
for board in ("pico", "xiao_rp2040", "pico2"):
    try:
        b = json.load(open("boards/%s.json" % board))
    except OSError:
        continue
    w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
    world.install(w)
    hw = Hardware(b)
    plan = hw.plan
    for trial in range(300):
        p = random.randrange(plan.phases)
        table = hw.register_table(random.randint(0, 3))
        result = random.getrandbits(32)
        ra = array("I", [random.getrandbits(32), random.getrandbits(32), 0x100, result])
        rb = array("I", ra)
        oa = array("H", [random.randint(0, 0xFFFF) for _ in range(max(1, plan.count))])
        ob = array("H", oa)
        base = uctypes.addressof(ra)
        pa = read_block(base >> 2, (base + 4) >> 2, (base + 8) >> 2, (base + 12) >> 2, table, oa, p)
        pb = read_block_twin(rb, 0, 1, 2, 3, table, ob, p)
        assert pa == pb, (board, trial, pa, pb)
        assert list(ra) == list(rb), (board, trial, list(ra), list(rb))
        assert list(oa) == list(ob), (board, trial)
    print(board, "ok")
'''


def test_pads_above_matches_its_twin_on_random_levels():
    r = run(["-c", PADS])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


def test_read_block_matches_its_twin_on_random_registers_and_boards():
    r = run(["-c", REGISTERS], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pico ok" in r.stdout.splitlines()
