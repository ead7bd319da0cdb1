"""Puts the firmware, the dual-run tests and the simulated board on sys.path.

Tests under host_tests/dual/ are plain functions that run unchanged under CPython
(collected by pytest here) and under the MicroPython Unix port (driven by
test_micropython_port.py), so a construct MicroPython lacks fails the suite.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for sub in ("firmware", "host_tests/dual", "tools"):
    p = os.path.join(ROOT, sub)
    if p not in sys.path:
        sys.path.insert(0, p)


# The long run (test_rel_long.py) spends minutes in two simulator processes. They start in the
# background as soon as collection ends, and its test runs last and waits for them, so the
# rest of the suite runs meanwhile instead of before or after.
def _is_long(item):
    return getattr(getattr(item, "module", None), "__name__", None) == "test_rel_long"


def pytest_collection_modifyitems(config, items):
    items[:] = [i for i in items if not _is_long(i)] + [i for i in items if _is_long(i)]


def _long_module(session):
    for i in session.items:
        if _is_long(i):
            return i.module
    return None


def pytest_collection_finish(session):
    mod = _long_module(session)
    if mod is not None and not session.config.option.collectonly:
        mod.BACKGROUND.start()
        if len(session.items) > len(mod.JOBS) and hasattr(os, "nice"):
            # The long run is the suite's longest path: the rest yields to it. On Linux a
            # thread's nice value is its own and what it starts inherits it, so this thread
            # and every process it starts from here on (the other tests' simulators) run at
            # a lower priority, and the long run's threads, started just above, and their
            # simulators do not: before, the long run went on alone for two minutes after the
            # rest had finished, one core idle.
            os.nice(10)


def pytest_sessionfinish(session, exitstatus):
    mod = _long_module(session)
    if mod is not None:
        mod.BACKGROUND.stop()
