"""What MIDI IN started on DIN OUT is ended a few messages a scan (Controller.end_thru: after
panic, the host leaving, DIN IN's Active Sensing stopping), so that the controller's own
messages never wait behind many. A source that starts a note or holds a pedal down again
while its ending still runs has the rest of the ending go first, at once: else a Note Off
(or a pedal up) owed from before would come after the new note and cut it, while the player
holds it. And a USB host coming back gets what it missed meanwhile: the Note Offs, and the
pedals and pitch bends as they are now. End to end through the simulator, exact bytes and times."""
import json

from test_sim import sim
from trace_check import all_notes_off

# DIN IN's notes echoed to DIN OUT; button4 is the reference layout's panic
ECHO = {"thru": {"din_to_din": True}}


def _din(tmp_path, events):
    c = tmp_path / "cfg.json"
    c.write_text(json.dumps(ECHO))
    lines = sim(tmp_path, {"config": str(c), "tail_ms": 10, "events": events})
    return [ln for ln in lines if float(ln.split()[0]) >= 195 and " DIN " in ln]


# 24 notes DIN IN holds on channel 2 (30..47 hex) ended by panic at 200 on DIN OUT, with
# something from DIN IN at 203 (seen in the scan at 204) that has the rest queued at once
HELD_24 = "91 " + " ".join("%02X 64" % (0x30 + i) for i in range(24))
ENDING_24 = [
    "200.000 DIN 81 30 40",  # the ending, a few a scan
    "200.960 DIN 31 40",
    "201.600 DIN 32 40",
] + all_notes_off("DIN", 202.24) + [  # panic's own All Notes Off, on each channel
    "217.600 DIN 81 33 40",
    "218.560 DIN 34 40",  # (what came at 203, seen in the scan at 204: the rest queued at once)
    "219.200 DIN 35 40",
    "219.840 DIN 36 40",
    "220.480 DIN 37 40",
    "221.120 DIN 38 40",
    "221.760 DIN 39 40",
    "222.400 DIN 3A 40",
    "223.040 DIN 3B 40",
    "223.680 DIN 3C 40",
    "224.320 DIN 3D 40",
    "224.960 DIN 3E 40",
    "225.600 DIN 3F 40",
    "226.240 DIN 40 40",
    "226.880 DIN 41 40",
    "227.520 DIN 42 40",
    "228.160 DIN 43 40",
    "228.800 DIN 44 40",
    "229.440 DIN 45 40",
    "230.080 DIN 46 40",
    "230.720 DIN 47 40",  # the last note owed
]


def test_a_note_played_while_panic_ends_the_echoed_notes_is_not_cut(tmp_path):
    # 24 notes held on channel 2 (30..47 hex), panic at 200; at 203 DIN IN plays note 47 again
    # (still owed its Note Off) and a new one, 4A
    lines = _din(tmp_path, [{"t": 100, "din_in": HELD_24}, {"t": 200, "control": "button4", "press": 1.0},
                            {"t": 203, "din_in": "91 47 64 4A 64"}, {"t": 260, "control": "button4", "release": True}])
    assert lines == ENDING_24 + [  # (the old 47 ended last)
        "231.360 DIN 91 47 64",  # then the new one starts, and 4A: neither is ended after
        "232.320 DIN 4A 64",
    ]


def test_a_pedal_held_down_again_while_its_ending_runs_stays_down(tmp_path):
    # sustain down and 30 notes on channel 2, panic at 200; at 203 DIN IN's sustain down again
    held = "B1 40 7F 91 " + " ".join("%02X 64" % (0x30 + i) for i in range(30))
    lines = _din(tmp_path, [{"t": 100, "din_in": held}, {"t": 200, "control": "button4", "press": 1.0},
                            {"t": 203, "din_in": "B1 40 7F"}, {"t": 260, "control": "button4", "release": True}])
    assert lines[-4:] == [
        "233.920 DIN 4C 40",
        "234.560 DIN 4D 40",  # the last note owed
        "235.200 DIN B1 40 00",  # the old pedal up,
        "236.160 DIN 40 7F",  # then down again: it stays down
    ]
    assert len(lines) == 48 and not [ln for ln in lines[:-2] if (" B1 " in ln and " 7B " not in ln) or " 40 7F" in ln]


