# midictl: MIDI pad/knob controller firmware for RP2040 boards.
#
# `_NAME = const(...)`: MicroPython's compiler folds it wherever it is written, so no module
# imports `const` (the name would be one more entry in each module's globals, all kept in
# RAM); CPython, which runs the same modules for the host tests and tools, gets a stand-in
# builtin here, before any module of the package runs.
import sys

if sys.implementation.name != "micropython":
    import builtins

    setattr(builtins, "const", lambda x: x)  # noqa: B010  (the type checker's builtins stub has it already)
del sys

VERSION = "0.1.0"  # also in the Identity Reply (app.Controller._identify)
