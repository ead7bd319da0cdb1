"""Config validation of matrix keys (the broken-config corpus is test_rel_configs)."""


def test_config_accepts_matrix_keys_like_switches():
    from midictl import config

    board = {"board": "t", "matrix": {"rows": [1], "cols": [2]},
             "controls": {"button5": {"kind": "key", "matrix": [0, 0]}}}
    cfg = config.validate({"controls": {"button5": {"type": "note", "note": 60}}}, board)
    assert cfg["controls"]["button5"]["type"] == "note"
    assert config.validate({}, board)["controls"]["button5"] == {"type": "cc_momentary", "channel": 1, "cc": 85,
                                                                 "value": 127, "off_value": 0}


def test_controls_left_out_get_exactly_what_checking_them_would_give():
    # validate() completes the reference mapping of controls the file leaves out without
    # re-checking it (boot time); the result must equal the full check's
    import json

    from midictl import config

    for name in ("pico", "xiao_rp2040", "kb2040"):
        with open("boards/%s.json" % name) as f:
            board = json.loads(f.read())
        fast = config.validate({}, board)
        slow = config.validate({"controls": {n: {} for n in board["controls"]}}, board)
        assert fast == slow, name


def test_mappings_written_out_in_full_get_exactly_what_checking_them_would_give():
    # A config.json from `make stage` (or `make deploy CONFIG=`) writes every control's
    # mapping out in full; validate() takes a written-out reference mapping without
    # re-checking it (boot time). The check itself must agree, and a value that is equal
    # but of another JSON type must still be checked and refused.
    import json

    from dualtest import raises
    from midictl import config

    for name in ("pico", "xiao_rp2040", "kb2040"):
        with open("boards/%s.json" % name) as f:
            board = json.loads(f.read())
        full = config.validate({}, board)
        assert config.validate(json.loads(json.dumps(full)), board) == full, name
        base = config.default_config(board)["controls"]
        for n in board["controls"]:
            m = full["controls"][n]
            slow = config._check_mapping("config.json", "controls." + n, n, board["controls"][n]["kind"], m,
                                         base[n], True)
            assert slow == m, (name, n)
    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    full = config.validate({}, board)
    for field, value, message in (
            ("velocity_min", True, "config.json: controls.pad1.velocity_min: true is not a whole number (allowed 1..127)"),
            ("note", 36.0, "config.json: controls.pad1.note: 36.0 is not a whole number (allowed 0..127)")):
        cfg = json.loads(json.dumps(full))
        cfg["controls"]["pad1"][field] = value
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == message


def test_pad_thresholds_the_validator_passes_are_those_set_pad_takes():
    # a threshold the config passes must not stop the build (it did for 1 and 3400..4095)
    from dualtest import raises
    from midictl import config
    from midictl.controls.pads import PadGroup
    from midictl.controls.velocity import make_curve

    pads = PadGroup(None, 1)
    assert pads._ph[5] == config.PAD_FULL_SCALE  # (its full scale: the 6th of its 16-bit values)
    lo, hi = config._FIELDS["threshold"][1:]
    fs_lo, fs_hi = config._FIELDS["full_scale"][1:]
    assert (lo, hi, fs_lo, fs_hi) == (2, 4094, 3, 4095)
    curve = make_curve("linear", 1, 127, 100, None)
    for t in (lo, hi):  # with the highest full scale, every threshold the field allows
        pads.set_pad(0, "piezo", 9, 36, curve, t, 50, "off", full_scale=fs_hi)
    for t in (lo - 1, hi + 1):
        e = raises(ValueError, pads.set_pad, 0, "piezo", 9, 36, curve, t, 50, "off", full_scale=fs_hi)
        assert str(e) == "threshold %d out of range 2..4094" % t
    # the lowest full scale takes the lowest threshold; a full scale is the pad's own
    pads.set_pad(0, "piezo", 9, 36, curve, lo, 50, "off", full_scale=fs_lo)
    assert pads._ph[5] == 3
    # the validator's pair check is set_pad's: a threshold below the pad's full scale
    for fs, t, ok in ((1500, 1499, True), (1500, 1500, False), (config.PAD_FULL_SCALE, 3400, False)):
        cfg = {"controls": {"pad1": {"full_scale": fs, "threshold": t}}}
        with open("boards/pico.json") as f:
            import json

            pico = json.loads(f.read())
        if ok:
            m = config.validate(cfg, pico)["controls"]["pad1"]
            pads.set_pad(0, "piezo", 9, 36, curve, m["threshold"], 50, "off", full_scale=m["full_scale"])
        else:
            assert str(raises(config.ConfigError, config.validate, cfg, pico)) == (
                "config.json: controls.pad1.threshold: %d must be below full_scale %d" % (t, fs))
            e = raises(ValueError, pads.set_pad, 0, "piezo", 9, 36, curve, t, 50, "off", full_scale=fs)
            assert str(e) == "threshold %d out of range 2..%d" % (t, fs - 1)


