"""tools/deploy.py (stage, deploy against host_tests/fakes/mpremote) and tools/config_check.py.

Most tests use a small synthetic firmware tree and board folder (deploy.py's hidden
--firmware/--boards options), so the exact file lists do not move as the real firmware
grows; one test stages the real firmware for the pico.
"""
import json
import os
import subprocess
import sys

import pytest

from mpy import micropython_binary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
FAKES = os.path.join(ROOT, "host_tests", "fakes")
sys.path.insert(0, TOOLS)

import deploy  # noqa: E402

FAKE_CONFIG = '''class ConfigError(ValueError):
    pass


def default_config(board):
    return {"layout": "default", "board": board["board"]}


def validate(cfg, board, source="config.json"):
    if cfg.get("layout") not in ("default", "custom"):
        raise ConfigError("%s: layout: %r is not one of default, custom" % (source, cfg.get("layout")))
    return {"layout": cfg["layout"], "board": board["board"], "checked": True}
'''

NATIVE = "import micropython\n\n\n@micropython.native\ndef f(x):\n    return x + 1\n"


@pytest.fixture
def fw(tmp_path):
    """A firmware tree with the kinds of files the real one has, and two boards."""
    f = tmp_path / "firmware"
    files = {
        "main.py": "import midictl.app\n",
        "boot.py": "# boot\n",
        "ARCHITECTURE.md": "# not for the board\n",
        "midictl/__init__.py": "VERSION = '0'\n",
        "midictl/config.py": FAKE_CONFIG,
        "midictl/README.md": "not for the board\n",
        "midictl/__pycache__/config.cpython-311.pyc": "junk",
        "midictl/midi/__init__.py": "",
        "midictl/midi/fast.py": NATIVE,
    }
    for rel, text in files.items():
        p = f / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    b = tmp_path / "boards"
    b.mkdir()
    write_board(b, "tb", "pico")
    write_board(b, "tb2", "pico2")
    return tmp_path


def write_board(folder, name, like, **change):
    """A board definition the tools accept (they check it first): a copy of boards/<like>.json."""
    with open(os.path.join(ROOT, "boards", like + ".json")) as f:
        board = json.load(f)
    board.update(board=name, **change)
    (folder / (name + ".json")).write_text(json.dumps(board, indent=1) + "\n")
    return board


def run_tool(args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable] + args, capture_output=True, text=True, cwd=cwd, env=env)


def stage_cmd(fw, board, out, *extra):
    return run_tool([os.path.join(TOOLS, "deploy.py"), "stage", "--board", board, "--out", str(out),
                     "--firmware", str(fw / "firmware"), "--boards", str(fw / "boards")] + list(extra))


TREE = ["REQUIRES.txt", "board.json", "boot.py", "config.json", "main.py",
        "midictl/__init__.mpy", "midictl/config.mpy", "midictl/midi/__init__.mpy", "midictl/midi/fast.mpy"]


def test_stage_writes_exactly_the_board_tree(fw):
    out = fw / "stage"
    r = stage_cmd(fw, "tb", out)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "staged 9 files for tb (rp2040, armv6m) in %s\n" % out
    assert deploy.tree_of(str(out)) == TREE
    for rel in TREE:
        if rel.endswith(".mpy"):
            head = (out / rel).read_bytes()[:4]
            assert head[:2] == b"M\x06", rel  # .mpy version 6 (MicroPython >= 1.19)
    # native code carries the arch: armv6m (4) << 2 | sub-version 3
    assert (out / "midictl/midi/fast.mpy").read_bytes()[2] == 0x13
    assert (out / "main.py").read_text() == "import midictl.app\n"
    assert (out / "board.json").read_bytes() == (fw / "boards/tb.json").read_bytes()
    assert json.loads((out / "config.json").read_text()) == {"layout": "default", "board": "tb",
                                                             "checked": True}
    assert (out / "REQUIRES.txt").read_text() == "usb-device-midi\n"
    assert not [p for p in os.listdir(fw) if p.startswith(".stage-")]  # no temp dir left


