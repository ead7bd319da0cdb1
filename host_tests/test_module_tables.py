"""No firmware module keeps an exactly full globals table (compat.room): under MicroPython a
name that misses a full table, such as a builtin looked up from a module's code, probes
every slot of it. Checked under the Unix port: inserting one more name into a table with a
free slot allocates nothing, into a full one it must grow it, which a locked heap refuses."""
import os

from mpy import run_code

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = r'''
import sys, micropython
def full(d):
    micropython.heap_lock()
    try:
        d["len"] = 0  # an interned name none of them defines
    except MemoryError:
        return True
    finally:
        micropython.heap_unlock()
    del d["len"]
    return False
'''


def _lines(code):
    r = run_code(PROBE + code, extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.split()


def test_the_probe_sees_a_full_table():
    # a dict grown one name at a time to 37 names fills its 37-slot table, as encode.py's did
    out = _lines('''
d = {}
for i in range(37):
    d["k%d" % i] = i
print(full(d))
d = {}
for i in range(36):
    d["k%d" % i] = i
print(full(d))
''')
    assert out == ["True", "False"]


def test_encode_has_room_when_imported_alone():
    # and the encoders the controller never sends itself (encode_extra.py, with the native
    # payload check SysEx uses) stay out of RAM until one is asked for
    out = _lines('''
from midictl.midi import encode
print(full(encode.__dict__), "midictl.midi.encode_extra" in sys.modules, "midictl.midi.fast" in sys.modules)
encode.sysex  # loaded on first use into encode's globals: room is kept
print(full(encode.__dict__), "midictl.midi.encode_extra" in sys.modules, "midictl.midi.fast" in sys.modules)
print(full(sys.modules["midictl.midi.encode_extra"].__dict__))
''')
    assert out == ["False", "False", "False", "False", "True", "True", "False"]


def test_no_module_left_after_boot_has_a_full_table():
    out = _lines('''
import bench_fwmachine
sys.modules["machine"] = bench_fwmachine
import usb.device.midi
from midictl import app, config, hw, names, scanplan, startup, usbmidi, usbout, build, hwsetup
from midictl.controls import buttons, checks, debounce, encoder, knob, layered, matrix, modes, mux, pads, program, stick, velocity
from midictl.controls import nrpnin
from midictl.midi import parser, running, usb, spec
del app, config, hw, names, scanplan, usbmidi, usbout, build, hwsetup
del buttons, checks, debounce, encoder, knob, layered, matrix, modes, mux, pads, program, stick, velocity, nrpnin
del parser, running, usb, spec
startup.unload_boot_modules()
left = sorted(n for n in sys.modules if n.startswith("midictl"))
print(len(left), ",".join(n for n in left if full(sys.modules[n].__dict__)) or "none")
''')
    assert int(out[0]) >= 20, out  # the runtime modules were all there to check
    assert out[1] == "none"


def test_the_scan_loops_objects_have_free_slots_and_keep_their_attributes():
    # build.leave_room() on the controller the benchmark builds (the pico reference layout):
    # each object the scan calls methods of has room in its attribute table, and has the
    # same attributes as before, none added or lost (one of the names it borrows for a
    # moment, `all`, is a real attribute of the debouncer)
    out = _lines('''
def full_obj(o):
    micropython.heap_lock()
    try:
        setattr(o, "len", 0)
    except MemoryError:
        return True
    finally:
        micropython.heap_unlock()
    delattr(o, "len")
    return False
sys.argv.append("%s")
import bench_fwchild
from midictl import build
real = build.leave_room
seen = []
def spy(ctl):
    objs = [ctl, ctl.hw, ctl.engine, ctl.modes, ctl.pads, ctl.filters, ctl.debounce, ctl.din, ctl.din.running,
            ctl.usb, ctl._usb_itf] + list(ctl.encoders) + [e._q for e in ctl.encoders]
    before = [sorted((k, id(v)) for k, v in o.__dict__.items()) for o in objs]
    seen.append(sum(1 for o in objs if full_obj(o)))
    real(ctl)
    seen.append(sum(1 for o in objs if full_obj(o)))
    seen.append(before == [sorted((k, id(v)) for k, v in o.__dict__.items()) for o in objs])
build.leave_room = spy
ctl, itf = bench_fwchild.build(bench_fwchild.board(), 0, False)
print(*seen)
''' % ROOT)
    # as built, some tables are full (UsbOut's 12 attributes, the engine's 8)
    assert int(out[0]) >= 2 and out[1:] == ["0", "True"], out
