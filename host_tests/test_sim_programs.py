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


def test_up_and_down_go_on_in_the_bank_midi_in_selected(tmp_path):
    # The fixed program 5 in bank 2, then the host selects bank 7 (CC 0 = 0, CC 32 = 7) and
    # program 10: up sends bank 7 with 11, not bank 2. A Bank Select alone (bank 9's LSB, at
    # 300) waits for a Program Change: the synth's own change to program 3 (DIN IN, at 400)
    # takes bank 9 with it, and up goes on from there. Down at 350 instead, in bank 7 with
    # its Bank Select, spends what the synth held: its change at 400 stays in bank 7.
    head = _presses((10, "button4")) + [{"t": 100, "usb_in": "0B B0 00 00 0B B0 20 07 0C C0 0A 00"}] + \
        _presses((150, "button2")) + [{"t": 300, "usb_in": "0B B0 20 09"}]
    tail = [{"t": 400, "din_in": "C0 03"}] + _presses((450, "button2"))
    first = [
        "10.000 USB 0B B0 00 00", "10.000 USB 0B B0 20 02", "10.000 USB 0C C0 05 00",
        "150.000 USB 0B B0 00 00", "150.000 USB 0B B0 20 07", "150.000 USB 0C C0 0B 00",
    ]
    usb = port(_run(tmp_path, PROGRAMS, head + tail), "USB")
    assert usb == port(BOOT, "USB") + first + [
        "401.000 USB 0C C0 03 00",  # DIN IN's, passed on to the host
        "450.000 USB 0B B0 00 00", "450.000 USB 0B B0 20 09", "450.000 USB 0C C0 04 00",
    ]
    usb = port(_run(tmp_path, PROGRAMS, head + _presses((350, "button3")) + tail), "USB")
    assert usb == port(BOOT, "USB") + first + [
        "350.000 USB 0B B0 00 00", "350.000 USB 0B B0 20 07", "350.000 USB 0C C0 0A 00",
        "401.000 USB 0C C0 03 00",
        "450.000 USB 0B B0 00 00", "450.000 USB 0B B0 20 07", "450.000 USB 0C C0 04 00",
    ]
