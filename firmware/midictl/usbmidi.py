# USB-MIDI device on top of micropython-lib's usb-device-midi (machine.USBDevice).
#
# Part of the hardware layer: the only module besides hw.py that touches the board's
# USB stack. It keeps the stock interface (descriptors, enumeration) and replaces the
# per-message paths that are slow or allocate on the chip:
#   - tx_write() copies a packet into the TX buffer in place (Buffer.pend_write() would
#     allocate a memoryview per message);
#   - tx3() writes the packet of a 3-byte channel message (nearly all traffic) in native
#     code, atomic against the transfer completion without disable_irq();
#   - tx_kick() submits one transfer per scan from preallocated views;
#   - received packets are not pushed through micropython.schedule() (its queue, depth 8
#     on rp2, overflows under a flood: micropython-lib issue 1158); the scan loop polls
#     them with rx_take() instead;
#   - the OUT transfer is re-armed into a landing area made at boot, with a callback bound
#     once (the stock _rx_xfer's Buffer.pend_write() slices a memoryview and its
#     self._rx_cb makes a bound method: both allocate, in every completion and whenever
#     the scan loop's read makes room in a full buffer); the completion appends what the
#     host sent to the RX buffer natively (_put), and rx_take() reads it natively (_take).

import sys

import machine
import micropython
from usb.device.midi import MIDIInterface  # pyright: ignore[reportMissingImports]

_disable_irq = machine.disable_irq
_enable_irq = machine.enable_irq

_TXLEN = const(256)  # 64 event packets: far more than one scan produces
_RXLEN = const(256)
# The longest IN transfer: one full-speed bulk packet (16 event packets). More waits in the
# TX buffer for the transfer the completion chains (and the completion moves it to the
# front natively, _shift). submit_xfer sends the whole buffer it is given, so each length
# a transfer can have is a view made at boot: 17 of them, where transfers as long as the
# buffer took 65.
# An OUT transfer is one packet too, written by the host into a 64-byte landing area and
# appended to the RX buffer natively by its completion (_put): one buffer made at boot,
# where views of the RX buffer at each offset a write can start at (what the stock
# pend_write() slices) would be 64. It is submitted only while the RX buffer has room for
# a whole packet: the host may send up to wMaxPacketSize (64) in any packet of a bulk
# transfer, so a shorter transfer left pending (the stock code submits whatever room is
# left) could be one the host's next packet never fits, however much a read frees meanwhile.
_XFER_MAX = const(64)


