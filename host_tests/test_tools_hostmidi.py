"""tools/hostmidi.py with a fake backend, and the one-line NoMidiSystem messages."""
import sys

import mido

import hostmidi
from hostmidi import NoMidiSystem, UnknownPort

PICO_IN = "Pico MIDI:Pico MIDI MIDI 1 20:0"
THRU = "Midi Through:Midi Through Port-0 14:0"


class FakeBackend:
    """The mido.Backend interface: names, and ports that record what is opened."""

    def __init__(self, inputs=(THRU, PICO_IN), outputs=(THRU, "Pico MIDI:Pico MIDI MIDI 1 20:0"), error=None):
        self.inputs, self.outputs, self.error, self.opened = list(inputs), list(outputs), error, []

    def get_input_names(self):
        if self.error:
            raise self.error
        return self.inputs

    def get_output_names(self):
        return self.outputs

    def open_input(self, name):
        self.opened.append(("in", name))
        return ("input", name)

    def open_output(self, name):
        self.opened.append(("out", name))
        return ("output", name)


def message(fn, *args):
    try:
        fn(*args)
    except (NoMidiSystem, UnknownPort) as e:
        return type(e).__name__ + ": " + str(e)
    raise AssertionError("no error")


def test_lists_and_opens_by_exact_or_unique_part_of_name():
    be = FakeBackend()
    assert hostmidi.list_inputs(be) == [THRU, PICO_IN]
    assert hostmidi.list_outputs(be) == [THRU, "Pico MIDI:Pico MIDI MIDI 1 20:0"]
    assert hostmidi.open_input(PICO_IN, be) == ("input", PICO_IN)
    assert hostmidi.open_input("pico", be) == ("input", PICO_IN)
    assert hostmidi.open_output(None, be) == ("output", THRU)
    assert be.opened == [("in", PICO_IN), ("in", PICO_IN), ("out", THRU)]


def test_unknown_ambiguous_and_no_ports():
    be = FakeBackend()
    assert message(hostmidi.open_input, "launchpad", be) == (
        "UnknownPort: unknown MIDI input 'launchpad'; ports: %s, %s" % (THRU, PICO_IN))
    assert message(hostmidi.open_input, "midi", be) == (
        "UnknownPort: MIDI input 'midi' matches 2 ports: %s, %s; give more of the name" % (THRU, PICO_IN))
    assert message(hostmidi.open_output, None, FakeBackend(outputs=())) == (
        "UnknownPort: no MIDI output ports (is the controller plugged in?)")
    assert be.opened == []


def test_no_rtmidi_is_one_line_with_the_fix(monkeypatch):
    monkeypatch.delenv("MIDO_BACKEND", raising=False)
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # import rtmidi -> ImportError
    monkeypatch.delitem(sys.modules, "mido.backends.rtmidi", raising=False)
    assert message(hostmidi.list_inputs) == (
        "NoMidiSystem: no MIDI system: python-rtmidi is not installed (pip install python-rtmidi; "
        "on Linux it uses ALSA: apt install libasound2)")
    assert "\n" not in hostmidi.RTMIDI_MISSING


def test_other_backend_missing_and_os_errors(monkeypatch):
    monkeypatch.setenv("MIDO_BACKEND", "mido.backends.nosuch")
    assert message(hostmidi.list_outputs) == (
        "NoMidiSystem: no MIDI system: cannot load mido backend mido.backends.nosuch "
        "(No module named 'mido.backends.nosuch')")
    be = FakeBackend(error=OSError(2, "No such file or directory: '/dev/snd/seq'"))
    assert message(hostmidi.list_inputs, be) == (
        "NoMidiSystem: no MIDI system: [Errno 2] No such file or directory: '/dev/snd/seq' (on Linux the "
        "ALSA sequencer must be present: modprobe snd-seq, and /dev/snd/seq readable by you)")


def test_real_mido_backend_object_fits_the_interface():
    # what load_backend returns must have the four methods the fake stands in for
    for name in ("get_input_names", "get_output_names", "open_input", "open_output"):
        assert callable(getattr(mido.Backend, name))
