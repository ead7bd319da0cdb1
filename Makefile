# One entry point for everything. Each target sets up .venv itself on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)

BOARD ?= pico
SCENARIO ?=
TRACE ?=
CONFIG ?=
OUT ?= build/stage/$(BOARD)
PORT ?=
SECONDS ?=
SIMFLAGS ?=

.PHONY: help setup test test-fast lint sim bench chipbench heapmap soak stage romfs frozen firmware wiring deploy hwcheck config-check hardware clean

help:
	@echo "make sim          run the built-in demo on the simulated board (SCENARIO=, TRACE=, SIMFLAGS=)"
	@echo "make test         lint + every host test (CPython and the MicroPython Unix port; 6-8 min, a simulated hour included)"
	@echo "make bench        benchmark table (MicroPython Unix port and CPython side by side)"
	@echo "make chipbench    the firmware frozen into MicroPython on an emulated RP2040 (rp2040js): heap, boot, scan step"
	@echo "make heapmap      what the heap after boot holds, block by block (the frozen Memory row's; needs what frozen needs)"
	@echo "make soak         the long run, longer: two simulated hours of dense playing (~15 min)"
	@echo "make stage        the file tree deploy copies to the board (BOARD=, OUT=)"
	@echo "make wiring       the board's default layout wiring as JSON (BOARD=)"
	@echo "make deploy       compile and copy the firmware to a board (BOARD=, PORT=, CONFIG=, ROMFS=1)"
	@echo "make romfs        the firmware as a ROMFS image file (BOARD=, OUT_ROMFS=)"
	@echo "make frozen       MicroPython's Unix port with the firmware frozen in (build/frozen/micropython; MPY_SRC=)"
	@echo "make firmware     the board's MicroPython .uf2 with the firmware frozen in (BOARD=, MPY_SRC=, MPY_BOARD=)"
	@echo "make hwcheck      what every input of the board reads, and pad settings to try (PORT=, SECONDS=; SCENARIO=: simulated)"
	@echo "make config-check validate a controller config on the host (CONFIG=, BOARD=)"
	@echo "make hardware     regenerate hardware/ drawings and tables"

setup: $(STAMP)

$(STAMP): requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

test: $(STAMP) lint
	$(PY) -m pytest -q host_tests

test-fast: $(STAMP)
	$(PY) -m pytest -q -x host_tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pyright --project pyrightconfig.json

sim: $(STAMP)
	@$(PY) tools/sim.py $(if $(SCENARIO),--scenario "$(SCENARIO)") $(if $(TRACE),--trace "$(TRACE)") $(SIMFLAGS)

bench: $(STAMP)
	@$(PY) tools/bench.py

chipbench: $(STAMP)
	@$(PY) tools/chipbench.py

heapmap: $(STAMP)
	@$(PY) tools/heapmap.py

soak: $(STAMP)
	REL_LONG_S=7200 REL_LONG_NOTE_S=3600 $(PY) -m pytest -q host_tests/test_rel_long.py

stage: $(STAMP)
	@$(PY) tools/deploy.py stage --board "$(BOARD)" --out "$(OUT)" $(if $(CONFIG),--config "$(CONFIG)")

wiring: $(STAMP)
	@$(PY) tools/wiring.py --board "$(BOARD)"

deploy: $(STAMP)
	@$(PY) tools/deploy.py deploy --board "$(BOARD)" $(if $(PORT),--port "$(PORT)") $(if $(CONFIG),--config "$(CONFIG)") $(if $(ROMFS),--romfs)

hwcheck: $(STAMP)
	@$(PY) tools/hwcheck.py $(if $(SCENARIO),--sim "$(SCENARIO)") $(if $(PORT),--port "$(PORT)") $(if $(SECONDS),--seconds "$(SECONDS)")

romfs: $(STAMP)
	@$(PY) tools/deploy.py romfs --board "$(BOARD)" --out "$(if $(OUT_ROMFS),$(OUT_ROMFS),build/midictl-$(BOARD).romfs)"

frozen: $(STAMP)
	@$(PY) tools/mpbuild.py unix

firmware: $(STAMP)
	@$(PY) tools/mpbuild.py firmware --board "$(BOARD)" $(if $(MPY_BOARD),--mpy-board "$(MPY_BOARD)")

config-check: $(STAMP)
	@$(PY) tools/config_check.py --board "$(BOARD)" "$(CONFIG)"

hardware: $(STAMP)
	@$(PY) hardware/generate.py

clean:
	rm -rf build .pytest_cache .ruff_cache
