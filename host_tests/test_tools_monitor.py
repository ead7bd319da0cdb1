"""tools/monitor.py: the dump decoder CLI (subprocess, exact output) and the live
monitor against a fake MIDI backend (in process)."""
import io
import os
import subprocess
import sys

import mido

import midifile
import monitor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MONITOR = os.path.join(ROOT, "tools", "monitor.py")

DUMP_OUT = (
    "       0  99 24 65  ch 10  Note On            C2 (36)  vel 101\n"
    "       3  25 70     ch 10  Note On            C#2 (37)  vel 112\n"
    "       5  F8               Clock\n"
    "       6  89 24 00  ch 10  Note Off           C2 (36)  vel 0\n"
    "       9  B0 07 64  ch 1   Control Change     CC 7 Volume = 100\n"
    "      12  40 00     ch 1   Control Change     CC 64 Sustain = 0\n"
    "      14  E0 00 40  ch 1   Pitch Bend         +0 (8192)\n"
    "      17  FA               Start\n"
)
DUMP_BYTES = bytes.fromhex("99 24 65 25 70 F8 89 24 00 B0 07 64 40 00 E0 00 40 FA")


def run(*args):
    return subprocess.run([sys.executable, MONITOR] + list(args), capture_output=True, text=True)


def test_dump_binary(tmp_path):
    f = tmp_path / "din.bin"
    f.write_bytes(DUMP_BYTES)
    r = run("--dump", str(f))
    assert (r.returncode, r.stdout, r.stderr) == (0, DUMP_OUT, "")


def test_dump_hex_text(tmp_path):
    f = tmp_path / "din.txt"
    f.write_text("# captured from the DIN OUT\n99 24 65 25 70 F8\n0x89,0x24,0x00 B00764\n40 00 E0 00 40 fa\n")
    r = run("--dump", str(f), "--hex")
    assert (r.returncode, r.stdout, r.stderr) == (0, DUMP_OUT, "")


def test_dump_errors_are_one_line(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("90 3C 64\n3E XY\n")
    r = run("--dump", str(f), "--hex")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "monitor: %s: line 2: 'XY' is not a hex byte (00..FF)\n" % f
    r = run("--dump", str(tmp_path / "none.bin"))
    assert (r.returncode, r.stderr) == (1, "monitor: cannot read %s: No such file or directory\n"
                                        % (tmp_path / "none.bin"))
    b = tmp_path / "bin.bin"
    b.write_bytes(b"90 3C \xe4")
    r = run("--dump", str(b), "--hex")
    assert r.returncode == 1
    assert r.stderr == "monitor: %s: byte 6 is not text; leave out --hex for a binary dump\n" % b
    r = run("--hex", "--list")
    assert r.returncode == 2 and r.stderr.endswith("monitor.py: error: --hex goes with --dump\n")
    assert "Traceback" not in r.stderr


def test_port_without_midi_system_is_one_line():
    env = dict(os.environ, MIDO_BACKEND="mido.backends.nosuch")
    r = subprocess.run([sys.executable, MONITOR, "--list"], capture_output=True, text=True, env=env)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == ("monitor: no MIDI system: cannot load mido backend mido.backends.nosuch "
                        "(No module named 'mido.backends.nosuch')\n")


class FakePort:
    name = "Pico MIDI:Pico MIDI MIDI 1 20:0"

    def __init__(self, clock, script):
        self.clock, self.script, self.closed = clock, script, False

    def __iter__(self):
        for t, msg in self.script:
            self.clock.now = t
            yield msg
        raise KeyboardInterrupt  # the user presses Ctrl-C

    def close(self):
        self.closed = True


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


class Backend:
    def __init__(self, port):
        self.port = port

    def get_input_names(self):
        return [self.port.name]

    def get_output_names(self):
        return []

    def open_input(self, name):
        assert name == self.port.name
        return self.port


def test_live_monitor_prints_and_records(tmp_path):
    clock = Clock()
    port = FakePort(clock, [
        (100.0005, mido.Message("note_on", channel=9, note=36, velocity=101)),
        (100.25, mido.Message("clock")),
        (100.5, mido.Message("note_off", channel=9, note=36, velocity=0)),
    ])
    out, err = io.StringIO(), io.StringIO()
    rec = tmp_path / "take.mid"
    code = monitor.main(["--port", "pico", "--record", str(rec)], backend=Backend(port), out=out, err=err,
                        clock=clock)
    assert code == 0 and port.closed
    assert out.getvalue() == (
        "     0.500  IN    ch 10  Note On            C2 (36)  vel 101\n"
        "   250.000  IN           Clock\n"
        "   500.000  IN    ch 10  Note Off           C2 (36)  vel 0\n")
    assert err.getvalue() == ("monitoring Pico MIDI:Pico MIDI MIDI 1 20:0 (Ctrl-C to stop)\n"
                              "recorded 2 messages to %s (1 real-time/system messages not storable "
                              "in a .mid)\n" % rec)
    assert midifile.read_smf(str(rec)) == [(0.0, "", bytes.fromhex("99 24 65")),
                                           (500.0, "", bytes.fromhex("89 24 00"))]


def test_list_and_unknown_port():
    port = FakePort(Clock(), [])
    out, err = io.StringIO(), io.StringIO()
    assert monitor.main(["--list"], backend=Backend(port), out=out, err=err) == 0
    assert out.getvalue() == "MIDI inputs:\n  Pico MIDI:Pico MIDI MIDI 1 20:0\nMIDI outputs:\n  (none)\n"
    out, err = io.StringIO(), io.StringIO()
    assert monitor.main(["--port", "korg"], backend=Backend(port), out=out, err=err) == 1
    assert err.getvalue() == "monitor: unknown MIDI input 'korg'; ports: Pico MIDI:Pico MIDI MIDI 1 20:0\n"


def test_parse_hex():
    assert monitor.parse_hex("90 3c 64, 0x3E 00 # comment 99\nF8") == bytes.fromhex("903C643E00F8")
    assert monitor.parse_hex("") == b""
