// Runs a flat BIOS image in v86 (npm `v86`, the x86-to-wasm JIT emulator) inside this Node process,
// for the side-by-side CPU benchmark (cpu.bench.ts). Bench-only: nothing here is part of the package.
//
// How v86 is driven (checked against its source, copy/v86 src/cpu.js, src/io.js, src/main.js):
// - `bios: { buffer }` is copied to 1 MiB - size (so a 64 KiB image sits at 0xF0000) and mirrored
//   at 0xFFF00000 (CPU.prototype.load_bios), so the reset vector at 0xFFFFFFF0 reaches the image's
//   last 16 bytes, as QEMU's `-bios` mapping does. No VGA BIOS is needed for a bare image.
// - Ports are hooked after "emulator-ready" with `emulator.v86.cpu.io.register_write(port, device,
//   w8, w16, w32)` / `register_read(port, device, r8, …)` (src/io.js). v86 only hooks 0xE9/0x402
//   in its debug build, and 0xF4 only for multiboot/kvm-unit-test images, so in the release build
//   used here those ports are free for us.
// - In Node the main loop yields with setImmediate/setTimeout (src/main.js v86.prototype.yield), so
//   the run proceeds while we await a promise; the hooks fire synchronously from the guest's OUT.
import { V86 } from 'v86';

/** The parts of v86's internals the bench touches (not in v86.d.ts). */
interface V86Io {
  register_write(
    port: number,
    device: object,
    w8?: (value: number) => void,
    w16?: (value: number) => void,
    w32?: (value: number) => void,
  ): void;
  register_read(port: number, device: object, r8?: () => number): void;
}
interface V86Internals {
  v86: { cpu: { io: V86Io } };
}

export interface V86RunOptions {
  /** Guest RAM in bytes (v86 default 64 MiB). */
  memorySize: number;
  /** Port whose 8-bit write ends the run (isa-debug-exit style); null: end on `untilText`. */
  exitPort: number | null;
  /** Text ports (debugcon style, 8-bit writes) captured into `text`. */
  textPorts: number[];
  /** Debugcon ports that must read back 0xE9 (QEMU hw/char/debugcon.c readback, which SeaBIOS's
   * qemu_debug_preinit checks before it keeps logging). */
  readbackPorts?: number[];
  /** End the run when the captured text contains this. */
  untilText?: string;
  /** Give up after this many ms of wall time. */
  timeoutMs: number;
}

export type V86Result =
  | {
      ok: true;
      /** Seconds from the guest's first text byte to the end condition. */
      guestSeconds: number;
      /** Seconds from `new V86()` to the end condition (includes wasm compile, init). */
      wallSeconds: number;
      /** v86's own instruction counter at the end (get_instruction_counter). */
      instructions: number;
      exitValue: number;
      text: string;
    }
  | { ok: false; reason: string; text: string };

let wasmPath: string | null = null;
function v86Wasm(): string {
  if (wasmPath === null) wasmPath = new URL('v86.wasm', import.meta.resolve('v86')).pathname;
  return wasmPath;
}

/** Boot `image` as the BIOS of a fresh v86 and wait for the end condition. */
export function runV86(image: Uint8Array, o: V86RunOptions): Promise<V86Result> {
  const bios = image.slice().buffer;
  return new Promise((resolve) => {
    const t0 = performance.now();
    let tStart = -1;
    let text = '';
    let settled = false;
    const emulator = new V86({
      wasm_path: v86Wasm(),
      bios: { buffer: bios },
      memory_size: o.memorySize,
      autostart: true,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    });
    const finish = (r: V86Result): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void emulator.destroy().then(() => resolve(r));
    };
    const success = (exitValue: number): void => {
      const t = performance.now();
      finish({
        ok: true,
        guestSeconds: (t - (tStart < 0 ? t0 : tStart)) / 1000,
        wallSeconds: (t - t0) / 1000,
        instructions: emulator.get_instruction_counter(),
        exitValue,
        text,
      });
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `no end condition within ${o.timeoutMs} ms`, text }),
      o.timeoutMs,
    );
    emulator.add_listener('emulator-ready', () => {
      const io = (emulator as unknown as V86Internals).v86.cpu.io;
      const device = { name: 'vmkit-bench' };
      const onText = (b: number): void => {
        if (tStart < 0) tStart = performance.now();
        text += String.fromCharCode(b & 0xff);
        if (o.untilText !== undefined && text.endsWith(o.untilText)) success(0);
      };
      for (const p of o.textPorts) io.register_write(p, device, onText);
      for (const p of o.readbackPorts ?? []) io.register_read(p, device, () => 0xe9);
      if (o.exitPort !== null) {
        const onExit = (v: number): void => success(v);
        io.register_write(o.exitPort, device, onExit, onExit, onExit);
      }
    });
  });
}
