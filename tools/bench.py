#!/usr/bin/env python3
"""`make bench`: every benchmark in one run, the method, one Markdown table (targets and
whether each is met), the per-message encoder detail, and the README's bench block.

    python tools/bench.py               # measure, print, rewrite README.md's bench block
    python tools/bench.py --no-readme   # measure and print only
    python tools/bench.py --quick       # tiny counts (the smoke test); never touches README

Pieces (each usable alone): tools/bench_encode.py (encoders vs adafruit_midi and mido),
tools/bench_controls.py (the controls alone), tools/bench_fw.py (the whole scan step, the
USB path and the heap after boot, via tools/bench_fwchild.py and tools/bench_fwmem.py), tools/bench_sim.py (latency
and DIN bytes in the simulator).
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import bench_controls  # noqa: E402
import bench_boot  # noqa: E402
import bench_encode  # noqa: E402
import bench_fw  # noqa: E402
import bench_sim  # noqa: E402
import mpbuild  # noqa: E402

README = os.path.join(ROOT, "README.md")
BEGIN = "<!-- bench -->"
END = "<!-- /bench -->"
CHIP = bench_controls.CHIP_FACTOR
STEP_TARGET_US = 5.0
USB_TARGET_US = 1.0
HEAP_TARGET = 48 * 1024
FULL = {"encode": 20000, "controls": 20000, "steps": 20000, "msgs": 20000, "reps": 3, "strikes": 200, "layouts": 5}
QUICK = {"encode": 200, "controls": 200, "steps": 400, "msgs": 400, "reps": 1, "strikes": 4, "boot": 1, "layouts": 2}

METHOD = """\
Method. Host times are the best of several runs, with the bare loop's own cost subtracted
(the encoders', under MicroPython: the best over three processes, as a disturbance of the
machine may outlast one process's runs; the scan step's, under MicroPython: the median of
that over %(layouts)d runs, each its own process allocating 0 to 2 KB before building
anything, as the step moves by a few tenths of a µs from run to run);
heap bytes are micropython.mem_total() growth, every byte taken from the heap whether freed
or not (a call frame too big for the C stack included; MicroPython only). The RP2040
column multiplies the Unix port's time by %(chip)d (interpreted MicroPython on a 125 MHz
Cortex-M0+ against this host: an estimate, not a measurement).
Scan step: the real Controller.step() of the pico reference layout (16 piezo pads and 8
knobs on two 4067 muxes, stick, 2 encoders, 4 buttons; USB-MIDI open) over a fake `machine`
whose register, ADC and UART accesses are single native calls (tools/bench_fwmachine.py),
not the simulator's world. Busy = a strike on pad 6 every 100 scans while knob 4 sweeps;
each step is timed on its own, and the USB host reads after every one, outside the timing,
as a host reads once a frame (each scan with something new starts a transfer); the
completions its reads run are timed apart. The scans that decide a strike are timed one by
one in every run, which all play the same scans: each scan's figure is its least over the
runs (a single timing here is now and then several times the work's). The target is judged
on the chip's path: the ADC and mux through hw.read_block (viper) over a buffer standing in
for the registers, whose RESULT reads 0 for every input (a viper read of a fixed address
costs the same whatever it reads); busy, a wrapper around hw.read_phase then stores pad 6's
and knob 4's levels into the samples, its own cost (one more call, native as the read it
wraps, a modulo, three stores) counted in the step, so the busy figure is conservative. The machine.ADC path (the
simulator's: an interpreted loop of ADC calls) is shown for information. "Controls alone" is
tools/bench_controls.py: the controls without hardware reads, MIDI IN, DIN or USB.
Latency: %(strikes)d pad strikes (random pad, strength 0.3..1, one at a random time in each
50 ms) through boot.py/main.py in the simulator (tools/sim.py), in simulated ms, alone and
while all 8 knobs sweep end to end. The reference pads are piezos: a note is decided after
its 2 ms peak window, so "strike to Note On" includes that window, and "deciding scan to
DIN" (the 1 ms / 2 ms targets) starts at the scan that sent the note to the USB stack; the
same strikes again with every pad's window_ms 1 (a config.json), their velocities compared
one by one with the 2 ms window's; and the flood's strikes and sweeps again with the
controller's MIDI clock at 120 bpm, each tick's time on DIN against its scan's (on USB).
USB path: CPU per Note On from the engine's send() to the packet in the transmit buffer,
UsbOut over MidiPort over the simulator's copy of micropython-lib's usb.device (its Buffer
work included), against the stock MIDIInterface.note_on(). Transfers start once a scan.
Heap: gc.collect(); gc.mem_alloc() after boot minus before importing midictl (64-bit Unix
port: pointers are twice the RP2040's, so the chip needs less); "code kept loaded" is that
minus the objects built, once the config validator and start-up code are unloaded. The first
row imports the .mpy files `make deploy` stages (x64 native code for the viper helpers here). The ROMFS
row imports the firmware (.mpy, x64) from a ROMFS image built as `make deploy ROMFS=1` builds
the board's, mounted at /rom; the image itself is flash on a board and not counted. The
frozen row runs the same script in a Unix port built from MicroPython's source with the
firmware frozen in (tools/mpbuild.py: Debian's source package, unless MPY_SRC names a tree),
importing nothing from files: code, constants and names are in the program. Measured
by a short script of its own (tools/bench_fwmem.py): the names interned before the baseline
(usb.device's, its own) decide which qstr pool the firmware's names open, as a board's boot
does. DIN bytes: the bundled
demo (tools/scenarios/demo.json) with running status on and off. Boot: the firmware compiled
to .mpy by mpy-cross, imported as boot.py and main.py do, config read and validated, the
hardware layer and controls built (tools/bench_boot.py, best of 5, fresh interpreter each);
the ROMFS row imports the same .mpy files from a ROMFS image instead, the frozen row
runs the same script in the frozen build. Without a config.json
the board plays its default layout (a plain `make deploy`); the config row adds the
config.json that `make deploy CONFIG=` writes for a config changing three things
(tools/bench_boot.py PLAYER_CONFIG).
MicroPython's own start and USB enumeration by the host are not included.
The emulated RP2040's rows are not measured by this run: they are the last `make chipbench`'s
(tools/emu/last.json, dated), the frozen firmware on rp2040js, cycle-counted at 125 MHz with
no flash wait states, USB-MIDI off; shown beside the estimates, judged against no target."""


def _rng(values, fmt="%.2f"):
    lo = min(values)
    hi = max(values)
    return (fmt % lo) if fmt % lo == fmt % hi else "%s–%s" % (fmt % lo, fmt % hi)


def _yes(ok):
    return "yes" if ok else "**no**"


def measure(n, wire_scenario=None):
    """Every piece; -> dict of raw results."""
    res = {}
    # MicroPython built from source with the firmware frozen in (its source fetched once)
    frozen = mpbuild.build_unix()
    res["frozen_version"] = "%d.%d.%d" % mpbuild.version(mpbuild.source())
    res["encode"] = bench_encode.measure(n["encode"], n["encode"])
    res["controls"] = bench_controls.measure(n["controls"])
    res["fw"] = bench_fw.measure(n["steps"], n["msgs"], n["reps"], bench_fw.LAYOUTS[:n["layouts"]], frozen)
    res["idle"] = bench_sim.latency(n["strikes"], flood=False)
    res["flood"] = bench_sim.latency(n["strikes"], flood=True)
    fast = {"controls": {"pad%d" % i: {"window_ms": 1} for i in range(1, 17)}}
    res["idle_w1"] = bench_sim.latency(n["strikes"], flood=False, config=fast)
    res["clock"] = bench_sim.clock(n["strikes"])
    res["wire"] = bench_sim.wire(wire_scenario or bench_sim.sim.DEMO)
    res["boot"] = bench_boot.run(n.get("boot", 5))
    res["boot_rom"] = bench_boot.run(n.get("boot", 5), romfs=True)
    res["boot_cfg"] = bench_boot.run(n.get("boot", 5), config=True)
    res["boot_frozen"] = bench_boot.run(n.get("boot", 5), frozen=frozen)
    return res


CHIP_LAST = os.path.join(ROOT, "tools", "emu", "last.json")  # (tools/chipbench.py LAST)


def chip_last(path=CHIP_LAST):
    """The last `make chipbench` run's figures (tools/chipbench.py summary()), or None."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def table(res, chip=None):
    mpy_v = bench_encode._mpy_version()
    cpy_v = "%d.%d" % sys.version_info[:2]
    rows = []

    def row(area, what, mpy, cpy, target, met):
        rows.append("| %s | %s | %s | %s | %s | %s |" % (area, what, mpy, cpy, target, met))

    # 1. encoding
    enc = res["encode"]
    cases = bench_encode.CASES
    om = [enc["mpy"][c][0] for c in cases]
    oc = [enc["cpy"][c][0] for c in cases]
    am = [enc["mpy"][c][1] / enc["mpy"][c][0] for c in cases]
    ac = [enc["cpy"][c][1] / enc["cpy"][c][0] for c in cases]
    mc = [enc["mido"][c] / enc["cpy"][c][0] for c in cases]
    hm = [enc["mpy"][c][2] for c in cases]
    ha = [enc["mpy"][c][3] for c in cases]
    row("Encoding", "µs per message, ours (%s)" % ", ".join(cases), " / ".join("%.2f" % x for x in om),
        " / ".join("%.2f" % x for x in oc), "", "")
    # The target (issue: the shared MIDI core): 5x adafruit_midi under MicroPython, every kind.
    row("", "adafruit_midi ÷ ours", _rng(am, "%.1fx"), _rng(ac, "%.1fx"), "≥ 5x under MicroPython, every kind",
        _yes(min(am) >= 5))
    row("", "mido ÷ ours (mido needs CPython)", "n/a", _rng(mc, "%.0fx"), "", "")
    row("", "heap bytes per message: ours (adafruit_midi)", "%s (%s)" % (_rng(hm, "%d"), _rng(ha, "%d")), "—",
        "0", _yes(max(hm) == 0))
    # 2. scanning
    fw = res["fw"]
    # The target is judged on the register path: what the chip runs (hw.read_block, viper).
    # The machine.ADC path is the simulator's (an interpreted loop of ADC calls): shown only.
    steps = fw["mpy"]["step"]
    nl = fw["mpy"]["layouts"]
    for name, label in (("regs", "idle"), ("regs_busy", "pad strike + knob sweep")):
        m = steps[name][0]
        lo, hi = fw["mpy"]["spread"][name]
        row("Scan step" if name == "regs" else "",
            "Controller.step(), chip's path (ADC and mux through hw.read_block: viper, registers), %s: µs, "
            "median of %d runs [their range] (RP2040 est.)" % (label, nl),
            "%.2f [%.2f–%.2f] (≈%.0f µs)" % (m, lo, hi, m * CHIP), "n/a",
            "≤ %.0f µs (Unix port)" % STEP_TARGET_US, _yes(m <= STEP_TARGET_US))
    done = fw["mpy"]["done"]["regs_busy"]
    row("", "between the busy steps: the USB transfer completions the host's reads run (once a frame, "
            "after every step; the firmware's callback chaining the next transfer, which the board runs "
            "scheduled, and the fake host's own loop): µs per step (RP2040 est.)",
        "%.2f (≈%.0f µs)" % (done, done * CHIP), "n/a", "(informational)", "")
    med, top, count, runs = fw["mpy"]["note_scan"]
    row("", "the busy step's scans that decide a strike (%d; Note On to both ports), one by one: µs, "
            "each scan's least of its %d runs (one a layout), median / max (RP2040 est.)" % (count, runs),
        "%.0f / %.0f (≈%.1f / %.1f ms)" % (med, top, med * CHIP / 1000, top * CHIP / 1000), "n/a",
        "(the simulated latencies below take no CPU time)", "")
    med, top = fw["mpy"]["note_din"]
    row("", "the same scans, from their start to the Note On's first byte handed to the UART: µs, "
            "median / max (RP2040 est.)",
        "%.0f / %.0f (≈%.2f / %.2f ms)" % (med, top, med * CHIP / 1000, top * CHIP / 1000), "n/a",
        "(what the chip adds to the simulated deciding scan → DIN)", "")
    pk, pa = fw["mpy"]["peek"]
    row("", "between scans, a pad collecting a strike's peak read again (hw.sample, then PadGroup.peak; "
            "chip's path; in the loop's idle time, every 0.125 ms while its window is open): µs a read, "
            "median of %d runs (heap B) (RP2040 est.)" % nl,
        "%.2f (%g B) (≈%.0f µs)" % (pk, pa, pk * CHIP), "n/a", "0 B", _yes(pa == 0))
    mk, ma, mn = fw["mpy"]["mid"]
    row("", "between scans, at mid-period, every idle piezo pad read (%d; the same calls; once a scan "
            "period): µs a read, median of %d runs (heap B) (RP2040 est.)" % (mn, nl),
        "%.2f (%g B) (≈%.0f µs)" % (mk, ma, mk * CHIP), "n/a", "0 B", _yes(ma == 0))
    rp = fw["mpy"]["repeat"]
    row("", "a note repeat's step (clock 125 bpm, 1/32, latched; chip's path): µs the scan sending its tick "
            "takes more than the one before it, median of %d steps, with 0 / 1 / 4 / 16 pads rolling (each "
            "step their Note Ons, their Note Offs a gate later) (heap B a step) (RP2040 est.)" % rp[0][2],
        "%.0f / %.0f / %.0f / %.0f (%g B) (≈%.1f / %.1f / %.1f / %.1f ms)" % (
            tuple(rp[n][0] for n in (0, 1, 4, 16)) + (max(rp[n][1] for n in rp),)
            + tuple(rp[n][0] * CHIP / 1000 for n in (0, 1, 4, 16))), "n/a", "0 B",
        _yes(max(rp[n][1] for n in rp) == 0))
    row("", "the same through machine.ADC (the simulator's path), idle / busy: µs",
        "%.2f / %.2f" % (steps["idle"][0], steps["busy"][0]),
        "%.2f / %.2f" % (fw["cpy"]["step"]["idle"][0], fw["cpy"]["step"]["busy"][0]), "(informational)", "")
    al = [steps[k][1] for k in ("regs", "regs_busy", "idle", "busy")]
    row("", "heap bytes allocated per step (chip's path idle / busy; simulator's idle / busy)",
        "%g / %g; %g / %g" % tuple(al), "—", "0", _yes(max(al) == 0))
    ctl = res["controls"]
    row("", "controls alone, idle / busy: µs (RP2040 est.)",
        "%.2f / %.2f (≈%.0f / %.0f µs)" % (ctl["idle"], ctl["busy"], ctl["idle"] * CHIP, ctl["busy"] * CHIP),
        "—", "(part of the step)", "")
    if chip:
        row("", "the idle step on an emulated RP2040 (the frozen firmware's Controller.step(), hardware waits "
            "included; USB-MIDI off; the last `make chipbench`, %s): µs" % chip["date"], "%.1f" % chip["step_us"],
            "—", "(informational)", "")
    # 3. latency (simulated ms; interpreter-independent)
    for key, label, target in (("idle", "alone", 1.0), ("flood", "while 8 knobs sweep", 2.0)):
        r = res[key]
        extra = "" if key == "idle" else ", DIN wire %.0f%% busy" % (100 * r["din_busy"])
        miss = "" if not (r["missed"] or r["off_grid"]) else " (%d missed, %d off the scan grid)" % (
            r["missed"], r["off_grid"])
        area = "Latency (sim ms)" if key == "idle" else ""
        row(area, "%s%s: strike → Note On at the USB stack, median / max%s" % (label, extra, miss),
            "%.2f / %.2f" % r["strike_usb"], "—", "(2 ms peak window + scan)", "")
        row("", "%s: strike → Note On starts on DIN, median / max" % label, "%.2f / %.2f" % r["strike_din"], "—",
            "", "")
        row("", "%s: deciding scan → Note On starts on DIN, median / max" % label,
            "%.2f / %.2f" % r["scan_din"], "—", "≤ %.0f ms" % target,
            _yes(not r["missed"] and not r["off_grid"] and r["scan_din"][1] <= target + 1e-9))
    r, base = res["idle_w1"], res["idle"]["vels"]
    miss = "" if not (r["missed"] or r["off_grid"]) else " (%d missed, %d off the scan grid)" % (
        r["missed"], r["off_grid"])
    same = sum(1 for a, b in zip(r["vels"], base) if a == b and a)
    row("", "alone, every pad's `window_ms` 1 (config; bare piezos): strike → Note On at the USB stack, median / max; "
        "the same strikes' velocities equal to the 2 ms window's%s" % miss,
        "%.2f / %.2f; %d of %d" % (r["strike_usb"] + (same, len(base))), "—", "(1 ms peak window + scan)", "")
    c = res["clock"]
    row("", "the flood again with the MIDI clock on (`clock_bpm` 120): ticks on USB / DIN; a tick's time (USB) → its "
        "start on DIN, median / max; DIN's intervals off the 20.83 ms period, at most",
        "%d / %d; %.2f / %.2f; %.2f" % ((c["usb"], c["din"]) + c["late"] + (c["dev"],)), "—",
        "(informational)", "")
    # 4. USB path
    u = fw["mpy"]["usb"]
    uc = fw["cpy"]["usb"]
    row("USB path", "UsbOut.send() → packet in the TX buffer: µs (heap B)", "%.2f (%g B)" % u["port"],
        "%.2f" % uc["port"][0], "≤ %.0f µs (Unix port)" % USB_TARGET_US, _yes(u["port"][0] <= USB_TARGET_US))
    row("", "Engine.note_on() → the same (encode, note tracking)", "%.2f (%g B)" % u["engine"],
        "%.2f" % uc["engine"][0], "", "")
    row("", "Engine.note_off() → the same (its note's last holder: tracking, encode)", "%.2f (%g B)" % u["engine_off"],
        "%.2f" % uc["engine_off"][0], "", "")
    row("", "stock MIDIInterface.note_on(): µs (heap B)", "%.2f (%g B)" % u["stock"], "%.2f" % uc["stock"][0],
        "", "")
    # 5. memory
    total, modules = fw["mpy"]["mem"]
    row("Memory", "heap after boot, firmware .mpy on the filesystem (stock build): midictl code kept loaded + "
        "objects built", "%.1f KB (%.1f + %.1f)" % (total / 1024, modules / 1024, (total - modules) / 1024), "—",
        "< %d KB" % (HEAP_TARGET // 1024), _yes(total < HEAP_TARGET))
    total, modules = fw["mpy"]["mem_rom"]
    row("", "the same, firmware in a ROMFS partition (`make deploy ROMFS=1`, bytecode runs in place)",
        "%.1f KB (%.1f + %.1f)" % (total / 1024, modules / 1024, (total - modules) / 1024), "—",
        "< %d KB" % (HEAP_TARGET // 1024), _yes(total < HEAP_TARGET))
    total, modules = fw["mpy"]["mem_frozen"]
    row("", "the same, firmware frozen into MicroPython %s (`make frozen`: "
        "its Unix port, built with it)" % res["frozen_version"],
        "%.1f KB (%.1f + %.1f)" % (total / 1024, modules / 1024, (total - modules) / 1024), "—",
        "< %d KB" % (HEAP_TARGET // 1024), _yes(total < HEAP_TARGET))
    if chip:
        row("", "the same frozen firmware on an emulated RP2040 (32-bit; USB-MIDI off; the last `make chipbench`, "
            "%s)" % chip["date"], "%.1f KB" % (chip["heap"] / 1024), "—", "(informational: the target is the "
            "Unix port's)", "")
    n, held, nxt = fw["mpy"]["names"]
    row("", "names interned after boot (qstrs; ROMFS row): in all (the bench's own and usb.device's "
            "among them) / what the pools made so far hold (MicroPython adds a pool of the size "
            "in brackets, whole, when they are full)",
        "%d / %d (%d)" % (n, held, nxt), "—", "(informational)", "")
    b = res["boot"]["ms"]
    row("Boot", "first firmware import (.mpy) → controller ready: ms (RP2040 est.)",
        "%.2f (≈%.0f ms)" % (b, b * CHIP), "—", "≤ 300 ms on the chip", _yes(b * CHIP <= 300))
    b = res["boot_rom"]["ms"]
    row("", "the same, firmware in a ROMFS partition: ms (RP2040 est.)", "%.2f (≈%.0f ms)" % (b, b * CHIP), "—",
        "≤ 300 ms on the chip", _yes(b * CHIP <= 300))
    b = res["boot_frozen"]["ms"]
    row("", "the same, firmware frozen into MicroPython %s: ms (RP2040 est.)" % res["frozen_version"],
        "%.2f (≈%.0f ms)" % (b, b * CHIP), "—", "≤ 300 ms on the chip", _yes(b * CHIP <= 300))
    if chip:
        row("", "the frozen firmware on an emulated RP2040 (USB-MIDI off; the last `make chipbench`, %s): ms"
            % chip["date"], "%.1f" % (chip["boot_us"] / 1000), "—", "(informational)", "")
    b = res["boot_cfg"]["ms"]
    row("", "the first row with a config.json as `make deploy CONFIG=` writes it: ms (RP2040 est.)",
        "%.2f (≈%.0f ms)" % (b, b * CHIP), "—", "≤ 300 ms on the chip", _yes(b * CHIP <= 300))
    # 6. wire
    w = res["wire"]
    rs, n = w["running"]
    plain, _n2 = w["plain"]
    row("DIN wire", "demo: bytes for %d messages, running status on / off" % n,
        "%d / %d (−%.0f%%)" % (rs, plain, 100.0 * (plain - rs) / plain), "—", "fewer with running status",
        _yes(rs < plain and w["running"][1] == w["plain"][1]))
    head = ["| area | measurement | MicroPython %s (Unix port) | CPython %s | target | met |" % (mpy_v, cpy_v),
            "|---|---|---|---|---|---|"]
    return "\n".join(head + rows)


def machine_line():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        arch = subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
    except OSError:
        arch = platform.machine()
    return "%s, %s (%s)" % (datetime.date.today().isoformat(), arch or platform.machine(), cpu)


def readme_block(tbl, enc_tbl, when):
    return "\n".join([
        BEGIN,
        "Measured %s by `make bench`." % when,
        "",
        tbl,
        "",
        "Encoding, per message kind:",
        "",
        enc_tbl,
        END,
    ])


def update_readme(block, path=README):
    """Replace the bench block (markers included) in README.md; -> True if it changed."""
    with open(path) as f:
        text = f.read()
    pat = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pat.search(text):
        raise SystemExit("%s: no %s ... %s block to write the table into" % (path, BEGIN, END))
    new = pat.sub(lambda _m: block, text, count=1)
    if new != text:
        with open(path, "w") as f:
            f.write(new)
    return new != text


def main(argv=None):
    ap = argparse.ArgumentParser(description="Benchmarks: one run, one table (MicroPython Unix port and CPython).")
    ap.add_argument("--readme", action="store_true", help="write the table into README.md (the default)")
    ap.add_argument("--no-readme", action="store_true", help="print only")
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the pieces run, numbers meaningless")
    a = ap.parse_args(argv)
    n = QUICK if a.quick else FULL
    res = measure(n, os.path.join(ROOT, "tools", "scenarios", "min.json") if a.quick else None)
    tbl = table(res, chip_last())
    enc_tbl = bench_encode.table(res["encode"])
    when = machine_line()
    print(METHOD % {"chip": CHIP, "strikes": n["strikes"], "layouts": n["layouts"]})
    print()
    print("Measured %s." % when)
    print()
    print(tbl)
    print()
    print("Encoding, per message kind:")
    print()
    print(enc_tbl)
    if not a.quick and not a.no_readme:
        changed = update_readme(readme_block(tbl, enc_tbl, when))
        print()
        print("README.md bench block %s." % ("updated" if changed else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
