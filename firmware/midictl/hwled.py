# The board's LED as the MIDI clock's beat light: part of the hardware layer (with hw.py and
# hwsetup.py, the modules that import `machine`), in a module of its own that only a config
# with a clock or a note repeat loads (controls/transport.py, at boot), so a board without
# one interns none of its names.

import machine


def beat_led(board):
    """The board's LED as the MIDI clock's beat light (controls/transport.py's Clock, or a
    note repeat's own clock's with no clock_bpm: controls/repeat.py), dark:
    its Pin, or its NeoPixel (a one-pixel strip); None when the board file names none."""
    spec = board.get("led")
    if not spec:
        return None
    if spec.get("power") is not None:  # a NeoPixel with a power switch of its own (XIAO)
        machine.Pin(spec["power"], machine.Pin.OUT, value=1)
    if spec["type"] == "pin":
        return machine.Pin(spec["pin"], machine.Pin.OUT, value=0)
    import neopixel

    np = neopixel.NeoPixel(machine.Pin(spec["pin"], machine.Pin.OUT), 1)
    np[0] = (0, 0, 0)
    np.write()
    return np
