"""Runs every dual-run test module (host_tests/dual/test_*.py) under the real
MicroPython Unix port, one subprocess per module, and fails on any failure."""
import os
import re

import pytest

from mpy import DUAL, run

MODULES = sorted(f[:-3] for f in os.listdir(DUAL) if f.startswith("test_") and f.endswith(".py"))


@pytest.mark.parametrize("module", MODULES)
def test_module_under_micropython(module):
    r = run(["host_tests/dual/mpyrun.py", module], extra_path=("tools/simboard",))
    out = r.stdout + r.stderr
    m = re.search(r"^DONE (\d+) (\d+)$", r.stdout, re.M)
    assert m, "micropython did not finish %s:\n%s" % (module, out)
    total, failed = int(m.group(1)), int(m.group(2))
    assert total > 0, "no test functions in %s" % module
    assert failed == 0, out
