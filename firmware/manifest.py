# The firmware as a frozen package, for a MicroPython build of its own (tools/mpbuild.py,
# make frozen; or a port's own make with FROZEN_MANIFEST=this file): the midictl package.
package("midictl")  # noqa: F821  # type: ignore[name-defined]  (manifestfile.py gives it)
