# The reliability suite's runner, under the MicroPython Unix port: tools/simboard/run.py with
# test-only hooks. It boots the real firmware (boot.py, main.py) on the simulated board
# exactly as run.py does (the trace streamed to the output file as world.py writes it); what
# it adds lives only here, never in the firmware or the simulator -- plan["rel"] hooks:
#
#       "uart_raise": [[t0_us, t1_us], ...]   UART.write raises OSError(EIO) in these windows
#       "usb_unread": [[t0_us, t1_us], ...]   the USB host, still there, completes no IN
#                                             transfer in these windows (it stops reading)
#       "fault_at": [t_us, ...]               the pad scan raises once at the first scan >= t
#       "sample_every_us": N                  every N us: gc.collect(), then record heap in
#                                             use, scans, errors and queue figures
#       "interpreted_step": true              the scan is the closure Controller._scanner()
#                                             makes (what CPython runs), not the native one
#
#   MICROPYPATH=tools/simboard:firmware:host_tests micropython rel_run.py PLAN OUT FIRMWARE
import gc
import json
import os
import sys
from array import array

import world

FIRMWARE = sys.argv[3] if len(sys.argv) > 3 else "firmware"
_EIO = 5
_BIG_PLAN = 1 << 20  # plan file bytes from which the heap layout matters (load_plan)
_COLS = 6  # a sample: rel_us, heap in use, scans, errors, DIN pending, DIN dropped


class InjectedFault(Exception):
    pass


class RelWorld(world.World):
    def __init__(self, plan, out):
        super().__init__(plan, out)
        rel = plan.get("rel", {})
        self.uart_raise = rel.get("uart_raise", [])
        self.usb_unread = rel.get("usb_unread", [])
        self.fault_at = rel.get("fault_at", [])
        self.sample_every = rel.get("sample_every_us", 0)
        self.next_sample = self.sample_every
        # Preallocated, so that taking a sample leaves nothing new on the heap it measures.
        n = (plan["end_us"] + self.drain_limit_us) // self.sample_every + 4 if self.sample_every else 0
        self.samples = array("q", [0] * (_COLS * n))
        self.nsamples = 0
        self.uart_raised = 0
        self.faults = 0

    # -- hooks ---------------------------------------------------------------------------------------
    def uart_write(self, data, n, off=0):
        if self.t0 is not None and self.uart_raise:
            t = self.rel()
            for w in self.uart_raise:
                if w[0] <= t < w[1]:
                    self.uart_raised += 1
                    raise OSError(_EIO)
        return super().uart_write(data, n, off)

    def _frames_until(self, t):
        # world.World's, but for the frames in a usb_unread window: OUT data is still
        # offered then, and no IN transfer completes
        if not self.usb_unread or self.t0 is None:
            return super()._frames_until(t)
        if not self.usb_connected or not self.usb_itfs:
            return
        f = (self.now // world.USB_FRAME_US + 1) * world.USB_FRAME_US
        while f <= t:
            self.now = f
            r = f - self.t0
            if not any(w[0] <= r < w[1] for w in self.usb_unread):
                for itf in self.usb_itfs:
                    itf._sim_frame()
            self._usb_deliver()
            f += world.USB_FRAME_US

    def advance(self, target):
        if self.sample_every and self.t0 is not None and target - self.t0 >= self.next_sample:
            self.next_sample += self.sample_every
            self.sample()
        super().advance(target)

    def sample(self):
        # Write out the trace lines that are final, so the heap figure is the firmware's and
        # not a varying backlog of the simulator's own lines.
        self._flush(self.rel() - world.FLUSH_BEHIND_US)
        gc.collect()
        app = self.app
        din = app.din if app is not None else None
        k = self.nsamples * _COLS
        if k + _COLS > len(self.samples):
            return
        s = self.samples
        s[k] = self.rel()
        s[k + 1] = gc.mem_alloc()
        s[k + 2] = app.scans if app else 0
        s[k + 3] = app.errors if app else 0
        s[k + 4] = din.pending() if din else 0
        s[k + 5] = din.dropped if din else 0
        self.nsamples += 1


def install_fault(w, ctl):
    """Make the pad scan raise once at each time in w.fault_at (a control failing mid-scan)."""
    if not w.fault_at:
        return
    pads = ctl.pads
    scan = pads.scan
    todo = sorted(w.fault_at)

    def faulty(samples, now):
        if todo and w.rel() >= todo[0]:
            todo.pop(0)
            w.faults += 1
            raise InjectedFault("injected fault in the pad scan")
        return scan(samples, now)

    pads.scan = faulty


def load_plan(path):
    """The plan, laid out so that a long run does not slow down as it goes. json.load leaves
    the plan (an hour of playing: ~145 MB of small objects) interleaved with the parser's
    garbage; once that is collected, the simulator's own short-lived objects fill those
    scattered holes, and every allocation of more than one block walks the allocation table
    across them (after a simulated hour, a third of the run went there). So a free stretch
    of twice the plan file's size is held at the front of the heap while the plan loads:
    the simulator's garbage between two collections fits in it."""
    size = os.stat(path)[6]
    front = bytearray(2 * size) if size > _BIG_PLAN else None
    with open(path) as f:
        plan = json.load(f)
    if front is not None:
        front = None
        gc.collect()
    return plan


def main():
    plan = load_plan(sys.argv[1])
    out = open(sys.argv[2], "w")
    w = RelWorld(plan, out)
    world.install(w)
    if plan["rel"].get("interpreted_step"):
        sys.modules["_midictl_twins"] = sys  # define the interpreted twins (compat.TWINS)
    import midictl.app as app

    if plan["rel"].get("interpreted_step"):
        app._NATIVE = False

    def ready(ctl):
        install_fault(w, ctl)
        w.ready(ctl)

    app.on_ready = ready
    status = 0
    ended = "returned"
    try:
        for name in ("boot.py", "main.py"):
            with open(FIRMWARE + "/" + name) as f:
                code = f.read()
            exec(code, {"__name__": "__main__"})
        w.log.append("firmware returned to the REPL at %s ms" % world.fmt_ms(w.rel()))
    except world.SimEnd as e:
        ended = str(e)
        if ended != "end":
            w.log.append("simulation ended: %s" % e)
    except Exception as e:  # a crash the firmware did not catch
        sys.print_exception(e)
        status = 3
        ended = "crash"
    w.trace_lines()
    out.close()
    ctl = w.app
    samples = [list(w.samples[k:k + _COLS]) for k in range(0, w.nsamples * _COLS, _COLS)]
    stats = {"ended": ended, "log": w.log, "samples": samples, "uart_raised": w.uart_raised,
             "faults": w.faults, "uart_blocked_us": w.uart_blocked_us, "rel_us": w.rel(),
             "started": ctl is not None}
    if ctl is not None:
        stats["scans"] = ctl.scans
        stats["errors"] = ctl.errors
        stats["nsounding"] = ctl.engine.nsounding
        stats["thru_dropped"] = ctl.thru_dropped
        if ctl.din is not None:
            d = ctl.din
            stats["din"] = {"dropped": d.dropped, "coalesced": d.coalesced, "write_errors": d.write_errors,
                            "pending": d.pending(), "bytes_sent": d.bytes_sent, "sx_cuts": d.sx_cuts}
        if ctl.usb is not None:
            u = ctl.usb
            stats["usb"] = {"dropped": u.dropped, "sent": u.sent, "reconnects": u.reconnects}
    with open(sys.argv[2] + ".stats", "w") as f:
        f.write(json.dumps(stats))
    sys.exit(status)


main()