def _sim(tmp_path, cfg, events, t0):
    c = tmp_path / "cfg.json"
    c.write_text(json.dumps(cfg))
    return [ln for ln in sim(tmp_path, {"config": str(c), "tail_ms": 10, "events": events}) if float(ln.split()[0]) >= t0]


PLAYED = [{"t": 100, "din_in": "91 40 64 B1 40 7F 92 30 64"},  # DIN IN: two notes, sustain down
          {"t": 200, "control": "button4", "press": 1.0}, {"t": 260, "control": "button4", "release": True}]


def test_panic_ends_what_din_in_started_on_usb_too(tmp_path):
    # (DIN IN's notes go to the host by default, not to DIN OUT: panic lets nothing of them
    # sound on the host either, as DIN IN's Active Sensing stopping does)
    assert _sim(tmp_path, {}, PLAYED, 99) == [
        "101.000 USB 09 91 40 64",
        "102.000 USB 0B B1 40 7F",
        "103.000 USB 09 92 30 64",
        "200.000 USB 08 81 40 40",  # its notes end,
        "200.000 USB 08 82 30 40",
        "200.000 USB 0B B1 40 00",  # its sustain goes up,
    ] + all_notes_off("USB", 200) + all_notes_off("DIN", 200, running=True)  # then panic's All Notes Off, on each
    # channel (the pads' first: on DIN with the running status of the power-on one)


def test_panic_leaves_usb_alone_when_din_in_does_not_go_there(tmp_path):
    assert _sim(tmp_path, {"thru": {"din_to_usb": False}}, PLAYED, 99) == all_notes_off("USB", 200) + all_notes_off(
        "DIN", 200, running=True)


def test_a_host_coming_back_gets_the_pedal_changes_it_missed(tmp_path):
    # DIN IN's sustain down and a note reach the host; the host goes away, and meanwhile DIN
    # IN lets the sustain up and holds sostenuto down on channel 3: when the host is back it
    # gets the Note Off it is owed, and both pedals as DIN IN has them now
    assert _sim(tmp_path, {}, [{"t": 100, "din_in": "B1 40 7F 91 40 64"}, {"t": 200, "usb": "disconnected"},
                               {"t": 210, "din_in": "B1 40 00 B2 42 7F"}, {"t": 300, "usb": "connected"}], 99) == [
        "101.000 USB 0B B1 40 7F",
        "102.000 USB 09 91 40 64",
        "300.000 USB 08 81 40 40",
        "300.000 USB 0B B1 40 00",
        "300.000 USB 0B B2 42 7F",
    ]


def test_a_note_din_in_plays_while_the_host_is_still_owed_note_offs_is_not_cut(tmp_path):
    # DIN IN (Active Sensing on) holds 70 notes on channels 2 and 3, then falls silent: at
    # 469 the host is owed 70 Note Offs, 64 of which fit its buffer at once; DIN IN is back
    # then with note 42 on channel 3, still owed its Note Off. The Note Offs owed go first
    # (the last six as the host reads, at 470), then the note, the scan after: it sounds
    # (before, the ending's Note Off came after and cut it).
    held = " ".join("%02X %02X 64" % (0x90 | ch, 0x20 + i) for ch in (1, 2) for i in range(35))
    lines = _sim(tmp_path, {}, [{"t": 100, "din_in": "FE " + held}, {"t": 469, "din_in": "92 42 64"}], 469)
    assert [ln[:7] for ln in lines].count("469.000") == 64
    assert lines[64:] == [
        "470.000 USB 08 82 3D 40",
        "470.000 USB 08 82 3E 40",
        "470.000 USB 08 82 3F 40",
        "470.000 USB 08 82 40 40",
        "470.000 USB 08 82 41 40",
        "470.000 USB 08 82 42 40",
        "471.000 USB 09 92 42 64",
    ]


def test_a_host_coming_back_gets_the_pitch_bend_it_missed(tmp_path):
    # the stick bent while the host listens, let go while it is away: coming back, the host
    # gets the bend centred (before, its instrument stayed bent until the stick moved again)
    lines = _sim(tmp_path, {}, [{"t": 100, "control": "bend", "position": 0.9, "ramp_ms": 20},
                                {"t": 200, "usb": "disconnected"},
                                {"t": 210, "control": "bend", "position": 0.5, "ramp_ms": 20},
                                {"t": 300, "usb": "connected"}], 190)
    assert [ln for ln in lines if " USB " in ln] == [
        "190.000 USB 0E E0 5F 72",
        "195.000 USB 0E E0 62 72",  # the last the host got before it left
        "300.000 USB 0E E0 00 40",  # back: the centre it missed
    ]


