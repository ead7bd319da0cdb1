# The firmware measured on the host, run by tools/bench_fw.py under the MicroPython Unix port
# and under CPython (the same file; no MicroPython-only syntax):
#
#   bench_fwchild.py step STEPS REPS [PAD]
#                                      us per Controller.step() of the reference layout, idle
#                                      and busy, and heap bytes allocated per step: through
#                                      machine.ADC (the simulator's path) and, under
#                                      MicroPython, through hw.read_block (the chip's)
#   bench_fwchild.py usb MSGS REPS     us per message into the USB transmit buffer: ours vs stock
#
# Needs firmware/ and tools/simboard/ (the fake usb.device) on the path, and
# tools/bench_fwmachine.py, which stands in for `machine` at register-access cost. The
# simulator's world is not installed: its Python model of the physics would dominate the
# step, and its clock would replace the real one. Prints "ROW|name|value..." lines.
import gc
import json
import math
import sys

MPY = sys.implementation.name == "micropython"

if not MPY:
    # The fake usb.device imports micropython.schedule; the firmware falls back by itself.
    class _Micropython:
        @staticmethod
        def const(x):
            return x

        @staticmethod
        def schedule(fn, arg):
            fn(arg)

        @staticmethod
        def viper(fn):  # hw.read_block: compiled natively only by MicroPython, unused here
            return fn

    sys.modules["micropython"] = _Micropython  # type: ignore[assignment]

import bench_fwmachine as machine  # noqa: E402

sys.modules["machine"] = machine  # type: ignore[assignment]

import time  # noqa: E402
from array import array  # noqa: E402

if MPY:
    clock_us = time.ticks_us  # type: ignore[attr-defined]
    elapsed_us = time.ticks_diff  # type: ignore[attr-defined]
else:

    def clock_us():
        return time.perf_counter_ns() // 1000

    def elapsed_us(t1, t0):
        return t1 - t0


ROOT = sys.argv[-1]  # the repository (for boards/pico.json)
_EP_IN = 0x81
_GPIO_IN = 0xD0000004
_BATCH = 20  # steps between collections in the allocation pass
_PULSE_EVERY = 100  # busy: a strike on pad 6 every 100 scans (as tools/bench_controls.py)
_RAMP = 1000  # busy: knob 4 sweeps 0..4095..0 over 1000 scans
_PAD6 = 5  # the struck pad's sample


def board():
    with open(ROOT + "/boards/pico.json") as f:
        return json.load(f)


def piezo(t_ms, strength):
    # the simulator's pulse (firmware/ARCHITECTURE.md): rise 0.5 ms, decay tau 2 ms
    a = round(strength * 3900)
    if t_ms < 0:
        return 0
    if t_ms < 0.5:
        return round(a * t_ms / 0.5)
    return round(a * math.exp(-(t_ms - 0.5) / 2.0))