def test_watchdog_is_off_or_at_least_a_second():
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    for ms in (0, 1000, 8300):
        assert config.validate({"watchdog_ms": ms, "scan_us": 20000}, board)["watchdog_ms"] == ms
    for ms in (1, 50, 999):
        e = raises(config.ConfigError, config.validate, {"watchdog_ms": ms}, board)
        assert str(e) == "config.json: watchdog_ms: %d is out of range 1000..8300 (or 0: off)" % ms


def test_a_shift_mapping_has_its_controls_type_and_fields():
    import json

    from midictl import config

    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    cfg = config.validate({"controls": {
        "knob1": {"type": "cc14", "cc14": 5, "shift": {"type": "cc14", "cc14": 6, "min": 100}},
        "knob2": {"shift": {"channel": 2}},
        "bend": {"shift": {"channel": 3, "invert": True}},
        "enc1": {"shift": {"channel": 4, "cc": 20}},
        "button2": {"type": "note", "channel": 2, "note": 60, "velocity": 90, "shift": {"note": 72, "channel": 3}},
        "button3": {"type": "cc_momentary", "shift": {"cc": 90}}}}, board)
    c = cfg["controls"]
    assert c["knob1"]["shift"] == {"type": "cc14", "channel": 1, "cc14": 6, "min": 100, "max": 16383,
                                   "invert": False, "takeover": False, "deadzone": 24}
    assert c["knob2"]["shift"] == {"type": "cc", "channel": 2, "cc": 71, "min": 0, "max": 127, "invert": False,
                                   "takeover": False, "deadzone": 24}
    assert c["bend"]["shift"] == {"type": "bend", "channel": 3, "centre_deadzone": 80, "deadzone": 24, "invert": True}
    assert c["enc1"]["shift"] == {"type": "cc_relative", "channel": 4, "cc": 20, "encoding": "twos_complement",
                                  "accel": False, "steps_per_detent": 4}
    # a note button's layers hold what a note button plays: no pad fields
    assert c["button2"] == {"type": "note", "channel": 2, "note": 60, "velocity": 90,
                            "shift": {"type": "note", "channel": 3, "note": 72, "velocity": 90}}
    assert c["button3"]["shift"] == {"type": "cc_momentary", "channel": 1, "cc": 90, "value": 127, "off_value": 0}
    # a knob given another type leaves the reference layout's shift behind
    assert "shift" not in config.validate({"controls": {"knob1": {"type": "nrpn"}}}, board)["controls"]["knob1"]


def test_check_board_names_the_board_files_field():
    # at boot (startup.load_board's caller): the same line on the host as on the board
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        good = f.read()
    config.check_board(json.loads(good))
    for name in ("xiao_rp2040", "kb2040", "pico2"):
        with open("boards/%s.json" % name) as f:
            config.check_board(json.loads(f.read()))
    b = json.loads(good)
    b["controls"]["knob3"]["kind"] = "kn\u00f6b"
    assert str(raises(config.ConfigError, config.check_board, b)) == (
        'board.json: controls.knob3.kind: "kn\\u00f6b" is not one of piezo, fsr, switch, pot, stick, encoder, key')
    b = json.loads(good)
    del b["controls"]["knob1"]["kind"]
    del b["controls"]["enc2"]["pins"]  # the first in name order is named
    assert str(raises(config.ConfigError, config.check_board, b)) == (
        "board.json: controls.enc2.pins: missing (a control of kind encoder is wired by pins)")


