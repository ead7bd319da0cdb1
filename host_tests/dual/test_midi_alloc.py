# The whole MIDI core in one allocation-free pass: encode -> running status -> DIN
# parser, and encode -> USB packets -> USB parser, for a long random mixed run; the
# heap is locked throughout (MicroPython) and every message must come back intact.
import random

from dualtest import MICROPYTHON, no_alloc, raises

from midictl.midi import encode as e
from midictl.midi import usb
from midictl.midi.parser import MESSAGE, REALTIME, SYSEX, Parser
from midictl.midi.running import RunningStatus

# encode_extra.py's encoders load on first use (allocating): asked for once here, before
# any heap is locked, as a caller that must not allocate does
_FIRST_USE = (e.sysex, e.timing_clock, e.song_position)
N = 1500
KINDS = 14


def test_no_alloc_catches_an_allocation():
    if MICROPYTHON:
        raises(MemoryError, no_alloc, lambda: [0])


def _same(p, code, msg, moff, n):
    # 1 if the parser reported exactly msg[moff:moff + n], else 0.
    if code == MESSAGE:
        if p.length != n:
            return 0
        for i in range(n):
            if p.msg[i] != msg[moff + i]:
                return 0
        return 1
    if code == SYSEX:
        if p.sysex_len != n:
            return 0
        for i in range(n):
            if p.sysex[i] != msg[moff + i]:
                return 0
        return 1
    if code == REALTIME:
        return 1 if n == 1 and p.realtime == msg[moff] else 0
    return 0


class Pipeline:
    def __init__(self):
        self.enc = bytearray(64)
        self.din = bytearray(64)
        self.pkt = bytearray(64)
        self.payload = bytearray(40)
        self.rs = RunningStatus(refresh_every=16, refresh_idle_ms=50)
        self.din_in = Parser(sysex_size=64)
        self.usb_in = Parser(sysex_size=64)
        random.seed(2024)
        self.params = bytearray(N * 5)
        for i in range(N * 5):
            self.params[i] = random.getrandbits(8)
        for i in range(40):
            self.payload[i] = random.getrandbits(7)
        self.ok = 0
        self.din_bytes = 0
        self.usb_bytes = 0

    def one(self, moff, n, now):
        # Pass one complete message through both paths; count it if both return it.
        w = self.rs.encode(self.enc, n, self.din, 0, now, moff)
        self.din_bytes += w
        code = 0
        for i in range(w):
            code = self.din_in.feed(self.din[i])
        good = _same(self.din_in, code, self.enc, moff, n)
        u = usb.packets(self.enc, n, 3, self.pkt, 0, moff)
        self.usb_bytes += u
        code = 0
        for o in range(0, u, 4):
            code = self.usb_in.feed_usb(self.pkt, o)
        self.ok += good & _same(self.usb_in, code, self.enc, moff, n)

    def run(self):
        enc = self.enc
        prm = self.params
        now = 0
        for k in range(N):
            q = k * 5
            kind = prm[q] % KINDS
            ch = prm[q + 1] & 0x0F
            a = prm[q + 2] & 0x7F
            b = prm[q + 3] & 0x7F
            v14 = (prm[q + 3] << 6 | prm[q + 4] >> 2) & 0x3FFF
            now += prm[q + 4] & 0x1F  # 0..31 ms apart: the idle refresh fires sometimes
            if kind < 3:  # notes dominate a pad controller's output
                n = e.note_on(enc, 0, ch & 1, a, b)
            elif kind == 3:
                n = e.note_off(enc, 0, ch & 1, a)
            elif kind == 4:
                n = e.control_change(enc, 0, ch, a, b)
            elif kind == 5:
                n = e.pitch_bend(enc, 0, ch, v14)
            elif kind == 6:
                n = e.channel_pressure(enc, 0, ch, a)
            elif kind == 7:
                n = e.control_change_14bit(enc, 0, ch, a & 31, v14)
            elif kind == 8:
                n = e.nrpn(enc, 0, ch, v14, a)
            elif kind == 9:
                n = e.bank_program(enc, 0, ch, v14, b)
            elif kind == 10:
                n = e.sysex(enc, 0, self.payload, a % 40)
            elif kind == 11:
                n = e.timing_clock(enc, 0)
            elif kind == 12:
                n = e.song_position(enc, 0, v14)
            else:
                n = e.poly_pressure(enc, 0, ch, a, b)
            if kind == 7 or kind == 8 or kind == 9:
                # Sequences: 3-byte CC messages (a Program Change closes a bank select).
                m = 0
                while m < n:
                    size = 2 if enc[m] & 0xF0 == 0xC0 else 3
                    self.one(m, size, now)
                    m += size
            else:
                self.one(0, n, now)
        return self.ok


def test_mixed_run_allocates_nothing_and_round_trips():
    pipe = Pipeline()
    ok = no_alloc(pipe.run)
    expected = 0
    for k in range(N):
        kind = pipe.params[k * 5] % KINDS
        expected += {7: 2, 8: 4, 9: 3}.get(kind, 1)
    assert expected > 2000
    assert ok == expected, (ok, expected)
    assert pipe.din_in.errors == 0 and pipe.usb_in.errors == 0
    # Running status saved bytes, but refreshes kept it from saving them all.
    assert pipe.rs.dropped > 300
    assert pipe.din_bytes < pipe.usb_bytes


def test_whole_sequences_allocate_nothing():
    rs = RunningStatus(refresh_every=3)
    seq = bytearray(32)
    out = bytearray(64)

    def run():
        total = 0
        for k in range(200):
            n = e.nrpn(seq, 0, k & 15, k, 200 - k)
            n += e.bank_program(seq, n, k & 15, k, k & 127)
            total += rs.encode(seq, n, out, 0, k) + usb.packets(seq, n, 0, out, 0)
        return total

    # 7 messages each: 20 bytes minus the statuses dropped, plus 28 bytes of packets.
    total = no_alloc(run)
    assert 200 * (20 + 28) - total == rs.dropped and rs.dropped > 400
