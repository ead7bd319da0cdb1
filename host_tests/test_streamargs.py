"""The simulator's reading of machine.UART.write's arguments (tools/simboard/streamargs.py)
against MicroPython's own stream write (py/stream.c), which io.BytesIO shares with the rp2
port's UART: every length and offset from -2 to past the end of buffers of 0 to 5 bytes."""
from mpy import run

SCRIPT = r'''
import io
from streamargs import count, offset

checked = 0
for size in range(6):
    buf = bytearray(range(1, size + 1))
    args = [()] + [(a,) for a in range(-2, size + 3)] + [(a, b) for a in range(-2, size + 3) for b in range(-2, size + 3)]
    for x in args:
        f = io.BytesIO()
        n = f.write(buf, *x)
        o = offset(buf, *x)
        k = count(buf, *x)
        assert (n, f.getvalue()) == (k, bytes(buf[o:o + k])), (size, x, n, f.getvalue(), o, k)
        checked += 1
print("ok", checked)
'''


def test_streamargs_reads_write_arguments_as_micropython_streams_do():
    r = run(["-c", SCRIPT], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok %d" % sum(1 + (s + 5) + (s + 5) ** 2 for s in range(6))