def test_a_bend_the_host_left_on_din_out_is_taken_back_when_it_goes_away(tmp_path):
    # The host bends channel 1 through to DIN OUT and channel 2 back to centre, then is
    # unplugged mid-bend: channel 1 goes back to centre, as its notes end; channel 2 gets
    # nothing (the host left it centred). Before, the DIN synth stayed bent.
    lines = _sim(tmp_path, {"thru": {"usb_to_din": True}},
                 [{"t": 100, "usb_in": "09 90 40 64 0E E0 00 60 0E E1 10 30 0E E1 00 40"},
                  {"t": 200, "usb": "disconnected"}], 99)
    assert [ln for ln in lines if " DIN " in ln] == [
        "100.000 DIN 90 40 64",
        "100.960 DIN E0 00 60",
        "101.920 DIN E1 10 30",
        "102.880 DIN 00 40",
        "201.000 DIN 80 40 40",  # unplugged (seen in the next scan): the note ends,
        "201.960 DIN E0 00 40",  # and the bend is taken back
    ]


def test_a_bend_taken_back_goes_where_the_controllers_own_stick_left_it(tmp_path):
    # The stick (channel 1) pushed to 0.9 and held; the host's bend on channel 1 comes after
    # it, then DIN IN's (with Active Sensing), which stops: when DIN IN is ended, channel 1
    # goes back to the stick's bend, not to centre. The host's, which DIN IN's replaced on
    # the wire, is nothing to take back when the host goes.
    c = tmp_path / "cfg.json"
    c.write_text(json.dumps({"thru": {"usb_to_din": True, "din_to_din": True}}))
    lines = sim(tmp_path, {"config": str(c), "tail_ms": 400, "events": [
        {"t": 100, "control": "bend", "position": 0.9, "ramp_ms": 20},
        {"t": 900, "usb_in": "0E E0 00 20"}, {"t": 910, "din_in": "FE E0 00 70"},
        {"t": 1250, "usb": "disconnected"}]})
    assert [ln for ln in lines if float(ln.split()[0]) >= 890] == [
        "900.000 DIN 00 20",  # the host's (the stick's last: E0 74 72, at 300)
        "911.000 USB 0F FE 00 00",
        "911.000 DIN FE",
        "912.000 USB 0E E0 00 70",
        "912.000 DIN 00 70",  # DIN IN's
        "1213.000 USB 0E E0 74 72",  # DIN IN silent 300 ms: back to the stick's bend, on USB
        "1213.000 DIN 74 72",  # and on DIN OUT
    ]  # (and the host unplugged at 1250 left nothing bent)
    assert [ln for ln in lines if " DIN " in ln][-5] == "300.000 DIN 74 72"


def test_a_bend_din_in_left_on_usb_goes_back_when_its_active_sensing_stops(tmp_path):
    # DIN IN (Active Sensing on) bends channel 2 to the host and channel 3 and back, then its
    # cable is pulled: channel 2 goes back to centre on USB, as its note ends; channel 3 gets
    # nothing. Before, the host's instrument stayed bent.
    lines = sim(tmp_path, {"tail_ms": 400, "events": [{"t": 100, "din_in": "FE 91 40 64 E1 00 30 E2 10 50 E2 00 40"}]})
    assert [ln for ln in lines if " USB " in ln and float(ln.split()[0]) >= 99] == [
        "101.000 USB 0F FE 00 00",
        "102.000 USB 09 91 40 64",
        "103.000 USB 0E E1 00 30",
        "104.000 USB 0E E2 10 50",
        "105.000 USB 0E E2 00 40",
        "406.000 USB 08 81 40 40",  # 300 ms after its last byte: its note ends,
        "406.000 USB 0E E1 00 40",  # and its bend goes back
    ]


def test_a_bend_played_while_panic_ends_the_echo_is_not_undone(tmp_path):
    # 24 notes and a bend held by DIN IN on channel 2, panic at 200; at 203 DIN IN moves its
    # wheel on: the rest of the ending goes first, its bend back at centre last, then the new
    # bend (before, the new bend went in the middle of the ending and the ending's centre
    # came after it and undid it)
    lines = _din(tmp_path, [{"t": 100, "din_in": HELD_24 + " E1 00 60"}, {"t": 200, "control": "button4", "press": 1.0},
                            {"t": 203, "din_in": "E1 00 70"}, {"t": 260, "control": "button4", "release": True}])
    assert lines == ENDING_24 + [
        "231.360 DIN E1 00 40",  # the old bend back at centre,
        "232.320 DIN 00 70",  # then the new one
    ]


