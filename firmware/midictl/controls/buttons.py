# Buttons: what a debounced press and release (debounce.py) send.
#
# Each button has press(now_ms) and release(now_ms); the scan loop calls them for the
# bits a BitDebouncer reports changed (dispatch() below, or the scan loop's own loop).
# Here: the mode buttons (octave, transpose, shift, panic), which the reference layout's
# four buttons are. Note and CC buttons are in layered.py, program buttons in program.py:
# build.py loads those modules only for a config that has such a button, so a board
# without one keeps neither in RAM.
#
# The constructors' argument checks run at boot: they are in checks.py, which
# startup.unload_boot_modules() drops after boot (a constructor imports it again).


class ModeButton:
    """Octave/transpose up/down and shift act on a shared Modes; panic calls sink.panic();
    fixed_velocity turns the pads' fixed velocity (step: that velocity) on and off.
    Octave and transpose change only notes started afterwards (pads keep what they sent)."""

    def __init__(self, modes, action, step=1, sink=None):
        from midictl.controls import checks

        self._modes = modes
        self._action = checks.mode_button(action, step, sink)  # index in checks.MODE_ACTIONS
        self._step = step
        self._sink = sink

    def press(self, now=0):
        a = self._action
        m = self._modes
        if a == 0:
            m.octave_up()
        elif a == 1:
            m.octave_down()
        elif a == 2:
            m.transpose_up(self._step)
        elif a == 3:
            m.transpose_down(self._step)
        elif a == 4:
            m.shift = True
        elif a == 6:
            m.velocity = 0 if m.velocity else self._step
        elif self._sink is not None:
            self._sink.panic()

    def release(self, now=0):
        if self._action == 4:
            self._modes.shift = False


def dispatch(buttons, changed, state, now):
    """Call press/release of buttons[i] for each bit i set in `changed` (state bit set:
    pressed). For the scan loop: allocates nothing."""
    for i in range(len(buttons)):
        m = 1 << i
        if changed & m:
            if state & m:
                buttons[i].press(now)
            else:
                buttons[i].release(now)