def test_a_note_button_refuses_the_pads_fields_by_name():
    # A note button (a switch that is no pad, or a matrix key) sends its note at one
    # velocity: curve, table, the velocity range, threshold, gate_ms, the window, mask and pressure would be
    # silently ignored there, so each is refused where it stands, in name order.
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        pico = json.loads(f.read())
    with open("host_tests/boards/pico_matrix.json") as f:
        matrix = json.loads(f.read())
    pad_values = (("crosstalk_pct", 50), ("curve", "soft"), ("full_scale", 2000), ("gate_ms", 30), ("mask_ms", 20),
                  ("pressure", "poly"), ("table", [1, 127]),
                  ("threshold", 200), ("velocity_max", 120), ("velocity_min", 10), ("window_ms", 1))
    for board, name in ((pico, "button2"), (matrix, "button7")):  # a switch; a key
        for field, value in pad_values:
            cfg = {"controls": {name: {"type": "note", "note": 60, field: value}}}
            assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
                "config.json: controls.%s.%s: a pad's field; a note button takes channel, note, velocity "
                "(and shift)" % (name, field)), (name, field)
        # two at once: the first in name order, on the host and on the board alike
        cfg = {"controls": {name: {"type": "note", "velocity_min": 5, "threshold": 50, "gate_ms": 10}}}
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
            "config.json: controls.%s.gate_ms: a pad's field; a note button takes channel, note, velocity "
            "(and shift)" % name)
        # a fault in a field of its own that comes first in name order is named first
        cfg = {"controls": {name: {"type": "note", "channel": 0, "curve": "soft"}}}
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
            "config.json: controls.%s.channel: 0 is out of range 1..16" % name)
        # a null is refused too: the field is not a note button's at all
        cfg = {"controls": {name: {"type": "note", "table": None}}}
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
            "config.json: controls.%s.table: a pad's field; a note button takes channel, note, velocity "
            "(and shift)" % name)
        # in the shift layer the shift rule names what it may set
        cfg = {"controls": {name: {"type": "note", "shift": {"curve": "hard"}}}}
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
            "config.json: controls.%s.shift.curve: a shift mapping of type \"note\" sets only channel, note "
            "(the rest is its control's)" % name)
        ok = config.validate({"controls": {name: {"type": "note", "channel": 3, "note": 61, "velocity": 80}}}, board)
        assert ok["controls"][name] == {"type": "note", "channel": 3, "note": 61, "velocity": 80}
        assert config.validate({"controls": {name: {"type": "note"}}}, board)["controls"][name] == {
            "type": "note", "channel": 10, "note": 36, "velocity": 100}
    # the pads keep theirs
    cfg = config.validate({"controls": {"pad1": {"curve": "soft", "threshold": 200, "gate_ms": 30,
                                                 "velocity_min": 10, "table": None, "mask_ms": 40,
                                                 "window_ms": 1}}}, pico)
    pad1 = cfg["controls"]["pad1"]
    assert (pad1["curve"], pad1["threshold"], pad1["gate_ms"], pad1["velocity_min"], pad1["table"],
            pad1["mask_ms"], pad1["window_ms"]) == ("soft", 200, 30, 10, None, 40, 1)
    assert (cfg["controls"]["pad2"]["mask_ms"], cfg["controls"]["pad2"]["window_ms"]) == (10, 2)  # the defaults
    # the retrigger mask's range: at least the 2 ms peak window, at most 250 (a byte a pad)
    for ms, why in ((1, "1 is out of range 2..250"), (251, "251 is out of range 2..250"),
                    (2.5, "2.5 is not a whole number (allowed 2..250)"),
                    (True, "true is not a whole number (allowed 2..250)")):
        cfg = {"controls": {"pad3": {"mask_ms": ms}}}
        assert str(raises(config.ConfigError, config.validate, cfg, pico)) == (
            "config.json: controls.pad3.mask_ms: " + why)
    # the peak window's: 1..10 ms, and the mask, which runs from the strike's start, covers it
    for m, why in (({"window_ms": 0}, "window_ms: 0 is out of range 1..10"),
                   ({"window_ms": 11}, "window_ms: 11 is out of range 1..10"),
                   ({"window_ms": 6, "mask_ms": 5}, "mask_ms: 5 must be at least window_ms 6"),
                   ({"window_ms": 11, "mask_ms": 5}, "window_ms: 11 is out of range 1..10")):
        cfg = {"controls": {"pad3": m}}
        assert str(raises(config.ConfigError, config.validate, cfg, pico)) == (
            "config.json: controls.pad3." + why), m
    pad3 = config.validate({"controls": {"pad3": {"window_ms": 10, "mask_ms": 10}}}, pico)["controls"]["pad3"]
    assert (pad3["window_ms"], pad3["mask_ms"]) == (10, 10)


