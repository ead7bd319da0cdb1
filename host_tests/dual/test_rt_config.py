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