if sys.implementation.name == "micropython":

    # (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
    @micropython.viper
    def _tx3(self, cable: int, msg) -> bool:  # pyright: ignore[reportRedeclaration]
        """MidiPort.tx3 in native code: about 3x faster than the interpreted copy, and
        atomic against the transfer completion. That completion (_shift below, as
        Buffer.finish_read in the stock interface: the only other writer of the count
        `_n`) runs only as a scheduled task: TinyUSB's task
        is a micropython.schedule node (shared/tinyusb/mp_usbd.c), and native code never
        stops to run scheduled tasks (the VM looks for them at bytecode jumps only;
        micropython issue 12743). So from reading `_n` to publishing `_n + 4` nothing can
        move the data, and Buffer.finish_write's disable_irq() and its slow path (bytes
        shuffled down after a concurrent read) have nothing left to guard: disable_irq()
        would not hold a scheduled task back anyway."""
        tx = self._tx
        w = int(tx._n)
        if w + 4 > int(self._txlen) or not self._open or self._locked:
            return False
        m = ptr8(msg)
        s = m[0]
        b = ptr8(tx._b)
        # USB-MIDI 1.0 table 4-1: cable number, then CIN = the status's high nibble
        b[w] = (cable << 4) | (s >> 4)
        b[w + 1] = s
        b[w + 2] = m[1]
        b[w + 3] = m[2]
        tx._n = w + 4
        return True

    @micropython.viper
    def _tx_write(self, pkt, n: int) -> bool:  # pyright: ignore[reportRedeclaration]
        """MidiPort.tx_write in native code: n bytes of whole packets (a SysEx, a group of
        messages, a message that is not 3 bytes) into the TX buffer, published at once,
        atomic against the completion for the reason _tx3 gives. (Interpreted, its frame and
        its copy loop made it the costliest step of such a message.) The copy and publish
        are _put's, as the OUT completion appends to the RX buffer; here there is room for
        all of it, so nothing is cut."""
        if int(self._tx._n) + n > int(self._txlen) or self._locked:
            return False
        _put(self._tx, pkt, n)
        return True

    @micropython.viper
    def _shift(tx, nbytes: int):  # pyright: ignore[reportRedeclaration]
        """Buffer.finish_read(nbytes) in native code, for the TX buffer's transfer
        completion: the host has taken the first nbytes; what was written after them moves
        to the front in one pass, where the stock loop takes an interpreted step a byte
        (about 0.14 us each here). Atomic against tx3 and tx_write's publish for the
        reason _tx3 gives; the count `_n` is written once, at the end, as the stock code's
        readers see it either way. (The stock code asserts nbytes <= _n; the port never
        lets a transfer complete over bytes it dropped, see on_open, and a count below 0
        is never written.)"""
        left = int(tx._n) - nbytes
        if left < 0:
            left = 0
        b = ptr8(tx._b)
        i = 0
        while i < left:
            b[i] = b[i + nbytes]
            i += 1
        tx._n = left

    @micropython.viper
    def _put(rx, src, nbytes: int):  # pyright: ignore[reportRedeclaration]
        """The OUT transfer's completion: the nbytes the host wrote into the landing area
        src go to the end of the RX buffer, as Buffer.pend_write() then finish_write()
        would have them, in one native pass. Atomic against _take (the scan loop's read)
        for the reason _tx3 gives: this runs in TinyUSB's scheduled task, _take natively.
        The transfer was submitted while the buffer had room for all of it, and only a read
        changes the room meanwhile, making more; a count past the end is cut (the stock
        code asserts)."""
        w = int(rx._n)
        room = int(len(rx._b)) - w
        if nbytes > room:
            nbytes = room
        b = ptr8(rx._b)
        s = ptr8(src)
        i = 0
        while i < nbytes:
            b[w + i] = s[i]
            i += 1
        rx._n = w + nbytes

    @micropython.viper
    def _take(rx, buf, nmax: int) -> int:  # pyright: ignore[reportRedeclaration]
        """MidiPort.rx_take's copy in native code: the whole event packets waiting in the RX
        buffer, at most nmax bytes, copied into buf, and what is left moved to the front
        (Buffer.finish_read, which the stock code does an interpreted step a byte: up to
        192 of them in one scan when the host has filled the buffer). Native, so the
        completion (_put) cannot run between the copy and the count it publishes."""
        n = int(rx._n) & -4
        if n > nmax:
            n = nmax & -4
        if n <= 0:
            return 0
        b = ptr8(rx._b)
        d = ptr8(buf)
        i = 0
        while i < n:
            d[i] = b[i]
            i += 1
        left = int(rx._n) - n
        i = 0
        while i < left:
            b[i] = b[i + n]
            i += 1
        rx._n = left
        return n

