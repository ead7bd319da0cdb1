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


# ---- make firmware: MicroPython's rp2 port, driven as MicroPython builds it --------------
# A stand-in source tree whose makes write down what they were given: the real build needs
# a MicroPython checkout with its submodules and the Arm toolchain (BUILD.md).

RP2_MAKE = """all:
\tmkdir -p $(BUILD)
\ttest -e $(BUILD)/frozen_content.c || cp $(CURDIR)/frozen_content.c $(BUILD)/
\tprintf '%s %s\\n' "$(BOARD)" "$(notdir $(BUILD))" > $(BUILD)/firmware.uf2
\tcat $(FROZEN_MANIFEST) >> $(BUILD)/firmware.uf2
\tcp $(BUILD)/frozen_content.c $(BUILD)/firmware.elf
\techo linked >> $(BUILD)/links
"""
# what mpy-tool.py writes for two frozen viper functions of an ARMv6-M build, and a
# bytecode one (no alignment asked)
FROZEN_C = """// frozen native code for file midictl/din.py, scope midictl_din_x
static const byte fun_data_midictl_din_x[12] __attribute__((section(".text,\\"ax\\",%progbits @ "))) \
__attribute__ ((aligned (2))) = {
static const byte fun_data_midictl_hw_y[8] __attribute__((section(".text,\\"ax\\",%progbits @ "))) \
__attribute__ ((aligned (2))) = {
static const byte fun_data_midictl_app_z[30] = {
"""
# an nm that places each native function of the "image" (the C it was made from) at a
# word address if it asked for one, else on an odd half-word; the others anywhere
NM = """#!/usr/bin/env python3
import sys
addr = 0x10030000
for line in open(sys.argv[1]):
    if line.startswith("static const byte fun_data_"):
        name = line.split()[3].split("[")[0]
        odd = 2 if "aligned (2)" in line else 0
        print("%08x t %s" % (addr + odd, name))
        addr += 0x100
"""


def fake_tree(root, boards=("RPI_PICO", "RPI_PICO_W"), skip=()):
    files = {"py/mpconfig.h": "#define MICROPY_VERSION_MAJOR 1\n#define MICROPY_VERSION_MINOR 27\n"
                              "#define MICROPY_VERSION_MICRO 0\n",
             "lib/pico-sdk/pico_sdk_init.cmake": "", "lib/tinyusb/src/tusb.h": "",
             "lib/micropython-lib/README.md": "",
             "mpy-cross/Makefile": "all:\n\techo built > built.txt\n",
             "ports/rp2/Makefile": RP2_MAKE, "ports/rp2/boards/RPI_PICO_W/manifest.py": "",
             "bin/arm-none-eabi-gcc": "#!/bin/sh\n", "bin/arm-none-eabi-nm": NM,
             "ports/rp2/frozen_content.c": FROZEN_C}
    for b in boards:
        files.setdefault("ports/rp2/boards/%s/mpconfigboard.h" % b, "")
    for rel, text in files.items():
        if rel.split("/")[1] in skip:
            continue
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    os.chmod(root / "bin" / "arm-none-eabi-gcc", 0o755)
    os.chmod(root / "bin" / "arm-none-eabi-nm", 0o755)
    return root


@pytest.fixture
def rp2(tmp_path, monkeypatch):
    tree = fake_tree(tmp_path / "mp")
    monkeypatch.setenv("MPY_SRC", str(tree))
    monkeypatch.setenv("PATH", str(tree / "bin") + os.pathsep + os.environ["PATH"])
    return tree


def test_firmware_freezes_the_boards_modules_usb_midi_and_midictl_into_the_ports_build(rp2, tmp_path):
    out = mpbuild.build_firmware("pico", build=str(tmp_path / "b"))
    assert out == str(tmp_path / "b" / "midictl-pico.uf2")
    with open(out) as f:
        assert f.read() == ("RPI_PICO build-RPI_PICO\n# written by tools/mpbuild.py for RPI_PICO\n"
                            "include('$(PORT_DIR)/boards/manifest.py')\nrequire(\"usb-device-midi\")\n"
                            "include(%r)\n" % os.path.join(ROOT, "firmware", "manifest.py"))
    assert (rp2 / "mpy-cross" / "built.txt").exists()  # (mpy-cross made first, on its own)
    # the frozen native code was word-aligned and the image linked again with it
    port = tmp_path / "b" / "firmware" / "pico" / "build-RPI_PICO"
    assert (port / "links").read_text() == "linked\nlinked\n"
    c = (port / "frozen_content.c").read_text()
    assert c == FROZEN_C.replace("aligned (2)", "aligned (4)")
    assert mpbuild.check_native_aligned(str(port)) == 2
    # a board with a manifest of its own (the Pico W's network modules) keeps it
    w = mpbuild.build_firmware("pico_w", build=str(tmp_path / "b"))
    assert open(w).read().splitlines()[:3] == ["RPI_PICO_W build-RPI_PICO_W",
                                               "# written by tools/mpbuild.py for RPI_PICO_W",
                                               "include('$(BOARD_DIR)/manifest.py')"]
    # and MPY_BOARD= builds another of the port's boards for a board the port does not know
    k = mpbuild.build_firmware("kb2040", "RPI_PICO", build=str(tmp_path / "b"))
    assert open(k).readline() == "RPI_PICO build-RPI_PICO\n" and k.endswith("midictl-kb2040.uf2")


