// Boot a MicroPython firmware image on an emulated RP2040 (rp2040js) and run one script in its REPL.
//
//   node run.js --bootrom=B1.bin --image=firmware.bin|firmware.uf2 [--script=FILE.py]
//               [--sim-s=60] [--wall-s=600]
//
// tools/chipbench.py runs this (make chipbench), with NODE_PATH pointing at the rp2040js it
// installed under build/emu. The emulator is cycle-clocked: simulated time advances only by the
// cycles the executed instructions take at the chip's system clock (125 MHz as MicroPython sets
// it), so MicroPython's time.ticks_us() reads the emulated chip's time, whatever this machine's
// speed. Flash is plain memory here: no XIP cache misses or wait states are modelled.
//
// The REPL is MicroPython's own, on its USB CDC serial port (rp2040js's USBCDC plays the host).
// Once the prompt shows, the script is pasted in paste mode (Ctrl-E ... Ctrl-D), so it is
// compiled whole and then run; the run ends when the prompt comes back after it.
//
// stdout: everything the REPL sends. stderr: "[emu] ..." lines, the last one
// "[emu] done sim_s=... wall_s=... clk_sys_hz=...".
// Exit status: 0 the script ran (or, with no script, the prompt showed); 1 bad arguments;
// 2 the simulated time limit; 3 the wall-clock limit; 4 the program counter left memory (a crash).
'use strict';
const fs = require('fs');
const { Simulator, USBCDC, ConsoleLogger, LogLevel } = require('rp2040js');

const FLASH_BASE = 0x10000000;

function options(argv) {
  const o = { 'sim-s': '60', 'wall-s': '600' };
  for (const a of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    o[m[1]] = m[2];
  }
  if (!o.bootrom || !o.image) throw new Error('--bootrom= and --image= are needed');
  return o;
}

// A UF2 file's main-flash blocks (512 bytes each: magic words at 0, 4 and 508, flags at 8,
// target address at 12, payload size at 16, payload from 32) written into flash.
function loadUf2(flash, data) {
  let blocks = 0;
  for (let off = 0; off + 512 <= data.length; off += 512) {
    const dv = new DataView(data.buffer, data.byteOffset + off, 512);
    if (dv.getUint32(0, true) !== 0x0a324655 || dv.getUint32(4, true) !== 0x9e5d5157) continue;
    if (dv.getUint32(8, true) & 1) continue; // "not main flash"
    const addr = dv.getUint32(12, true);
    const size = dv.getUint32(16, true);
    flash.set(data.subarray(off + 32, off + 32 + size), addr - FLASH_BASE);
    blocks++;
  }
  if (!blocks) throw new Error('no UF2 blocks in the image');
}

// rp2040js 1.4.1's UART raises its TX interrupt again on every interrupt check (its TX path has
// no FIFO model: "TODO"), so clearing it through UARTICR does not stick. MicroPython's
// machine.UART enables that interrupt, and the core then runs the UART handler forever: any
// program that opens a UART (the firmware's DIN MIDI does) hangs. Modelled here as a PL011 with
// an instantly draining FIFO behaves: the TX interrupt is raised when a byte is written to
// UARTDR and stays cleared once UARTICR clears it.
function fixUartTxInterrupt(mcu) {
  const TXINTR = 1 << 5;
  const UARTDR = 0;
  for (const uart of mcu.uart) {
    uart.checkInterrupts = function () {
      this.rp2040.setInterrupt(this.irq, !!(this.interruptStatus & this.interruptMask));
    };
    const write = uart.writeUint32.bind(uart);
    uart.writeUint32 = function (offset, value) {
      write(offset, value);
      if (offset === UARTDR) {
        this.interruptStatus |= TXINTR;
        this.checkInterrupts();
      }
    };
  }
}

function inMemory(pc) {
  return pc < 0x4000 /* bootrom */ || (pc >= FLASH_BASE && pc < FLASH_BASE + 0x200000) ||
    (pc >= 0x20000000 && pc < 0x20042000) /* SRAM */;
}

