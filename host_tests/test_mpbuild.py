"""The firmware frozen into a MicroPython built from source (tools/mpbuild.py, make frozen):
the build plays exactly what the firmware folder plays, and the fetch of the source reads
the machine's apt sources without changing them."""
import os
import subprocess

import mpbuild
import pytest
import sim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def frozen():
    return mpbuild.build_unix()


def test_the_frozen_build_holds_midictl_and_nothing_is_read_from_files(frozen, tmp_path):
    # no firmware folder on the path: every module comes out of the interpreter itself
    env = dict(os.environ, MICROPYPATH=".frozen")
    r = subprocess.run([frozen, "-c", "import midictl.app as a, midictl.controls.pads as p, midictl.hw as h;"
                        "print(a.__file__, p.__file__, h.read_block.__class__.__name__)"],
                       capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=60)
    assert r.returncode == 0, r.stderr
    # hw.read_block is a viper function: compiled to this machine's code when frozen
    assert r.stdout.split() == ["midictl/app.py", "midictl/controls/pads.py", "function"]
    plain = subprocess.run([frozen, "-c", "import midictl"], capture_output=True, text=True,
                           env=dict(os.environ, MICROPYPATH=str(tmp_path)), cwd=str(tmp_path), timeout=60)
    assert plain.returncode == 1 and "ImportError" in plain.stderr  # (.frozen off the path: none)


@pytest.mark.parametrize("scenario", ["tools/scenarios/demo.json", "host_tests/scenarios/thru.json",
                                      "host_tests/scenarios/enc.json", "host_tests/scenarios/usb.json"])
def test_the_frozen_firmware_plays_every_byte_at_the_same_time_as_the_firmware_folder(frozen, scenario):
    path = os.path.join(ROOT, scenario)
    plan, board, cfg_text = sim.prepare(path)
    ours, _log = sim.run_firmware(plan, board, cfg_text)
    theirs, log = sim.run_firmware(plan, board, cfg_text, frozen=frozen)
    assert len(ours) >= 5 and theirs == ours
    assert "midictl" in log


def test_sim_runs_the_frozen_build_from_its_command_line(frozen, tmp_path):
    trace = tmp_path / "t.txt"
    r = sim.main(["--scenario", os.path.join(ROOT, "tools", "scenarios", "min.json"), "--frozen", "--quiet",
                  "--trace", str(trace)])
    assert r == 0
    ref = tmp_path / "r.txt"
    assert sim.main(["--scenario", os.path.join(ROOT, "tools", "scenarios", "min.json"), "--quiet",
                     "--trace", str(ref)]) == 0
    assert trace.read_text() == ref.read_text() and trace.read_text().count("\n") > 5


def test_the_source_tree_is_a_release_the_frozen_build_supports(frozen):
    tree = mpbuild.source()
    assert mpbuild.version(tree) >= (1, 25, 0)  # (VfsRom, and the manifest's package())


def test_the_debian_archive_is_read_from_the_machines_own_sources(tmp_path):
    d = tmp_path / "sources.list.d"
    d.mkdir()
    (d / "a.sources").write_text("Types: deb\nURIs: http://mirror.example/ubuntu-ports\nSuites: x\n")
    (d / "b.sources").write_text("Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n")
    lst = tmp_path / "sources.list"
    lst.write_text("# deb http://other.example/debian sid main\n")
    assert mpbuild.debian_archive([str(d)], str(lst)) == "http://mirror.example/debian"
    (d / "b.sources").unlink()
    lst.write_text("deb [arch=amd64 signed-by=/k.gpg] http://old.example/debian bookworm main\n")
    assert mpbuild.debian_archive([str(d)], str(lst)) == "http://old.example/debian"
    lst.write_text("deb http://mirror.example/ubuntu jammy main\n")
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.debian_archive([str(d)], str(lst))
    assert "no Debian archive" in str(e.value) and "MPY_SRC=" in str(e.value) and str(lst) in str(e.value)


def test_mpy_src_that_is_not_a_micropython_tree_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MPY_SRC", str(tmp_path))
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.source()
    assert str(e.value) == "MPY_SRC=%s is not a MicroPython source tree (no py/mpconfig.h)" % tmp_path
    assert mpbuild.main(["unix"]) == 1
    assert capsys.readouterr().err == "mpbuild: %s\n" % e.value
