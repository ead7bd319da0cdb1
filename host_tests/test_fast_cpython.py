"""midictl.midi.fast under CPython when a stand-in `micropython` module is importable (Blinka
installs one; the bench's CPython child makes one whose viper decorator passes functions
through): the plain-Python twin must be used, not viper code that names ptr8."""
import importlib
import sys
import types


def test_or_bytes_uses_the_python_twin_beside_a_stand_in_micropython(monkeypatch):
    fake = types.ModuleType("micropython")
    fake.viper = lambda f: f
    fake.native = lambda f: f
    fake.const = lambda x: x
    monkeypatch.setitem(sys.modules, "micropython", fake)
    import midictl.midi.fast as fast

    try:
        fast = importlib.reload(fast)
        assert fast.or_bytes(bytearray(b"\x01\x7f\x10"), 3) < 0x80
        assert fast.or_bytes(bytearray(b"\x01\x80\x10"), 3) >= 0x80
        assert fast.or_bytes(bytearray(b"\x01\x80\x10"), 1) < 0x80
        assert fast.or_bytes(bytearray(), 0) == 0
    finally:
        monkeypatch.undo()
        importlib.reload(fast)
