"""The chip's register path for the analog scan (hw.read_block, @micropython.viper) against
its pure-Python twin, under the MicroPython Unix port (whose native emitter compiles viper
too), both run over a buffer standing in for the SIO and ADC registers."""
from mpy import TWINS_ON, run

SCRIPT = r'''
import json, sys
sys.path.insert(0, "tools/simboard")
from array import array
import uctypes
import world
b = json.load(open("boards/pico.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
from midictl.hw import Hardware, read_block, read_block_twin


class Regs:  # what read_block reads of the Hardware: the registers, the table, the samples
    def __init__(self, regw, table, samples):
        self._regw = regw
        self._regs_table = table
        self.samples = samples


hw = Hardware(b)
plan = hw.plan
for p in range(plan.phases):
    for result in (0, 0x0ABC, 0xFFFF):
        # registers: 0 GPIO_OUT_SET, 1 GPIO_OUT_CLR, 2 ADC CS (READY set), 3 ADC RESULT
        ra = array("I", [0, 0, 0x100, result])
        rb = array("I", [0, 0, 0x100, result])
        oa = array("H", [7] * plan.count)
        ob = array("H", [7] * plan.count)
        base = uctypes.addressof(ra)
        table = hw.register_table(3)
        at = Regs((base >> 2, (base + 4) >> 2, (base + 8) >> 2, (base + 12) >> 2), table, oa)
        pa = read_block(at, p)
        pb = read_block_twin(rb, 0, 1, 2, 3, table, ob, p)
        assert pa == pb == result & 0xFFF, (pa, pb)
        assert list(ra) == list(rb), (p, list(ra), list(rb))
        assert list(oa) == list(ob), (p, list(oa), list(ob))
        written = [i for i in range(plan.count) if oa[i] != 7 or result & 0xFFF == 7]
        assert sorted(written) == sorted([plan.dest[j] for j in range(plan.start[p], plan.end[p])])
        assert all(oa[i] == result & 0xFFF for i in written)
    print("phase", p, "regs", [hex(x) for x in ra])
# and through Hardware.read_phase, the way the scan loop calls it
regs = array("I", [0, 0, 0x100, 1234])
base = uctypes.addressof(regs)
hw.use_registers(base, base + 4, base + 8, base + 12, 3)
print("peak", hw.read_phase(0))
print("samples", list(hw.samples)[:18])
# the machine path's tables went with use_registers: the register table holds them all
print("kept", hw._mp)
'''


def test_viper_register_path_matches_its_python_twin():
    r = run(["-c", TWINS_ON + SCRIPT], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    # every phase ends on the last pad's mux channel (15: S0..S3 = GPIO 10..13 all set)
    # and the last read's ADC channel (pad mux on ADC0: AINSEL 0) in CS with START_ONCE|EN
    assert lines[0] == "phase 0 regs ['0x3c00', '0x0', '0x105', '0xffff']"
    assert len([ln for ln in lines if ln.startswith("phase ")]) == 5  # 8 knobs + the stick, two a scan
    # phase 0: the 16 pads and the first two slow inputs (bend = sample 16, knob1 = 17)
    assert lines[-3:] == ["peak 1234", "samples " + str([1234] * 18), "kept None"]


SAMPLE = r'''
import json, sys
sys.path.insert(0, "tools/simboard")
from array import array
import uctypes
import world
b = json.load(open("boards/pico.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
from midictl.hw import Hardware
import micropython

hw = Hardware(b)
regs = array("I", [0, 0, 0x100, 0x0ABC])
base = uctypes.addressof(regs)
hw.use_registers(base, base + 4, base + 8, base + 12, 3)
t = hw._regs_table
plan = hw.plan
print("map", list(t[t[2] - t[1]:t[2]]) == [[plan.dest[j] for j in range(len(plan.dest))].index(i) + 1
                                           for i in range(plan.npads)])
for i in range(len(hw.samples)):
    hw.samples[i] = 7
want = (1 << 2) | (1 << 13)
out = None  # (a new global under the lock would allocate)
micropython.heap_lock()
out = hw.sample(want)
micropython.heap_unlock()
print("same", out is hw.samples)
print("samples", list(hw.samples))
print("regs", [hex(x) for x in regs])
'''


def test_pads_read_again_between_scans_on_the_register_path():
    # Hardware.sample on the chip's path: only the pads asked for, each through its own
    # mux channel (select lines moved, then settled), nothing allocated
    r = run(["-c", SAMPLE], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        # the pad map: pad i's first entry in the plan, + 1
        "map True",
        "same True",
        "samples " + str([7, 7, 0xABC] + [7] * 10 + [0xABC] + [7] * 11),  # 16 pads, the stick, 8 knobs
        # the last read: pad 14, m0 channel 13 (S0..S3 = GPIO 10..13: 1011 -> set GPIO
        # 10, 12, 13, clear 11), ADC0, START_ONCE | EN (READY as the buffer had it)
        "regs ['0x3400', '0x800', '0x105', '0xabc']",
    ]


SETTLE = r'''
import json, sys
sys.path.insert(0, "tools/simboard")
import world
from midictl import hw as hwmod, hwsetup


class OnTheChip:  # what hwsetup.setup asks of sys: the rp2 port's platform
    platform = "rp2"


got = []
hwsetup.sys = OnTheChip
hwmod.Hardware.use_registers = lambda self, *a: got.append(a)
for name in ("pico", "pico2"):
    b = json.load(open("boards/%s.json" % name))
    world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
    hwmod.Hardware(b)
for a in got:
    print(" ".join(hex(x) for x in a[2:4]), a[4])
'''


def test_the_chip_waits_its_own_settle_loops_after_a_mux_move():
    # read_block's wait between moving the select lines and starting a conversion, in loops
    # of its own: 20 on the RP2040 (19 cycles each on the emulated chip: 3.0 us at 125 MHz,
    # the 2.2 us the mux and the ADC input need with room), 60 on the RP2350 (not timed)
    r = run(["-c", SETTLE], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["0x4004c000 0x4004c004 20", "0x400a0000 0x400a0004 60"]
