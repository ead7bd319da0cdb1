"""No stuck notes (issue 7): seeded random performances -- pad hits and chords that overlap,
buttons with contact bounce (octave, shift, panic, a held note button with a shift layer),
knob and stick sweeps, encoder turns, the USB host unplugged and plugged back -- played on
the simulated board by the real firmware, 100,000 actions in all. After everything is
released, nothing may be left sounding on either port (trace_check.left_sounding: per
(channel, note), the last Note On is followed by a Note Off, a Note On of velocity 0, or a
CC 123/120 on its channel), and every byte either port carried is valid MIDI.

USB: the trace holds what was handed to the host, so a note the host never saw (unplugged)
is not there; a Note On it did see must be ended there, by the Note Off the firmware sends
when the host comes back if it missed the real one."""
import json
import os

import pytest

import rel_perform
import rel_sim
from trace_check import check_trace, is_note_on, left_sounding, messages, notes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A held note button (with its own shift-layer note on another channel), two pads sharing a
# note (counted holders), pads on a second channel, Note Off as Note On velocity 0 on the
# wire, an absolute encoder.
NOTE_BUTTON = {"note_off": "note_on_zero", "octave_range": 2, "controls": {
    "button1": {"type": "note", "channel": 2, "note": 60, "velocity": 90, "shift": {"note": 72, "channel": 3}},
    "button2": {"type": "octave_up"},
    "pad5": {"note": 36}, "pad9": {"channel": 3}, "pad10": {"channel": 3, "note": 40},
    "enc2": {"type": "cc_absolute"}}}
TRANSPOSE = {"controls": {"button1": {"type": "transpose_down", "step": 5},
                          "button2": {"type": "transpose_up", "step": 7}}}

# (board, config, seed): 8 runs of 12,500 actions, two MicroPython processes at a time.
RUNS = [("pico", None, 1), ("pico", NOTE_BUTTON, 2), ("pico", None, 3), ("pico", NOTE_BUTTON, 4),
        ("pico", TRANSPOSE, 5), ("pico2", NOTE_BUTTON, 6), ("xiao_rp2040", None, 7), ("kb2040", None, 8)]
ACTIONS = 12500


def _board(name):
    with open(os.path.join(ROOT, "boards", name + ".json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    jobs = []
    for board, cfg, seed in RUNS:
        s = rel_perform.scenario(_board(board), seed, ACTIONS, board_name=board)
        jobs.append((s, cfg, None))
    return list(zip(jobs, rel_sim.run_many(tmp_path_factory.mktemp("stuck"), jobs)))


def test_at_least_100000_actions(runs):
    assert sum(len(job[0]["events"]) for job, _r in runs) >= 100000


@pytest.mark.parametrize("k", range(len(RUNS)), ids=["%s-%s-%d" % (b, "cfg" if c else "default", s) for b, c, s in RUNS])
def test_nothing_left_sounding(runs, k):
    job, run = runs[k]
    check_trace(run.trace)
    assert rel_sim.LOOP_ERROR not in run.log, run.log[-3000:]
    st = run.stats
    assert st["ended"] == "end" and st["errors"] == 0
    assert st["din"]["dropped"] == 0
    assert st["nsounding"] == 0  # the engine's own count agrees
    din = messages(run.trace, "DIN")
    usb = messages(run.trace, "USB")
    assert left_sounding(din) == set()
    assert left_sounding(usb) == set()
    # the performance really played: many notes on both ports, the host away part of the time
    n_din = sum(1 for _t, m in din if is_note_on(m))
    n_usb = sum(1 for _t, m in usb if is_note_on(m))
    assert n_din > 2000 and 0.5 * n_din < n_usb < n_din, (n_din, n_usb)
    assert st["usb"]["reconnects"] > 10
    if job[1] is NOTE_BUTTON:
        # the note button and its shift layer both played; Note Off is 9n velocity 0 on DIN
        played = {(m[0], m[1]) for _t, m in din if is_note_on(m)}
        assert (0x91, 60) in played and (0x92, 72) in played
        assert not any(m[0] & 0xF0 == 0x80 for _t, m in notes(din))


# -- the checker itself must be able to fail ----------------------------------------------------------


def _msgs(*hexes):
    return [(0.0, bytes.fromhex(h)) for h in hexes]


def test_left_sounding_definition():
    assert left_sounding(_msgs("99 24 64")) == {(9, 36)}
    assert left_sounding(_msgs("99 24 64", "89 24 40")) == set()
    assert left_sounding(_msgs("99 24 64", "99 24 00")) == set()  # Note On velocity 0
    assert left_sounding(_msgs("99 24 64", "B9 7B 00")) == set()  # All Notes Off, its channel
    assert left_sounding(_msgs("99 24 64", "B9 78 00")) == set()  # All Sound Off
    assert left_sounding(_msgs("99 24 64", "B8 7B 00")) == {(9, 36)}  # another channel
    assert left_sounding(_msgs("99 24 64", "89 25 40")) == {(9, 36)}  # another note
    assert left_sounding(_msgs("99 24 64", "89 24 40", "99 24 10")) == {(9, 36)}  # the last On counts
    assert left_sounding(_msgs("99 24 64", "99 24 64", "89 24 40")) == set()  # retrigger, one Off
    assert left_sounding(_msgs("B9 7B 00", "99 24 64")) == {(9, 36)}  # an Off before the On ends nothing


def test_messages_resolves_running_status_and_usb_sysex():
    trace = ["0.000 DIN 99 24 64", "0.960 DIN 24 00", "1.000 DIN F8", "1.320 DIN 25 10",
             "2.000 USB 04 F0 01 02", "2.000 USB 06 03 F7 00", "2.000 USB 09 99 24 64"]
    assert [m.hex(" ") for _t, m in messages(trace, "DIN")] == ["99 24 64", "99 24 00", "f8", "99 25 10"]
    assert [m.hex(" ") for _t, m in messages(trace, "USB")] == ["f0 01 02 03 f7", "99 24 64"]
    assert left_sounding(messages(trace, "DIN")) == {(9, 37)}


@pytest.mark.parametrize("bad", [
    ["0.000 DIN 24 64"],  # running status with nothing to run on
    ["0.000 DIN 99 24 64", "0.001 DIN F1 10", "0.002 DIN 24 00"],  # system common cancelled it
    ["0.000 DIN 99 24 80"],  # data byte >= 0x80
    ["0.000 USB 09 B9 7B 00"],  # CIN does not match the status
    ["1.000 DIN F8", "0.500 DIN F8"],  # time order
    ["1.00 DIN F8"],  # three decimals
])
def test_check_trace_rejects(bad):
    with pytest.raises(AssertionError):
        check_trace(bad)