def test_firmware_names_what_is_missing(rp2, tmp_path, monkeypatch):
    b = str(tmp_path / "b")
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("kb2040", build=b)
    assert str(e.value) == ("ADAFRUIT_KB2040 is not a board of the rp2 port in MPY_SRC (%s): give MPY_BOARD= "
                            "one of its boards (RPI_PICO fits most RP2040 boards, RPI_PICO2 the RP2350's)"
                            % (rp2 / "ports" / "rp2" / "boards"))
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("pico3", build=b)
    assert str(e.value).startswith("no board 'pico3' (boards/pico3.json); known boards: feather_rp2040, kb2040, ")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("pico", build=b)
    assert str(e.value).startswith("arm-none-eabi-gcc not found: the rp2 port is built with the Arm toolchain")
    monkeypatch.delenv("MPY_SRC")
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("pico", build=b)
    assert str(e.value) == mpbuild.NEEDS_TREE
    assert not os.path.exists(b)  # nothing built, nothing written


@pytest.mark.parametrize("sub", ["pico-sdk", "tinyusb", "micropython-lib"])
def test_firmware_wants_the_ports_submodules(tmp_path, monkeypatch, sub):
    tree = fake_tree(tmp_path / "mp", skip=(sub,))
    monkeypatch.setenv("MPY_SRC", str(tree))
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("pico", build=str(tmp_path / "b"))
    assert str(e.value) == ("MPY_SRC=%s has no lib/%s (a submodule): run `make -C %s submodules` in the checkout"
                            % (tree, sub, tree / "ports" / "rp2"))


def test_native_code_already_word_aligned_is_linked_once(rp2, tmp_path):
    c = rp2 / "ports" / "rp2" / "frozen_content.c"
    c.write_text(c.read_text().replace("aligned (2)", "aligned (4)"))
    mpbuild.build_firmware("pico", build=str(tmp_path / "b"))
    assert (tmp_path / "b" / "firmware" / "pico" / "build-RPI_PICO" / "links").read_text() == "linked\n"


def test_an_image_with_native_code_off_a_word_is_refused(rp2, tmp_path):
    # (a build that keeps its frozen_content.c from being changed: the check after linking)
    (rp2 / "ports" / "rp2" / "Makefile").write_text(RP2_MAKE.replace(
        "\tcp $(BUILD)/frozen_content.c $(BUILD)/firmware.elf", "\tcp $(CURDIR)/frozen_content.c $(BUILD)/firmware.elf"))
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("pico", build=str(tmp_path / "b"))
    assert str(e.value) == ("2 of the 2 frozen native functions are not at a word address in %s (fun_data_midictl_din_x, "
                            "fun_data_midictl_hw_y): the RP2040 would crash in them"
                            % (tmp_path / "b" / "firmware" / "pico" / "build-RPI_PICO" / "firmware.elf"))
    assert not (tmp_path / "b" / "midictl-pico.uf2").exists()


def test_a_failing_port_build_ends_with_its_own_last_lines(rp2, tmp_path):
    (rp2 / "ports" / "rp2" / "Makefile").write_text("all:\n\t@echo 'region FLASH overflowed'; exit 2\n")
    with pytest.raises(mpbuild.BuildError) as e:
        mpbuild.build_firmware("pico", build=str(tmp_path / "b"))
    msg = str(e.value)
    assert msg.startswith("building MicroPython 1.27.0 for RPI_PICO failed (exit 2):\n")
    assert "region FLASH overflowed" in msg
    assert not (tmp_path / "b" / "midictl-pico.uf2").exists()