def test_stage_rp2350_compiles_for_cortex_m33(fw):
    out = fw / "stage2"
    r = stage_cmd(fw, "tb2", out)
    assert r.stdout == "staged 9 files for tb2 (rp2350, armv7emsp) in %s\n" % out
    assert (out / "midictl/midi/fast.mpy").read_bytes()[2] == 0x1F  # armv7emsp (7) << 2 | 3


def test_staged_modules_name_themselves_in_tracebacks(fw):
    # A module's file name in tracebacks is its module name, which the board interns on
    # import anyway: no second name per module held in RAM for good.
    (fw / "firmware/midictl/midi/boom.py").write_text("def fail():\n    raise ValueError('x')\n")
    (fw / "firmware/midictl/midi/__init__.py").write_text("def fail():\n    raise KeyError('y')\n")
    out = fw / "stage"
    assert stage_cmd(fw, "tb", out).returncode == 0
    for mod, name, exc in (("midictl.midi.boom", "midictl.midi.boom", "ValueError: x"),
                           ("midictl.midi", "midictl.midi", "KeyError: y")):
        r = subprocess.run([micropython_binary(), "-c", "import %s as m\nm.fail()" % mod],
                           capture_output=True, text=True, cwd=str(out))
        assert r.returncode == 1
        assert (r.stdout + r.stderr).splitlines()[-2:] == ['  File "%s", line 2, in fail' % name, exc], r.stdout
    assert [deploy.source_name(r) for r in ("midictl/controls/knob.mpy", "midictl/__init__.mpy", "main.mpy")] == \
        ["midictl.controls.knob", "midictl", "main"]


def test_stage_with_config_and_bad_config_keeps_previous_tree(fw):
    out = fw / "stage"
    good = fw / "good.json"
    good.write_text('{"layout": "custom"}')
    assert stage_cmd(fw, "tb", out, "--config", str(good)).returncode == 0
    assert json.loads((out / "config.json").read_text()) == {"layout": "custom", "board": "tb",
                                                             "checked": True}
    bad = fw / "bad.json"
    bad.write_text('{"layout": "huge"}')
    r = stage_cmd(fw, "tb", out, "--config", str(bad))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "stage: %s: layout: 'huge' is not one of default, custom\n" % bad
    assert json.loads((out / "config.json").read_text())["layout"] == "custom"
    broken = fw / "broken.json"
    broken.write_text('{"layout": ')
    r = stage_cmd(fw, "tb", out, "--config", str(broken))
    assert r.returncode == 1
    assert r.stderr == ("stage: %s: not valid JSON (Expecting value: line 1 column 12 (char 11))\n" % broken)


def test_stage_replaces_a_previous_stage_but_not_other_folders(fw):
    out = fw / "stage"
    assert stage_cmd(fw, "tb", out).returncode == 0
    os.remove(fw / "firmware/midictl/midi/fast.py")
    os.remove(fw / "firmware/boot.py")
    assert stage_cmd(fw, "tb", out).returncode == 0
    assert deploy.tree_of(str(out)) == [p for p in TREE if p not in ("boot.py", "midictl/midi/fast.mpy")]
    mine = fw / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = stage_cmd(fw, "tb", mine)
    assert r.returncode == 1
    assert r.stderr == ("stage: %s is not empty and is not a staged tree; refusing to delete what is "
                        "in it (choose a new or empty directory)\n" % mine)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_stage_unknown_board_and_chip(fw):
    r = stage_cmd(fw, "nope", fw / "o")
    assert (r.returncode, r.stderr) == (2, "stage: unknown board 'nope'; boards: tb, tb2\n")
    # a chip the board definitions do not describe is refused by the board check, before
    # any compiling
    write_board(fw / "boards", "odd", "pico", chip="esp32")
    r = stage_cmd(fw, "odd", fw / "o")
    assert (r.returncode, r.stderr) == (2, "stage: %s: chip 'esp32' is not one of rp2040, rp2350\n"
                                        % (fw / "boards/odd.json"))
    assert not (fw / "o").exists()


