"""Smoke test of `make bench` (tools/bench.py and its pieces): every piece runs with tiny
counts and the table has every row. No timing is asserted: these numbers mean nothing."""
import os
import subprocess
import sys

import bench
import bench_fw
import bench_sim
import mpbuild
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ROWS = ("µs per message, ours", "adafruit_midi ÷ ours", "mido ÷ ours", "heap bytes per message",
        "Controller.step(), chip's path", "read_block: viper, registers), idle",
        "read_block: viper, registers), pad strike + knob sweep", "the busy step's scans that decide a strike",
        "from their start to the Note On's first byte handed to the UART", "the USB transfer completions",
        "through machine.ADC (the simulator's path)",
        "heap bytes allocated per step",
        "controls alone", "alone: strike → Note On at the USB stack", "alone: deciding scan → Note On starts on DIN",
        "while 8 knobs sweep, DIN wire", "while 8 knobs sweep: deciding scan", "UsbOut.send()", "Engine.note_on()",
        "Engine.note_off()",
        "stock MIDIInterface.note_on()", "heap after boot", "firmware in a ROMFS partition", "running status on / off",
        "first firmware import (.mpy) → controller ready", "firmware in a ROMFS partition: ms",
        "with a config.json as `make deploy CONFIG=` writes it", "heap after boot", "firmware frozen into MicroPython 1.",
        "`make frozen`: its Unix port", "frozen into MicroPython 1.", ": ms (RP2040 est.)")


def test_quick_run_prints_method_and_every_row():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bench.py"), "--quick"], capture_output=True,
                       text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("Method.")
    for name in ROWS:
        assert name in out, name
    head = [ln for ln in out.splitlines() if ln.startswith("| area |")]
    assert len(head) == 1 and "MicroPython" in head[0] and "CPython" in head[0]
    assert "README.md" not in out  # --quick never writes the README
    # the last `make chipbench`'s figures (tools/emu/last.json), beside the estimates
    chip = bench.chip_last()
    assert chip is not None and set(chip) == {"date", "micropython", "rp2040js", "heap", "boot_us", "step_us"}
    rows = out.splitlines()
    assert ("|  | the same frozen firmware on an emulated RP2040 (32-bit; USB-MIDI off; the last `make chipbench`, "
            "%s) | %.1f KB | — | (informational: the target is the Unix port's) |  |"
            % (chip["date"], chip["heap"] / 1024)) in rows
    assert ("|  | the frozen firmware on an emulated RP2040 (USB-MIDI off; the last `make chipbench`, %s): ms | %.1f "
            "| — | (informational) |  |" % (chip["date"], chip["boot_us"] / 1000)) in rows
    assert any(r.startswith("|  | the idle step on an emulated RP2040 (") and r.endswith(
        "%s): µs | %.1f | — | (informational) |  |" % (chip["date"], chip["step_us"])) for r in rows)


def test_without_a_chipbench_run_there_are_no_emulated_rows(tmp_path):
    assert bench.chip_last(str(tmp_path / "last.json")) is None


def test_firmware_pieces_under_both_interpreters():
    res = bench_fw.measure(steps=200, msgs=200, reps=1, layouts=bench_fw.LAYOUTS[:2], frozen=mpbuild.build_unix())
    # the step timed in two heap layouts (the same events and bytes in each, or measure()
    # raises): the median and the range of the two
    assert res["mpy"]["layouts"] == 2 and res["cpy"]["layouts"] == 1
    for name, (lo, hi) in res["mpy"]["spread"].items():
        assert lo <= res["mpy"]["step"][name][0] <= hi
    # the register path (hw.read_block, viper) runs only under MicroPython
    steps = res["mpy"]["step"]
    assert set(steps) == {"idle", "busy", "regs", "regs_busy"} and set(res["cpy"]["step"]) == {"idle", "busy"}
    assert steps["regs"][1] == 0 and steps["regs_busy"][1] == 0  # and allocates nothing either
    # the scans that decided a strike were timed one by one (at least the one strike)
    med, top, count, runs = res["mpy"]["note_scan"]
    assert count >= 1 and runs == res["mpy"]["layouts"] and 0 < med <= top and "note_scan" not in res["cpy"]
    wmed, wtop = res["mpy"]["note_din"]  # ... and their Note On reached the UART within them
    assert 0 < wmed <= med and wmed <= wtop <= top
    # busy on the register path plays exactly what busy through machine.ADC plays
    assert steps["regs"][2] == 0 and steps["regs_busy"][2:] == steps["busy"][2:]
    for interp in ("mpy", "cpy"):
        assert set(res[interp]["usb"]) == {"port", "engine", "engine_off", "stock"}
        idle = res[interp]["step"]["idle"]
        busy = res[interp]["step"]["busy"]
        assert idle[2] == 0  # nothing played while idle ...
        assert busy[2] > 0 and busy[3] > 0  # ... the busy run sends events, bytes reach the UART
    # the allocation counts are exact, not timings: the hot paths allocate nothing
    assert res["mpy"]["step"]["idle"][1] == 0 and res["mpy"]["step"]["busy"][1] == 0
    assert res["mpy"]["usb"]["port"][1] == 0 and res["mpy"]["usb"]["stock"][1] > 0
    assert res["mpy"]["usb"]["engine"][1] == res["mpy"]["usb"]["engine_off"][1] == 0
    # a note repeat's steps (one second of them, 125 bpm, 1/32: 17 steps of 60 ms): each step
    # every rolling pad's Note On (and its Note Off), none of them allocating
    rp = res["mpy"]["repeat"]
    assert sorted(rp) == [0, 1, 4, 16] and "repeat" not in res["cpy"]
    for n, (_us, alloc, steps, notes) in rp.items():
        assert (alloc, steps, notes) == (0, 17, 17 * n), (n, rp[n])
    total, modules = res["mpy"]["mem"]
    assert 0 < modules < total
    # from the ROMFS image the same firmware keeps its bytecode out of the heap (the child
    # checks that midictl really came from /rom); the objects built are the same
    rom_total, rom_modules = res["mpy"]["mem_rom"]
    assert 0 < rom_modules < rom_total and rom_modules < modules * 0.8
    # The interned names fit the qstr pools the heap rows count (1260 names, the pools of 20
    # to 640 entries): the next name past them costs a pool of 1280 entries at once, about
    # 15 KB on this port's ROMFS row. A new attribute, method, function or argument name is
    # one more; reuse a name the firmware has where one fits, or take the cost knowingly.
    # frozen into the interpreter (nothing else on its path holds a midictl), the code keeps
    # even its names and constants out of the heap: less than from ROMFS, the objects the same
    fz_total, fz_modules = res["mpy"]["mem_frozen"]
    assert 0 < fz_modules < rom_modules * 0.8 and fz_total - fz_modules == pytest.approx(rom_total - rom_modules, abs=2048)
    n, held, nxt = res["mpy"]["names"]
    assert held + 20 == nxt  # (20, 40, ...: the next is the sum of all before it, plus 20)
    assert n <= held, "%d names interned after boot: past the %d the pools hold" % (n, held)


