"""The scan loop takes nothing from the heap, not even for a moment. MicroPython gives a
function whose frame (its locals and its stack) is more than 11 slots that frame from the
heap on every call, and frees it on return: no garbage, so the heap-locked tests cannot see it
(locked, the interpreter falls back to the C stack), yet each such call searches the heap's
block table, which cost 0.7 to 0.9 us here with the controller's heap (and a collection, were
the heap ever full). Under the Unix port, on the simulated board, a controller plays
everything the scan loop handles -- pads struck and decaying, knobs of every kind turning
(soft takeover, 14-bit, NRPN, shift layers), the stick, encoders relative and absolute,
buttons (shift, octave, panic), MIDI IN from DIN and the host (notes, pedals, controllers,
RPN/NRPN with a knob's NRPN in between, MTC, song position and the other system common
messages, SysEx (the host's longer than the buffer too), an Identity Request, and the ending of notes after panic, after DIN IN's
Active Sensing stops and for a host that left and came back, and a flood from DIN IN that
DIN OUT cannot carry) -- from the first scan,
the power-on messages and the knobs' first reports included, while micropython.mem_total()
(every byte ever allocated) is read around each scan. Where it grows, the step and what happened in it are printed."""
from mpy import ROOT, run

SCRIPT = r'''
import sys
import random
import micropython
sys.argv.append(ROOT)
import bench_fwchild as B
from simctl import RxUart, host_out
random.seed(5)
CFG = CONFIG
BUTTONS = PRESSED
board = B.board()
COLS = ()
if MATRIX is not None:  # the test board with a key matrix (2 rows, 3 columns), with diodes or not
    import json
    with open(ROOT + "/host_tests/boards/pico_matrix.json") as f:
        board = json.load(f)
    board["matrix"]["diodes"] = MATRIX
    COLS = board["matrix"]["cols"]
    B.machine.mem32[0xD0000004] = 0xFFFFFFFF  # every column high: no key down
if FSR:  # pads 1 to 8 force-sensing (held, with pressure), and four more wired as switches
    for i in range(1, 9):
        board["controls"]["pad%d" % i]["kind"] = "fsr"
    for i in range(4):
        board["controls"]["pad%d" % (17 + i)] = {"kind": "switch", "pin": 14 + i, "active": "low"}
ctl, itf = B.build(board, 0, False, CFG)
assert (ctl.keys is not None) == (MATRIX is not None)
for ep in (0x01, 0x02, 0x81, 0x82):
    itf._xfers.setdefault(ep, [None, None])
itf._rx_xfer()
rx = RxUart(1 << 18)  # (every byte of the run: its floods come as the random draws fall)
ctl.hw.uart = rx
from array import array


class Player:
    # The hardware layer's two reads, replaced by native ones (so that the test itself takes
    # nothing from the heap in the scan): every input's level from `levels` (the pads' peak
    # returned), and the buttons pressed (bit n: GPIO n) from `bits`.
    def __init__(self):
        self.samples = ctl.hw.samples
        self.levels = array("H", [0] * len(ctl.hw.samples))
        self.npads = ctl.pads_count
        self.bits = array("I", [0])

    @micropython.viper
    def read_phase(self, p: int) -> int:
        src = ptr16(self.levels)
        out = ptr16(self.samples)
        n = int(len(self.samples))
        pads = int(self.npads)
        peak = 0
        i = 0
        while i < n:
            v = src[i]
            out[i] = v
            if i < pads and v > peak:
                peak = v
            i += 1
        return peak

    @micropython.viper
    def pressed_bits(self) -> int:
        return int(ptr32(self.bits)[0])


player = Player()
ctl.hw.read_phase = player.read_phase  # (bound once)
ctl.hw.pressed_bits = player.pressed_bits
levels = player.levels
npads = ctl.pads_count
ring = [0] * npads
knob = [2048] * 64
quads = [e._q for e in ctl.encoders]
CW = ((1, 0), (1, 1), (0, 1), (0, 0))
CCW = ((0, 1), (1, 1), (1, 0), (0, 0))
DIN_IN = (b"\x91\x40\x64", b"\x81\x40\x40", b"\xb1\x07\x50", b"\xb0\x63\x00\xb0\x62\x07", b"\xb0\x06\x40",
          b"\xb0\x65\x00\x64\x00", b"\x26\x01", b"\xf8", b"\xe1\x00\x40", b"\xe1\x10\x50", b"\xc1\x05",
          b"\xb1\x40\x7f", b"\xb1\x42\x7f", b"\xb1\x40\x00", b"\xf1\x21", b"\xf2\x10\x20", b"\xf3\x05", b"\xf6", b"\xfe",
          b"\xf0\x43\x10\x4c\x00\x00\x7e\x00\xf7", b"\xf0\x7e\x7f\x06\x01\xf7",
          bytes([0xF0, 0x7D] + [5] * 297 + [0xF7]))  # (the last in parts: to USB, and echoed)
HOST = (b"\x09\x92\x3c\x64", b"\x08\x82\x3c\x40", b"\x0b\xb2\x0a\x20", b"\x0b\xb0\x63\x01",
        b"\x0b\xb0\x62\x02", b"\x0b\xb0\x06\x11", b"\x0e\xe2\x00\x40", b"\x02\xf1\x21\x00", b"\x03\xf2\x10\x20",
        b"\x05\xf6\x00\x00", b"\x07\xf0\x7d\xf7")
# a SysEx longer than MIDI IN's buffer (300 bytes: parts to DIN OUT, din.py), packet by packet
LONG = [bytes([0x04, 0xF0, 0x7D, 1])] + [bytes([0x04, 2, 3, 4])] * 98 + [bytes([0x07, 5, 6, 0xF7])]
host_q = []
long_sent = 0


grown = []
t = 0
a = d = b = ended = 0  # (made before the first measured scan: a new global may grow the module's table)
for step in range(9000):
    t += 1
    r = random.random()
    what = ""
    if r < 0.02:
        i = random.randrange(npads)
        ring[i] = random.randint(300, 4095)
        what = "strike"
    elif r < 0.10:
        k = random.randrange(npads, len(ctl.hw.samples))
        knob[k] = max(0, min(4095, knob[k] + random.choice((-300, -40, 40, 300))))
        what = "knob"
    elif r < 0.13:
        q = random.choice(quads)
        d = random.choice((1, -1))
        for s in (CW if d > 0 else CCW):
            q.edge(s[0], s[1])
        what = "encoder"
    elif r < 0.15:
        b = random.choice(BUTTONS)
        player.bits[0] ^= 1 << b
        what = "button"
        if b == PANIC and player.bits[0] >> b & 1 and max(ctl._thru_on[:-1]):
            ended += 1  # panic pressed with notes or pedals MIDI IN holds on DIN OUT to end
    elif r < 0.16 and COLS:
        # a matrix column pressed or let go (on both rows: the fake reads the same columns for
        # each, so without diodes the keys of a rectangle freeze)
        B.machine.mem32[0xD0000004] ^= 1 << random.choice(COLS)
        what = "key"
    elif r < 0.1505 and AWAY:
        # a flood from DIN IN, more than the wire out carries: the echo gives way (thru_dropped)
        for _ in range(400):
            rx.add(random.choice(DIN_IN))
        what = "flood"
    elif r < 0.152 and AWAY:
        # the host goes away, or comes back (what the USB stack does outside the scan)
        if itf.up:
            itf.on_reset()
        else:
            itf.on_open()
            if not x_ready():
                itf._rx_xfer()
        what = "host away or back"
    elif r < 0.19 and (not AWAY or step % 1500 < 1000):  # (then DIN IN falls silent a while)
        rx.add(random.choice(DIN_IN))
        what = "din in"
    elif (r < 0.22 or (host_q and r < 0.5)) and x_ready():
        if not host_q:
            if random.random() < 0.05:
                host_q = list(LONG)
                long_sent += 1
            else:
                host_q = [random.choice(HOST)]
        host_out(itf, host_q.pop(0))
        what = "host"
    for i in range(npads):
        levels[i] = ring[i]
        if not FSR or i >= 8 or random.random() < 0.01:  # (an FSR pad is held a while)
            ring[i] = ring[i] * 7 // 10
    for k in range(npads, len(ctl.hw.samples)):
        levels[k] = knob[k]
    a = micropython.mem_total()
    ctl.step(t * 1000, t)
    d = micropython.mem_total() - a
    if d:
        grown.append((step, what, d))
    B.host_reads(itf)
print(ctl.engine.events, ctl.errors, ended, long_sent, len(grown), grown[:12], ctl.thru_dropped if AWAY else 1)
'''