def test_stage_real_firmware_for_pico(tmp_path):
    out = tmp_path / "pico"
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "stage", "--board", "pico", "--out", str(out)])
    assert r.returncode == 0, r.stderr
    expected = ["REQUIRES.txt", "board.json", "config.json"]
    fwdir = os.path.join(ROOT, "firmware")
    expected += [n for n in ("main.py", "boot.py") if os.path.isfile(os.path.join(fwdir, n))]
    for here, dirs, files in os.walk(os.path.join(fwdir, "midictl")):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(here, f), fwdir)
                expected.append(rel[:-3] + ".mpy")
    assert deploy.tree_of(str(out)) == sorted(expected)
    assert "midictl/__init__.mpy" in expected and "midictl/config.mpy" in expected
    for rel in expected:
        if rel.endswith(".mpy"):
            assert (out / rel).read_bytes()[:2] == b"M\x06", rel
    board = json.load(open(os.path.join(ROOT, "boards", "pico.json")))
    from midictl import config
    want = config.validate(config.default_config(board), board)
    assert json.loads((out / "config.json").read_text()) == json.loads(json.dumps(want))


def test_stage_writes_a_player_config_in_its_smallest_equivalent_form(tmp_path):
    # Only what differs from the default layout goes to the board (whole mappings), so
    # the board checks less at boot; it validates to exactly what the player's file does.
    from midictl import config

    board = json.load(open(os.path.join(ROOT, "boards", "pico.json")))
    mine = {"note_off": "note_on_zero", "watchdog_ms": 2000,  # the second is the default
            "controls": {"pad1": {"note": 40, "curve": "soft"}, "knob3": {"cc": 21}, "knob4": {"cc": 73}}}
    cfg = tmp_path / "my.json"
    cfg.write_text(json.dumps(mine))
    out = tmp_path / "pico"
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "stage", "--board", "pico", "--out", str(out),
                  "--config", str(cfg)])
    assert r.returncode == 0, r.stderr
    staged = json.loads((out / "config.json").read_text())
    full = config.validate(mine, board)
    assert set(staged) == {"note_off", "controls"} and set(staged["controls"]) == {"pad1", "knob3"}
    assert staged["note_off"] == "note_on_zero" and staged["controls"]["pad1"] == full["controls"]["pad1"]
    assert config.validate(staged, board) == full
    # the default layout written out in full compacts to nothing at all
    cfg.write_text(json.dumps(config.validate({}, board)))
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "stage", "--board", "pico", "--out", str(out),
                  "--config", str(cfg)])
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "config.json").read_text()) == {}


def test_stage_writes_a_program_button_without_bank_and_a_note_button_the_board_takes(tmp_path):
    # Their validated mappings went to the board as "bank": null (refused at boot) and with
    # the pads' fields a note button does not take: the staged config must read back.
    from midictl import config

    board = json.load(open(os.path.join(ROOT, "boards", "pico.json")))
    mine = {"controls": {"button2": {"type": "note", "note": 60}, "button4": {"type": "program", "program": 5}}}
    cfg = tmp_path / "my.json"
    cfg.write_text(json.dumps(mine))
    out = tmp_path / "pico"
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "stage", "--board", "pico", "--out", str(out),
                  "--config", str(cfg)])
    assert r.returncode == 0, r.stderr
    staged = json.loads((out / "config.json").read_text())
    assert staged == {"controls": {"button2": {"type": "note", "channel": 10, "note": 60, "velocity": 100},
                                   "button4": {"type": "program", "channel": 1, "program": 5, "bank": None}}}
    assert config.parse((out / "config.json").read_text(), board) == config.validate(mine, board)


