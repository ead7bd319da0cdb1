# Signals as the simulator makes them (ARCHITECTURE.md "Simulated physics") and the
# sinks the control tests use. Shared by the test_ctl_* modules; its own tests pin the
# pulse shapes so a change here cannot silently weaken the others.
import math
import random
import sys

MICROPYTHON = sys.implementation.name == "micropython"


def piezo_level(t_ms, s):
    """Piezo pulse at t_ms after the strike: rise to A over 0.5 ms, decay tau 2 ms."""
    a = round(s * 3900)
    if t_ms < 0:
        return 0
    if t_ms < 0.5:
        return round(a * t_ms / 0.5)
    return round(a * math.exp(-(t_ms - 0.5) / 2.0))


def fsr_level(t_ms, s, release_ms=None):
    """FSR: rise to A over 2 ms, hold, fall to 0 over 2 ms from release_ms."""
    a = round(s * 3900)
    if t_ms < 0:
        return 0
    lvl = a if t_ms >= 2 else round(a * t_ms / 2.0)
    if release_ms is not None and t_ms >= release_ms:
        f = t_ms - release_ms
        lvl = 0 if f >= 2 else round(lvl * (1 - f / 2.0))
    return lvl


def adc(level, noise=0):
    if noise:
        level += random.randint(-noise, noise)
    return 0 if level < 0 else 4095 if level > 4095 else level


def bounce_trace(seed, bounce_ms, rate_khz, press_ms, hold_ms, idle_level=1):
    """Switch levels sampled at rate_khz from 0 to press_ms + hold_ms + 20 ms: closed
    (active low: 0) at press_ms with bounce toggles every 0.05..1 ms for bounce_ms, open
    again at press_ms + hold_ms with the same kind of bounce. -> list of (t_ms, level)."""
    random.seed(seed)
    edges = []  # (t, level) in time order

    def contact(t0, level):
        edges.append((t0, level))
        t = t0
        lv = level
        while True:
            t += random.randint(50, 1000) / 1000.0
            if t >= t0 + bounce_ms:
                break
            lv ^= 1
            edges.append((t, lv))
        if lv != level:
            edges.append((t0 + bounce_ms, level))

    contact(press_ms, idle_level ^ 1)
    contact(press_ms + hold_ms, idle_level)
    out = []
    n = int((press_ms + hold_ms + 20) * rate_khz)
    lv = idle_level
    k = 0
    for i in range(n):
        t = i / rate_khz
        while k < len(edges) and edges[k][0] <= t:
            lv = edges[k][1]
            k += 1
        out.append((t, lv))
    return out


class Rec:
    """Records every sink call as a tuple (now, name, args...); set .now before a step."""

    def __init__(self):
        self.now = 0
        self.ev = []

    def note_on(self, ch, note, vel):
        self.ev.append((self.now, "on", ch, note, vel))

    def note_off(self, ch, note, vel):
        self.ev.append((self.now, "off", ch, note, vel))

    def cc(self, ch, n, v):
        self.ev.append((self.now, "cc", ch, n, v))

    def cc14(self, ch, n, v):
        self.ev.append((self.now, "cc14", ch, n, v))

    def nrpn(self, ch, n, v):
        self.ev.append((self.now, "nrpn", ch, n, v))

    def poly_pressure(self, ch, note, v):
        self.ev.append((self.now, "poly", ch, note, v))

    def channel_pressure(self, ch, v):
        self.ev.append((self.now, "chpr", ch, v))

    def program(self, ch, p):
        self.ev.append((self.now, "pc", ch, p))

    def bank_program(self, ch, bank, p):
        self.ev.append((self.now, "bank_pc", ch, bank, p))

    def bend(self, ch, v):
        self.ev.append((self.now, "bend", ch, v))

    def panic(self):
        self.ev.append((self.now, "panic"))

    def names(self):
        return [e[1] for e in self.ev]

    def values(self):
        return [e[-1] for e in self.ev]


class CountSink:
    """Counts calls into ints only: usable with the heap locked."""

    def __init__(self):
        self.n = 0
        self.last = 0

    def note_on(self, ch, note, vel):
        self.n += 1
        self.last = vel

    def note_off(self, ch, note, vel):
        self.n += 1

    def cc(self, ch, n, v):
        self.n += 1
        self.last = v

    def cc14(self, ch, n, v):
        self.n += 1

    def nrpn(self, ch, n, v):
        self.n += 1

    def poly_pressure(self, ch, note, v):
        self.n += 1

    def channel_pressure(self, ch, v):
        self.n += 1

    def program(self, ch, p):
        self.n += 1

    def bank_program(self, ch, bank, p):
        self.n += 1

    def bend(self, ch, v):
        self.n += 1
        self.last = v

    def panic(self):
        self.n += 1


def test_piezo_shape():
    assert [piezo_level(t, 1.0) for t in (0, 0.25, 0.5, 1.5, 2.5, 4.5)] == [0, 1950, 3900, 2365, 1435, 528]
    assert piezo_level(-1, 1.0) == 0
    assert piezo_level(0.5, 0.1) == 390


def test_fsr_shape():
    assert [fsr_level(t, 0.5) for t in (0, 1, 2, 30)] == [0, 975, 1950, 1950]
    assert [fsr_level(t, 0.5, 10) for t in (10, 11, 12)] == [1950, 975, 0]


def test_bounce_trace_bounces_and_settles():
    tr = bounce_trace(3, 5, 10, 2, 30)
    lv = [x[1] for x in tr]
    changes = sum(1 for i in range(1, len(lv)) if lv[i] != lv[i - 1])
    assert changes > 4  # it really bounces
    assert lv[0] == 1 and lv[-1] == 1
    assert all(x[1] == 0 for x in tr if 7.0 <= x[0] < 32.0)  # settled closed in between

