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

def test_pads_above_matches_its_twin_on_random_levels():
    r = run(["-c", PADS])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"