def test_stage_writes_shift_layers_the_board_takes(tmp_path):
    # An encoder's and a CC button's shift layers were staged whole and refused at boot.
    from midictl import config

    board = json.load(open(os.path.join(ROOT, "boards", "pico.json")))
    mine = {"controls": {"enc1": {"shift": {"channel": 2}},
                         "button2": {"type": "cc_momentary", "cc": 20, "shift": {"cc": 21}}}}
    cfg = tmp_path / "my.json"
    cfg.write_text(json.dumps(mine))
    out = tmp_path / "pico"
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "stage", "--board", "pico", "--out", str(out),
                  "--config", str(cfg)])
    assert r.returncode == 0, r.stderr
    staged = json.loads((out / "config.json").read_text())
    assert set(staged["controls"]) == {"enc1", "button2"}
    assert staged["controls"]["enc1"]["shift"]["channel"] == 2
    assert config.parse((out / "config.json").read_text(), board) == config.validate(mine, board)
    r = run_tool([os.path.join(TOOLS, "config_check.py"), "--board", "pico", str(out / "config.json")])
    assert (r.returncode, r.stdout) == (0, "%s: ok\n" % (out / "config.json"))


# ---- deploy against the fake mpremote ---------------------------------------------------


def run_deploy(fw, tmp_path, board_state, *extra, fail=None, board="tb"):
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    link = bindir / "mpremote"
    if not link.exists():
        link.symlink_to(os.path.join(FAKES, "mpremote"))
    log = tmp_path / "mpremote.log"
    if log.exists():
        log.unlink()
    env = dict(os.environ)
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")
    env["FAKE_MPREMOTE_LOG"] = str(log)
    env["FAKE_MPREMOTE_BOARD"] = board_state
    env.pop("FAKE_MPREMOTE_FAIL", None)
    if fail:
        env["FAKE_MPREMOTE_FAIL"] = fail
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "deploy", "--board", board,
                  "--firmware", str(fw / "firmware"), "--boards", str(fw / "boards")] + list(extra), env=env)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return r, calls


def argvs(calls):
    return [c["argv"][:3] + (["PROBE"] if c["argv"][2:3] == ["exec"] else c["argv"][3:]) for c in calls]


TOP = ["board.json", "boot.py", "main.py", "midictl"]
COPIED = ["board.json", "boot.py", "main.py", "midictl/__init__.mpy", "midictl/config.mpy",
          "midictl/midi/__init__.mpy", "midictl/midi/fast.mpy"]


def test_deploy_fresh_board_installs_midi_copies_and_resets(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "micropython")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == ("board on /dev/ttyACM0: MicroPython 1.24.1\n"
                        "installing usb-device-midi (mpremote mip)\n"
                        "keeping the board's config.json (give CONFIG= to replace it)\n"
                        "copying 7 files\n"
                        "deployed tb to /dev/ttyACM0; the board is restarting\n")
    assert argvs(calls) == [
        ["devs"],
        ["connect", "/dev/ttyACM0", "exec", "PROBE"],
        ["connect", "/dev/ttyACM0", "mip", "install", "usb-device-midi"],
        ["connect", "/dev/ttyACM0", "cp", "-r"] + TOP + [":"],
        ["connect", "/dev/ttyACM0", "reset"],
    ]
    assert calls[1]["argv"][3] == deploy.PROBE % (["usb.device.midi"],)
    assert calls[3]["files"] == COPIED
    assert not os.path.exists(calls[3]["cwd"])  # the temporary stage is cleaned up


def test_deploy_board_with_library_and_old_tree(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "ready", "--port", "/dev/ttyACM0")
    assert r.returncode == 0
    assert argvs(calls) == [
        ["connect", "/dev/ttyACM0", "exec", "PROBE"],
        ["connect", "/dev/ttyACM0", "rm", "-r", ":midictl"],
        ["connect", "/dev/ttyACM0", "cp", "-r"] + TOP + [":"],
        ["connect", "/dev/ttyACM0", "reset"],
    ]


def test_deploy_without_board_stops_at_once(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "absent")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("deploy: no MicroPython board found: connect the board with a USB data cable "
                        "(not charge-only), without holding BOOTSEL, with MicroPython flashed "
                        "(https://micropython.org/download/); or give PORT=\n")
    assert argvs(calls) == [["devs"]]


