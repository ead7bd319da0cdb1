"""Every @micropython.viper hot spot against its plain-Python twin on random inputs, under
the MicroPython Unix port (whose native emitter compiles viper as the chip's does; CPython
only ever runs the twins)."""
from mpy import TWINS_ON, run

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


class Regs:  # what read_block reads of the Hardware: the registers, the table, the samples
    def __init__(self, regw, table, samples):
        self._regw = regw
        self._regs_table = table
        self.samples = samples


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
        at = Regs((base >> 2, (base + 4) >> 2, (base + 8) >> 2, (base + 12) >> 2), table, oa)
        pa = read_block(at, p)
        pb = read_block_twin(rb, 0, 1, 2, 3, table, ob, p)
        assert pa == pb, (board, trial, pa, pb)
        assert list(ra) == list(rb), (board, trial, list(ra), list(rb))
        assert list(oa) == list(ob), (board, trial)
    print(board, "ok")
'''


def test_pads_above_matches_its_twin_on_random_levels():
    r = run(["-c", TWINS_ON + PADS])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


def test_read_block_matches_its_twin_on_random_registers_and_boards():
    r = run(["-c", TWINS_ON + REGISTERS], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pico ok" in r.stdout.splitlines()


FILTERS = r'''
import random
from array import array
from midictl.build import filter_bank
from midictl.controls import adcfilter as af
assert af.FilterBank.run is not af.FilterBank.run_twin  # the viper one, under MicroPython


class Rec(af.AdcFilter):
    def __init__(self, lo, hi, h):
        af.AdcFilter.__init__(self)
        self._lo, self._hi, self._h = lo, hi, h
        self.anchor = lo
        self.got = []

    def _moved(self, r, a):
        self.got.append((r, a))


random.seed(7)
moves = 0
for trial in range(60):
    n = random.randint(1, 6)
    nph = random.randint(1, 3)
    params = []
    for _ in range(n):
        edge = max(random.choice((0, 24, 100, 1000)), random.choice((1, 12, 40, 256)) + 12)
        # (and a fine filter, the stick's, flagged in its hysteresis word: adcfilter._FINE)
        params.append((edge << 4, (4095 - edge) << 4, random.choice((1, 12, 40, 256)) << 4 | random.choice((0, 0x10000))))
    src = [random.randrange(n + 3) for _ in range(n)]  # samples may be shared or unused
    phase = sorted(random.randrange(nph) for _ in range(n))
    ref = [Rec(*params[i]) for i in range(n)]  # AdcFilter.update, one reading per visit
    paired = [random.random() < 0.3 for _ in range(n)]  # a shift layer's knob on the same filter
    banks = []
    for _ in range(2):
        owners = [Rec(*params[i]) for i in range(n)]
        seconds = [Rec(*params[i]) if paired[i] else None for i in range(n)]
        phases = [[] for _ in range(nph)]
        for i in range(n):
            phases[phase[i]].append((owners[i], owners[i], src[i], seconds[i]))
        bank = filter_bank(phases)
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
    r = run(["-c", TWINS_ON + FILTERS])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


