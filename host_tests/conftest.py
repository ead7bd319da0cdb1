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
