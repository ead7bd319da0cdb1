# Fake of micropython-lib usb.device.midi.MIDIInterface with the stock behaviour: 16-byte
# buffers by default, send_event() returning False when the TX buffer is full, buffering
# while the host is away (and sending that on reconnect), receive callbacks through
# micropython.schedule(). Every packet handed to the TX buffer is traced by the world.
from micropython import schedule

import world as _w

from .core import Buffer, Interface, TracedBuffer

_CIN_NOTE_OFF = 0x8
_CIN_NOTE_ON = 0x9
_CIN_CONTROL_CHANGE = 0xB


class MIDIInterface(Interface):
    def __init__(self, rxlen=16, txlen=16):
        super().__init__()
        self.ep_out = 0x01
        self.ep_in = 0x81
        self._rx = Buffer(rxlen)
        self._tx = TracedBuffer(txlen, on_write=_trace)

    def on_midi_event(self, cin, midi0, midi1, midi2):
        ch = midi0 & 0x0F
        if cin == _CIN_NOTE_ON:
            self.on_note_on(ch, midi1, midi2)
        elif cin == _CIN_NOTE_OFF:
            self.on_note_off(ch, midi1, midi2)
        elif cin == _CIN_CONTROL_CHANGE:
            self.on_control_change(ch, midi1, midi2)

    def on_note_on(self, channel, pitch, vel):
        pass

    def on_note_off(self, channel, pitch, vel):
        pass

    def on_control_change(self, channel, controller, value):
        pass

    def note_on(self, channel, pitch, vel=0x40):
        self.send_event(_CIN_NOTE_ON, 0x90 | channel, pitch, vel)

    def note_off(self, channel, pitch, vel=0x40):
        self.send_event(_CIN_NOTE_OFF, 0x80 | channel, pitch, vel)

    def control_change(self, channel, controller, value):
        self.send_event(_CIN_CONTROL_CHANGE, 0xB0 | channel, controller, value)

    def send_event(self, cin, midi0, midi1=0, midi2=0):
        w = self._tx.pend_write()
        if len(w) < 4:
            return False
        w[0] = cin
        w[1] = midi0
        w[2] = midi1
        w[3] = midi2
        self._tx.finish_write(4)
        self._tx_xfer()
        return True

    def _tx_xfer(self):
        if self.is_open() and not self.xfer_pending(self.ep_in) and self._tx.readable():
            self.submit_xfer(self.ep_in, self._tx.pend_read(), self._tx_cb)

    def _tx_cb(self, ep, res, num_bytes):
        if res == 0:
            self._tx.finish_read(num_bytes)
        self._tx_xfer()

    def _rx_xfer(self):
        if self.is_open() and not self.xfer_pending(self.ep_out) and self._rx.writable():
            self.submit_xfer(self.ep_out, self._rx.pend_write(), self._rx_cb)

    def _rx_cb(self, ep, res, num_bytes):
        if res == 0:
            self._rx.finish_write(num_bytes)
            schedule(self._on_rx, None)
        self._rx_xfer()

    def on_open(self):
        super().on_open()
        self._tx_xfer()
        self._rx_xfer()

    def _on_rx(self, _):
        m = self._rx.pend_read()
        i = 0
        while i <= len(m) - 4:
            cin = m[i] & 0x0F
            self.on_midi_event(cin, m[i + 1], m[i + 2], m[i + 3])
            i += 4
        self._rx.finish_read(i)


def _trace(buf, start, n):
    if _w.current is not None:
        _w.current.usb_written(buf, start, n)
