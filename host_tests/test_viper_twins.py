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


FILTERS = r'''
import random
from array import array
from midictl.controls import adcfilter as af
assert af.FilterBank.run is not af.FilterBank.run_twin  # the viper one, under MicroPython


class Rec(af.AdcFilter):
    def __init__(self, lo, hi, h):
        af.AdcFilter.__init__(self)
        self._lo, self._hi, self._h = lo, hi, h
        self.anchor = lo
        self.got = []

    def _moved(self, r):
        self.got.append((r, self.anchor))


random.seed(7)
moves = 0
for trial in range(60):
    n = random.randint(1, 6)
    nph = random.randint(1, 3)
    params = []
    for _ in range(n):
        edge = max(random.choice((0, 24, 100, 1000)), random.choice((1, 12, 40, 256)) + 12)
        params.append((edge << 4, (4095 - edge) << 4, random.choice((1, 12, 40, 256)) << 4))
    src = [random.randrange(n + 3) for _ in range(n)]  # samples may be shared or unused
    phase = sorted(random.randrange(nph) for _ in range(n))
    ref = [Rec(*params[i]) for i in range(n)]  # AdcFilter.update, one reading per visit
    paired = [random.random() < 0.3 for _ in range(n)]  # a shift layer's knob on the same filter
    banks = []
    for _ in range(2):
        bank = af.FilterBank()
        owners = [Rec(*params[i]) for i in range(n)]
        seconds = [Rec(*params[i]) if paired[i] else None for i in range(n)]
        i = 0
        for ph in range(nph):
            while i < n and phase[i] == ph:
                bank.add(owners[i], owners[i], src[i], seconds[i])
                i += 1
            bank.end_phase()
        bank.finish()
        banks.append((bank, owners, seconds))
    (va, oa, sa), (tw, ob, sb) = banks
    samples = array("H", bytes(2 * (n + 3)))
    pos = [random.randint(0, 4095) for _ in range(n + 3)]
    for step in range(600):
        for j in range(n + 3):
            if random.random() < 0.05:
                pos[j] = random.randint(0, 4095)  # a jump
            elif random.random() < 0.3:
                pos[j] = min(4095, max(0, pos[j] + random.randint(-60, 60)))  # a turn
            samples[j] = min(4095, max(0, pos[j] + random.randint(-24, 24)))  # noise
        p = step % nph
        ca = va.run(p, samples)
        cb = tw.run_twin(p, samples)
        assert ca == cb and list(va.state) == list(tw.state) and va.why == tw.why, (trial, step)
        for i in range(n):
            if phase[i] == p:
                g = ref[i]
                g.update(samples[src[i]])
                b = i * 8
                st = va.state
                assert (st[b], st[b + 1], st[b + 2], st[b + 3]) == (g._y, g.anchor, g._n, g._quiet), (trial, step, i)
    for i in range(n):
        assert oa[i].got == ob[i].got == ref[i].got, (trial, i)
        if paired[i]:
            assert sa[i].got == sb[i].got == ref[i].got, (trial, i)
        moves += len(ref[i].got)
assert moves > 1000, moves
print("ok")
'''


def test_filter_bank_run_matches_its_twin_and_adcfilter_update():
    r = run(["-c", FILTERS])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"