def test_deploy_wrong_port(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "micropython", "--port", "/dev/ttyACM7")
    assert r.returncode == 2
    assert r.stderr == ("deploy: cannot talk to a board on /dev/ttyACM7: mpremote: failed to access "
                        "/dev/ttyACM7 (it may be in use by another program) (check the port: "
                        "`mpremote devs` lists them)\n")
    assert len(calls) == 1


FLASH = ("flash MicroPython >= %s from https://micropython.org/download/ "
         "(hold BOOTSEL, plug in, copy the .uf2)")


@pytest.mark.parametrize("state,board,message", [
    ("circuitpython", "tb", "the board on /dev/ttyACM0 runs CircuitPython 9.2.1; this firmware needs "
                            "MicroPython >= 1.23.0: " + FLASH % "1.23.0"),
    ("old", "tb", "the board on /dev/ttyACM0 runs MicroPython 1.22.2; this firmware needs MicroPython "
                  ">= 1.23.0 (machine.USBDevice): " + FLASH % "1.23.0"),
    ("micropython", "tb2", "the board on /dev/ttyACM0 runs MicroPython 1.24.1; this firmware needs "
                           "MicroPython >= 1.24.0 (machine.USBDevice): " + FLASH % "1.24.0"),
    ("nousb", "tb", "MicroPython 1.24.1 on /dev/ttyACM0 is built without machine.USBDevice (runtime USB), "
                    "which USB-MIDI needs: " + FLASH % "1.23.0"),
])
def test_deploy_refuses_incompatible_firmware(fw, tmp_path, state, board, message):
    if board == "tb2":  # 1.24.1 is new enough for 1.24.0: make the board ask for more
        write_board(fw / "boards", "tb2", "pico2", micropython="1.25.0")
        message = message.replace("1.24.0", "1.25.0")
    r, calls = run_deploy(fw, tmp_path, state, board=board)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "deploy: " + message + "\n")
    assert [c["argv"][0] if c["argv"][0] != "connect" else c["argv"][2] for c in calls] == ["devs", "exec"]


def test_deploy_two_boards_picks_first_and_says_so(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "two")
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == ("2 boards found (/dev/ttyACM0, /dev/ttyACM1); using /dev/ttyACM0 "
                                        "(choose with PORT=)")
    assert {c["argv"][1] for c in calls[1:]} == {"/dev/ttyACM0"}


def test_deploy_copy_failure_is_one_line(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "ready", fail="cp")
    assert r.returncode == 1
    assert r.stderr == "deploy: copying the firmware failed: Timeout\n"
    assert argvs(calls)[-1][2] == "cp"  # no reset after a failed copy


def test_deploy_bad_config_needs_no_board(fw, tmp_path):
    bad = fw / "bad.json"
    bad.write_text('{"layout": 3}')
    r, calls = run_deploy(fw, tmp_path, "micropython", "--config", str(bad))
    assert r.returncode == 1
    assert r.stderr == "deploy: %s: layout: 3 is not one of default, custom\n" % bad
    assert calls == []


def test_probe_runs_under_micropython():
    code = deploy.PROBE % (["usb.device.midi", "json"],)
    r = subprocess.run([micropython_binary(), "-c", code], capture_output=True, text=True)
    ask = "import sys;print('%d.%d.%d' % sys.implementation.version[:3])"
    v = subprocess.run([micropython_binary(), "-c", ask], capture_output=True, text=True).stdout.strip()
    # the Unix port has no machine.USBDevice and no /midictl; json imports, usb.device.midi does not;
    # the Unix port has VfsRom but no ROM partition (no vfs.rom_ioctl): 0; no midictl frozen in: -
    assert r.stdout == "MIDICTL-PROBE micropython %s 0 0 0,1 0 -\n" % v