def test_a_program_buttons_bank_null_is_no_bank_as_when_left_out():
    # The validated config itself says "no bank" with None: null in the file means the same
    # (it was refused, "null is not a whole number"), and any other value is still checked.
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    left_out = config.validate({"controls": {"button4": {"type": "program", "program": 5}}}, board)
    null = config.validate({"controls": {"button4": {"type": "program", "program": 5, "bank": None}}}, board)
    assert null == left_out
    assert null["controls"]["button4"] == {"type": "program", "channel": 1, "program": 5, "bank": None}
    two = config.validate({"controls": {"button4": {"type": "program", "program": 5, "bank": 2}}}, board)
    assert two["controls"]["button4"]["bank"] == 2
    for value, message in ((-1, "-1 is out of range 0..16383"), (16384, "16384 is out of range 0..16383"),
                           (2.0, "2.0 is not a whole number (allowed 0..16383)"),
                           (False, "false is not a whole number (allowed 0..16383)"),
                           ("2", "\"2\" is not a whole number (allowed 0..16383)")):
        cfg = {"controls": {"button4": {"type": "program", "bank": value}}}
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
            "config.json: controls.button4.bank: " + message), value
    # null stands for "left out" only where the validated config holds None itself
    cfg = {"controls": {"button4": {"type": "program", "program": None}}}
    assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
        "config.json: controls.button4.program: null is not a whole number (allowed 0..127)")
    cfg = {"controls": {"button4": {"type": "program_up", "bank": None}}}
    assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
        "config.json: controls.button4.bank: not a field of type \"program_up\" (fields: channel)")


def test_a_validated_config_written_out_reads_back_the_same():
    # make stage and make deploy CONFIG= write the validated config (or the part of it that
    # differs from the default) as JSON for the board to check at boot: a program button
    # without a bank wrote "bank": null, which the board refused, and a note button wrote
    # the pads' fields it had been given by default.
    import json

    from midictl import config

    with open("host_tests/boards/pico_matrix.json") as f:
        board = json.loads(f.read())
    full = config.validate({"controls": {
        "button2": {"type": "note", "note": 60},
        "button4": {"type": "program", "program": 5},
        "button5": {"type": "note", "note": 62, "velocity": 90},
        "button6": {"type": "program", "program": 7, "bank": None},
        "pad1": {"curve": "table", "table": [1, 64, 127]}}}, board)
    text = json.dumps(full)
    assert config.parse(text, board) == full
    for name in ("button2", "button5"):
        assert sorted(full["controls"][name]) == ["channel", "note", "type", "velocity"]


