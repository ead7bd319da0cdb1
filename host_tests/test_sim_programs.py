"""Program buttons end to end through the simulator: the buttons on one channel share its
current program, and a Program Change on that channel from MIDI IN (the synth's panel, the
host) is the current program too."""
import json

from test_sim import BOOT, port, sim

PROGRAMS = {"button2": {"type": "program_up"}, "button3": {"type": "program_down"},
            "button4": {"type": "program", "program": 5, "bank": 2}}


def _run(tmp_path, controls, events):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"controls": controls}))
    return sim(tmp_path, {"config": str(cfg), "tail_ms": 50, "events": events})


def _presses(*at):
    ev = []
    for t, name in at:
        ev += [{"t": t, "control": name, "press": 1.0}, {"t": t + 20, "control": name, "release": True}]
    return ev


def test_program_buttons_on_a_channel_share_its_current_program(tmp_path):
    # up, up, down: 1, 2, 1 (down went on from up's 2; each button kept its own before, and
    # down from 0 sent nothing); the fixed program 5 in bank 2; up goes on from 5, in bank 2
    lines = _run(tmp_path, PROGRAMS, _presses((10, "button2"), (50, "button2"), (100, "button3"),
                                              (150, "button4"), (200, "button2")))
    assert port(lines, "USB") == port(BOOT, "USB") + [
        "10.000 USB 0C C0 01 00",
        "50.000 USB 0C C0 02 00",
        "100.000 USB 0C C0 01 00",
        "150.000 USB 0B B0 00 00", "150.000 USB 0B B0 20 02", "150.000 USB 0C C0 05 00",
        "200.000 USB 0B B0 00 00", "200.000 USB 0B B0 20 02", "200.000 USB 0C C0 06 00",
    ]


def test_a_program_change_from_midi_in_is_the_channels_current_program(tmp_path):
    # the synth's own preset changed on its panel to 64 (its MIDI OUT into DIN IN), then the
    # host's to 20: up goes on from each; a Program Change on another channel changes nothing
    ev = [{"t": 10, "din_in": "C0 40"}, {"t": 30, "din_in": "C1 10"}] + _presses((50, "button2")) + \
        [{"t": 100, "usb_in": "0C C0 14 00"}] + _presses((150, "button3"))
    lines = _run(tmp_path, {"button2": {"type": "program_up"}, "button3": {"type": "program_down"}}, ev)
    usb = port(lines, "USB")
    assert usb == port(BOOT, "USB") + [
        "11.000 USB 0C C0 40 00",  # DIN IN's, passed on to the host
        "31.000 USB 0C C1 10 00",
        "50.000 USB 0C C0 41 00",
        "150.000 USB 0C C0 13 00",
    ]
    assert port(lines, "DIN") == port(BOOT, "DIN") + [
        "50.000 DIN C0 41",
        "100.000 DIN 14",  # the host's, passed on to DIN (running status)
        "150.000 DIN 13",
    ]
