"""Panic with a sustain pedal latched down by one of the controller's own CC toggles: the
pedal would hold every note it caught through panic's Note Offs and All Notes Off, so panic
lets it up too, and the toggle's next press puts it down again. End to end through the
simulator, exact bytes and times."""
import json

from test_sim import BOOT, port, sim
from trace_check import all_notes_off

# button1 a sustain toggle (with a shift layer on sostenuto), button3 shift, button4 panic
# (the reference layout's)
TOGGLE = {"button1": {"type": "cc_toggle", "cc": 64, "shift": {"channel": 2, "cc": 66}}}


def _run(tmp_path, controls, events):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"controls": controls}))
    return sim(tmp_path, {"config": str(cfg), "tail_ms": 20, "events": events})


def _press(t, name, hold=20):
    return [{"t": t, "control": name, "press": 1.0}, {"t": t + hold, "control": name, "release": True}]


def test_panic_lets_up_a_sustain_latched_by_a_cc_toggle(tmp_path):
    # sustain latched at 10, pad 1 struck at 40 (its Note Off at 92: the pedal holds it on),
    # panic at 100, the toggle pressed again at 150
    ev = _press(10, "button1") + _press(40, "pad1") + _press(100, "button4") + _press(150, "button1")
    lines = _run(tmp_path, TOGGLE, ev)
    assert lines == BOOT + [
        "10.000 USB 0B B0 40 7F",  # latched down
        "10.000 DIN B0 40 7F",
        "42.000 USB 09 99 24 7F",
        "42.000 DIN 99 24 7F",
        "92.000 USB 08 89 24 40",
        "92.000 DIN 89 24 40",
        "100.000 USB 0B B0 40 00",  # panic: the pedal up (no pad note sounds: no Note Off),
        ] + all_notes_off("USB", 100) + [  # then All Notes Off on every channel
        "100.000 DIN B0 40 00",
        ] + all_notes_off("DIN", 100.96) + [
        "150.000 USB 0B B0 40 7F",  # the next press: down again
        "150.000 DIN B0 40 7F",
    ]


def test_panic_lets_up_only_the_layers_latched_down(tmp_path):
    # the shift layer's sostenuto (channel 2) latched at 10 with shift (button3) held; the
    # sustain layer's latched at 50 and let up again at 70: panic at 100 lets up sostenuto
    # alone; a toggle on another controller (CC 80, button2) stays latched
    controls = dict(TOGGLE, button2={"type": "cc_toggle", "cc": 80})
    ev = [{"t": 5, "control": "button3", "press": 1.0}] + _press(10, "button1") + \
        [{"t": 40, "control": "button3", "release": True}] + _press(20, "button2") + \
        _press(50, "button1", 10) + _press(70, "button1", 10) + _press(100, "button4")
    lines = _run(tmp_path, controls, ev)
    assert port(lines, "DIN") == port(BOOT, "DIN") + [
        "10.000 DIN B1 42 7F",
        "20.000 DIN B0 50 7F",
        "50.000 DIN 40 7F",
        "70.000 DIN 40 00",
        "100.000 DIN B1 42 00",  # panic: sostenuto up; sustain is up already, CC 80 not a pedal
    ] + all_notes_off("DIN", 100.96)


def test_a_cc_toggle_that_holds_no_pedal_is_not_latched_for_panic(tmp_path):
    # the toggle's "on" value below 64 (a pedal up), or its "off" value 64 or more: panic
    # sends nothing for it
    for m, after in (({"type": "cc_toggle", "cc": 64, "value": 10}, []),
                     ({"type": "cc_toggle", "cc": 64, "off_value": 100}, []),
                     # a momentary one is let up by the player's hand (its release, at 70)
                     ({"type": "cc_momentary", "cc": 64}, ["70.000 DIN B0 40 00"])):
        lines = _run(tmp_path, {"button1": m}, _press(10, "button1", 60) + _press(50, "button4"))
        din = [ln for ln in port(lines, "DIN") if float(ln.split()[0]) >= 50]
        assert din == all_notes_off("DIN", 50) + after, m
