# A fake rp2 `machine` module backed by the simulated world (world.py).
# Same names, constants and behaviour as the rp2 port for what the firmware uses.
import streamargs as _sa
import world as _w
from world import micropython  # (the real one, or a no-op stand-in under CPython)

_IN, _OUT = 0, 1


def _world():
    if _w.current is None:
        raise RuntimeError("simboard: no world installed")
    return _w.current


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    # rp2 machine_pin.c: GPIO_IRQ_EDGE_FALL = 4, GPIO_IRQ_EDGE_RISE = 8
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None, **kw):
        self.id = id
        self.mode = _IN
        self.pull = None
        if mode != -1 or pull != -1 or value is not None:
            self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None, **kw):
        w = _world()
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        g = self.id
        if isinstance(g, int) and self.mode == _IN and g not in w.levels:
            w.set_level(g, 0 if pull == Pin.PULL_DOWN else 1)
        if isinstance(g, int) and self.mode == _OUT and g in w.levels:
            w.drop_level(g)
        if isinstance(g, int) and mode != -1:
            w.oe_bits = w.oe_bits | (1 << g) if self.mode == _OUT else w.oe_bits & ~(1 << g)
        if value is not None:
            self.value(value)

    def value(self, v=None):
        w = _world()
        g = self.id
        if not isinstance(g, int):
            if v is None:
                return w.named.get(g, 0) if hasattr(w, "named") else 0
            if not hasattr(w, "named"):
                w.named = {}
            w.named[g] = 1 if v else 0
            return None
        if v is None:
            if g in w.levels:
                return w.levels[g]
            return (w.out_bits >> g) & 1
        if v:
            w.out_bits |= 1 << g
        else:
            w.out_bits &= ~(1 << g)
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(0 if self.value() else 1)

    def irq(self, handler=None, trigger=12, hard=False):
        w = _world()
        if handler is None:
            w.irqs.pop(self.id, None)
        else:
            w.irqs[self.id] = (handler, trigger, self)
        return None


class _Mem32:
    # SIO registers the firmware uses (RP2040 / RP2350 offsets).
    _IN = 0xD0000004
    _OUT = 0xD0000010

    # (The world is looked up inline, not through _world(): the scan writes here twice per
    # mux channel, a call saved each time is a good part of the simulator's own time.)
    @micropython.native
    def __getitem__(self, addr):
        w = _w.current
        if w is None:
            _world()
        if addr == 0xD0000004:  # GPIO_IN
            return w.gpio_in()
        if addr == 0xD0000010:  # GPIO_OUT
            return w.out_bits
        raise ValueError("simboard: mem32 read of unmodelled address 0x%08X" % addr)

    @micropython.native
    def __setitem__(self, addr, v):
        w = _w.current
        if w is None:
            _world()
        if addr == w.sio_set:
            w.out_bits |= v
        elif addr == w.sio_clr:
            w.out_bits &= ~v
        elif addr == self._OUT:
            w.out_bits = v
        elif addr == w.sio_oe_set:
            w.oe_bits |= v
        elif addr == w.sio_oe_clr:
            w.oe_bits &= ~v
        else:
            raise ValueError("simboard: mem32 write to unmodelled address 0x%08X" % addr)


mem32 = _Mem32()


class ADC:
    CORE_TEMP = 4

    def __init__(self, id, **kw):
        if isinstance(id, Pin):
            id = id.id - 26
        elif id >= 26:
            id -= 26
        self.ch = id
        # the world's own reader for this channel, called straight by the firmware (it keeps
        # the bound read_u16 of each ADC)
        if _w.current is not None:
            self.read_u16 = _w.current.adc_reader(id)

    def read_u16(self):
        return _world().adc_reader(self.ch)()


# RP2040 datasheet, GPIO function table: UART0 TX on 0/12/16/28, RX on 1/13/17/29; UART1 TX
# on 4/8/20/24, RX on 5/9/21/25.
_UART_TX = ((0, 12, 16, 28), (4, 8, 20, 24))
_UART_RX = ((1, 13, 17, 29), (5, 9, 21, 25))


class UART:
    def __init__(self, id, baudrate=115200, bits=8, parity=None, stop=1, tx=None, rx=None,
                 txbuf=256, rxbuf=256, timeout=0, timeout_char=0, **kw):
        if baudrate != 31250 or bits != 8 or parity is not None or stop != 1:
            raise ValueError("simboard: the DIN wire is modelled at 31250 baud 8N1 only")
        w = _world()
        # What the rp2 port refuses (machine_uart.c): no such UART, or pins that cannot carry it.
        if id not in (0, 1):
            raise ValueError("UART(%d) doesn't exist" % id)
        if w.board.get("chip", "rp2040") == "rp2040":
            for pin, ok, what in ((tx, _UART_TX[id], "TX"), (rx, _UART_RX[id], "RX")):
                if pin is not None and pin.id not in ok:
                    raise ValueError("bad %s pin" % what)
        self.id = id
        self.tx = tx
        self.rx = rx
        w.uart_txbuf = txbuf
        w.uart_rxbuf = rxbuf

    @micropython.native
    def write(self, buf, a=None, b=None):
        # MicroPython's stream write: write(buf), write(buf, n), write(buf, offset, n)
        if self.tx is None:
            raise OSError(22)  # EINVAL: no TX pin
        return _world().uart_write(buf, _sa.count(buf, a, b), _sa.offset(buf, a, b))

    @micropython.native
    def any(self):
        return _world().uart_any()

    @micropython.native
    def readinto(self, buf, nbytes=None):
        n = len(buf) if nbytes is None else nbytes
        got = _world().uart_readinto(buf, n)
        return got if got else None

    def read(self, nbytes=None):
        w = _world()
        n = w.uart_any() if nbytes is None else nbytes
        buf = bytearray(n)
        got = w.uart_readinto(buf, n)
        return bytes(buf[:got]) if got else None

    def txdone(self):
        w = _world()
        return w.wire_free <= w.now

    def flush(self):
        w = _world()
        if w.wire_free > w.now:
            w.advance(w.wire_free)

    def deinit(self):
        pass


class WDT:
    def __init__(self, id=0, timeout=5000):
        w = _world()
        w.wdt_timeout = timeout
        w.wdt_fed = w.now

    def feed(self):
        w = _w.current
        if w is None:
            _world()
        w.wdt_fed = w.now


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def freq(*a):
    return 125000000


def unique_id():
    return b"SIMBOARD"


def idle():
    pass


def reset():
    raise _w.SimEnd("machine.reset()")


def soft_reset():
    raise _w.SimEnd("machine.soft_reset()")


class Timer:
    PERIODIC = 1
    ONE_SHOT = 0

    def __init__(self, id=-1, mode=1, period=-1, freq=-1, callback=None, hard=None, **kw):
        self.callback = callback
        self.period = period
        w = _w.current
        if w is not None:
            w.timers.append(self)

    def init(self, **kw):
        pass

    def deinit(self):
        self.callback = None