DIN_SLOTS = r'''
import random
from midictl import din as dm
from midictl.din import DinOut
from midictl.midi import encode
from midictl.midi.running import RunningStatus
from streamargs import count, offset
assert dm.pump_native is not dm.pump_twin and dm.send_native is not dm.send_twin  # viper ones


def _key(k, ch, num):  # the engine's coalescing keys (engine.py)
    return (((0xB0, 0xE0, 0xD0, 0xB0)[k] | ch) << 7 | (num if k in (0, 3) else 0)) if k < 4 else (1 << 20 | ch << 14 | num)


class Uart:
    def __init__(self, fail):
        self.got = []
        self.fail = fail  # write numbers that raise
        self.n = 0

    def write(self, buf, x=None, y=None):  # (MicroPython's stream write: streamargs.py)
        self.n += 1
        if self.n in self.fail:
            raise OSError(5)
        o = offset(buf, x, y)
        k = count(buf, x, y)
        self.got.append(bytes(buf[o:o + k]))
        return k


def state(d):
    rs = d.running
    return (d._ring_head, d._ring_count, bytes(d._ring), bytes(d._slot_pending), d._head, d._count,
            d._busy_until, d.bytes_sent, d.write_errors, d.coalesced, d.dropped, rs.status, rs._sent,
            rs._last_ms, rs.dropped, d._sx_head, d._sx_count, d.sx_open, d._sx_ms, d.sx_cuts, d._gate)


def common(msg):
    # a system common message (MIDI IN's passed on: MTC, song position, ...)
    r = random.randrange(4)
    if r == 0:
        return encode.mtc_quarter_frame(msg, 0, random.randrange(8), random.randrange(16))
    if r == 1:
        return encode.song_position(msg, 0, random.randrange(16384))
    if r == 2:
        return encode.song_select(msg, 0, random.randrange(128))
    return encode.tune_request(msg, 0)


random.seed(11)
msg = bytearray(48)
checked = errors = saved = lost = gated = cuts = 0
for trial in range(120):
    cfg = (random.random() < 0.8, random.choice((0, 0, 3, 10)), random.choice((0, 0, 5, 300)))
    fail = set(random.randrange(1, 400) for _ in range(random.randint(0, 6)))
    lead = random.choice((1, 3, 6, 12))
    fifo = random.choice((24, 64, 100, 1024))  # small ones wrap (and fill) often
    ds = []
    # the native pair, and a twin whose gate is opened before every pump: the gate may only
    # save pumps that would send nothing
    for native in (True, False, None):
        d = DinOut(Uart(fail), RunningStatus(*cfg), fifo_size=fifo, lead_bytes=lead)
        if not native:
            d.pump = (lambda d: lambda us, ms: dm.pump_twin(d, us, ms))(d)
            d.send = (lambda d: lambda m, n, k: dm.send_twin(d, m, n, k))(d)
        ds.append(d)
    # continuous controllers of every length: CC, bend, channel pressure (2 bytes), 14-bit
    # CC (6) and NRPN (12), on a few channels
    kinds = []
    for _ in range(random.randint(1, 12)):
        ch = random.randrange(3)
        k = random.randrange(5)
        num = random.randrange(120)
        kinds.append((k, ch, num))
    for d in ds:
        for k, ch, num in kinds:
            d.slot(_key(k, ch, num))
        d.trim()
    t = random.choice((0, (1 << 30) - 50000))  # and across the ticks' wrap
    for step in range(300):
        t = (t + random.choice((0, 100, 320, 1000, 1000, 5000))) & ((1 << 30) - 1)
        for _ in range(random.choice((0, 0, 1, 2, 5))):
            k, ch, num = random.choice(kinds)
            v = random.randrange(16384)
            if k == 0:
                n = encode.control_change(msg, 0, ch, num, v & 127)
            elif k == 1:
                n = encode.pitch_bend(msg, 0, ch, v)
            elif k == 2:
                n = encode.channel_pressure(msg, 0, ch, v & 127)
            elif k == 3:
                n = encode.control_change_14bit(msg, 0, ch, num & 31, v)
            else:
                n = encode.nrpn(msg, 0, ch, num, v)
            for d in ds:
                d.send(msg, n, _key(k, ch, num))
        for _ in range(random.choice((0, 0, 0, 1, 3))):
            # the FIFO's traffic, sent before the slots': notes, program changes, a bank
            # select with its program change (three messages), SysEx of every length
            r = random.random()
            ch = random.randrange(3)
            if r < 0.5:
                n = encode.note_on(msg, 0, ch, random.randrange(128), random.randrange(128))
            elif r < 0.7:
                n = encode.note_off(msg, 0, ch, random.randrange(128), 64)
            elif r < 0.8:
                n = encode.program_change(msg, 0, ch, random.randrange(128))
            elif r < 0.85:
                n = encode.bank_program(msg, 0, ch, random.randrange(16384), random.randrange(128))
            elif r < 0.93:
                n = common(msg)
            else:
                # SysEx of every length, those that fit one write (native) and longer
                n = encode.sysex(msg, 0, bytes(random.randrange(128) for _ in range(random.randint(0, 40))))
            for d in ds:
                d.send(msg, n, 0)
        r = random.random()
        if r < 0.06:
            # a SysEx passed through in parts (its marker in the FIFO, its bytes in the SysEx
            # ring): a first part, one more, the last, a real-time byte inside, or closed early
            part = bytes(random.randrange(128) for _ in range(random.randint(1, 60)))
            r = random.random()
            if r < 0.3:
                part = b"\xf0" + part
            elif r < 0.75:
                part += b"\xf7" if r < 0.5 else b""
            elif r < 0.9:
                part = b"\xf8"
            src = random.getrandbits(1)  # (two sources: one's is dropped while the other's is open)
            for d in ds:
                if r < 0.95:
                    d.sx_put(part, len(part), src)
                else:
                    d.sx_cut()
        a, b, c = ds
        c._gate = dm._OPEN
        gated += dm.ticks_diff(a._busy_until, t) > a._gate
        for d in ds:
            d.pump(t, (t // 1000) & ((1 << 30) - 1))
        assert a.uart.got == b.uart.got and state(a) == state(b), (trial, step, state(a), state(b))
        assert c.uart.got == a.uart.got and state(c)[:-1] == state(a)[:-1], (trial, step, state(a), state(c))
        checked += 1
    assert a.bytes_sent == sum(len(x) for x in a.uart.got)
    errors += a.write_errors
    saved += a.running.dropped
    lost += a.dropped
    cuts += a.sx_cuts
# failed writes, running status, a full FIFO and SysEx closed early (cut, stalled) all seen
assert errors > 20 and saved > 1000 and lost > 0 and gated > 1000 and cuts > 50, (errors, saved, lost, gated, cuts)
print("ok", checked)
'''