def test_modulation_and_pressure_din_in_left_go_back_to_zero_when_its_active_sensing_stops(tmp_path):
    # DIN IN (Active Sensing on, echoed to DIN OUT too) turns its modulation up on channel 2
    # and presses channel 3, and turns channel 4's modulation up and back to zero; then its
    # cable is pulled: on both ports channel 2's modulation and channel 3's pressure go back
    # to zero (channel 4 gets nothing). Before, the synths went on wobbling and swelling.
    c = tmp_path / "cfg.json"
    c.write_text(json.dumps({"thru": {"din_to_din": True}}))
    lines = sim(tmp_path, {"config": str(c), "tail_ms": 400, "events": [
        {"t": 100, "din_in": "FE B1 01 50 D2 30 B3 01 20 B3 01 00"}]})
    assert [ln for ln in lines if float(ln.split()[0]) >= 99] == [
        "101.000 USB 0F FE 00 00",
        "101.000 DIN FE",
        "102.000 USB 0B B1 01 50",
        "102.000 USB 0D D2 30 00",
        "102.000 DIN B1 01 50",
        "102.960 DIN D2 30",
        "103.000 USB 0B B3 01 20",
        "103.600 DIN B3 01 20",
        "104.000 USB 0B B3 01 00",
        "104.560 DIN 01 00",
        "405.000 USB 0B B1 01 00",  # 300 ms after its last byte: back at zero on USB,
        "405.000 USB 0D D2 00 00",
        "405.000 DIN B1 01 00",  # and on DIN OUT
        "405.960 DIN D2 00",
    ]


def test_modulation_and_pressure_the_host_left_on_din_out_go_back_when_it_goes_away(tmp_path):
    # The host modulates channel 1 and presses channels 2 and 3 through to DIN OUT, then is
    # unplugged: channel 1's modulation and channel 2's pressure go back to zero there, as
    # its note ends. DIN IN (no Active Sensing) pressed channel 3 after it: that one is DIN
    # IN's now, not the host's to put back.
    lines = _sim(tmp_path, {"thru": {"usb_to_din": True, "din_to_din": True}},
                 [{"t": 100, "usb_in": "09 90 40 64 0B B0 01 7F 0D D1 40 00 0D D2 10 00"},
                  {"t": 110, "din_in": "D2 22"},
                  {"t": 200, "usb": "disconnected"}], 99)
    assert [ln for ln in lines if " DIN " in ln] == [
        "100.000 DIN 90 40 64",
        "100.960 DIN B0 01 7F",
        "101.920 DIN D1 40",
        "102.560 DIN D2 10",
        "111.000 DIN 22",  # DIN IN's, on channel 3 (seen in the scan at 111)
        "201.000 DIN 80 40 40",  # unplugged (seen in the next scan): the note ends,
        "201.960 DIN B0 01 00",  # the modulation and channel 1's pressure back at zero
        "202.920 DIN D1 00",
    ]


def test_panic_puts_the_echoed_modulation_back_after_the_notes(tmp_path):
    # DIN IN (echoed) holds a note with its modulation up on channel 2; panic ends the note,
    # then puts the modulation back (what the ending sends a few bytes a scan), then its own
    # All Notes Off
    lines = _din(tmp_path, [{"t": 100, "din_in": "91 40 64 B1 01 60"}, {"t": 200, "control": "button4", "press": 1.0},
                            {"t": 260, "control": "button4", "release": True}])
    assert lines == [
        "200.000 DIN 81 40 40",
        "200.960 DIN B1 01 00",
    ] + all_notes_off("DIN", 201.92)


