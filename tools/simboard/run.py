# Entry point under the MicroPython Unix port: boot the real firmware on the simulated board.
#
#   micropython tools/simboard/run.py PLAN.json TRACE_OUT.txt
#
# The working directory plays the board's filesystem (board.json, config.json), and the
# firmware's own boot.py and main.py run exactly as the board runs them.
#
# Exit status: 0 the scenario ran, or the firmware stopped as it should (safe mode, the
# plan's "safe_mode_held"; Ctrl-C); 3 the firmware raised what it does not catch; 4 it
# did not start the controller (its own line on stdout names the file and the field: a
# board or config it cannot build); 5 the board reset by its watchdog (one line on stderr
# says when). tools/sim.py turns 4 and 5 into one line for the user.
import json
import sys

import world

FIRMWARE = sys.argv[3] if len(sys.argv) > 3 else "firmware"
CRASHED = 3
NOT_STARTED = 4
WATCHDOG = 5


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    out = open(sys.argv[2], "w")
    w = world.World(plan, out)
    world.install(w)
    import midictl.app as app

    app.on_ready = w.ready
    status = 0
    why = ""
    try:
        for name in ("boot.py", "main.py"):
            with open(FIRMWARE + "/" + name) as f:
                code = f.read()
            exec(code, {"__name__": "__main__"})
        # main.py returned: the firmware stopped (safe mode, a config error, Ctrl-C)
        w.log.append("firmware returned to the REPL at %s ms" % world.fmt_ms(w.rel()))
        if w.wdt_timeout:
            kept = [t for t in w.timers if t.callback is not None]
            w.log.append("watchdog (%d ms) %s" % (w.wdt_timeout, "fed by a timer" if kept else "NOT fed: the board would reset"))
            if not kept:
                status = WATCHDOG
                why = ("the firmware returned to the REPL at %s ms and left its watchdog unfed: the board "
                       "resets %d ms later" % (world.fmt_ms(w.rel()), w.wdt_timeout))
        if w.t0 is None and not plan.get("safe_mode_held"):
            # The scan loop never ran, and not for safe mode: the firmware refused the board
            # or the config (at its check or while building the controller).
            status = NOT_STARTED
    except world.SimEnd as e:
        if str(e) == "watchdog":
            status = WATCHDOG
            why = "the board was reset by its watchdog at %s ms (%d ms without a feed)" % (
                world.fmt_ms(w.rel()), w.wdt_timeout)
        if str(e) != "end":
            w.log.append("simulation ended: %s" % e)
    except Exception as e:  # a crash the firmware did not catch
        sys.print_exception(e)
        status = CRASHED
    w.trace_lines()
    out.close()
    for line in w.log:
        print("sim:", line)
    if status == WATCHDOG:
        print(why, file=sys.stderr)
    sys.exit(status)


main()