def test_din_send_and_pump_match_their_twins_on_random_traffic():
    r = run(["-c", TWINS_ON + DIN_SLOTS], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok 36000"


KNOBS = r'''
import json, random, sys
sys.path.insert(0, "tools/simboard")
from array import array
import world
from simctl import controller
random.seed(13)
b = json.load(open("boards/pico.json"))
world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
from midictl import config
from midictl.controls.adcfilter import FilterBank
assert FilterBank.run is not FilterBank.run_twin  # the viper one, under MicroPython
# The reference layout's knobs (plain CC with a shift layer), and beside them knobs the
# native run leaves to _moved(): soft takeover, 14-bit, NRPN, a channel mode number, and
# plain CC knobs with their range narrowed, inverted, on another channel.
cfg = config.validate({"controls": {
    "knob1": {"type": "cc", "channel": 3, "cc": 7, "min": 10, "max": 90, "invert": True},
    "knob2": {"type": "cc", "cc": 11, "takeover": True},
    "knob3": {"type": "cc14", "cc14": 2},
    "knob5": {"type": "cc", "cc": 122},
    "knob6": {"type": "nrpn", "param": 300},
    "knob7": {"type": "cc", "channel": 16, "cc": 1, "min": 0, "max": 3}}}, b)


(ca, ia), (cb, ib) = controller(b, cfg), controller(b, cfg)
fa = ca.filters.fast
# knobs 1, 4, 7 and 8, each with its shift layer; the others have one the native run
# cannot take (knob 5's shift layer could, but shares its filter with one it cannot)
assert sum(1 for i in range(0, len(fa), 8) if fa[i]) == 8, list(fa)
for i in range(len(cb.filters.fast)):
    cb.filters.fast[i] = 0  # every move through _moved(), as the twin does
samples = array("H", ca.hw.samples)
knobs = [i for i in range(len(ca.filters.owners)) if ca.filters.owners[i] is not None]
plan = ca.hw.plan
pos = [random.randint(0, 4095) for _ in range(len(samples))]
t = 0
sent = 0
for step in range(4000):
    t += 1000
    for j in range(len(samples)):
        if random.random() < 0.01:
            pos[j] = random.randint(0, 4095)
        elif random.random() < 0.4:
            pos[j] = min(4095, max(0, pos[j] + random.randint(-80, 80)))
        samples[j] = min(4095, max(0, pos[j] + random.randint(-24, 24)))
    r = random.random()
    if r < 0.01:
        ca.modes.shift = cb.modes.shift = not ca.modes.shift
    elif r < 0.02:
        key, v = random.choice(list(ca.feedback.items())), random.randint(0, 127)
        # (a plain CC knob's entry: knob6's channel has its NrpnIn under CC 6, 38, 98..101, 121)
        if getattr(ca.feedback[key[0]], "_kind", -1) == 0:
            ca.feedback[key[0]].set_remote(v)
            cb.feedback[key[0]].set_remote(v)
    elif r < 0.025:
        ia._open = ib._open = not ia._open  # the interface closes and opens again (tx3 refuses meanwhile)
    elif r < 0.03:  # DIN IN's SysEx passing to USB in parts begins (nothing else goes there) or ends
        ca.usb._sx = cb.usb._sx = 0 if ca.usb._sx else 1 + ca.usb.dropped
    p = step % plan.phases
    na = ca.filters.run(p, samples)
    nb = cb.filters.run(p, samples)
    assert na == nb
    for c in (ca, cb):
        c.din.pump(t, t // 1000)
    assert ca.din.uart.got == cb.din.uart.got, step
    # (each step's writes compared, then let go: a list of every write, grown among the
    # step's garbage, left a 4 MB heap with no free run of 16 KB by step 1490, and the list's
    # next growth raised MemoryError inside one UART's write, which DinOut counts and retries)
    del ca.din.uart.got[:], cb.din.uart.got[:]
    ua = bytes(ia._tx._b[:ia._tx._n])
    assert ua == bytes(ib._tx._b[:ib._tx._n]), step
    sent += len(ua)
    ia._tx._n = ib._tx._n = 0
    for x, y in zip(ca.filters.owners + ca.filters.seconds, cb.filters.owners + cb.filters.seconds):
        if x is not None and hasattr(x, "_local"):
            assert (x.value, x._local, x._remote) == (y.value, y._local, y._remote), step
    assert (ca.engine.events, ca.usb.sent, ca.usb.dropped, ca.din.coalesced, ca.usb.sounding) == \
        (cb.engine.events, cb.usb.sent, cb.usb.dropped, cb.din.coalesced, cb.usb.sounding), step
assert ca.engine.events > 3000 and ca.usb.dropped > 0 and sent > 4000, (ca.engine.events, ca.usb.dropped, sent)
print("ok")
'''


def test_filter_bank_knob_messages_match_the_interpreted_path():
    r = run(["-c", TWINS_ON + KNOBS], extra_path=("tools/simboard",), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


USB_SEND = r'''
import random
from midictl import usbout
from midictl.engine import Engine
from midictl.midi import encode
from midictl.usbout import UsbOut
from rtfakes import Itf
assert usbout.send_native is not usbout.send_twin  # the viper one, under MicroPython
random.seed(17)
msg = bytearray(40)
sounded = sent = dropped = held = 0
for trial in range(40):
    pair = []
    size, cable = random.choice((16, 64, 256)), random.randrange(16)
    for native in (True, False):
        itf = Itf(size=size)
        u = UsbOut(itf, Engine([]), cable=cable)
        if not native:
            u.send = (lambda u: lambda m, n, k: usbout.send_twin(u, m, n, k))(u)
        pair.append((u, itf))
    (ua, ia), (ub, ib) = pair
    for step in range(500):
        r = random.random()
        ch = random.randrange(16)
        if r < 0.35:
            n = encode.note_on(msg, 0, ch, random.randrange(128), random.choice((0, 1, 100, 127)))
        elif r < 0.6:
            n = encode.note_off(msg, 0, ch, random.randrange(128), random.randrange(128))
        elif r < 0.75:
            n = encode.control_change(msg, 0, ch, random.choice((1, 7, 64, 66, 120, 121, 123)), random.randrange(128))
        elif r < 0.8:
            n = encode.pitch_bend(msg, 0, ch, random.randrange(16384))
        elif r < 0.83:
            n = encode.program_change(msg, 0, ch, random.randrange(128))
        elif r < 0.86:
            n = encode.channel_pressure(msg, 0, ch, random.randrange(128))
        elif r < 0.9:
            n = (encode.nrpn(msg, 0, ch, random.randrange(16384), random.randrange(16384)) if random.random() < 0.5
                 else encode.control_change_14bit(msg, 0, ch, 1, random.randrange(16384)))
        elif r < 0.92:
            n = encode.sysex(msg, 0, bytes(random.randrange(128) for _ in range(random.randint(0, 36))))
        elif r < 0.95:
            s = random.randrange(4)
            if s == 0:
                n = encode.mtc_quarter_frame(msg, 0, random.randrange(8), random.randrange(16))
            elif s == 1:
                n = encode.song_position(msg, 0, random.randrange(16384))
            elif s == 2:
                n = encode.song_select(msg, 0, random.randrange(128))
            else:
                n = encode.tune_request(msg, 0)
        else:
            n = 1
            msg[0] = random.choice((0xF8, 0xFA, 0xFC, 0xFE))
        ua.send(msg, n, 0)
        ub.send(msg, n, 0)
        if random.random() < 0.02:
            ia.up = ib.up = not ia.up
        if random.random() < 0.02:  # DIN IN's SysEx passing in parts begins (holding the rest back) or ends
            ua._sx = ub._sx = 0 if ua._sx else 1 + ua.dropped
            held += 1
        assert (ia.n, bytes(ia.buf[:ia.n]), ua.sent, ua.dropped, ua.sounding) == \
            (ib.n, bytes(ib.buf[:ib.n]), ub.sent, ub.dropped, ub.sounding), (trial, step)
        if random.random() < 0.3:
            ia.host_reads()
            ib.host_reads()
        sounded += sum(bin(b).count("1") for b in ua.sounding)  # notes the host hears sounding
    sent += ua.sent
    dropped += ua.dropped
assert sounded > 10000 and sent > 4000 and dropped > 1000 and held > 100, (sounded, sent, dropped, held)
print("ok")
'''


def test_usb_send_matches_its_twin_on_random_traffic():
    r = run(["-c", TWINS_ON + USB_SEND])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


PAD_SCAN = r'''
import math, random
from array import array
from midictl.controls import pads
for name in ("scan", "decide", "end_gates", "on", "off"):  # the viper ones, under MicroPython
    assert getattr(pads, name + "_native") is not getattr(pads, name + "_twin"), name


class Twin(pads.PadGroup):
    scan = pads.scan_twin
    _decide = pads.decide_twin
    _end_gates = pads.end_gates_twin
    _on = pads.on_twin
    _off = pads.off_twin


class Sink:
    def __init__(self):
        self.got = []

    def note_on(self, ch, note, vel):
        self.got.append((1, ch, note, vel))

    def note_off(self, ch, note, vel):
        self.got.append((0, ch, note, vel))

    def poly_pressure(self, ch, note, v):
        self.got.append((2, ch, note, v))

    def channel_pressure(self, ch, v):
        self.got.append((3, ch, v))


class Modes:
    offset = 0
    velocity = 0

    def cover(self, lo, hi):
        pass


STATE = ("_pb", "_ph", "_pw", "on", "_active",
         "_gating", "_gate_next", "_psent")
random.seed(23)
notes = ghosts = 0
for trial in range(60):
    n = random.randint(1, 30)
    kw = dict(window_ms=random.choice((1, 2, 3)), mask_ms=random.choice((5, 10, 20)),
              full_scale=random.choice((3400, 4095)), crosstalk_pct=random.choice((20, 35, 60)),
              grid_cols=random.choice((2, 4, 8)), pressure_ms=random.choice((5, 10)))
    modes = Modes()
    setup = []
    for i in range(n):
        kind = random.choice(("piezo", "piezo", "piezo", "fsr", "switch"))
        curve = bytearray(random.randrange(1, 128) for _ in range(128))
        setup.append((i, kind, random.randrange(16), random.randrange(40, 90), curve if kind != "switch" else None,
                      random.randint(40, 400), random.choice((20, 50, 120)),
                      random.choice(("off", "poly", "channel")) if kind == "fsr" else "off", 100,
                      random.choice((0, 0, 5)) if kind == "piezo" else 0,
                      random.choice((None, 5, 15)), random.choice((None, None, 1500, 4095)),
                      random.choice((None, None, 0, 15, 70)),
                      random.choice((None, 1, 2, 4))))  # mask_ms, full_scale, crosstalk_pct, window_ms
    groups = []
    for cls in (pads.PadGroup, Twin):
        g = cls(Sink(), n, modes, **kw)
        for a in setup:
            g.set_pad(*a)
        groups.append(g)
    ga, gb = groups
    level = [0.0] * n  # each pad's signal, from the strikes played on it and its neighbours
    hold = [0] * n  # an FSR pad pressed: its level
    samples = array("H", bytes(2 * (n + 3)))
    view = memoryview(samples)[:n]
    now = random.randrange(1 << 30)  # anywhere in the ticks' period, wrapping included
    for step in range(1500):
        now = (now + (1 if random.random() < 0.97 else random.randint(2, 300))) & ((1 << 30) - 1)
        for i in range(n):
            level[i] *= math.exp(-1 / 2.0)
        if random.random() < 0.15:
            i = random.randrange(n)
            a = random.randint(100, 4000)
            level[i] += a
            for j in range(n):
                if ga._pw[i * 4] >> j & 1:  # (its neighbours: the first of its 4 ints)
                    level[j] += a * random.choice((0.1, 0.2, 0.5))
        if random.random() < 0.02:
            i = random.randrange(n)
            hold[i] = 0 if hold[i] else random.randint(200, 4000)
        for i in range(n):
            v = int(level[i]) + hold[i] + random.randint(0, 30)
            if random.random() < 0.005:
                v = random.randrange(4096)  # garbage on the line
            samples[i] = min(4095, v)
        if random.random() < 0.01:
            modes.offset = random.choice((-12, 0, 12))
        if random.random() < 0.01:
            modes.velocity = random.choice((0, 0, 1, 100, 127))  # a fixed_velocity button
        if random.random() < 0.01:
            bits, state = random.getrandbits(n), random.getrandbits(n)  # switch pads
            ga.switches(bits, state, now)
            gb.switches(bits, state, now)
        ga.scan(view, now)
        gb.scan(view, now)
        assert ga._sink.got == gb._sink.got, (trial, step, ga._sink.got, gb._sink.got)
        notes += sum(1 for e in ga._sink.got if e[0] == 1)
        ga._sink.got.clear()
        gb._sink.got.clear()
        for name in STATE:
            x, y = getattr(ga, name), getattr(gb, name)
            if not isinstance(x, int):
                x, y = list(x), list(y)
            assert x == y, (trial, step, name, x, y)
        ghosts += sum(1 for i in range(ga.count) if ga._pb[i * 13] == 5)  # (13 bytes a pad, its state first)
assert notes > 3000 and ghosts > 1000, (notes, ghosts)
print("ok", notes, ghosts)
'''


def test_pad_scan_and_decision_match_their_twins_on_random_strikes():
    r = run(["-c", TWINS_ON + PAD_SCAN], timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().startswith("ok")


ENGINE = r'''
import random
from midictl import engine as em
from midictl.engine import Engine
assert em.note_on_native is not em.note_on_twin  # the viper one, under MicroPython
assert em.off_native is not em.off_twin and Engine.note_off is em.off_native


class Port:
    def __init__(self):
        self.got = []

    def send(self, msg, n, key):
        self.got.append((bytes(msg[:n]), key))


random.seed(17)
calls = refused = 0
for trial in range(60):
    es = []
    zero = random.random() < 0.5  # Note Off as Note On velocity 0
    for native in (True, False):
        e = Engine([Port(), Port()], zero)
        if not native:  # (the native Note On's Note Off, for a velocity 0, is the twin's too)
            e.note_on = (lambda e: lambda ch, note, vel: em.note_on_twin(e, ch, note, vel))(e)
            e.note_off = (lambda e: lambda ch, note, vel: em.off_twin(e, ch, note, vel))(e)
        es.append(e)
    for step in range(400):
        r = random.random()
        ch = random.choice((0, 9, 15, random.randrange(16), -1, 16))
        note = random.choice((36, 37, 127, 0, random.randrange(128), -1, 128))
        vel = random.choice((100, 1, 127, 0, random.randrange(128), -1, 128))
        if random.random() < 0.8:  # mostly valid: a note sounds, and sounds again (counts)
            ch, note = ch & 15, note & 127
            vel = vel & 127
        out = []
        for e in es:
            try:
                if r < 0.6:
                    e.note_on(ch, note, vel)
                elif r < 0.97:  # (its own range checks: the same refusals)
                    e.note_off(ch, note, vel)
                else:
                    e.panic()
                out.append(None)
            except Exception as x:
                out.append((type(x).__name__, str(x)))
        a, b = es
        assert out[0] == out[1], (trial, step, out)
        refused += out[0] is not None
        calls += 1
        assert (bytes(a.sounding), a.nsounding, a.channels_used, a.events) == \
            (bytes(b.sounding), b.nsounding, b.channels_used, b.events), (trial, step)
        assert [p.got for p in a.ports] == [p.got for p in b.ports], (trial, step)
assert refused > 500, refused
print("ok", calls)
'''


def test_engine_note_on_and_note_off_match_their_twins():
    r = run(["-c", TWINS_ON + ENGINE])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok 24000"



REPEAT = r'''
import random
import test_ctl_repeat as R
from midictl.controls import repeat as rm
from midictl.controls.repeat import RATES, RepeatButton
assert rm.rolls_native is not rm.rolls_twin  # the viper one, under MicroPython

random.seed(29)
total = repeated = 0
for trial in range(24):
    # one performance, played through the native step and the twin: strikes on the piezo
    # pads, presses on the FSR and the switch pad, a repeat button's presses
    rate = random.choice(RATES)
    swing = random.randint(50, 75) if rate in ("1/8", "1/16", "1/32") and random.random() < 0.5 else 50
    latch = random.random() < 0.5
    bpm = random.randint(60, 300)
    pressure = random.choice(("off", "poly"))
    strikes = [(random.randrange(2), random.randrange(1400), random.uniform(0.1, 1.0)) for _ in range(12)]
    fsr = []
    for _ in range(3):
        t0 = random.randrange(1300)
        fsr.append((2, t0, random.uniform(0.2, 1.0), t0 + random.randint(30, 400)))
    switches = []
    for _ in range(3):
        t0 = random.randrange(1300)
        switches.append((3, t0, t0 + random.randint(5, 400)))
    presses = sorted(random.randrange(1500) for _ in range(6))  # (a repeat's presses)
    outs = []
    for native in (True, False):
        rec, g, c, rep = R._rig(pressure=pressure, bpm=bpm)
        if not native:
            rep._rolls = (lambda r: lambda now, half: rm.rolls_twin(r, now, half))(rep)
        b = RepeatButton(rep, rate, latch, swing)
        p = R.Play(rec, g, c)
        p.run(1600, strikes=strikes, fsr=fsr, switches=switches,
              buttons=[(t, b, k % 2 == 0) for k, t in enumerate(presses)])
        outs.append(list(rec.ev))
    assert outs[0] == outs[1], (trial, rate, swing, latch, bpm)
    ons = [e for e in outs[0] if e[1] == "on"]
    total += len(ons)
    repeated += len(ons) - len(strikes) - 6
assert repeated > 200, repeated
print("ok", total > 400)
'''


def test_note_repeat_rolls_match_their_twin():
    r = run(["-c", TWINS_ON + REPEAT], extra_path=("host_tests/dual",), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok True"


PRESENT = r'''
import sys
sys.path.insert(0, "tools/simboard")
from midictl import app, din, engine, hw
from midictl.controls import adcfilter, pads, repeat
print(" ".join(str(int(hasattr(m, n))) for m, n in (
    (pads, "scan_twin"), (pads, "decide_twin"), (pads, "end_gates_twin"), (pads, "on_twin"), (pads, "off_twin"),
    (repeat, "rolls_twin"),
    (din, "send_twin"), (din, "pump_twin"), (engine, "note_on_twin"), (engine, "off_twin"), (hw, "read_block_twin"),
    (adcfilter, "bank_run_twin"), (adcfilter, "filter_block_twin"), (adcfilter.FilterBank, "run_twin"),
    (app.Controller, "_scanner"))))
'''


def test_the_twins_are_defined_under_micropython_only_when_asked_for():
    # the board never calls them: without the request (compat.TWINS) none is defined, so
    # none takes heap; a script that compares them asks first, and has every one
    plain = run(["-c", PRESENT], extra_path=("tools/simboard",))
    asked = run(["-c", TWINS_ON + PRESENT], extra_path=("tools/simboard",))
    assert plain.returncode == 0 and asked.returncode == 0, plain.stderr + asked.stderr
    assert plain.stdout.split() == ["0"] * 15
    assert asked.stdout.split() == ["1"] * 15