def test_shift_layers_written_out_read_back_and_other_values_are_still_refused():
    # The validated config holds an encoder's or a button's shift layer whole (channel,
    # number and the control's other fields, repeated): make stage wrote it so and the board
    # refused it at boot ("a shift mapping ... sets only channel, cc"). A field repeated
    # with its control's own value sets nothing and is taken; another value still is not.
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    mine = {"controls": {
        "enc1": {"shift": {"channel": 2}},
        "enc2": {"type": "cc_absolute", "accel": True, "shift": {"cc": 30}},
        "button2": {"type": "note", "note": 60, "shift": {"note": 61}},
        "button3": {"type": "cc_toggle", "cc": 20, "value": 100, "shift": {"cc": 21}}}}
    full = config.validate(mine, board)
    assert full["controls"]["enc1"]["shift"] == {"type": "cc_relative", "channel": 2, "cc": 78,
                                                 "encoding": "twos_complement", "accel": False,
                                                 "steps_per_detent": 4}
    assert full["controls"]["button3"]["shift"] == {"type": "cc_toggle", "channel": 1, "cc": 21,
                                                    "value": 100, "off_value": 0}
    assert config.parse(json.dumps(full), board) == full
    # the same field given by the player: equal to the control's, taken; else refused
    same = {"controls": {"enc2": {"type": "cc_absolute", "accel": True, "shift": {"cc": 30, "accel": True}}}}
    assert config.validate(same, board)["controls"]["enc2"] == full["controls"]["enc2"]
    other = {"controls": {"enc2": {"type": "cc_absolute", "accel": True, "shift": {"cc": 30, "accel": False}}}}
    assert str(raises(config.ConfigError, config.validate, other, board)) == (
        "config.json: controls.enc2.shift.accel: a shift mapping of type \"cc_absolute\" sets only "
        "channel, cc (the rest is its control's)")
    # of another JSON type is another value (1 is not true)
    other["controls"]["enc2"]["shift"]["accel"] = 1
    assert str(raises(config.ConfigError, config.validate, other, board)).startswith(
        "config.json: controls.enc2.shift.accel: a shift mapping of type \"cc_absolute\" sets only")


def test_a_switch_pad_plays_one_velocity_and_refuses_the_other_pads_fields():
    # A pad wired as a switch has no strike to measure: curve, the velocity range,
    # threshold, gate_ms and pressure did nothing there and were taken silently.
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    board["controls"]["pad16"] = {"kind": "switch", "pin": 22, "active": "low"}
    ok = config.validate({"controls": {"pad16": {"note": 50, "velocity": 90}}}, board)
    assert ok["controls"]["pad16"] == {"type": "note", "channel": 10, "note": 50, "velocity": 90}
    full = config.validate({}, board)
    assert full["controls"]["pad16"] == {"type": "note", "channel": 10, "note": 51, "velocity": 100}
    assert config.parse(json.dumps(full), board) == full  # as make stage writes it
    for field, value in (("curve", "soft"), ("threshold", 200), ("gate_ms", 30), ("pressure", "poly"),
                         ("velocity_min", 10), ("table", None)):
        cfg = {"controls": {"pad16": {"note": 50, field: value}}}
        assert str(raises(config.ConfigError, config.validate, cfg, board)) == (
            "config.json: controls.pad16.%s: a piezo or FSR pad's field; a switch pad plays one velocity "
            "and takes channel, note, velocity" % field)
    # the piezo pads keep theirs
    assert config.validate({"controls": {"pad1": {"curve": "soft"}}}, board)["controls"]["pad1"]["curve"] == "soft"
    assert config.parse(json.dumps(ok), board) == ok


def test_the_usb_name_is_printable_ascii_of_1_to_32_characters():
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        board = json.loads(f.read())
    assert config.validate({}, board)["usb"] == {"enabled": True, "name": "midictl"}
    assert config.validate({"usb": {"name": "Pads & knobs #2"}}, board)["usb"]["name"] == "Pads & knobs #2"
    assert config.validate({"usb": {"name": "x" * 32}}, board)["usb"]["name"] == "x" * 32
    for bad, shown in (("", '""'), ("x" * 33, '"' + "x" * 33 + '"'), (7, "7"), ("tab\there", '"tab\\there"')):
        assert str(raises(config.ConfigError, config.validate, {"usb": {"name": bad}}, board)) == (
            "config.json: usb.name: %s is not a name of 1 to 32 printable ASCII characters" % shown)


