#!/usr/bin/env python3
"""The hardware check (firmware/midictl/hwcheck.py) on a board, or on the simulated board.

    hwcheck.py [--port PORT] [--seconds 30]     on the board (deployed with `make deploy`):
                                                stops its controller, checks every input,
                                                then resets the board so it plays again
    hwcheck.py --sim SCENARIO                   on the simulated board, the scenario's
                                                actions played on it (tools/sim.py --hwcheck)

Hands off for the first second (every input at rest), then strike each pad, turn each
knob and encoder, press each switch: a line for each, then a summary and the config.json
settings the check suggests. Its lines come from the board as it prints them.

Exit status: 0 the check ran; 1 it could not (the board has no midictl.hwcheck: deploy
first, or it stopped with an error: its last line is shown); 2 no board or cannot connect.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import deploy  # noqa: E402

CODE = "from midictl import hwcheck\nhwcheck.run(%d)\n"


def on_board(port, seconds, log=print):
    try:
        mp = deploy.Mpremote(log)
        if not port:
            port = deploy.find_port(mp)
    except deploy.CheckError as e:
        print("hwcheck: %s" % e, file=sys.stderr)
        return e.code
    log("checking the inputs of the board on %s for %d s: hands off for the first second, "
        "then play every control (Ctrl-C ends it sooner)" % (port, seconds))
    # the check's lines as the board prints them, each as it comes; the last kept for an error
    proc = subprocess.Popen([mp.exe, "connect", port, "exec", CODE % seconds], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        lines.append(line)
        print(line, flush=True)
    code = proc.wait()
    if code != 0 or any(ln.startswith("Traceback") for ln in lines):
        last = [ln.strip() for ln in lines if ln.strip()]
        why = last[-1] if last else "mpremote exit status %d" % code
        if "ImportError" in why and "midictl" in why:
            why = "the board has no midictl.hwcheck: run `make deploy` first"
        elif code != 0 and not any(ln.startswith("Traceback") for ln in lines):
            why = "mpremote exec failed: " + why
        print("hwcheck: %s" % why, file=sys.stderr)
        return 2 if "failed to access" in why or "no device" in why else 1
    code, text = mp.run(["connect", port, "reset"])
    if code != 0:
        print("hwcheck: resetting the board failed: %s (unplug it and plug it in again)"
              % deploy._last_line(text, code), file=sys.stderr)
        return 1
    log("the board is restarting its controller")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="hwcheck.py", description="check every input of the board")
    ap.add_argument("--port", help="the board's serial device (default: the MicroPython board found)")
    ap.add_argument("--seconds", type=int, default=30, help="how long (at least 2; default 30)")
    ap.add_argument("--sim", metavar="SCENARIO", help="on the simulated board, playing this scenario")
    a = ap.parse_args(argv)
    if a.sim:
        import sim

        return sim.main(["--scenario", a.sim, "--hwcheck"])
    if a.seconds < 2:
        print("hwcheck: --seconds %d: at least 2 (1 at rest, then play)" % a.seconds, file=sys.stderr)
        return 2
    return on_board(a.port, a.seconds)


if __name__ == "__main__":
    sys.exit(main())
