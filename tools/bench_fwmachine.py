# A fake rp2 `machine` for timing the firmware's scan step on the host (tools/bench_fwchild.py
# puts it in sys.modules["machine"] before the firmware is imported).
#
# Unlike the simulator's machine (tools/simboard/machine.py), which computes every level from
# a model of the world, each access here costs about what a register access costs on the
# chip: one native operation. mem32 is a plain dict (one C subscript, like the rp2 port's
# mem32 object), an ADC read is the native __next__ of an iterator over precomputed samples,
# UART.any is the builtin int (returns 0) and UART.write a function of one line (returns the
# bytes "written", as the rp2 port's C method does; it takes the same arguments, see
# tools/simboard/streamargs.py). Runs under MicroPython and CPython.

import sys

if sys.implementation.name == "micropython":
    import micropython
else:

    class micropython:  # CPython: no native code emitter
        @staticmethod
        def native(f):
            return f


_GPIO_IN = 0xD0000004

# SIO addresses hw.py reads and writes (RP2040 and RP2350 offsets): GPIO_IN, GPIO_OUT_SET and
# _CLR, and a key matrix's GPIO_OE_SET and _CLR (every one made here: a dict that grew on a
# first write would allocate where the chip's mem32 does not)
mem32 = {_GPIO_IN: 0, 0xD0000010: 0, 0xD0000014: 0, 0xD0000018: 0, 0xD0000020: 0,
         0xD0000024: 0, 0xD0000028: 0, 0xD0000038: 0, 0xD0000040: 0}

irqs = {}  # GPIO -> handler, for a bench that wants to play encoder edges


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None, **kw):
        self.id = id
        # an input with a pull-up reads high at rest (a released active-low switch)
        self._v = value if value is not None else (1 if pull == Pin.PULL_UP else 0)

    def init(self, *a, **kw):
        pass

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = v
        return None

    def irq(self, handler=None, trigger=12, hard=False):
        irqs[self.id] = handler


class _Adc:
    def __init__(self):
        self.read_u16 = int  # 0 until a bench installs its samples


_adcs = {}


def ADC(ch):
    # One object per channel, so a bench can set adc_samples() before the firmware binds
    # read_u16 (hw.Hardware caches the bound method at build time).
    if ch not in _adcs:
        _adcs[ch] = _Adc()
    return _adcs[ch]


def adc_samples(ch, samples):
    """The next reads of ADC channel ch return these 16-bit values, in order."""
    ADC(ch).read_u16 = iter(samples).__next__


# (native: the firmware's writes cost a C call on the chip; interpreted, this one took 0.07 us
# more a call than the builtin len it replaced)
@micropython.native
def written(buf, a=None, b=None):
    return len(buf) if a is None else a if b is None else b


class UART:
    def __init__(self, id, **kw):
        self.id = id
        self.any = int  # no MIDI IN: the builtin int() is a native call returning 0
        self.write = written  # returning the count (DinOut.bytes_sent counts them)

    def readinto(self, buf, nbytes=None):
        return None


class WDT:
    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        pass


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def freq(*a):
    return 125000000


class Timer:
    # Soft timers (the watchdog's keep-alive): nothing runs them here.
    def __init__(self, id=-1, mode=1, period=-1, callback=None, **kw):
        self.callback = callback

    def deinit(self):
        self.callback = None