else:  # CPython (tools/bench_fwchild.py): the same steps, interpreted, nothing concurrent

    def _put(rx, src, nbytes):
        w = rx._n
        nbytes = min(nbytes, len(rx._b) - w)
        b = rx._b
        for i in range(nbytes):
            b[w + i] = src[i]
        rx._n = w + nbytes

    def _take(rx, buf, nmax):
        n = min(rx._n & ~3, nmax & ~3)
        if n <= 0:
            return 0
        b = rx._b
        for i in range(n):
            buf[i] = b[i]
        left = rx._n - n
        for i in range(left):
            b[i] = b[i + n]
        rx._n = left
        return n

    def _shift(tx, nbytes):
        left = max(0, tx._n - nbytes)
        b = tx._b
        for i in range(left):
            b[i] = b[i + nbytes]
        tx._n = left

    def _tx_write(self, pkt, n):
        tx = self._tx
        w = tx._n
        if w + n > self._txlen or self._locked:
            return False
        b = tx._b
        tx._w = w  # what pend_write() does, without making a memoryview
        if n == 4:
            b[w] = pkt[0]
            b[w + 1] = pkt[1]
            b[w + 2] = pkt[2]
            b[w + 3] = pkt[3]
        else:
            for i in range(n):
                b[w + i] = pkt[i]
        # Publish the bytes: Buffer.finish_write()'s fast path, inline. If a transfer completed
        # while we copied (the count moved), its slow path shuffles our bytes down instead.
        ist = _disable_irq()
        if tx._n == w:
            tx._n = w + n
            tx._w = self._txlen
            _enable_irq(ist)
        else:
            _enable_irq(ist)
            tx.finish_write(n)
        return True

    def _tx3(self, cable, msg):
        tx = self._tx
        w = tx._n
        if w + 4 > self._txlen or not self._open or self._locked:
            return False
        b = tx._b
        s = msg[0]
        b[w] = (cable << 4) | (s >> 4)
        b[w + 1] = s
        b[w + 2] = msg[1]
        b[w + 3] = msg[2]
        tx._n = w + 4
        return True