READY = r'''
def x_ready():
    x = itf._xfers.get(0x01)
    return x is not None and x[1] is not None
'''


# From the first scan (the knobs' positions reported as they prime): knobs of every kind, an
# absolute encoder with a shift layer, DIN IN echoed; the reference layout's buttons but panic
# (octave down, up, shift)
EVERY_KNOB = {
    "thru": {"din_to_din": True},
    "report_pots_at_boot": True,
    "controls": {
        "knob1": {"type": "cc", "cc": 70, "takeover": True},
        "knob2": {"type": "cc14", "cc14": 2},
        "knob3": {"type": "nrpn", "param": 1234},
        "knob4": {"type": "channel_pressure"},
        "enc1": {"type": "cc_absolute", "cc": 20, "shift": {"cc": 21}},
    }}
# The other buttons: a note with its shift layer, a CC toggle, program up, and shift
EVERY_BUTTON = {
    "controls": {
        "button1": {"type": "note", "note": 60, "shift": {"note": 72}},
        "button2": {"type": "cc_toggle", "cc": 80},
        "button3": {"type": "shift"},
        "button4": {"type": "program_up"},
    }}


# Panic (the reference layout's button4, GPIO 9), with MIDI IN from both sides echoed to DIN
# OUT: its notes and pedals are ended there too; and button1 a sustain toggle, which panic
# lets up when it is latched down
PANIC = {"thru": {"din_to_din": True, "usb_to_din": True}, "controls": {"button1": {"type": "cc_toggle", "cc": 64}}}