def test_probe_finds_the_midictl_frozen_into_a_build_and_its_release(tmp_path):
    import mpbuild

    prog = mpbuild.build_unix()
    # a midictl folder next to it is not what it asks about: only the interpreter's own copy
    (tmp_path / "midictl").mkdir()
    (tmp_path / "midictl" / "__init__.py").write_text("VERSION = 'on the filesystem'\n")
    code = deploy.PROBE % (["json"],)
    r = subprocess.run([prog, "-c", code + "\nimport midictl\nprint(midictl.VERSION)"], capture_output=True,
                       text=True, cwd=str(tmp_path), env=dict(os.environ, MICROPYPATH=":.frozen"))
    v = deploy.local_version(os.path.join(ROOT, "firmware"))
    assert r.stdout.splitlines()[0].split()[5:] == ["1", "0", v]
    assert r.stdout.splitlines()[1] == "on the filesystem"  # (and the path is put back as it was)


def test_deploy_to_a_board_with_midictl_frozen_in_copies_only_its_own_files(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "frozen")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == ("board on /dev/ttyACM0: MicroPython 1.26.1, midictl 0 frozen in\n"
                        "keeping the board's config.json (give CONFIG= to replace it)\n"
                        "copying 3 files\n"
                        "deployed tb to /dev/ttyACM0; the board is restarting\n")
    # the old /midictl goes (it would shadow the frozen one); usb-device-midi is frozen in too
    assert [c["argv"][2:4] for c in calls[2:]] == [["rm", "-r"], ["cp", "-r"], ["reset"]]
    assert calls[3]["argv"][4:] == ["board.json", "boot.py", "main.py", ":"]
    assert calls[3]["files"] == ["board.json", "boot.py", "main.py"]


def test_deploy_refuses_a_frozen_midictl_of_another_release(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "frozenold")
    assert r.returncode == 1
    assert r.stderr == ("deploy: MicroPython 1.26.1 on /dev/ttyACM0 has midictl 0.0.9 frozen in, and this "
                        "firmware/ is 0: flash a firmware built from this checkout (make firmware), or deploy "
                        "with ROMFS=1\n")
    assert argvs(calls) == [["devs"], ["connect", "/dev/ttyACM0", "exec", "PROBE"]]


# ---- config_check ------------------------------------------------------------------------


def check_cmd(*args):
    return run_tool([os.path.join(TOOLS, "config_check.py")] + list(args))


def test_config_check_with_the_firmware_validator(tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"controls": {"knob3": {"cc": 20}}}')
    r = check_cmd("--board", "pico", str(good))
    assert (r.returncode, r.stdout, r.stderr) == (0, "%s: ok\n" % good, "")
    bad = tmp_path / "bad.json"
    bad.write_text('{"controls": {"knob3": {"cc": 130}}}')
    r = check_cmd("--board", "pico", str(bad))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "%s: controls.knob3.cc: 130 is out of range 0..127\n" % bad


