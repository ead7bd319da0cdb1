"""Small fakes for the runtime tests (engine, DIN queue, USB port), usable under both
interpreters. They record into preallocated storage where a test runs under no_alloc()."""


# A UART's write takes MicroPython's stream arguments: write(buf), write(buf, n),
# write(buf, offset, n). The firmware's always lie within the buffer, so these stand-ins
# read them without the clamping tools/simboard/streamargs.py models for the simulator.
def offset(buf, a=None, b=None):
    return 0 if b is None else a


def count(buf, a=None, b=None):
    return len(buf) if a is None else a if b is None else b


class Clock:
    def __init__(self):
        self.us = 0


class WireUart:
    """A UART whose bytes leave at 320 us each: records (start_us, byte)."""

    def __init__(self, clock, fail_times=0):
        self.clock = clock
        self.log = []
        self.free = 0
        self.fail_times = fail_times
        self.writes = 0

    def write(self, buf, x=None, y=None):
        if self.fail_times:
            self.fail_times -= 1
            raise OSError(5)
        self.writes += 1
        o = offset(buf, x, y)
        k = count(buf, x, y)
        for i in range(k):
            start = self.free if self.free > self.clock.us else self.clock.us
            self.free = start + 320
            self.log.append((start, buf[o + i]))
        return k

    def outstanding(self):
        left = self.free - self.clock.us
        return 0 if left <= 0 else (left + 319) // 320

    def bytes(self):
        return [b for _t, b in self.log]


class CountingUart:
    """Counts bytes only: safe under heap_lock."""

    def __init__(self):
        self.n = 0

    def write(self, buf, x=None, y=None):
        k = count(buf, x, y)
        self.n += k
        return k


class Itf:
    """Stands in for usbmidi.MidiPort: a TX buffer of `size` bytes the host drains."""

    def __init__(self, size=64, open_=True):
        self.buf = bytearray(size)
        self.n = 0
        self.up = open_
        self.tx_busy = False  # the host reads at once (host_reads): never a transfer in flight
        self._locked = False
        self.sent = []  # packets the host received
        self.discards = 0
        self.kicks = 0
        self.rx = bytearray(0)
        self.rx_ready = False

    def is_open(self):
        return self.up

    def tx_write(self, pkt, n):
        if self.n + n > len(self.buf):
            return False
        for i in range(n):
            self.buf[self.n + i] = pkt[i]
        self.n += n
        return True

    def room(self):
        return len(self.buf) - self.n

    def tx3(self, cable, msg):
        if not self.up or self.n + 4 > len(self.buf):
            return False
        b = self.buf
        b[self.n] = (cable << 4) | (msg[0] >> 4)
        b[self.n + 1] = msg[0]
        b[self.n + 2] = msg[1]
        b[self.n + 3] = msg[2]
        self.n += 4
        return True

    def tx_kick(self):
        self.kicks += 1

    def host_reads(self):
        for i in range(0, self.n, 4):
            self.sent.append(bytes(self.buf[i:i + 4]))
        self.n = 0

    def tx_discard(self):
        self.discards += 1
        self.n = 0

    def rx_take(self, buf, nmax):
        n = min(len(self.rx), nmax) & -4
        for i in range(n):
            buf[i] = self.rx[i]
        self.rx = self.rx[n:]
        return n


class Recorder:
    """An output port that records what the engine hands it."""

    def __init__(self):
        self.msgs = []

    def send(self, msg, n, key):
        self.msgs.append((bytes(msg[:n]), key))