def test_a_fixed_velocity_button_takes_a_velocity_and_is_a_switchs_only():
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        pico = json.loads(f.read())
    cfg = config.validate({"controls": {"button3": {"type": "fixed_velocity"},
                                        "button2": {"type": "fixed_velocity", "velocity": 100}}}, pico)
    assert cfg["controls"]["button3"] == {"type": "fixed_velocity", "velocity": 127}  # a drum machine's full level
    assert cfg["controls"]["button2"] == {"type": "fixed_velocity", "velocity": 100}
    for m, why in (({"velocity": 0}, "button3.velocity: 0 is out of range 1..127"),
                   ({"velocity": 128}, "button3.velocity: 128 is out of range 1..127"),
                   ({"channel": 2}, "button3.channel: not a field of type \"fixed_velocity\" (fields: velocity)")):
        m["type"] = "fixed_velocity"
        assert str(raises(config.ConfigError, config.validate, {"controls": {"button3": m}}, pico)) == (
            "config.json: controls." + why), m
    msg = str(raises(config.ConfigError, config.validate, {"controls": {"knob1": {"type": "fixed_velocity"}}}, pico))
    assert msg == ("config.json: controls.knob1.type: \"fixed_velocity\" is not a type a pot can send (allowed: cc, "
                   "cc14, nrpn, channel_pressure, bend, none)")
    msg = str(raises(config.ConfigError, config.validate,
                     {"controls": {"button3": {"type": "fixed_velocity", "shift": {"velocity": 90}}}}, pico))
    assert msg == ("config.json: controls.button3.shift: type \"fixed_velocity\" has no shift mapping (pots, sticks, "
                   "encoders, and note and CC buttons have one)")


def test_a_transport_button_takes_an_action_mmc_and_a_device():
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        pico = json.loads(f.read())
    cfg = config.validate({"controls": {"button3": {"type": "transport"},
                                        "button2": {"type": "transport", "action": "record", "mmc": True,
                                                    "device": 0}}}, pico)
    assert cfg["controls"]["button3"] == {"type": "transport", "action": "start_stop", "mmc": False, "device": 127}
    assert cfg["controls"]["button2"] == {"type": "transport", "action": "record", "mmc": True, "device": 0}
    for m, why in (({"action": "record"},
                    "button3.action: \"record\" needs mmc true (MIDI's real-time messages have no record)"),
                   ({"action": "play"},
                    "button3.action: \"play\" is not one of \"start\", \"stop\", \"continue\", \"start_stop\", \"record\""),
                   ({"mmc": 1}, "button3.mmc: 1 is not true or false"),
                   ({"device": 128}, "button3.device: 128 is out of range 0..127"),
                   ({"channel": 2}, "button3.channel: not a field of type \"transport\" (fields: action, device, mmc)")):
        m["type"] = "transport"
        assert str(raises(config.ConfigError, config.validate, {"controls": {"button3": m}}, pico)) == (
            "config.json: controls." + why), m
    msg = str(raises(config.ConfigError, config.validate, {"controls": {"enc1": {"type": "transport"}}}, pico))
    assert msg == ("config.json: controls.enc1.type: \"transport\" is not a type an encoder can send (allowed: "
                   "cc_relative, cc_absolute, none)")
    msg = str(raises(config.ConfigError, config.validate,
                     {"controls": {"button3": {"type": "transport", "shift": {"action": "stop"}}}}, pico))
    assert msg == ("config.json: controls.button3.shift: type \"transport\" has no shift mapping (pots, sticks, "
                   "encoders, and note and CC buttons have one)")


