# Fake of micropython-lib usb.device.core: Interface and Buffer, with the same behaviour the
# firmware relies on (is_open, xfer_pending, submit_xfer raising when closed or busy, the
# producer/consumer Buffer), driven by the simulated USB host in world.py.
import machine
import world as _w


class Interface:
    def __init__(self):
        self._open = False
        self._xfers = {}  # ep -> (buffer, callback)

    def is_open(self):
        return self._open

    def on_open(self):
        self._open = True

    def on_reset(self):
        self._open = False

    def xfer_pending(self, ep_addr):
        return ep_addr in self._xfers

    def submit_xfer(self, ep_addr, data, done_cb=None):
        if not self._open:
            raise RuntimeError("Not open")
        if ep_addr in self._xfers:
            raise RuntimeError("xfer pending")
        self._xfers[ep_addr] = (data, done_cb)

    # -- driven by world.py ----------------------------------------------------------------------
    def _sim_setup(self, index):
        pass

    def _sim_open(self):
        self.on_open()

    def _sim_reset(self):
        self._xfers = {}
        self.on_reset()

    def _sim_frame(self):
        # The host reads every pending IN transfer in full.
        for ep in list(self._xfers):
            if ep & 0x80:
                data, cb = self._xfers.pop(ep)
                if cb:
                    cb(ep, 0, len(data))

    def _sim_host_out(self, pkt):
        for ep in list(self._xfers):
            if not ep & 0x80:
                data, cb = self._xfers[ep]
                if len(data) < len(pkt):
                    return False
                del self._xfers[ep]
                for i in range(len(pkt)):
                    data[i] = pkt[i]
                if cb:
                    cb(ep, 0, len(pkt))
                return True
        return False


class Buffer:
    def __init__(self, length, on_write=None):
        self._b = memoryview(bytearray(length))
        self._n = 0
        self._w = length
        self._on_write = on_write

    def writable(self):
        return len(self._b) - self._n

    def readable(self):
        return self._n

    def pend_write(self, wmax=None):
        self._w = self._n
        end = (self._w + wmax) if wmax else len(self._b)
        return self._b[self._w:end]

    def finish_write(self, nbytes):
        ist = machine.disable_irq()
        try:
            assert nbytes <= len(self._b) - self._w
            if self._n == self._w:
                self._n += nbytes
            else:
                while nbytes > 0:
                    self._b[self._n] = self._b[self._w]
                    self._n += 1
                    self._w += 1
                    nbytes -= 1
            self._w = len(self._b)
        finally:
            machine.enable_irq(ist)

    def write(self, w):
        pw = self.pend_write()
        n = min(len(w), len(pw))
        if n:
            pw[:n] = w[:n]
            self.finish_write(n)
        return n

    def pend_read(self):
        return self._b[:self._n]

    def finish_read(self, nbytes):
        if not nbytes:
            return
        ist = machine.disable_irq()
        try:
            assert nbytes <= self._n
            self._n -= nbytes
            for i in range(self._n):
                self._b[i] = self._b[i + nbytes]
        finally:
            machine.enable_irq(ist)

    def readinto(self, b):
        pr = self.pend_read()
        n = min(len(pr), len(b))
        if n:
            b[:n] = pr[:n]
            self.finish_read(n)
        return n


def _world():
    return _w.current


class TracedBuffer(Buffer):
    """The TX buffer as the simulator sees it: every byte that becomes readable (the count
    `_n` growing, whoever grows it -- finish_write() or a driver publishing in place) is
    handed to `on_write` in whole 4-byte event packets, at the simulated time it happens.
    The real Buffer has a plain attribute here; the property is the simulator's only probe."""

    def __init__(self, length, on_write=None):
        self._nn = 0
        self._from = 0  # start of readable bytes not traced yet
        super().__init__(length)
        self._on_write = on_write

    @property
    def _n(self):
        return self._nn

    @_n.setter
    def _n(self, v):
        old = self._nn
        self._nn = v
        if v < old:  # a read shifted the data down
            self._from = max(0, self._from - (old - v))
        elif v - self._from >= 4 and self._on_write is not None:
            k = (v - self._from) & ~3
            self._on_write(self._b, self._from, k)
            self._from += k
