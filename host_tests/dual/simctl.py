"""A whole controller for the Unix-port test scripts that drive Controller.step() themselves,
on the simulator's board (tools/simboard on the path, a world installed): micropython-lib's
plain TX buffer in place of the simulator's tracing one (read here), and a UART that keeps
every write."""
from streamargs import count, offset


class RecordingUart:
    def __init__(self):
        self.got = []  # each write's bytes
        self.fail = False  # True: the next writes raise OSError(EIO)

    def write(self, buf, x=None, y=None):  # (MicroPython's stream write: streamargs.py)
        if self.fail:
            raise OSError(5)
        o = offset(buf, x, y)
        k = count(buf, x, y)
        self.got.append(bytes(buf[o:o + k]))
        return k


def controller(board, cfg, native=True):
    """-> (ctl, itf): the USB host has enumerated it; native=False: the scan is the closure
    Controller._scanner() makes (CPython's), not the native step."""
    from usb.device.core import Buffer  # pyright: ignore[reportMissingImports]

    from midictl.app import Controller
    from midictl.hw import Hardware
    from midictl.usbmidi import MidiPort

    itf = MidiPort()
    plain = Buffer(len(itf._tx._b))
    plain._b = itf._tx._b
    itf._tx = plain
    itf._sim_open()
    ctl = Controller(board, cfg, Hardware(board), itf)
    ctl.din.uart = RecordingUart()
    if not native:
        ctl.step = ctl._scanner()
    return ctl, itf


def play_levels(ctl, levels):
    """The register read replaced by one that stores levels[i] as sample i and returns the
    pads' peak, as read_block returns it: the script sets the levels before each step."""
    samples = ctl.hw.samples
    n = ctl.pads_count

    def read_phase(p):
        peak = 0
        for i in range(len(samples)):
            samples[i] = levels[i]
            if i < n and levels[i] > peak:
                peak = levels[i]
        return peak

    ctl.hw.read_phase = read_phase


class RxUart:
    """DIN IN for a heap-locked scan: bytes put in before a step, read by it without
    allocating; DIN OUT writes are counted, not kept."""

    def __init__(self, size=256):
        self.data = bytearray(size)
        self.n = self.pos = 0

    def add(self, bs):
        for b in bs:
            self.data[self.n] = b
            self.n += 1

    def any(self):
        return self.n - self.pos

    def readinto(self, buf):
        n = min(self.n - self.pos, len(buf))
        if n <= 0:
            return None
        for i in range(n):
            buf[i] = self.data[self.pos + i]
        self.pos += n
        return n

    def write(self, b, x=None, y=None):
        return count(b, x, y)


def host_out(itf, pkt):
    """The USB host's OUT transfer completing with one 4-byte packet (the benchmark's fake
    interface keeps the transfer the port submitted in its table)."""
    x = itf._xfers[0x01]
    assert x[1] is not None  # the OUT transfer the interface submitted
    for i in range(4):
        x[0][i] = pkt[i]
    cb = x[1]
    x[1] = None
    cb(0x01, 0, 4)