def test_latency_finds_every_strike_on_the_scan_grid():
    r = bench_sim.latency(strikes=3, flood=False)
    assert r["missed"] == 0 and r["off_grid"] == 0
    lo, hi = r["strike_usb"]
    assert 0 < lo <= hi < 20


def test_a_1_ms_peak_window_plays_the_same_strikes_1_ms_sooner_at_the_same_velocities():
    # the reference pads are bare piezos (top 0.5 ms after the strike): the bench's row for
    # window_ms 1 compares the same strikes with the default window's
    fast = {"controls": {"pad%d" % i: {"window_ms": 1} for i in range(1, 17)}}
    a = bench_sim.latency(strikes=6, flood=False)
    b = bench_sim.latency(strikes=6, flood=False, config=fast)
    assert a["missed"] == b["missed"] == 0 and a["off_grid"] == b["off_grid"] == 0
    assert b["vels"] == a["vels"] and all(a["vels"])
    assert [round(x - y, 9) for x, y in zip(a["strike_usb"], b["strike_usb"])] == [1.0, 1.0]


def test_the_clock_row_pairs_every_tick_on_both_ports():
    # 3 strikes while the knobs flood DIN, the clock at 120 bpm from power-on: 19 ticks in
    # the run, each on both ports, each at its time on DIN too (the knobs' bytes
    # make way; no note queued ahead of a tick here): the intervals are the period's 20.833
    # or 20.834 ms, on the microsecond
    c = bench_sim.clock(strikes=3)
    assert c["usb"] == c["din"] == 19
    assert c["late"] == (0.0, 0.0)
    assert c["dev"] < 0.001


def test_wire_counts_the_same_messages_both_ways():
    w = bench_sim.wire(os.path.join(ROOT, "tools", "scenarios", "min.json"))
    assert w["running"][1] == w["plain"][1] > 0
    assert w["running"][0] < w["plain"][0]


def test_readme_block_is_replaced_and_nothing_else(tmp_path):
    p = tmp_path / "README.md"
    p.write_text("intro\n\n<!-- bench -->\nold\n<!-- /bench -->\n\nafter\n")
    block = bench.readme_block("| a |\n|---|", "| e |\n|---|", "2030-01-01, x86_64 (cpu)")
    assert bench.update_readme(block, str(p))
    text = p.read_text()
    assert text.startswith("intro\n\n<!-- bench -->\nMeasured 2030-01-01, x86_64 (cpu) by `make bench`.")
    assert text.endswith("| e |\n|---|\n<!-- /bench -->\n\nafter\n")
    assert "old" not in text
    assert not bench.update_readme(block, str(p))


def test_boot_bench_times_the_compiled_firmware():
    import bench_boot

    r = bench_boot.run(1)
    assert r["runs"] == 1 and 0 < r["ms"] < 1000
    # (each run checks where midictl came from: the .mpy files, the ROMFS image, the interpreter)
    fz = bench_boot.run(1, frozen=mpbuild.build_unix())
    rom = bench_boot.run(1, romfs=True)
    assert 0 < fz["ms"] < 1000 and 0 < rom["ms"] < 1000


def test_scan_loop_allocates_nothing_from_power_on():
    # The first 300 scans of the reference layout under MicroPython with the heap locked
    # (any allocation raises): the power-on All Notes Off, the filters priming, a strike,
    # a knob sweep; with report_pots_at_boot, each knob's position once primed as well.
    rows = bench_fw._run("mpy", ["locked", 300])
    # DIN bytes: the same playing, plus 8 CCs of 2 bytes (running status) for the report
    assert rows == [["locked", "default", "300", "114"], ["locked", "report_pots_at_boot", "300", "130"]]
