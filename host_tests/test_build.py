"""Build-level checks: every firmware file compiles for the board, only the hardware layer
touches `machine`, and the type check against the rp2 stubs catches a call the board's
`machine` module does not have."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FW = os.path.join(ROOT, "firmware")
BIN = os.path.dirname(sys.executable)


def firmware_files():
    out = []
    for here, dirs, files in os.walk(FW):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        out += [os.path.join(here, f) for f in files if f.endswith(".py")]
    return sorted(out)


@pytest.mark.parametrize("arch", ["armv6m", "armv7emsp"])  # RP2040 (Cortex-M0+), RP2350 (Cortex-M33)
def test_every_firmware_file_compiles_with_mpy_cross(tmp_path, arch):
    files = firmware_files()
    assert len(files) > 20
    for f in files:
        out = tmp_path / "x.mpy"
        r = subprocess.run([os.path.join(BIN, "mpy-cross"), "-march=" + arch, "-o", str(out), f],
                           capture_output=True, text=True)
        assert r.returncode == 0, (f, r.stderr)
        assert out.read_bytes()[:2] == b"M\x06"


def test_only_the_hardware_layer_imports_machine_or_usb():
    allowed = {os.path.join(FW, "midictl", f) for f in ("hw.py", "hwsetup.py", "hwled.py", "usbmidi.py")}
    pat = re.compile(r"^\s*(import|from)\s+(machine|usb\.device|usb|rp2|neopixel)\b", re.M)
    offenders = [f for f in firmware_files() if f not in allowed and pat.search(open(f).read())]
    assert offenders == []


def test_type_check_catches_a_call_the_board_does_not_have(tmp_path):
    bad = tmp_path / "bad_machine_call.py"
    bad.write_text("import machine\n\nu = machine.UART(0, baudrate=31250)\nu.write_nonblocking(b'x')\n"
                   "p = machine.Pin(2, machine.Pin.IN, machine.Pin.PULL_UP)\np.irq(handler=None, trigger=3, soft=True)\n")
    good = tmp_path / "good_machine_call.py"
    good.write_text("import machine\n\nu = machine.UART(0, baudrate=31250, tx=machine.Pin(0), txbuf=256)\n"
                    "u.write(b'x')\nprint(machine.mem32[0xD0000004])\n")
    cfg = tmp_path / "pyrightconfig.json"
    cfg.write_text('{"venvPath": "%s", "venv": ".venv", "typeCheckingMode": "basic", '
                   '"reportMissingModuleSource": false}' % ROOT)
    r = subprocess.run([os.path.join(BIN, "pyright"), "--project", str(cfg), str(bad), str(good)],
                       capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    out = r.stdout
    assert r.returncode != 0
    assert "write_nonblocking" in out and "bad_machine_call.py:4" in out
    assert "soft" in out and "bad_machine_call.py:6" in out
    assert "good_machine_call.py" not in out  # the correct calls raise nothing