class MidiPort(MIDIInterface):
    def __init__(self, txlen=_TXLEN, rxlen=_RXLEN):
        super().__init__(rxlen=rxlen, txlen=txlen)
        b = self._tx._b
        self._txlen = txlen
        self._txv = tuple([b[:i] for i in range(0, min(txlen, _XFER_MAX) + 1, 4)])  # (a tuple: no spare room)
        self.rx_ready = False
        # is_open() as an attribute, kept by on_open() and on_reset() (where the stock
        # interface sets what is_open() returns): the scan loop reads it every scan
        self.up = False
        # An IN transfer is in flight: set as one is submitted, cleared where its completion
        # (or a bus reset) ends it. The scan loop reads it to leave the USB port alone while
        # the transfer's own completion will send what it wrote since (_tx_xfer chains it).
        self.tx_busy = False
        # The scan loop's: the first scan (its ms, odd) that saw a transfer in flight since
        # the last completion (0: none since), and whether the host has left it so long
        # (app._STALL_MS) that it is taken to have stopped reading: tx3 and tx_write refuse
        # then, so that what it gets when it reads again is at most what the transfer and the
        # buffer held by that time, not 64 packets of whatever came after (a computer whose
        # MIDI port no program has open reads nothing: a program opening it an hour later
        # would get them). A completion clears both.
        self._stamp = 0
        self._locked = False
        self._tx_done = self._tx_cb  # bound once: a bound method per call would allocate
        self._rx_done = self._rx_cb
        # Where the host writes an OUT transfer (see _XFER_MAX), and the room the RX buffer
        # must have to take one
        self._rxl = bytearray(min(_XFER_MAX, rxlen))
        self._rxfull = rxlen - len(self._rxl)  # the most it may hold before one is submitted
        # The stock interface's methods tx_kick calls, bound once too: each is found two
        # classes up, a walk the interpreter would repeat for every kick.
        self._xfer_busy = self.xfer_pending
        self._xfer_submit = self.submit_xfer

    # -- transmit --------------------------------------------------------------------------------
    # tx_write(pkt, n) -> bool: n bytes of whole packets into the TX buffer (False: no room).
    # See _tx_write below.
    tx_write = _tx_write

    # tx3(cable, msg) -> bool: one 3-byte channel message msg[0:3] as one event packet
    # straight into the TX buffer (nearly all traffic); False when the host is away or not
    # reading. See _tx3 below.
    tx3 = _tx3

    def room(self):
        """The bytes the TX buffer has free now (what tx_write takes at most)."""
        return self._txlen - self._tx._n

    def tx_kick(self):
        n = self._tx._n
        if n and self.up and not self.tx_busy:
            # Set first: the completion may run as soon as the transfer is submitted. (A new
            # transfer: the scan loop times the host's read of it from scratch.)
            self.tx_busy = True
            self._stamp = 0
            self._locked = False
            try:
                self._xfer_submit(self.ep_in, self._txv[(n if n < _XFER_MAX else _XFER_MAX) >> 2], self._tx_done)
            except Exception:
                # (in a method of its own: written out here, the handler's stack would take
                # this frame, run for nearly every message sent, past what MicroPython keeps
                # on the C stack, onto the heap on every call; see EncoderCC._turned)
                self._tx_failed()
                raise

    def _tx_failed(self):
        self.tx_busy = bool(self._xfer_busy(self.ep_in))  # what the library knows

    def _tx_cb(self, ep, res, num_bytes):
        # The stock completion, with Buffer.finish_read done natively (_shift): bytes the
        # host has not taken yet (written while the transfer was in flight, or beyond one
        # packet) move to the front without an interpreted step each.
        if res == 0 and num_bytes:
            _shift(self._tx, num_bytes)
        self._stamp = 0  # it reads
        self._locked = False
        self._tx_xfer()

    def _tx_xfer(self):
        # Called by the stock completion callback (the transfer has ended: micropython-lib
        # clears the endpoint's pending callback before calling it) and by the stock
        # on_open(): chain the next transfer without allocating. Whether a transfer is in
        # flight is asked of the library here, once per transfer (not once per scan), so a
        # stock helper that started one itself is respected.
        self.tx_busy = bool(self._xfer_busy(self.ep_in))
        self.tx_kick()

    def on_open(self):
        # The host has (re)configured us. What waits in the TX buffer was meant for a host
        # that left: drop it now, before the stock on_open submits it as a transfer. Later
        # (UsbOut noticing the host is back) would be too late: a submitted transfer's
        # bytes cannot be taken back (its completion runs Buffer.finish_read, which
        # asserts they are still there).
        self.tx_discard()
        self._locked = False
        super().on_open()
        self.up = True

    def on_reset(self):
        # The host has gone (unplugged) or reset the bus: a transfer in flight is abandoned
        # (micropython-lib forgets its callback right after this).
        self.up = False
        self.tx_busy = False
        self._locked = False
        super().on_reset()

    def tx_discard(self):
        tx = self._tx
        ist = machine.disable_irq()
        tx._n = 0
        tx._w = len(tx._b)
        machine.enable_irq(ist)

    # -- receive ---------------------------------------------------------------------------------
    def _rx_xfer(self):
        # The stock method's job -- keep an OUT transfer pending while the RX buffer has room
        # -- without allocating: called by the stock on_open(), by the completion (the
        # library has cleared the endpoint's callback before calling it) and by rx_take
        # (the buffer may have been full). One whole packet at a time (see _XFER_MAX).
        if self._open and self._rx._n <= self._rxfull and not self._xfer_busy(self.ep_out):
            self._xfer_submit(self.ep_out, self._rxl, self._rx_done)

    def _rx_cb(self, ep, res, num_bytes):
        if res == 0 and num_bytes:
            _put(self._rx, self._rxl, num_bytes)
            self.rx_ready = True  # what the scan loop checks: one attribute, no call
        self._rx_xfer()

    def rx_take(self, buf, n):
        """The whole packets waiting, at most n bytes of them, copied into buf."""
        n = _take(self._rx, buf, n)
        if not n:
            return 0
        self.rx_ready = self._rx._n >= 4
        self._rx_xfer()  # the buffer may have been full: resume receiving
        return n


def start(itf, name="midictl"):
    """Register the MIDI interface next to the built-in USB serial REPL (builtin_driver=True),
    so mpremote keeps working. Done from boot.py so the device survives a soft reset. name:
    the device's product string, the name a DAW shows for its MIDI port (the config's usb
    "name"; MicroPython's own would be the board's, "Board in FS mode" on the rp2 port)."""
    import usb.device  # pyright: ignore[reportMissingImports]

    usb.device.get().init(itf, builtin_driver=True, product_str=name)
    return itf