def test_a_host_coming_back_gets_the_modulation_and_pressure_it_missed(tmp_path):
    # DIN IN's modulation and pressure on channel 2 and a note reach the host; the host goes
    # away, and meanwhile DIN IN turns the modulation down, lets the pressure go and turns
    # channel 3's modulation up: back, the host gets its Note Off, then each as DIN IN has
    # it now (before, its instrument went on wobbling and swelling)
    assert _sim(tmp_path, {}, [{"t": 100, "din_in": "B1 01 64 D1 32 91 40 64"}, {"t": 200, "usb": "disconnected"},
                               {"t": 210, "din_in": "B1 01 1E D1 00 B2 01 05"}, {"t": 300, "usb": "connected"}], 99) == [
        "101.000 USB 0B B1 01 64",
        "102.000 USB 0D D1 32 00",
        "103.000 USB 09 91 40 64",
        "300.000 USB 08 81 40 40",
        "300.000 USB 0B B1 01 1E",
        "300.000 USB 0B B2 01 05",
        "300.000 USB 0D D1 00 00",
    ]


def test_din_ins_modulation_and_pressure_put_back_while_the_host_was_away_reach_it_when_it_returns(tmp_path):
    # DIN IN (Active Sensing on) modulates and presses channel 2 to the host; the host goes
    # away, then DIN IN falls silent: the zeros its ending sends find no host, and reach it
    # when it comes back (before, it kept DIN IN's last values)
    assert _sim(tmp_path, {}, [{"t": 100, "din_in": "FE B1 01 64 D1 32"}, {"t": 200, "usb": "disconnected"},
                               {"t": 700, "usb": "connected"}], 99) == [
        "101.000 USB 0F FE 00 00",
        "102.000 USB 0B B1 01 64",
        "102.000 USB 0D D1 32 00",
        "700.000 USB 0B B1 01 00",
        "700.000 USB 0D D1 00 00",
    ]


def test_a_host_coming_back_gets_where_the_modulation_and_sustain_knobs_went_meanwhile(tmp_path):
    # knob3 on modulation, knob5 on sustain (CC 64), both up while the host listens; away, the
    # first is turned down to 0.3 and the second to 0: back, the host gets the sustain up and
    # the modulation where the knob is (before, neither: the knob messages the native filter
    # run sends were not kept for a returning host, and its notes went on ringing)
    lines = _sim(tmp_path, {"controls": {"knob3": {"cc": 1}, "knob5": {"cc": 64}}},
                 [{"t": 100, "control": "knob3", "position": 0.8, "ramp_ms": 20},
                  {"t": 100, "control": "knob5", "position": 1.0}, {"t": 200, "usb": "disconnected"},
                  {"t": 210, "control": "knob3", "position": 0.3, "ramp_ms": 20},
                  {"t": 210, "control": "knob5", "position": 0.0}, {"t": 300, "usb": "connected"}], 160)
    assert [ln for ln in lines if " USB " in ln] == [
        "166.000 USB 0B B0 01 65",  # the last the host got before it left
        "300.000 USB 0B B0 40 00",
        "300.000 USB 0B B0 01 27",
    ]


def test_a_knob_turned_while_din_ins_long_dump_passes_to_usb_stays_out_of_it(tmp_path):
    # DIN IN sends a 603-byte SysEx (passed to the host in parts as it arrives, 100..293 ms);
    # knob3 is turned meanwhile: on USB nothing comes between the dump's packets (before, the
    # native filter run put the knob's Control Changes in the middle of it), on DIN OUT the
    # knob plays as ever; after the dump's F7 the host gets where the knob is now (0x66, DIN
    # OUT's since 291 ms: before, it had none of the turn until the knob moved again)
    dump = "F0 7D " + " ".join("%02X" % (i % 100) for i in range(600)) + " F7"
    lines = _sim(tmp_path, {"controls": {"knob3": {"cc": 21}}},
                 [{"t": 100, "din_in": dump}, {"t": 150, "control": "knob3", "position": 0.8, "ramp_ms": 20}], 99)
    usb = [ln for ln in lines if " USB " in ln]
    assert len(usb) == 202 and all(ln.split()[2] == "04" for ln in usb[:200])
    assert usb[0] == "141.000 USB 04 F0 7D 00" and usb[200:] == ["293.000 USB 07 62 63 F7", "293.000 USB 0B B0 15 66"]
    assert [ln for ln in lines if " DIN " in ln][-1] == "291.000 DIN 15 66"
    assert [ln for ln in lines if " DIN " in ln][:2] == ["156.000 DIN B0 15 16", "161.000 DIN 15 27"]


