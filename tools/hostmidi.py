"""Real MIDI ports on the host, through mido's backend (python-rtmidi over ALSA,
CoreMIDI or WinMM), for the monitor and for playing into a controller.

python-rtmidi is deliberately not in requirements-dev.txt: the simulator and the tests
need no MIDI system. When it (or the OS MIDI service) is missing, every entry point
raises NoMidiSystem, whose message is one line saying what is missing and how to get
it. A different mido backend can be chosen with MIDO_BACKEND, as in mido itself.

Tests pass `backend=`: any object with get_input_names(), get_output_names(),
open_input(name) and open_output(name), which is the interface of mido.Backend.

Port names: the exact name, or any part of it that matches one port only, ignoring
case. ALSA appends client:port numbers ("Pico MIDI:Pico MIDI MIDI 1 20:0") that change
from one plug-in to the next, so "pico" is the friendlier thing to type.
"""
import os

DEFAULT_BACKEND = "mido.backends.rtmidi"

RTMIDI_MISSING = ("no MIDI system: python-rtmidi is not installed "
                  "(pip install python-rtmidi; on Linux it uses ALSA: apt install libasound2)")


class NoMidiSystem(Exception):
    """No usable MIDI backend or OS MIDI service; str() is one line with the fix."""


class UnknownPort(Exception):
    """No port (or more than one) matches the name given; str() lists what exists."""


def load_backend(name=None):
    """mido's backend `name` (default: $MIDO_BACKEND or python-rtmidi), loaded now so
    a missing library shows up here as NoMidiSystem rather than deep inside mido."""
    name = name or os.environ.get("MIDO_BACKEND") or DEFAULT_BACKEND
    try:
        import mido
        return mido.Backend(name, load=True, use_environ=False)
    except ImportError as e:
        if (getattr(e, "name", None) or "").startswith("rtmidi") or "rtmidi" in str(e):
            raise NoMidiSystem(RTMIDI_MISSING)
        raise NoMidiSystem("no MIDI system: cannot load mido backend %s (%s)" % (name, _first_line(e)))
    except OSError as e:  # the backend's shared library (libportmidi, libasound) is missing
        raise NoMidiSystem("no MIDI system: cannot load mido backend %s (%s)" % (name, _first_line(e)))


def _first_line(e):
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]


def _call(fn, *args):
    # The backend talks to the OS here: ALSA without /dev/snd/seq, no CoreMIDI server...
    try:
        return fn(*args)
    except (NoMidiSystem, UnknownPort):
        raise
    except OSError as e:
        raise NoMidiSystem("no MIDI system: %s (on Linux the ALSA sequencer must be present: "
                           "modprobe snd-seq, and /dev/snd/seq readable by you)" % _first_line(e))
    except Exception as e:
        if type(e).__module__.startswith("rtmidi") or "alsa" in str(e).lower():
            raise NoMidiSystem("no MIDI system: %s (on Linux the ALSA sequencer must be present: "
                               "modprobe snd-seq, and /dev/snd/seq readable by you)" % _first_line(e))
        raise


def _resolve(kind, name, names):
    if not names:
        raise UnknownPort("no MIDI %s ports (is the controller plugged in?)" % kind)
    if name is None:
        return names[0]
    if name in names:
        return name
    hits = [n for n in names if name.lower() in n.lower()]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UnknownPort("MIDI %s %r matches %d ports: %s; give more of the name"
                          % (kind, name, len(hits), ", ".join(hits)))
    raise UnknownPort("unknown MIDI %s %r; ports: %s" % (kind, name, ", ".join(names)))


def _backend(backend):
    return backend if backend is not None else load_backend()


def list_inputs(backend=None):
    b = _backend(backend)
    return list(_call(b.get_input_names))


def list_outputs(backend=None):
    b = _backend(backend)
    return list(_call(b.get_output_names))


def open_input(name=None, backend=None):
    """Open an input port by (part of) its name; None: the first one."""
    b = _backend(backend)
    port = _resolve("input", name, list(_call(b.get_input_names)))
    return _call(b.open_input, port)


def open_output(name=None, backend=None):
    """Open an output port by (part of) its name; None: the first one."""
    b = _backend(backend)
    port = _resolve("output", name, list(_call(b.get_output_names)))
    return _call(b.open_output, port)