function main() {
  const o = options(process.argv.slice(2));
  const script = o.script ? fs.readFileSync(o.script, 'latin1') : null;
  const simLimitS = Number(o['sim-s']);
  const wallLimitS = Number(o['wall-s']);

  const sim = new Simulator();
  const mcu = sim.rp2040;
  const core = mcu.core;
  const clock = sim.clock;
  mcu.logger = new ConsoleLogger(LogLevel.Error);
  const rom = fs.readFileSync(o.bootrom);
  mcu.loadBootrom(new Uint32Array(rom.buffer, rom.byteOffset, rom.length / 4)); // also resets
  const image = fs.readFileSync(o.image);
  if (o.image.endsWith('.uf2')) loadUf2(mcu.flash, image);
  else mcu.flash.set(image, 0); // a .bin is the flash contents from its start
  fixUartTxInterrupt(mcu);
  // rp2040js models no pad pull-up: the inputs a board holds high at rest through one (its
  // active-low buttons, its encoders' contacts) are driven high from outside instead
  for (const p of (o.high || '').split(',').filter((x) => x !== '')) mcu.gpio[Number(p)].setInputValue(true);
  const uart0 = []; // the bytes the program sends on UART0's TX (the firmware's DIN OUT)
  mcu.uart[0].onByte = (value) => uart0.push(value);

  let out = '';
  const toDevice = [];
  const cdc = new USBCDC(mcu.usbCtrl);
  cdc.onDeviceConnected = () => {
    process.stderr.write(`[emu] USB serial connected at sim t=${(clock.nanos / 1e9).toFixed(3)} s\n`);
    toDevice.push(13, 10); // a line end: the REPL answers with its prompt
  };
  cdc.onSerialData = (bytes) => {
    const s = Buffer.from(bytes).toString('latin1');
    out += s;
    process.stdout.write(s);
  };
  const send = (s) => { for (const c of Buffer.from(s, 'latin1')) toDevice.push(c); };

  // boot2 at the start of flash sets up execute-in-place and jumps to the firmware's vectors
  core.PC = FLASH_BASE;
  const wall0 = Date.now();
  const recent = new Uint32Array(64); // the last program counters, shown on a crash
  let n = 0;
  let phase = 'boot';
  let pasteFrom = 0;
  const finish = (status, why) => {
    if (why) process.stderr.write(`\n[emu] ${why}\n`);
    process.stderr.write(`[emu] done sim_s=${(clock.nanos / 1e9).toFixed(6)} wall_s=${((Date.now() - wall0) / 1000).toFixed(1)} ` +
      `clk_sys_hz=${mcu.clkSys} uart0_tx=${Buffer.from(uart0).toString('hex') || '-'}\n`);
    process.exitCode = status;
  };
  for (;;) {
    for (let i = 0; i < 200000; i++) {
      if (core.waiting) { // WFI/WFE: jump to the next timer or peripheral event
        const ns = clock.nanosToNextAlarm;
        clock.tick(ns > 0 ? ns : 8);
        continue;
      }
      const pc = core.PC >>> 0;
      recent[n++ & 63] = pc;
      if (!inMemory(pc)) {
        const last = [];
        for (let k = 0; k < 64; k++) last.push(recent[(n + k) & 63].toString(16));
        return finish(4, `the program counter left memory: 0x${pc.toString(16)} at sim t=${(clock.nanos / 1e9).toFixed(6)} s; ` +
          `the PCs before: ${last.join(' ')}`);
      }
      clock.tick(core.executeInstruction() * (1e9 / mcu.clkSys));
    }
    while (toDevice.length && !cdc.txFIFO.full) cdc.sendSerialByte(toDevice.shift());
    if (phase === 'boot' && out.endsWith('>>> ')) {
      process.stderr.write(`[emu] prompt at sim t=${(clock.nanos / 1e9).toFixed(3)} s\n`);
      if (!script) return finish(0);
      send('\x05' + script.replace(/\r?\n/g, '\r') + '\x04'); // paste mode: Ctrl-E, the lines, Ctrl-D
      pasteFrom = out.length;
      phase = 'running';
    } else if (phase === 'running' && !toDevice.length && out.length > pasteFrom && out.endsWith('\n>>> ')) {
      return finish(0);
    }
    if (clock.nanos / 1e9 > simLimitS) return finish(2, `simulated time limit hit (${simLimitS} s), phase ${phase}`);
    if ((Date.now() - wall0) / 1000 > wallLimitS) return finish(3, `wall-clock limit hit (${wallLimitS} s), phase ${phase}`);
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`[emu] ${e.message}\n`);
  process.exitCode = 1;
}
