// Child process for v86-runner.ts: boots one flat BIOS image in v86 (npm `v86`, the x86-to-wasm JIT
// emulator) and prints ONE JSON line with the result, then exits. A separate process per run keeps
// v86's wasm memories and JIT out of the process that measures our core.
//   node v86-run.mjs '<json options>'   (options: see V86RunOptions in v86-runner.ts, plus `image`)
//
// How v86 is driven (checked against its source, copy/v86 src/cpu.js, src/io.js, src/main.js):
// - `bios: { buffer }` is copied to 1 MiB - size (so a 64 KiB image sits at 0xF0000) and the low
//   1 MiB is mirrored at 0xFFF00000 (CPU.prototype.load_bios), so the reset vector at 0xFFFFFFF0
//   reaches the image's last 16 bytes, as with QEMU's `-bios`. No VGA BIOS is needed here.
// - Ports are hooked after "emulator-ready" with `emulator.v86.cpu.io.register_write(port, device,
//   w8, w16, w32)` / `register_read(port, device, r8)` (src/io.js). v86 hooks 0xE9/0x402 only in its
//   debug build and 0xF4 only for multiboot/kvm-unit-test images, so in the release build used
//   here those ports are free.
// - In Node the main loop yields with setImmediate/setTimeout (src/main.js v86.prototype.yield), so
//   timers run between slices; the hooks fire synchronously from the guest's OUT instruction.
import { readFileSync } from 'node:fs';
import { V86 } from 'v86';

const o = JSON.parse(process.argv[2] ?? '{}');
const emit = (r) => {
  process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
};
const bytes = readFileSync(o.image);
const t0 = performance.now();
let tStart = -1;
let cStart = 0;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let text = '';
let settled = false;
const emulator = new V86({
  wasm_path: new URL('v86.wasm', import.meta.resolve('v86')).pathname,
  bios: { buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
  memory_size: o.memorySize,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
});
const finish = (r) => {
  if (settled) return;
  settled = true;
  emulator.stop();
  emit(r);
};
const success = (exitValue) => {
  const t = performance.now();
  finish({
    ok: true,
    guestSeconds: (t - (tStart < 0 ? t0 : tStart)) / 1000,
    guestCpuSeconds: cpuSeconds() - cStart,
    wallSeconds: (t - t0) / 1000,
    instructions: emulator.get_instruction_counter(),
    exitValue,
    text,
  });
};
setTimeout(
  () => finish({ ok: false, reason: `no end condition within ${o.timeoutMs} ms`, text }),
  o.timeoutMs,
);
emulator.add_listener('emulator-ready', () => {
  const io = emulator.v86.cpu.io;
  const device = { name: 'vmkit-bench' };
  const onText = (b) => {
    if (tStart < 0) {
      tStart = performance.now();
      cStart = cpuSeconds();
    }
    text += String.fromCharCode(b & 0xff);
    if (o.untilText !== undefined && text.endsWith(o.untilText)) success(0);
  };
  for (const p of o.textPorts) io.register_write(p, device, onText);
  // QEMU hw/char/debugcon.c: a read of the debugcon port returns 0xE9 (SeaBIOS checks it).
  for (const p of o.readbackPorts ?? []) io.register_read(p, device, () => 0xe9);
  if (o.exitPort !== null) {
    const onExit = (v) => success(v);
    io.register_write(o.exitPort, device, onExit, onExit, onExit);
  }
});
