# Start-up: read the board definition and the config once, decide safe mode, and bring up
# USB-MIDI. boot.py calls prepare() (so the USB device is re-created after every soft reset,
# which drops runtime USB); main.py's app.run() reuses what it found to build the
# controller (start()), then everything only start-up needs is unloaded, this module too.
#
# Bad input never leaves the user guessing: one line naming the file, the field and the
# problem, then either the board's default layout (if the user asked for that with
# "fallback_to_default": true) or no controller at all, with the REPL free to fix it.

import json
import sys

from midictl import config as cfgmod
from midictl.compat import room, ticks_ms

BOARD_FILE = "board.json"
CONFIG_FILE = "config.json"


class State:
    def __init__(self):
        self.board = None
        self.cfg = None
        self.error = None  # the one-line message, if anything was wrong
        self.fallback = False
        self.safe = False
        self.usb_itf = None
        self.usb_note = None
        self.led = None  # {"led": the board file's}: the error blink when the file is broken

    def prepare(self, switch_pressed, arm_watchdog=None):
        try:
            board = load_board()
            self.led = {"led": board.get("led")}
            cfgmod.check_board(board, BOARD_FILE)
            self.board = board
        except cfgmod.ConfigError as e:
            self.error = str(e)
            return
        try:
            self.cfg, self.error, self.fallback = load_config(self.board)
        except Exception as e:  # what check_board let through and the validator trips on
            self.cfg = None
            self.error = "%s: cannot be used with config.json: %s" % (BOARD_FILE, _text(e))
            return
        cfg = self.cfg or {}
        safe = cfg.get("safe_mode", self.board.get("safe_mode"))
        if safe and safe in self.board["controls"] and switch_pressed is not None:
            try:
                self.safe = switch_pressed(self.board, safe)
            except Exception as e:  # a wiring problem must not stop the REPL either
                self.error = "%s: safe_mode switch %s cannot be read (%s)" % (BOARD_FILE, safe, e)
        if self.safe or not cfg:
            return
        if arm_watchdog is not None and cfg["watchdog_ms"]:
            arm_watchdog(cfg["watchdog_ms"])
        if not cfg["usb"]["enabled"]:
            return
        try:
            from midictl import usbmidi

            self.usb_itf = usbmidi.start(usbmidi.MidiPort(), cfg["usb"]["name"])
        except ImportError:
            self.usb_note = "USB-MIDI off: usb-device-midi is not installed (mpremote mip install usb-device-midi)"
        except Exception as e:
            self.usb_note = "USB-MIDI off: %s (MicroPython 1.23 or newer with machine.USBDevice is needed)" % e


_state = None


def _read(path):
    with open(path) as f:
        return f.read()


def load_board(path=BOARD_FILE):
    try:
        text = _read(path)
    except OSError:
        raise cfgmod.ConfigError("%s: missing: copy boards/<your board>.json there (make deploy does)" % path)
    try:
        board = json.loads(text)
    except ValueError:
        raise cfgmod.ConfigError("%s: not valid JSON" % path)
    if not isinstance(board, dict) or "controls" not in board or "board" not in board:
        raise cfgmod.ConfigError("%s: not a board definition (needs \"board\" and \"controls\")" % path)
    return board


def load_config(board, path=CONFIG_FILE):
    """(config, error line or None, fell back?)"""
    try:
        text = _read(path)
    except OSError:
        return cfgmod.validate({}, board, path), None, False  # no file: the default layout
    try:
        return cfgmod.parse(text, board, path), None, False
    except cfgmod.ConfigError as e:
        fallback = False
        try:
            raw = json.loads(text)
            fallback = isinstance(raw, dict) and raw.get("fallback_to_default") is True
        except ValueError:
            pass
        if fallback:
            return cfgmod.validate({}, board, path), str(e), True
        return None, str(e), False


def prepare(switch_pressed=None, arm_watchdog=None):
    """Idempotent. switch_pressed(board, name) -> bool reads a switch; arm_watchdog(ms)
    starts the hardware watchdog (both from hw.py)."""
    global _state
    if _state is None:
        _state = State()
        _state.prepare(switch_pressed, arm_watchdog)
    return _state


