# MIDI 1.0 core: encoders, running status, USB-MIDI packets, the MIDI IN parser.
# Pure Python, identical under CPython and MicroPython; no I/O.