def test_a_host_that_comes_after_the_pots_reported_gets_their_positions(tmp_path):
    # report_pots_at_boot, the host enumerating only at 100 ms (on a board it takes longer than
    # the filters' priming): it gets each knob's position when it comes (before, only DIN OUT
    # ever had them)
    lines = _sim(tmp_path, {"report_pots_at_boot": True}, [{"t": 0, "usb": "disconnected"}, {"t": 100, "usb": "connected"}], 1)
    assert lines == ["75.000 DIN B0 46 00", "76.000 DIN 47 00", "76.640 DIN 48 00", "77.280 DIN 49 00",
                     "77.920 DIN 4A 00", "78.560 DIN 4B 00", "79.200 DIN 4C 00", "79.840 DIN 4D 00"] + [
        "100.000 USB 0B B0 %02X 00" % cc for cc in range(0x46, 0x4E)]
    # without it, such a host is sent none: the positions it finds are taken as its own
    lines = _sim(tmp_path, {}, [{"t": 0, "usb": "disconnected"}, {"t": 100, "usb": "connected"}], 1)
    assert lines == []


def test_a_host_that_comes_back_gets_where_the_knobs_it_missed_are(tmp_path):
    # knob1 turned while the host is there, then knob1 and knob2 while it is away: when it comes
    # back it gets where those two are now, the same values as DIN OUT's last; the other knobs,
    # unmoved, nothing (before: it had none of it until each knob moved again)
    lines = _sim(tmp_path, {}, [{"t": 100, "control": "knob1", "position": 0.5, "ramp_ms": 10},
                                {"t": 200, "usb": "disconnected"},
                                {"t": 210, "control": "knob2", "position": 0.25},
                                {"t": 210, "control": "knob1", "position": 0.75},
                                {"t": 400, "usb": "connected"}], 150)
    assert [ln for ln in lines if " USB " in ln] == ["175.000 USB 0B B0 46 3F", "400.000 USB 0B B0 46 5F",
                                                     "400.000 USB 0B B0 47 1F"]
    din = [ln.split() for ln in lines if " DIN " in ln]
    assert [d[-2:] for d in din if d[-2] == "46"][-1] == ["46", "5F"]
    assert [d[-2:] for d in din if d[-2] == "47"][-1] == ["47", "1F"]
    assert max(float(d[0]) for d in din) < 400


BUTTONS = {"controls": {"button1": {"type": "cc_toggle", "cc": 80, "shift": {"channel": 2, "cc": 81}},
                        "button2": {"type": "cc_momentary", "cc": 82},
                        "button4": {"type": "program", "channel": 3, "program": 12, "bank": 300}}}


def test_a_host_that_comes_back_gets_the_cc_buttons_and_program_it_missed(tmp_path):
    # button2 (momentary) held as the host leaves and let go while it is away; button1 (a
    # toggle) latched on in both layers, button4 (a program with its bank) pressed meanwhile:
    # when the host comes back it gets each as it is now (before: it kept button2 held, and
    # had neither toggle nor the program)
    lines = _sim(tmp_path, BUTTONS, [
        {"t": 5, "control": "button2", "press": 1.0}, {"t": 20, "usb": "disconnected"},
        {"t": 30, "control": "button1", "press": 1.0}, {"t": 60, "control": "button1", "release": True},
        {"t": 70, "control": "button2", "release": True},
        {"t": 80, "control": "button4", "press": 1.0}, {"t": 110, "control": "button4", "release": True},
        {"t": 120, "control": "button3", "press": 1.0}, {"t": 130, "control": "button1", "press": 1.0},
        {"t": 150, "control": "button1", "release": True}, {"t": 160, "control": "button3", "release": True},
        {"t": 200, "usb": "connected"}], 1)
    assert lines == ["5.000 USB 0B B0 52 7F", "5.000 DIN B0 52 7F", "30.000 DIN 50 7F", "70.000 DIN 52 00",
                     "80.000 DIN B2 00 02", "80.960 DIN 20 2C", "81.600 DIN C2 0C", "130.000 DIN B1 51 7F",
                     "200.000 USB 0B B0 50 7F", "200.000 USB 0B B1 51 7F", "200.000 USB 0B B0 52 00",
                     "200.000 USB 0B B2 00 02", "200.000 USB 0B B2 20 2C", "200.000 USB 0C C2 0C 00"]


