from dualtest import no_alloc
from midictl.din import DinOut
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
    d, u = _din(c, fifo_size=8)
    d.send(b"\x90\x3c\x40", 3, 0)
    d.send(b"\x90\x3d\x40", 3, 0)
    d.send(b"\x90\x3e\x40", 3, 0)
    assert d.dropped == 1


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