def reset():
    global _state
    _state = None


def start():
    """main.py's part (app.run()): build the controller from what prepare() found, unload
    the boot-only modules and say the controller is ready; -> the Controller, or None (the
    reason printed) when it cannot or must not start."""
    from midictl import app
    from midictl import hw as hwmod

    st = prepare(hwmod.switch_pressed, hwmod.arm_watchdog)
    if st.usb_note:
        print("midictl:", st.usb_note)
    if st.board is None or st.cfg is None:
        # (no error line: boot.py printed why prepare() stopped, "midictl boot: ...")
        print("midictl:", st.error or "start-up failed at boot (see the line above)")
        _blink(hwmod, st.board or st.led)
        print("midictl: controller not started; fix the file with mpremote and reset")
        return None
    if st.error:
        print("midictl:", st.error)
        print("midictl: playing the board's default layout instead (fallback_to_default)")
        hwmod.blink_error(st.board)
    if st.safe:
        print("midictl: safe mode (%s held at power-up): controller not started, REPL free" % st.cfg["safe_mode"])
        return None
    d = st.cfg["din"]["enabled"]
    try:
        hw = hwmod.Hardware(st.board, din_out=d, din_in=True)
        ctl = app.Controller(st.board, st.cfg, hw, st.usb_itf)
    except (ValueError, OSError, TypeError, KeyError) as e:
        # A board definition the chip cannot do (a pin that does not exist, a UART on the
        # wrong pins): one line, the REPL stays free.
        print("midictl: %s: cannot set up the board: %s" % (BOARD_FILE, _text(e)))
        hwmod.blink_error(st.board)
        return None
    name = st.board["board"]
    reset()
    del st
    unload_boot_modules(hw)  # this module too, once app.run() lets go of it
    # ticks_ms() counts from power-on on the rp2 port: this is the boot time a player waits.
    print("midictl: ready, %d ms after power-on (board %s)" % (ticks_ms(), name))
    return ctl


def _blink(hwmod, board):
    # the error pattern on the board's LED, when its file says which: a broken LED entry
    # must not turn one line into a traceback
    if board is not None:
        try:
            hwmod.blink_error(board)
        except Exception:  # a broken "led" entry
            pass


def _text(e):
    return "%s %s" % (type(e).__name__, e) if isinstance(e, KeyError) else str(e)


def unload_boot_modules(hw=None):
    """After boot the config validator, the start-up code (this module) and what built the
    controller (the controls' builder and argument checks, the hardware set-up, the scan
    planner, the name sorting) are dead weight, over 35 KB of bytecode on a stock build:
    drop every reference, so the next collection frees them (hw: the Hardware, whose scan
    plan goes too; the scan loop reads its own copies).
    No collection is forced here: it would only delay the first scan (the scan loop
    allocates nothing, so the memory is simply there for whatever allocates next)."""
    if hw is not None:
        hw.plan = None
    # Each reference is overwritten before it is deleted: MicroPython's dicts keep a deleted
    # entry's value in their table until the slot is reused, which would keep the module.
    for name in _BOOT_MODULES:
        full = "midictl." + name
        if full in sys.modules:
            sys.modules[full] = None  # pyright: ignore[reportArgumentType]
            del sys.modules[full]
        # the attribute the import set on the package that holds it
        dot = full.rfind(".")
        parent = sys.modules.get(full[:dot])
        if parent is not None and hasattr(parent, full[dot + 1:]):
            setattr(parent, full[dot + 1:], None)
            delattr(parent, full[dot + 1:])
    # the modules that stay: no full globals table for a builtin's lookup to probe
    for name in sys.modules:
        if name.startswith("midictl"):
            room(sys.modules[name].__dict__)


# hwsetup: what hw.Hardware's constructor runs; velocity: the curves are built (bytearrays)
# at boot; mux: the select masks are copied into the hardware layer's tables; checks: the
# controls' constructors' argument checks
_BOOT_MODULES = ("config", "startup", "build", "hwsetup", "scanplan", "names", "controls.velocity",
                 "controls.mux", "controls.checks")
