# The simulated clock, installed as `time` for the firmware (sys.modules['time']).
# Ticks wrap at 2**30 like on the rp2 port, so wrap-around bugs show up in simulation.
# Sleeping is the only way simulated time passes: the firmware's own computation is free.

from world import micropython  # (the real one, or a no-op stand-in under CPython)

_PERIOD = 1 << 30
_MASK = _PERIOD - 1
_HALF = 1 << 29

world = None  # set by world.install()


@micropython.native
def ticks_us():
    return (world.now + world.tick_offset_us) & _MASK


@micropython.native
def ticks_ms():
    return ((world.now + world.tick_offset_us) // 1000) & _MASK


def ticks_cpu():
    return ticks_us()


@micropython.native
def ticks_diff(a, b):
    return ((a - b + _HALF) & _MASK) - _HALF


@micropython.native
def ticks_add(a, d):
    return (a + d) & _MASK


@micropython.native
def sleep_us(n):
    if n > 0:
        world.advance(world.now + n)


def sleep_ms(n):
    if n > 0:
        world.advance(world.now + n * 1000)


def sleep(s):
    if s > 0:
        world.advance(world.now + int(s * 1000000))


def time():
    return world.now // 1000000


def time_ns():
    return world.now * 1000
