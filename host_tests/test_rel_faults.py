"""Output faults through the whole firmware on the simulated board (issue 7): the USB host
absent from power-on, leaving and coming back mid-performance; the DIN wire saturated for
10 s; UART writes raising; an exception inside the scan loop. In every case the firmware
keeps scanning at its rate, loses no Note On/Off on DIN, and leaves nothing sounding."""
import json
import os

import rel_sim
from trace_check import check_trace, left_sounding, messages, notes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "boards", "pico.json")) as _f:
    PICO = json.load(_f)


def healthy(run, errors=0):
    check_trace(run.trace)
    st = run.stats
    assert st["ended"] == "end", run.log[-2000:]
    assert st["errors"] == errors, run.log[-3000:]
    if not errors:
        assert rel_sim.LOOP_ERROR not in run.log
    assert st["din"]["dropped"] == 0
    assert st["nsounding"] == 0
    for port in ("DIN", "USB"):
        assert left_sounding(messages(run.trace, port)) == set(), port


def note_list(run, port, t_from=None, t_to=None):
    return [m for t, m in notes(messages(run.trace, port))
            if (t_from is None or t >= t_from) and (t_to is None or t < t_to)]


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


# -- USB host ----------------------------------------------------------------------------------------


def test_usb_reconnect_at_every_phase_of_the_scan_and_the_frame(tmp_path):
    # The host leaves and returns at 12 different offsets from the 1 ms USB frame while a
    # knob sends and pads play, with 250 us scans (4 scans a frame). The packets waiting in
    # the TX buffer when the host left are stale: the firmware drops them when it notices
    # the host is back. That must never pull bytes out from under a transfer already
    # submitted (Buffer.finish_read asserts, in the stock usb-device code too), which
    # used to fault the scan loop -- and its recovery sent a panic, cutting held notes.
    ev = [{"t": 0, "control": "knob1", "position": 1.0, "ramp_ms": 400}]
    for k in range(12):
        t = 10 + 20 * k
        ev.append({"t": t - 1, "control": "pad%d" % (1 + k), "press": 0.8})
        ev.append({"t": round(t + k * 0.083, 3), "usb": "disconnected"})
        ev.append({"t": round(t + 5 + k * 0.07, 3), "usb": "connected"})
    run = rel_sim.run(tmp_path, {"events": ev}, config={"scan_us": 250})
    healthy(run)
    assert run.stats["usb"]["reconnects"] == 13
    # no panic: nothing but the power-on All Notes Off on DIN
    assert [m for _t, m in messages(run.trace, "DIN") if m[0] == 0xB9] == [bytes([0xB9, 123, 0])]