def _play(config, buttons, panic=-1, away=False, matrix=None, fsr=False):
    script = (SCRIPT.replace("grown = []", READY + "\ngrown = []").replace("ROOT", repr(ROOT))
              .replace("CONFIG", repr(config)).replace("PRESSED", repr(buttons)).replace("PANIC", str(panic))
              .replace("AWAY", repr(away)).replace("MATRIX", repr(matrix)).replace("FSR", repr(fsr)))
    r = run(["-c", script], extra_path=("tools", "tools/simboard", "host_tests/dual"), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    events, errors, ended, long_sent, n, grown, dropped = r.stdout.split(" ", 6)
    assert (errors, n, grown) == ("0", "0", "[]"), r.stdout
    assert int(long_sent) >= 3, r.stdout
    assert int(dropped) > 0, r.stdout  # (the flood's, where there is one)
    assert int(events) > 500
    return int(ended)


def test_the_scan_loop_takes_nothing_from_the_heap_even_for_a_moment():
    _play(EVERY_KNOB, (6, 7, 8))


def test_nor_do_the_other_buttons():
    _play(EVERY_BUTTON, (6, 7, 8, 9))


def test_nor_does_panic_ending_midi_ins_notes_and_pedals():
    # nor the host leaving and coming back (what it is owed), nor DIN IN's Active Sensing
    # stopping (what it started, ended on both ports), nor its echo giving way to a flood
    assert _play(PANIC, (6, 7, 8, 9), panic=9, away=True) >= 5  # presses that found something to end


def test_nor_does_a_key_matrix_with_diodes_or_without():
    # (without: three keys of a rectangle down make the fourth look pressed, and those keys freeze)
    for diodes in (True, False):
        _play({}, (6, 7, 8), matrix=diodes)


# Force-sensing pads held, sending poly and channel pressure; pads wired as switches (GPIO 14
# to 17); an encoder with acceleration, transpose up
FSR = {"controls": {"pad1": {"pressure": "poly"}, "pad2": {"pressure": "channel"}, "pad3": {"pressure": "poly"},
                    "enc1": {"type": "cc_relative", "cc": 20, "accel": True}, "button4": {"type": "transpose_up"}}}


def test_nor_do_pressure_pads_and_switch_pads():
    _play(FSR, (6, 7, 8, 9, 14, 15, 16, 17), fsr=True)


# The MIDI clock (ticks, the beat light), tap tempo, note buttons (one with a shift layer)
# and note repeat (latched and held) rolling the piezo pads struck and repeating held FSR
# and switch pads and note buttons (swung steps too); then with no clock of its own, a transport button and
# the repeat following DIN IN's clock bytes (and its song position)
CLOCK = {"clock_bpm": 125, "controls": {
    "button1": {"type": "note_repeat", "rate": "1/32", "latch": True, "swing": 58},
    "button2": {"type": "note", "note": 60, "shift": {"note": 72}},
    "button3": {"type": "tap_tempo"}, "button4": {"type": "note_repeat", "rate": "1/16t"},
    "pad1": {"pressure": "poly"}}}
FOLLOW = {"controls": {"button1": {"type": "note_repeat", "rate": "1/32", "latch": True},
                       "button2": {"type": "transport"}, "button3": {"type": "note", "note": 62},
                       "button4": {"type": "note_repeat", "swing": 66}}}


def test_nor_do_the_clock_transport_and_note_repeat():
    _play(CLOCK, (6, 7, 8, 9, 14, 15, 16, 17), fsr=True)
    _play(FOLLOW, (6, 7, 8, 9, 14, 15, 16, 17), fsr=True)
