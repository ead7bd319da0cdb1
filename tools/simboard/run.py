# Entry point under the MicroPython Unix port: boot the real firmware on the simulated board.
#
#   micropython tools/simboard/run.py PLAN.json TRACE_OUT.txt
#
# The working directory plays the board's filesystem (board.json, config.json), and the
# firmware's own boot.py and main.py run exactly as the board runs them.
import json
import sys

import world

FIRMWARE = sys.argv[3] if len(sys.argv) > 3 else "firmware"


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    out = open(sys.argv[2], "w")
    w = world.World(plan, out)
    world.install(w)
    import midictl.app as app

    app.on_ready = w.ready
    status = 0
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
    except world.SimEnd as e:
        if str(e) != "end":
            w.log.append("simulation ended: %s" % e)
    except Exception as e:  # a crash the firmware did not catch
        sys.print_exception(e)
        status = 3
    w.trace_lines()
    out.close()
    for line in w.log:
        print("sim:", line)
    sys.exit(status)


main()
