"""Knob positions, CC buttons and programs a USB host misses (issue 7's reliability suite, for
the host's side of the controls that set a value): seeded random performances in which the
knobs (CC ones, a 14-bit one, an NRPN one) and an absolute encoder (in both its layers) are
turned, jumped and swept, a CC toggle (in both layers) and a momentary CC button pressed and
held, and a program button pressed, while the host leaves and comes back and DIN IN sends long dumps
that pass to USB in parts (nothing else may come between their packets there), with
report_pots_at_boot on or off. Played by the real firmware on the simulated board.

Checked from the trace, once the knobs rest with the host there: the host has each
controller and program at the value DIN OUT has, which carries every message (no controller left
where the host last heard it, and none sent that DIN OUT never had: with
report_pots_at_boot off, a knob never turned is sent to neither); and every byte is valid
MIDI (test_sim.sim checks the trace)."""
import random

import pytest

from test_sim import sim
from trace_check import messages

CONFIG = {"controls": {"knob2": {"type": "cc14", "cc14": 2}, "knob4": {"type": "nrpn", "param": 300},
                      "enc1": {"type": "cc_absolute", "cc": 20, "shift": {"cc": 21}},
                      "button1": {"type": "cc_toggle", "cc": 80, "shift": {"channel": 2, "cc": 81}},
                      "button2": {"type": "cc_momentary", "cc": 82, "value": 100, "off_value": 10},
                      "button4": {"type": "program_up", "channel": 3}}}
SEEDS = range(6)


def _scenario(seed):
    rng = random.Random(seed)
    events = []
    for _ in range(24):
        ev = {"t": round(rng.uniform(0, 2600), 1), "control": "knob%d" % rng.randint(1, 8),
              "position": round(rng.random(), 3)}
        if rng.random() < 0.6:
            ev["ramp_ms"] = rng.randint(5, 250)
        events.append(ev)
    for _ in range(8):  # the absolute encoder (its value counted on from 0, clamped to 0..127),
        # in its shift layer now and then (button3 held from 20 ms before to 30 ms after)
        t = rng.uniform(30, 2600)
        over = rng.randint(1, 100)
        events.append({"t": round(t, 1), "control": "enc1", "turn": rng.choice((-1, 1)) * rng.randint(1, 25),
                       "over_ms": over})
        if rng.random() < 0.4:
            events += [{"t": round(t - 20, 1), "control": "button3", "press": 1.0},
                       {"t": round(t + over + 30, 1), "control": "button3", "release": True}]
    for _ in range(10):  # the CC buttons (button1 with shift, button3, held now and then), program up
        b = rng.choice((1, 1, 2, 4))
        t = rng.uniform(30, 2500)  # (shift goes down 20 ms before)
        held = rng.uniform(40, 300)
        if b == 1 and rng.random() < 0.4:
            events += [{"t": round(t - 20, 1), "control": "button3", "press": 1.0},
                       {"t": round(t + 30, 1), "control": "button3", "release": True}]
        events += [{"t": round(t, 1), "control": "button%d" % b, "press": 1.0},
                   {"t": round(t + held, 1), "control": "button%d" % b, "release": True}]
    up = True
    for t in sorted(rng.uniform(0, 2600) for _ in range(rng.randint(3, 6))):
        up = not up
        events.append({"t": round(t, 1), "usb": "connected" if up else "disconnected"})
    if not up:
        events.append({"t": 2700, "usb": "connected"})
    t = rng.uniform(0, 300)
    while t < 2400:  # dumps one after another, 48..240 ms each on the wire
        n = rng.randint(150, 750)
        events.append({"t": round(t, 1), "din_in": "F0 7D " + " ".join("%02X" % rng.randrange(128) for _ in range(n))
                       + " F7"})
        t += n * 0.32 + rng.uniform(20, 600)
    return {"seed": seed, "tail_ms": 600, "events": events}, rng.random() < 0.5


def _last_cc(msgs):
    # (channel, controller) -> the last value a port carried for it; ("program", channel) -> its
    # last Program Change
    last = {}
    for _, m in msgs:
        if len(m) == 3 and m[0] & 0xF0 == 0xB0:
            last[(m[0] & 15, m[1])] = m[2]
        elif len(m) == 2 and m[0] & 0xF0 == 0xC0:
            last[("program", m[0] & 15)] = m[1]
    return last


@pytest.mark.parametrize("seed", SEEDS)
def test_the_host_ends_with_the_knobs_where_din_out_has_them(tmp_path, seed):
    import json

    scenario, report = _scenario(seed)
    cfg = dict(CONFIG, report_pots_at_boot=report)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    scenario["config"] = str(tmp_path / "cfg.json")
    lines = sim(tmp_path, scenario)
    din = _last_cc(messages(lines, "DIN"))
    usb = _last_cc(messages(lines, "USB"))
    din.pop((9, 123), None)  # the power-on All Notes Off on the pads' channel: both have it
    usb.pop((9, 123), None)
    assert usb == din, {k: (din.get(k), usb.get(k)) for k in set(din) | set(usb) if din.get(k) != usb.get(k)}
    # the performance did what it is for: knobs moved while the host was away or a dump passed
    assert len(din) >= 6
