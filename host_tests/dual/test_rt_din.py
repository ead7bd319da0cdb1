from dualtest import no_alloc
from midictl.din import _OPEN, DinOut
from midictl.midi.running import RunningStatus
from rtfakes import Clock, CountingUart, WireUart


def _din(clock, uart=None, running=True, **kw):
    u = uart or WireUart(clock)
    return DinOut(u, RunningStatus(running, 0, 0), **kw), u


def _pump(d, clock, us):
    clock.us = us
    d.pump(us, us // 1000)


def test_idle_wire_sends_at_once_with_running_status():
    c = Clock()
    d, u = _din(c)
    d.send(b"\x99\x24\x64", 3, 0)
    d.send(b"\x99\x26\x50", 3, 0)
    _pump(d, c, 0)
    assert u.log == [(0, 0x99), (320, 0x24), (640, 0x64), (960, 0x26), (1280, 0x50)]


def test_running_status_off_repeats_status():
    c = Clock()
    d, u = _din(c, running=False)
    d.send(b"\x99\x24\x64", 3, 0)
    d.send(b"\x99\x26\x50", 3, 0)
    _pump(d, c, 0)
    assert u.bytes() == [0x99, 0x24, 0x64, 0x99, 0x26, 0x50]


def test_coalescing_keeps_only_the_latest_value_and_the_final_one():
    c = Clock()
    d, u = _din(c)
    key = (0xB0 << 7) | 70
    d.slot(key)
    # the wire is busy with a note; the knob moves three times before it frees up
    d.send(b"\x99\x24\x64", 3, 0)
    _pump(d, c, 0)
    for v in (10, 11, 12):
        d.send(bytes([0xB0, 70, v]), 3, key)
    assert d.coalesced == 2
    for t in range(1, 6):
        _pump(d, c, t * 1000)
    assert u.bytes() == [0x99, 0x24, 0x64, 0xB0, 70, 12]
    assert d.pending() == 0


def test_notes_jump_the_queue_of_knob_values():
    c = Clock()
    d, u = _din(c)
    keys = []
    for k in range(8):
        keys.append((0xB0 << 7) | (70 + k))
        d.slot(keys[-1])
    for k in range(8):
        d.send(bytes([0xB0, 70 + k, 1]), 3, keys[k])
    _pump(d, c, 0)
    # lead_bytes=6: only the first knob (3 bytes) and the second (2, running status) left
    assert len(u.log) == 5
    d.send(b"\x99\x24\x64", 3, 0)
    _pump(d, c, 1000)
    assert u.log[5] == (1600, 0x99)  # starts as soon as the wire frees, ahead of 6 knobs
    assert [b for _t, b in u.log[5:8]] == [0x99, 0x24, 0x64]


def test_flooded_wire_note_waits_under_two_ms():
    c = Clock()
    d, u = _din(c)
    keys = [(0xB0 << 7) | (70 + k) for k in range(8)]
    for k in keys:
        d.slot(k)
    worst = 0
    v = 0
    for ms in range(400):
        v = (v + 1) & 127
        for k in range(8):
            d.send(bytes([0xB0, 70 + k, v]), 3, keys[k])
        if ms % 37 == 5:
            n = len(u.log)
            d.send(b"\x99\x24\x64", 3, 0)
            _pump(d, c, ms * 1000)
            starts = [t for t, b in u.log[n:] if b == 0x99]
            assert starts, "the note was not handed to the UART in the scan that sent it"
            worst = max(worst, starts[0] - ms * 1000)
        else:
            _pump(d, c, ms * 1000)
    assert worst < 2000, worst
    assert d.dropped == 0
    assert d.coalesced > 0
    # nothing stays behind: every knob's last value goes out
    for ms in range(400, 460):
        _pump(d, c, ms * 1000)
    tail = u.bytes()[-40:]
    assert d.pending() == 0 and v in tail


def test_uart_error_keeps_the_note_for_the_next_scan():
    c = Clock()
    u = WireUart(c, fail_times=1)
    d, _ = _din(c, uart=u)
    d.send(b"\x99\x24\x64", 3, 0)
    _pump(d, c, 0)
    assert d.write_errors == 1 and u.log == []
    _pump(d, c, 1000)
    assert u.bytes() == [0x99, 0x24, 0x64]


def test_uart_error_keeps_a_knob_value_waiting_in_its_slot():
    c = Clock()
    u = WireUart(c, fail_times=1)
    d, _ = _din(c, uart=u)
    key = (0xB0 << 7) | 70
    d.slot(key)
    d.send(b"\xb0\x46\x10", 3, key)
    _pump(d, c, 0)
    assert d.write_errors == 1 and u.log == [] and d.pending() == 1
    _pump(d, c, 1000)  # the status again: the receiver's is unknown after a failed write
    assert u.log == [(1000, 0xB0), (1320, 0x46), (1640, 0x10)]
    assert d.pending() == 0 and d.bytes_sent == 3


def test_sysex_goes_out_whole_in_chunks():
    c = Clock()
    d, u = _din(c)
    msg = bytearray([0xF0] + [i & 0x7F for i in range(60)] + [0xF7])
    d.send(msg, len(msg), 0)
    _pump(d, c, 0)
    assert bytearray(u.bytes()) == msg
    assert u.writes == 2


def test_fifo_full_drops_and_counts():
    c = Clock()
    d, u = _din(c, fifo_size=16)  # (one entry of 4 bytes; the room kept for ends: 3/4, 12)
    d.send(b"\x90\x3c\x40", 3, 0)
    d.send(b"\x90\x3d\x40", 3, 0)
    d.send(b"\x90\x3e\x40", 3, 0)
    assert (d.dropped, d.room(), d.room(1)) == (2, 12, 0)
    d.send(b"\x80\x3c\x40", 3, 0)  # the one note's Note Off: in the kept room
    assert (d.dropped, d.room()) == (2, 8)


def test_the_room_kept_in_the_fifo_takes_only_what_ends_a_sound():
    # 64 bytes: the room kept is 36 bytes and 4 a note sounding, at most 3/4 of the FIFO
    # (48), only for Note Offs of notes sounding there, pedals, channel mode
    c = Clock()
    d, u = _din(c, fifo_size=64)
    for k in range(4):  # 4 Note Ons: 16 bytes, so 48 left
        d.send(bytes((0x90, 60 + k, 100)), 3, 0)
    d.send(b"\x90\x50\x64", 3, 0)  # a Note On more: into the kept room, dropped
    d.send(b"\x80\x50\x40", 3, 0)  # its Note Off ends nothing there: dropped with it
    d.send(b"\xc0\x05", 2, 0)  # a program change: not an end
    assert (d.dropped, d.room(), d.room(1)) == (3, 48, 0)
    for k in range(4):  # the Note Offs
        d.send(bytes((0x80, 60 + k, 64)), 3, 0)
    for _ in range(8):  # and sustain up, to the last byte
        d.send(b"\xb0\x40\x00", 3, 0)
    assert (d.dropped, d.room()) == (3, 0)
    d.send(b"\x90\x3c\x00", 3, 0)  # (a Note On of velocity 0: no room at all)
    assert d.dropped == 4
    for t in range(100):
        _pump(d, c, t * 1000)
    assert u.bytes() == [0x90] + [b for k in range(4) for b in (60 + k, 100)] + [0x80] + [
        b for k in range(4) for b in (60 + k, 64)] + [0xB0] + [0x40, 0x00] * 8


def test_the_room_kept_for_note_offs_grows_with_the_notes_sounding():
    # 1 KB: 60 notes sounding keep 276 bytes (4 a note and 36), more than the eighth (128),
    # so a queue filled behind them still takes all 60 Note Offs, and sustain up after them
    c = Clock()
    d, u = _din(c)
    for k in range(60):
        d.send(bytes((0x91, k, 100)), 3, 0)
    d.send(b"\x91\x00\x50", 3, 0)  # a note already sounding: not one more
    assert (d.room(), d.room(1)) == (780, 504)
    n = 0
    while not d.dropped:  # program changes (3 bytes each) fill the rest
        d.send(b"\xc1\x05", 2, 0)
        n += 1
    assert (n - 1, d.room(), d.room(1)) == (168, 276, 0)
    for k in range(60):
        d.send(bytes((0x81, k, 64)), 3, 0)
    d.send(b"\xb1\x40\x00", 3, 0)
    assert (d.dropped, d.room(), d.room(1)) == (1, 32, -96)
    d.send(b"\x92\x3c\x64", 3, 0)  # a Note On now: dropped (it needs 4 and 36 more)
    assert d.dropped == 2
    for t in range(400):
        _pump(d, c, t * 1000)
    assert u.bytes() == [0x91] + [b for k in range(60) for b in (k, 100)] + [0, 0x50, 0xC1] + [5] * 168 + [
        0x81] + [b for k in range(60) for b in (k, 64)] + [0xB1, 0x40, 0x00]  # (running status)


def test_a_clock_tick_goes_ahead_of_what_waits_but_not_past_a_system_message():
    # MIDI 1.0 lets a real-time byte in anywhere: a clock's tick (or Active Sensing) queued
    # behind notes goes next, after those already ahead, in their order (here round the
    # FIFO's end: 128 bytes, its head at 3 after a Program Change), but not past a Start or a
    # Song Position Pointer waiting (a slave would count it before them), nor a SysEx not
    # begun
    c = Clock()
    d, u = _din(c, fifo_size=128)
    d.send(b"\xc0\x05", 2, 0)
    _pump(d, c, 0)
    d.send(b"\x90\x3c\x40", 3, 0)  # waits (the wire busy to 640)
    d.send(b"\xf8", 1, 0)
    d.send(b"\xfe", 1, 0)
    d.send(b"\x90\x3d\x40", 3, 0)
    d.send(b"\xfa", 1, 0)  # a Start: in its order
    d.send(b"\xf8", 1, 0)  # the tick after it: after it
    assert d.room() == 128 - 4 - 4 - 4 - 4
    for t in range(0, 5000, 100):
        _pump(d, c, t)
    assert u.bytes() == [0xC0, 0x05, 0xF8, 0xFE, 0x90, 0x3C, 0x40, 0x3D, 0x40, 0xFA, 0xF8]
    assert d.pending() == 0 and d.room() == 128
    d.send(b"\x90\x3e\x40", 3, 0)
    d.send(b"\xf2\x10\x00", 3, 0)  # a Song Position Pointer
    d.send(b"\xf8", 1, 0)
    d.send(b"\x90\x3f\x40", 3, 0)
    d.sx_put(b"\xf0\x7d\x01", 3, 1)  # a SysEx in parts, not begun
    d.send(b"\xf8", 1, 0)
    for t in range(5000, 10000, 100):
        _pump(d, c, t)
    assert u.bytes()[11:] == [0x3E, 0x40, 0xF2, 0x10, 0x00, 0xF8, 0x90, 0x3F, 0x40, 0xF0, 0x7D, 0x01]
    d.sx_put(b"\x02\xf7", 2, 1)
    for t in range(10000, 12000, 100):
        _pump(d, c, t)
    assert u.bytes()[23:] == [0x02, 0xF7, 0xF8]
    # a tick while a SysEx is on the wire (its marker at the FIFO's head) goes inside it
    d.sx_put(b"\xf0\x7d\x01", 3, 1)
    _pump(d, c, 12000)
    d.send(b"\x90\x3c\x00", 3, 0)
    d.send(b"\xf8", 1, 0)
    d.sx_put(b"\x02\xf7", 2, 1)
    for t in range(12100, 14000, 100):
        _pump(d, c, t)
    assert u.bytes()[26:] == [0xF0, 0x7D, 0x01, 0xF8, 0x02, 0xF7, 0x90, 0x3C, 0x00]


def _lead(d, v):
    d.lead_bytes = v
    d._gate = _OPEN


def test_a_negative_lead_is_a_deadline_even_for_an_idle_wire():
    # lead_bytes -1 - k (app.py, in the scan before a clock's tick): a knob's message goes
    # only if it ends within k bytes' time, the wire idle or not; the FIFO (notes) is not held.
    # (_lead: as app.py sets it, the pump's shortcut reopened: it was for the lead before.)
    c = Clock()
    d, u = _din(c)
    key = (0xB0 << 7) | 70
    d.slot(key)
    _lead(d, -1 - 2)  # the tick in 2 bytes' time: a CC (3 bytes) waits, the wire idle
    d.send(b"\xb0\x46\x10", 3, key)
    _pump(d, c, 0)
    assert u.log == []
    d.send(b"\xf8", 1, 0)  # the tick, at 640; the usual lead again
    _lead(d, 6)
    _pump(d, c, 640)
    assert u.log == [(640, 0xF8), (960, 0xB0), (1280, 0x46), (1600, 0x10)]
    _lead(d, -1 - 3)  # the next tick in 3 bytes' time from 1920: a CC ends on time
    d.send(b"\xb0\x46\x11", 3, key)
    _pump(d, c, 1920)
    assert u.log[4:] == [(1920, 0x46), (2240, 0x11)]  # (running status: 2 bytes)
    d.send(b"\x90\x3c\x40", 3, 0)  # a note goes whatever the deadline: to 3200
    d.send(b"\xb0\x46\x12", 3, key)
    _lead(d, -1 - 4)
    _pump(d, c, 2000)
    assert u.log[6:] == [(2560, 0x90), (2880, 0x3C), (3200, 0x40)]
    _lead(d, 6)  # with the usual lead the CC goes now (3 bytes ahead and 3)
    _pump(d, c, 2600)
    assert u.log[9:] == [(3520, 0xB0), (3840, 0x46), (4160, 0x12)]
    _lead(d, -1 - 4)  # and not with the tick 4 bytes away (2 bytes ahead and its 3)
    d.send(b"\xb0\x46\x13", 3, key)
    _pump(d, c, 4000)
    assert len(u.log) == 12
    _lead(d, -1 - 5)  # 5 away: it goes
    _pump(d, c, 4000)
    assert u.log[12:] == [(4480, 0x46), (4800, 0x13)]


def test_a_deadline_keeps_the_usual_lead_on_a_busy_wire():
    # lead_bytes -1 - (k | L << 8) (app.py, from 16 bytes' time before a tick): on an idle
    # wire a knob's message goes if it ends within k bytes' time (an NRPN's 12 bytes may
    # not start 11 before the tick); on a busy one, also no more than L, the usual lead,
    # ahead of the wire, as with no tick near.
    c = Clock()
    d, u = _din(c, running=False)
    key = (0xB0 << 7) | 99
    d.slot(key)
    nrpn = b"\xb0\x63\x02\xb0\x62\x2d\xb0\x06\x7f\xb0\x26\x7f"
    _lead(d, -1 - (11 | 6 << 8))  # the tick in 11 bytes' time: the NRPN waits, the wire idle
    d.send(nrpn, 12, key)
    _pump(d, c, 0)
    assert u.log == []
    _lead(d, -1 - (12 | 6 << 8))  # in 12: it ends on time
    _pump(d, c, 0)
    assert u.log == [(320 * i, b) for i, b in enumerate(nrpn)]
    d.send(b"\x99\x24\x64", 3, 0)  # a note at 10000: 3 bytes ahead of the wire
    d.send(nrpn, 12, key)
    _lead(d, -1 - (20 | 6 << 8))  # the tick 20 bytes away: 3 + 12 would end in time, but
    _pump(d, c, 10000)  # only 6 may be ahead of a busy wire
    assert u.log[12:] == [(10000, 0x99), (10320, 0x24), (10640, 0x64)]
    _pump(d, c, 10960)  # the wire idle again: the NRPN goes
    assert u.log[15:] == [(10960 + 320 * i, b) for i, b in enumerate(nrpn)]
    cc = b"\xb0\x46\x10"
    d.slot((0xB0 << 7) | 70)
    d.send(b"\x99\x24\x00", 3, 0)  # at 20000, with a CC: 3 ahead and 3 is the usual lead
    d.send(cc, 3, (0xB0 << 7) | 70)
    _pump(d, c, 20000)
    assert [b for _t, b in u.log[27:]] == [0x99, 0x24, 0x00, 0xB0, 0x46, 0x10]
    assert u.log[30][0] == 20960


def test_send_and_pump_allocate_nothing():
    c = Clock()
    u = CountingUart()
    d, _ = _din(c, uart=u)
    key = (0xB0 << 7) | 70
    d.slot(key)
    m = bytearray(3)

    def run():
        t = 0
        for i in range(500):
            m[0] = 0xB0
            m[1] = 70
            m[2] = i & 127
            d.send(m, 3, key)
            m[0] = 0x99
            m[1] = 36
            m[2] = 100
            if i % 10 == 0:
                d.send(m, 3, 0)
            t += 1000
            d.pump(t, t // 1000)

    no_alloc(run)
    assert u.n > 0


def test_trimmed_slot_tables_send_the_same_bytes_at_the_same_times():
    # DinOut.trim() (after build) shrinks the slot tables to the slots registered: the same
    # traffic, every slot's ring entry wrapping many times, gives the same wire
    import random

    logs = []
    for trim in (False, True):
        random.seed(7)
        c = Clock()
        d, u = _din(c)
        keys = [(0xB0 << 7) | (20 + k) for k in range(5)]
        for k in keys:
            d.slot(k)
        if trim:
            d.trim()
            assert len(d._ring) == 5 and len(d._slot_data) == 5 * 16
        for t in range(400):
            for _ in range(random.getrandbits(2)):
                k = random.getrandbits(3)
                if k < 5:
                    d.send(bytes([0xB0, 20 + k, random.getrandbits(7)]), 3, keys[k])
                else:
                    d.send(bytes([0x90, random.getrandbits(7), 1 + random.getrandbits(6)]), 3, 0)
            _pump(d, c, t * 1000)
        logs.append((u.log, d.coalesced))
    assert logs[0] == logs[1] and len(logs[0][0]) > 1000


def _sx(d, hexs, src=1):
    b = bytes.fromhex(hexs)
    d.sx_put(b, len(b), src)


def test_sysex_in_parts_holds_everything_else_until_its_f7():
    # a note queued before the SysEx goes first; a note and a knob value queued while it is
    # open wait until its F7 is on the wire, whenever its parts come
    c = Clock()
    d, u = _din(c)
    key = (0xB0 << 7) | 70
    d.slot(key)
    d.send(b"\x99\x24\x64", 3, 0)
    _sx(d, "F0 41 10 42 12 40")
    d.send(b"\x99\x26\x50", 3, 0)
    d.send(b"\xb0\x46\x10", 3, key)
    assert d.sx_open
    _pump(d, c, 0)
    # the note, then as much of the SysEx as urgent_bytes (24) allows ahead of the wire
    assert u.log == [(k * 320, b) for k, b in enumerate([0x99, 0x24, 0x64, 0xF0, 0x41, 0x10, 0x42, 0x12, 0x40])]
    _pump(d, c, 5000)  # nothing more of it has come: everything waits
    assert len(u.log) == 9 and d.pending() == 6  # the marker, the note (1 + 3), the slot
    _sx(d, "00 7F F8 00")  # (a real-time byte inside it: as it is)
    _sx(d, "41 F7")
    assert not d.sx_open
    _pump(d, c, 6000)
    assert u.log[9:] == [(6000 + k * 320, b) for k, b in enumerate([0x00, 0x7F, 0xF8, 0x00, 0x41, 0xF7, 0x99, 0x26, 0x50])]
    _pump(d, c, 8000)  # the knob value once within lead_bytes (6) of the wire
    assert u.log[18:] == [(8880, 0xB0), (9200, 0x46), (9520, 0x10)]
    assert d.pending() == 0 and d.sx_cuts == 0 and d.bytes_sent == 21


def test_sysex_in_parts_longer_than_a_write_and_two_in_a_row():
    c = Clock()
    d, u = _din(c)
    body = [i & 0x7F for i in range(200)]
    b = bytes([0xF0] + body[:125])
    d.sx_put(b, len(b), 1)
    b = bytes(body[125:] + [0xF7])
    d.sx_put(b, len(b), 1)
    _sx(d, "F0 01 02 F7")  # the next one, whole, in the ring behind it
    d.send(b"\x90\x3c\x40", 3, 0)
    t = 0
    while d.pending():
        _pump(d, c, t)
        t += 1000
    assert u.bytes() == [0xF0] + body + [0xF7, 0xF0, 0x01, 0x02, 0xF7, 0x90, 0x3C, 0x40]
    # back to back: the wire never waited, never more than 24 bytes ahead of it
    assert [tb[0] for tb in u.log] == [k * 320 for k in range(len(u.log))]
    assert t == 61000 and d.sx_cuts == 0  # (the note handed over at 60 ms, 18 bytes ahead)


def test_a_sysex_whose_parts_stop_coming_is_closed_after_500_ms():
    c = Clock()
    d, u = _din(c)
    _sx(d, "F0 41 10")
    d.send(b"\x99\x24\x64", 3, 0)
    for t in range(0, 503):
        _pump(d, c, t * 1000)
    # sent by 0.96 ms; at 1 ms the wait starts: the F7 at 501, then the note
    assert u.log == [(0, 0xF0), (320, 0x41), (640, 0x10), (501000, 0xF7), (501320, 0x99), (501640, 0x24), (501960, 0x64)]
    assert d.sx_cuts == 1 and not d.sx_open and d.pending() == 0
    _sx(d, "00 00 F7")  # the rest of it, late: dropped
    _pump(d, c, 600000)
    assert len(u.log) == 7 and d.pending() == 0


def test_sx_cut_closes_it_after_what_is_queued_and_drops_the_rest():
    c = Clock()
    d, u = _din(c)
    _sx(d, "F0 41 10 42")
    d.sx_cut()
    d.sx_cut()  # (once only)
    _sx(d, "12 40 F7")
    d.send(b"\x99\x24\x64", 3, 0)
    _pump(d, c, 0)
    assert u.bytes() == [0xF0, 0x41, 0x10, 0x42, 0xF7, 0x99, 0x24, 0x64]
    assert d.sx_cuts == 1
    # a first part closes one still open (its source cut it short)
    _sx(d, "F0 01")
    _sx(d, "F0 02 F7")
    _pump(d, c, 10000)
    assert u.bytes()[8:] == [0xF0, 0x01, 0xF7, 0xF0, 0x02, 0xF7] and d.sx_cuts == 2


def test_sysex_in_parts_without_room_is_dropped_or_closed():
    c = Clock()
    d, u = _din(c, fifo_size=16)
    d.send(b"\x90\x3c\x40", 3, 0)  # 4 bytes, the other 12 kept for what ends a sound:
    _sx(d, "F0 01 02")  # no room for the marker
    assert d.dropped == 1 and not d.sx_open
    d.send(b"\x80\x3c\x40", 3, 0)  # (the FIFO full)
    _sx(d, "F0 01 02")
    assert d.dropped == 2 and not d.sx_open
    _pump(d, c, 0)
    assert u.bytes() == [0x90, 0x3C, 0x40, 0x80, 0x3C, 0x40]
    d, u = _din(c)
    assert d.sx_room() == 255
    b = bytes([0xF0] + [1] * 200)
    d.sx_put(b, len(b), 1)
    b = bytes([2] * 60)
    d.sx_put(b, len(b), 1)  # 261 bytes do not fit: closed instead (the F7 always does)
    assert not d.sx_open and d.sx_cuts == 1 and d.sx_room() == 53
    _pump(d, c, 20000)
    for t in range(21, 100):
        _pump(d, c, t * 1000)
    assert u.bytes() == [0xF0] + [1] * 200 + [0xF7] and d.pending() == 0


def test_sysex_in_parts_allocates_nothing():
    c = Clock()
    u = CountingUart()
    d, _ = _din(c, uart=u)
    part = bytearray([0xF0] + [5] * 125)
    last = bytearray([6] * 60 + [0xF7])

    def run():
        t = 0
        for _round in range(20):
            d.sx_put(part, 126, 1)
            for _ in range(50):
                t += 1000
                d.pump(t, t // 1000)
            d.sx_put(last, 61, 1)
            for _ in range(30):
                t += 1000
                d.pump(t, t // 1000)

    no_alloc(run)
    assert u.n == 20 * 187


def test_sysex_in_parts_from_another_source_is_dropped_while_one_is_open():
    c = Clock()
    d, u = _din(c)
    _sx(d, "F0 41 10", src=1)
    _sx(d, "F0 7E 00", src=0)  # DIN IN's echo while the host's is open: dropped, all of it
    _sx(d, "01 02 F7", src=0)
    assert d.dropped == 1 and d.sx_open and d.sx_src == 1
    _sx(d, "42 F7", src=1)
    _sx(d, "F0 7E 01", src=0)  # then DIN IN's next one goes
    _sx(d, "F7", src=0)
    _pump(d, c, 0)
    assert u.bytes() == [0xF0, 0x41, 0x10, 0x42, 0xF7, 0xF0, 0x7E, 0x01, 0xF7] and d.sx_cuts == 0