def test_a_host_that_comes_back_gets_both_layers_of_a_knob_as_din_out_had_them(tmp_path):
    # knob1 turned while the host is away, with shift (button3) held (CC 102) and not (CC 70),
    # shift last let go: the host gets each layer's last value DIN OUT carried (before: CC 102
    # not at all, its layer being off when the host came back)
    lines = _sim(tmp_path, {}, [{"t": 100, "usb": "disconnected"},
                                {"t": 110, "control": "button3", "press": 1.0},
                                {"t": 130, "control": "knob1", "position": 0.5},
                                {"t": 160, "control": "button3", "release": True},
                                {"t": 180, "control": "knob1", "position": 0.25},
                                {"t": 200, "control": "button3", "press": 1.0},
                                {"t": 220, "control": "button3", "release": True},
                                {"t": 300, "usb": "connected"}], 1)
    assert [ln for ln in lines if " USB " in ln] == ["300.000 USB 0B B0 46 20", "300.000 USB 0B B0 66 21"]
    din = [ln.split() for ln in lines if " DIN " in ln]
    assert [d[-2:] for d in din if d[-2] == "46"][-1] == ["46", "20"]
    assert [d[-2:] for d in din if d[-2] == "66"][-1] == ["66", "21"]


def test_a_host_that_comes_back_gets_both_layers_of_an_absolute_encoder(tmp_path):
    # enc1 (absolute, CC 20, shift layer CC 21) turned while the host is away, with shift
    # held and not, shift let go last: the host gets each layer's value as DIN OUT last
    # carried it (before: CC 21 not at all, its layer being off when the host came back)
    cfg = {"controls": {"enc1": {"type": "cc_absolute", "cc": 20, "shift": {"cc": 21}}}}
    lines = _sim(tmp_path, cfg, [{"t": 100, "usb": "disconnected"},
                                 {"t": 110, "control": "button3", "press": 1.0},
                                 {"t": 130, "control": "enc1", "turn": 5},
                                 {"t": 160, "control": "button3", "release": True},
                                 {"t": 180, "control": "enc1", "turn": 3},
                                 {"t": 200, "control": "button3", "press": 1.0},
                                 {"t": 220, "control": "button3", "release": True},
                                 {"t": 300, "usb": "connected"}], 1)
    assert lines == ["131.000 DIN B0 15 01", "132.000 DIN 15 02", "133.000 DIN 15 03", "134.000 DIN 15 04",
                     "135.000 DIN 15 05", "181.000 DIN 14 01", "182.000 DIN 14 02", "183.000 DIN 14 03",
                     "300.000 USB 0B B0 14 03", "300.000 USB 0B B0 15 05"]


def test_modulation_and_pressure_go_back_where_the_controllers_own_knobs_are(tmp_path):
    # knob3 on modulation and knob5 on channel pressure, both channel 1, turned and left at
    # 0.8 and 0.5; DIN IN (Active Sensing on, echoed to DIN OUT) then modulates and presses
    # channel 1 and modulates channel 2, and falls silent: channel 1's go back to where the
    # knobs are, on both ports (before: to zero, under the player's knobs), channel 2's to zero
    c = tmp_path / "cfg.json"
    c.write_text(json.dumps({"thru": {"din_to_din": True},
                             "controls": {"knob3": {"cc": 1}, "knob5": {"type": "channel_pressure"}}}))
    lines = sim(tmp_path, {"config": str(c), "tail_ms": 400, "events": [
        {"t": 100, "control": "knob3", "position": 0.8, "ramp_ms": 20},
        {"t": 100, "control": "knob5", "position": 0.5, "ramp_ms": 20},
        {"t": 500, "din_in": "FE B0 01 50 D0 30 B1 01 40"}]})
    assert [ln for ln in lines if float(ln.split()[0]) >= 495] == [
        "501.000 USB 0F FE 00 00",
        "501.000 DIN FE",
        "502.000 USB 0B B0 01 50",
        "502.000 USB 0D D0 30 00",
        "502.000 DIN 01 50",  # (running status: the knob's CC 1 was the last on DIN)
        "502.640 DIN D0 30",
        "503.000 USB 0B B1 01 40",
        "503.280 DIN B1 01 40",
        "804.000 USB 0B B0 01 66",  # 300 ms after its last byte: knob3's modulation,
        "804.000 USB 0B B1 01 00",
        "804.000 USB 0D D0 3F 00",  # knob5's pressure
        "804.000 DIN B0 01 66",
        "804.960 DIN B1 01 00",
        "805.920 DIN D0 3F",
    ]