def test_the_clock_is_off_or_20_to_300_bpm_and_a_tap_tempo_button_needs_it():
    import json

    from dualtest import raises
    from midictl import config

    with open("boards/pico.json") as f:
        pico = json.loads(f.read())
    assert config.validate({}, pico)["clock_bpm"] == 0  # no clock of its own by default
    for bpm in (0, 20, 120, 300):
        assert config.validate({"clock_bpm": bpm}, pico)["clock_bpm"] == bpm
    for bad, shown in ((19, "19"), (301, "301"), (-1, "-1"), (True, "true"), (120.5, "120.5"), ("120", '"120"')):
        assert str(raises(config.ConfigError, config.validate, {"clock_bpm": bad}, pico)) == (
            "config.json: clock_bpm: %s is out of range 20..300 (or 0: off)" % shown)
    cfg = config.validate({"clock_bpm": 90, "controls": {"button3": {"type": "tap_tempo"}}}, pico)
    assert cfg["controls"]["button3"] == {"type": "tap_tempo"}
    assert str(raises(config.ConfigError, config.validate, {"controls": {"button3": {"type": "tap_tempo"}}}, pico)) == (
        "config.json: controls.button3.type: \"tap_tempo\" sets the clock's tempo: it needs clock_bpm (the tempo at "
        "power-on, 20..300) or a note_repeat button (its own clock's)")
    # with a note repeat button and no clock_bpm: the tempo of the repeat's own clock
    cfg = config.validate({"controls": {"button3": {"type": "tap_tempo"}, "button4": {"type": "note_repeat"}}}, pico)
    assert cfg["clock_bpm"] == 0 and cfg["controls"]["button3"] == {"type": "tap_tempo"}
    assert str(raises(config.ConfigError, config.validate,
                      {"clock_bpm": 90, "controls": {"button3": {"type": "tap_tempo", "step": 2}}}, pico)) == (
        "config.json: controls.button3.step: not a field of type \"tap_tempo\" (fields: none)")


def test_a_note_repeat_button_takes_a_rate_latch_and_swing():
    import json

    from dualtest import raises
    from midictl import config
    from midictl.controls import repeat

    with open("boards/pico.json") as f:
        pico = json.loads(f.read())
    cfg = config.validate({"clock_bpm": 96, "controls": {"button3": {"type": "note_repeat"}}}, pico)
    assert cfg["controls"]["button3"] == {"type": "note_repeat", "rate": "1/16", "latch": False, "swing": 50}
    # the validator's choices are the repeat's (config.py holds its own copy: it is loaded at
    # every boot, repeat.py only for a config with such a button)
    for rate in repeat.RATES:
        m = {"type": "note_repeat", "rate": rate, "latch": True, "swing": 50}
        assert config.validate({"clock_bpm": 96, "controls": {"button3": m}}, pico)["controls"]["button3"] == m
    assert str(raises(config.ConfigError, config.validate,
                      {"clock_bpm": 96, "controls": {"button3": {"type": "note_repeat", "rate": "1/64"}}}, pico)) == (
        "config.json: controls.button3.rate: \"1/64\" is not one of \"1/4\", \"1/8\", \"1/8t\", \"1/16\", \"1/16t\", "
        "\"1/32\", \"1/32t\"")
    assert str(raises(config.ConfigError, config.validate,
                      {"clock_bpm": 96, "controls": {"button3": {"type": "note_repeat", "latch": 1}}}, pico)) == (
        "config.json: controls.button3.latch: 1 is not true or false")
    # swing: 50..75, for the rates whose steps pair up in a beat
    for rate in ("1/8", "1/16", "1/32"):
        m = {"type": "note_repeat", "rate": rate, "latch": False, "swing": 75}
        assert config.validate({"controls": {"button3": m}}, pico)["controls"]["button3"] == m
    for rate in ("1/4", "1/8t", "1/16t", "1/32t"):
        assert str(raises(config.ConfigError, config.validate, {"controls": {"button3": {
            "type": "note_repeat", "rate": rate, "swing": 54}}}, pico)) == (
            "config.json: controls.button3.swing: 54 needs a rate of 1/8, 1/16 or 1/32")
    assert str(raises(config.ConfigError, config.validate, {"controls": {"button3": {
        "type": "note_repeat", "swing": 80}}}, pico)) == "config.json: controls.button3.swing: 80 is out of range 50..75"
    # (without a clock of its own the controller follows MIDI IN's)
    assert config.validate({"controls": {"button3": {"type": "note_repeat"}}}, pico)["controls"]["button3"] == {
        "type": "note_repeat", "rate": "1/16", "latch": False, "swing": 50}
    assert str(raises(config.ConfigError, config.validate,
                      {"clock_bpm": 96, "controls": {"pad1": {"type": "note_repeat"}}}, pico)).startswith(
        "config.json: controls.pad1.type: \"note_repeat\" is not a type a piezo can send (allowed: note, none)")