def test_config_check_usage_errors(tmp_path):
    r = check_cmd("--board", "pico", "")
    assert (r.returncode, r.stderr) == (2, "no config given: make config-check CONFIG=path/to/config.json\n")
    r = check_cmd("--board", "pico", str(tmp_path / "missing.json"))
    assert (r.returncode, r.stderr) == (1, "%s: cannot be read (No such file or directory)\n"
                                        % (tmp_path / "missing.json"))
    r = check_cmd("--board", "nosuch", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and r.stderr.startswith("unknown board 'nosuch'; boards: ")
    assert "pico" in r.stderr.split("boards: ")[1].split(", ")


def test_deploy_with_config_replaces_the_boards_config(fw, tmp_path):
    good = fw / "mine.json"
    good.write_text('{"layout": "custom"}')
    r, calls = run_deploy(fw, tmp_path, "ready", "--port", "/dev/ttyACM0", "--config", str(good))
    assert r.returncode == 0, r.stderr
    assert "keeping the board's config.json" not in r.stdout
    cp = [c for c in calls if c["argv"][2:3] == ["cp"]][0]
    assert cp["argv"][4:] == ["board.json", "boot.py", "config.json", "main.py", "midictl", ":"]
    assert "config.json" in cp["files"]


# ---- ROMFS -------------------------------------------------------------------------------

ROM_LIST = """import sys, vfs
with open(sys.argv[1], "rb") as f:
    image = f.read()
vfs.mount(vfs.VfsRom(image), "/rom")
sys.path.insert(0, "/rom")
import os
def walk(d):
    for name in sorted(os.listdir(d)):
        p = d + "/" + name
        if os.stat(p)[0] & 0x4000:
            walk(p)
        else:
            print(p)
walk("/rom")
import midictl
print(midictl.__file__, midictl.VERSION)
"""


def rom_listing(tmp_path, image):
    """What the MicroPython Unix port sees in a ROMFS image: its files, then where `import
    midictl` came from (the synthetic midictl/__init__.mpy is bytecode only, so it loads here)."""
    img = tmp_path / "check.romfs"
    img.write_bytes(image)
    prog = tmp_path / "romlist.py"
    prog.write_text(ROM_LIST)
    r = subprocess.run([micropython_binary(), str(prog), str(img)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


ROM_FILES = ["/rom/midictl/__init__.mpy", "/rom/midictl/config.mpy", "/rom/midictl/midi/__init__.mpy",
             "/rom/midictl/midi/fast.mpy", "/rom/midictl/__init__.mpy 0"]


def test_deploy_romfs_puts_the_package_in_rom_and_the_rest_on_the_filesystem(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "romfs", "--romfs")
    assert (r.returncode, r.stderr) == (0, "")
    assert argvs(calls)[:2] == [["devs"], ["connect", "/dev/ttyACM0", "exec", "PROBE"]]
    image = bytes.fromhex(calls[3]["image"])
    assert r.stdout == ("board on /dev/ttyACM0: MicroPython 1.27.0\n"
                        "writing midictl/ to the ROMFS partition (%d bytes)\n"
                        "keeping the board's config.json (give CONFIG= to replace it)\n"
                        "copying 3 files\n"
                        "deployed tb to /dev/ttyACM0; the board is restarting\n" % len(image))
    # the old /midictl goes (it would shadow /rom), then the image, then the filesystem part
    assert [c["argv"][2:4] for c in calls[2:]] == [["rm", "-r"], ["romfs", "deploy"], ["cp", "-r"], ["reset"]]
    assert calls[4]["argv"][4:] == ["board.json", "boot.py", "main.py", ":"]
    assert calls[4]["files"] == ["board.json", "boot.py", "main.py"]
    assert rom_listing(tmp_path, image) == ROM_FILES


def test_deploy_romfs_refuses_a_build_without_rom_and_a_partition_too_small(fw, tmp_path):
    r, calls = run_deploy(fw, tmp_path, "micropython", "--romfs")
    assert r.returncode == 1
    assert r.stderr == ("deploy: MicroPython 1.24.1 on /dev/ttyACM0 has no ROMFS partition (a build with "
                        "MICROPY_VFS_ROM and a ROMFS partition is needed; stock rp2 builds have none): "
                        "deploy without ROMFS=1\n")
    assert argvs(calls) == [["devs"], ["connect", "/dev/ttyACM0", "exec", "PROBE"]]  # nothing written
    # a real-size package in a 4 KB partition
    big = fw / "firmware" / "midictl" / "big.py"
    big.write_text("".join("def f%d(x):\n    return x * %d + %d\n\n\n" % (i, i, i) for i in range(400)))
    r, calls = run_deploy(fw, tmp_path, "smallrom", "--romfs")
    assert r.returncode == 1
    assert r.stderr.startswith("deploy: the ROMFS image (") and r.stderr.endswith(
        " bytes) does not fit the board's ROMFS partition (4096 bytes)\n"), r.stderr
    assert argvs(calls) == [["devs"], ["connect", "/dev/ttyACM0", "exec", "PROBE"]]


def test_romfs_command_writes_the_image_deploy_would(fw, tmp_path):
    out = tmp_path / "tb.romfs"
    r = run_tool([os.path.join(TOOLS, "deploy.py"), "romfs", "--board", "tb", "--out", str(out),
                  "--firmware", str(fw / "firmware"), "--boards", str(fw / "boards")])
    assert (r.returncode, r.stderr) == (0, "")
    image = out.read_bytes()
    assert r.stdout == "wrote %s: a ROMFS image of midictl/ for tb, %d bytes\n" % (out, len(image))
    assert rom_listing(tmp_path, image) == ROM_FILES
    _, calls = run_deploy(fw, tmp_path, "romfs", "--romfs")
    assert bytes.fromhex(calls[3]["image"]) == image


# ---- a broken board definition: one line from the board check, nothing staged or sent --------


def broken_boards(folder):
    """(board name, the line after its file) for boards the tools once passed or crashed on."""
    folder.mkdir(exist_ok=True)
    b = write_board(folder, "badmux", "pico")
    b["controls"]["knob1"]["mux"] = ["m1"]  # a TypeError (unhashable list) in boarddef
    (folder / "badmux.json").write_text(json.dumps(b))
    b = write_board(folder, "nokind", "pico")
    del b["controls"]["knob3"]["kind"]  # a KeyError in the config validator
    (folder / "nokind.json").write_text(json.dumps(b))
    b = write_board(folder, "pads32", "pico")  # the firmware builds at most 30 pads
    b["controls"].pop("bend")
    b["muxes"]["m2"] = {"type": "4067", "select": [10, 11, 12, 13], "adc": 2}
    for i in range(17, 33):
        b["controls"]["pad%d" % i] = {"kind": "piezo", "mux": "m2", "channel": i - 17}
    (folder / "pads32.json").write_text(json.dumps(b))
    return [("badmux", "control knob1: mux: ['m1'] must be the name of a mux"),
            ("nokind", "control knob3: kind None is not one of piezo, fsr, switch, pot, stick, encoder, key"),
            ("pads32", "controls: pad32: the firmware plays at most 30 pads (pad1..pad30)")]


def test_config_check_refuses_a_broken_board_in_one_line(tmp_path):
    cfg = tmp_path / "empty.json"
    cfg.write_text("{}")
    boards = tmp_path / "boards"
    for name, line in broken_boards(boards):
        r = check_cmd("--board", name, "--boards", str(boards), str(cfg))
        assert (r.returncode, r.stdout, r.stderr) == (2, "", "%s: %s\n" % (boards / (name + ".json"), line)), name
    r = check_cmd("--board", "pico", str(cfg))  # the real board folder by default
    assert (r.returncode, r.stdout, r.stderr) == (0, "%s: ok\n" % cfg, "")


def test_stage_refuses_a_broken_board_and_writes_nothing(fw):
    for name, line in broken_boards(fw / "boards"):
        r = stage_cmd(fw, name, fw / "o")
        assert (r.returncode, r.stdout, r.stderr) == (2, "", "stage: %s: %s\n" % (fw / "boards" / (name + ".json"),
                                                                                  line)), name
        assert not (fw / "o").exists()


def test_deploy_refuses_a_broken_board_before_talking_to_one(fw, tmp_path):
    for name, line in broken_boards(fw / "boards"):
        r, calls = run_deploy(fw, tmp_path, "micropython", board=name)
        assert (r.returncode, r.stdout, r.stderr) == (2, "", "deploy: %s: %s\n" % (fw / "boards" / (name + ".json"),
                                                                                   line)), name
        assert calls == []


def test_config_check_accepts_a_key_matrix_board(tmp_path):
    # the board check the tools run first knows the key matrix the firmware plays
    boards = tmp_path / "boards"
    boards.mkdir()
    with open(os.path.join(ROOT, "host_tests", "boards", "pico_matrix.json")) as f:
        (boards / "pico_matrix.json").write_text(f.read())
    cfg = tmp_path / "c.json"
    cfg.write_text('{"controls": {"button5": {"type": "note", "note": 60}}}')
    r = check_cmd("--board", "pico_matrix", "--boards", str(boards), str(cfg))
    assert (r.returncode, r.stdout, r.stderr) == (0, "%s: ok\n" % cfg, "")