def samples_for(plan, b, scans, busy):
    """Per ADC channel, the 16-bit values the firmware will read in scans 0..scans-1, in the
    order hw.Hardware.read_phase reads them."""
    pad6 = 5
    knob4 = plan.index["knob4"]
    bend = plan.index["bend"]
    period = _RAMP  # a multiple of the phase count (5) and of the strike period
    per = {}
    for ch in set(plan.adc):
        per[ch] = array("H")
    for s in range(period):
        p = s % len(plan.slow_in)
        for j in range(plan.start[p], plan.end[p]):
            d = plan.dest[j]
            v = 0
            if d == bend:
                v = 2048
            elif busy and d == pad6:
                v = piezo((s % _PULSE_EVERY) - 0.3, 0.7)
            elif busy and d == knob4:
                half = _RAMP // 2
                v = (s if s < half else _RAMP - s) * 4095 // half
            per[plan.adc[j]].append(v << 4 | v >> 8)
    out = {}
    for ch in per:
        a = array("H")
        for _ in range((scans + period - 1) // period):
            a.extend(per[ch])
        out[ch] = a
    return out


def _submit_xfer(self, ep_addr, data, done_cb=None):
    # The simulator's fake stores a new (data, callback) tuple per transfer; micropython-lib
    # keeps the callback in a table it already has and hands the buffer to C, allocating
    # nothing. Same checks, no allocation, so the firmware's own allocations are counted.
    if not self._open:
        raise RuntimeError("Not open")
    x = self._xfers.get(ep_addr)
    if x is not None and x[1] is not None:
        raise RuntimeError("xfer pending")
    if x is None:
        self._xfers[ep_addr] = [data, done_cb]
    else:
        x[0] = data
        x[1] = done_cb


def _xfer_pending(self, ep_addr):
    x = self._xfers.get(ep_addr)
    return x is not None and x[1] is not None


def host_reads(itf):
    # What the USB host does once a frame: complete the pending IN transfer (the completion
    # callback chains the next one, as in micropython-lib).
    x = itf._xfers.get(_EP_IN)
    while x is not None and x[1] is not None:
        cb = x[1]
        x[1] = None
        cb(_EP_IN, 0, len(x[0]))


def usb_lib():
    """micropython-lib's usb.device (the simulator's fake), with allocation-free transfers."""
    from usb.device import core

    core.Interface.submit_xfer = _submit_xfer
    core.Interface.xfer_pending = _xfer_pending
    return core


def busy_values(plan):
    """Busy, for the register path: per scan (period _RAMP), the 12-bit levels of pad 6 and
    knob 4 -- the values samples_for() gives them (knob 4's is read only in its phase)."""
    pad = array("H")
    knob = array("H")
    half = _RAMP // 2
    for s in range(_RAMP):
        pad.append(piezo((s % _PULSE_EVERY) - 0.3, 0.7))
        knob.append((s if s < half else _RAMP - s) * 4095 // half)
    return pad, knob


def play_on_registers(ctl, pad, knob):
    """The register path reads the same fake RESULT (0) for every input, whatever the
    level: what a viper read of a fixed address costs does not depend on it. So the busy
    levels are put into the samples after hw.read_block has stored its zeros, by a wrapper
    around hw.read_phase (native code, as the read it wraps: one more call, a modulo and
    three stores, whose cost is inside the timing, which makes the figure conservative).
    The peak it returns includes pad 6's level, as read_block's would."""
    hw = ctl.hw
    hw.read_phase = _Player(ctl, pad, knob).read_phase  # bound once, as use_registers binds its own


if MPY:
    import micropython

    class _Player:
        def __init__(self, ctl, pad, knob):
            self.read = ctl.hw.read_phase  # the firmware's own read: it runs unchanged
            self.ctl = ctl
            self.pad = pad
            self.knob = knob
            self.samples = ctl.hw.samples
            self.k4 = ctl.hw.plan.index["knob4"]

        @micropython.viper
        def read_phase(self, p: int) -> int:
            peak = int(self.read(p))
            s = int(self.ctl.scans) % int(_RAMP)
            v = int(ptr16(self.pad)[s])  # noqa: F821  (viper's pointer builtins)
            out = ptr16(self.samples)  # noqa: F821
            out[int(_PAD6)] = v
            out[int(self.k4)] = ptr16(self.knob)[s]  # noqa: F821
            return v if v > peak else peak


def build(b, scans, busy, cfg_in=None):
    from midictl import config as cfgmod
    from midictl.app import Controller
    from midictl.hw import Hardware
    from midictl.scanplan import ScanPlan
    from midictl.usbmidi import MidiPort

    usb_lib()
    plan = ScanPlan(b, 2)  # what Hardware builds with its default slow_per_scan
    if scans:
        for ch, a in samples_for(plan, b, scans, busy).items():
            machine.adc_samples(ch, a)
    # at rest: the four active-low buttons (GPIO 6-9) read high
    machine.mem32[_GPIO_IN] = 0xF << 6
    cfg = cfgmod.validate(cfg_in or {}, b)
    hw = Hardware(b)
    if list(hw.plan.dest) != list(plan.dest):
        raise RuntimeError("hw.Hardware no longer builds ScanPlan(board, 2): update samples_for()")
    itf = MidiPort()
    _untrace(itf)
    itf._sim_open()  # the host has enumerated us
    return Controller(b, cfg, hw, itf), itf


def _untrace(itf):
    # The simulator's TX buffer traces every byte it receives (a property on its count);
    # micropython-lib's is a plain Buffer. Measure with a plain one over the same memory.
    from usb.device.core import Buffer

    plain = Buffer(len(itf._tx._b))
    plain._b = itf._tx._b
    itf._tx = plain


def bench_step(steps, reps):
    b = board()
    warm = 200
    variants = [("idle", False), ("busy", True)]
    if MPY:
        # the chip's register path (hw.read_block, viper), idle and busy
        variants += [("regs", False), ("regs_busy", True)]
    for name, busy in variants:
        regs_path = name.startswith("regs")
        ctl, itf = build(b, 0 if regs_path else warm + (reps + 1) * steps, busy)
        if regs_path:
            # read_block over a buffer of "registers": CS reads READY, RESULT 0
            regs = array("I", [0, 0, 0x100, 0])
            import uctypes

            base = uctypes.addressof(regs)
            ctl.hw.use_registers(base, base + 4, base + 8, base + 12, 0)
            if busy:
                play_on_registers(ctl, *busy_values(ctl.hw.plan))
        step = ctl.step
        us = 0
        ms = 0
        for _ in range(warm):  # boot: power-on All Notes Off, filters settle
            step(us, ms)
            us += 1000
            ms += 1
            host_reads(itf)
        # 1. allocation: every byte the steps take from the heap, freed or not (a frame too
        # big for the C stack included: micropython.mem_total(), the heap's running total)
        alloc = -1
        if MPY:
            import micropython

            alloc = 0
            for _ in range(steps // _BATCH):
                a = micropython.mem_total()  # type: ignore[attr-defined]
                for _ in range(_BATCH):
                    step(us, ms)
                    us += 1000
                    ms += 1
                alloc += micropython.mem_total() - a  # type: ignore[attr-defined]
                host_reads(itf)  # the host's side allocates; it is not the firmware's
        # 2. time: best of `reps` runs of `steps` steps, each step timed on its own so that
        # the USB host reads between any two, as a host reads once a frame (1 ms, a scan):
        # each scan with something new starts a transfer, as on the board. The clock's
        # own cost (the same timing round nothing) is subtracted; its 1 us resolution
        # averages out over the steps. The completions the host's reads run (the firmware's
        # callback chaining the next transfer, scheduled on the board, outside the step)
        # are timed apart.
        best = None
        done = 0
        for _ in range(reps):
            # Collect first: garbage left from building the controller slows the Unix
            # port's interpreter several-fold until the first collection.
            gc.collect()
            total = 0
            reads = 0
            for _ in range(steps):
                t0 = clock_us()
                step(us, ms)
                t1 = clock_us()
                host_reads(itf)
                reads += elapsed_us(clock_us(), t1)
                total += elapsed_us(t1, t0)
                us += 1000
                ms += 1
            if best is None or total < best:
                best = total
                done = reads
        loop = None
        for _ in range(reps):
            total = 0
            for _ in range(steps):
                t0 = clock_us()
                total += elapsed_us(clock_us(), t0)
                us += 1000
                ms += 1
            if loop is None or total < loop:
                loop = total
        n = steps
        print("ROW|step|%s|%.3f|%.3f|%d|%d|%d|%.3f" % (name, (best - loop) / n, alloc / n, ctl.engine.events,
                                                       ctl.din.bytes_sent, ctl.scans, (done - loop) / n))
        if name == "regs_busy":
            # 3. the scans that decide a strike, one by one: each runs the pad's decision and
            # hands its Note On to both ports; and when, from the scan's start, the first
            # byte went to the UART (its Note On: urgent messages go first). The write is
            # timed by a wrapper (interpreted: its cost counts in both figures).
            gc.collect()
            took = []
            wrote = []
            first = [0]

            def write(buf, a=None, b=None, first=first):
                if not first[0]:
                    first[0] = clock_us()
                return machine.written(buf, a, b)

            ctl.din.uart.write = write
            for _ in range(max(_PULSE_EVERY, steps // 4)):
                was = ctl.pads.on
                first[0] = 0
                t0 = clock_us()
                step(us, ms)
                d = elapsed_us(clock_us(), t0)
                us += 1000
                ms += 1
                if ctl.pads.on & ~was:
                    took.append(d)
                    wrote.append(elapsed_us(first[0], t0) if first[0] else d)
                host_reads(itf)
            ctl.din.uart.write = machine.written
            # every scan's times, in order: each layout's run plays the same scans, and
            # tools/bench_fw.py takes each one's least (what the host's interruptions add to
            # a single timing left out)
            print("ROW|note_scan|%s|%s" % (",".join("%d" % x for x in took), ",".join("%d" % x for x in wrote)))


def bench_usb(msgs, reps):
    usb_lib()
    from usb.device.midi import MIDIInterface  # the fake of micropython-lib's (tools/simboard)

    from midictl.engine import Engine
    from midictl.usbmidi import MidiPort
    from midictl.usbout import UsbOut

    batch = 50  # 200 bytes: fits the 256-byte transmit buffer, drained between batches
    note = bytearray(b"\x99\x24\x64")
    ours = MidiPort()
    _untrace(ours)
    ours._sim_open()
    eng = Engine([])
    port = UsbOut(ours, eng)
    eng.ports.append(port)
    stock = MIDIInterface(txlen=256)
    _untrace(stock)
    stock._sim_open()
    send = port.send
    note_on = eng.note_on
    note_off = eng.note_off
    stock_note_on = stock.note_on

    def run_port(n):
        for _ in range(n):
            send(note, 3, 0)

    def run_engine(n):
        for _ in range(n):
            note_on(9, 36, 100)

    def sound(n):  # (untimed) n notes for run_off to end, each sounding once
        for i in range(n):
            note_on(9, i, 100)

    def run_off(n):
        for i in range(n):
            note_off(9, i, 0)

    def run_stock(n):
        for _ in range(n):
            stock_note_on(9, 36, 100)

    def empty(n):
        for _ in range(n):
            pass

    def drain(itf):
        host_reads(itf)
        tx = itf._tx
        if tx._n:
            tx.finish_read(tx._n)

    def measure(fn, itf, before=None):
        best = None
        for _ in range(reps):
            gc.collect()
            total = 0
            for _ in range(msgs // batch):
                if before is not None:
                    before(batch)
                    drain(itf)
                t0 = clock_us()
                fn(batch)
                total += elapsed_us(clock_us(), t0)
                drain(itf)
            if best is None or total < best:
                best = total
        alloc = -1
        if MPY:
            import micropython

            if before is not None:
                before(batch)
                drain(itf)
            a = micropython.mem_total()  # type: ignore[attr-defined]
            fn(batch)
            alloc = (micropython.mem_total() - a) / batch  # type: ignore[attr-defined]
            drain(itf)
        return best, alloc

    base, _ = measure(empty, ours)
    n = (msgs // batch) * batch
    for name, fn, itf, before in (("port", run_port, ours, None), ("engine", run_engine, ours, None),
                                  ("engine_off", run_off, ours, sound), ("stock", run_stock, stock, None)):
        t, alloc = measure(fn, itf, before)
        print("ROW|usb|%s|%.3f|%.1f" % (name, (t - base) / n, alloc))
    if port.dropped:
        raise RuntimeError("UsbOut dropped %d messages: the bench's host did not keep up" % port.dropped)


def bench_locked(scans):
    """Not a timing: the first `scans` steps from power-on (the All Notes Off, the filters
    priming, a strike and a knob sweep, every knob's position reported once primed), the USB
    host reading after each (the transfer completions chaining the next), with the heap
    locked, so any allocation raises. Prints ROW|locked|<config>|<steps run>|<DIN bytes>."""
    import micropython

    for name, cfg in (("default", None), ("report_pots_at_boot", {"report_pots_at_boot": True})):
        ctl, itf = build(board(), scans, True, cfg)
        for ep in (0x01, 0x02, 0x81, 0x82):  # the fake's per-endpoint record, made up front
            itf._xfers.setdefault(ep, [None, None])
        n = 0
        micropython.heap_lock()
        try:
            for t in range(scans):
                ctl.step(t * 1000, t)
                host_reads(itf)  # the host reads every frame: the completions run locked too
                n += 1
        finally:
            micropython.heap_unlock()
        print("ROW|locked|%s|%d|%d" % (name, n, ctl.din.bytes_sent))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "step":
        # An optional PAD: bytes allocated (and kept) before anything is built, which moves
        # every object the controller builds to other addresses (tools/bench_fw.py runs
        # several such layouts: see LAYOUTS there).
        _pad = bytearray(int(sys.argv[4]) if len(sys.argv) > 5 else 0)
        bench_step(int(sys.argv[2]), int(sys.argv[3]))
    elif what == "usb":
        bench_usb(int(sys.argv[2]), int(sys.argv[3]))
    elif what == "locked":
        bench_locked(int(sys.argv[2]))
