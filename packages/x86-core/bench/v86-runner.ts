// Runs a flat BIOS image in v86 (npm `v86`, the x86-to-wasm JIT emulator) for the side-by-side CPU
// benchmark (cpu.bench.ts). Each run is a fresh `node v86-run.mjs` child (see that file for how v86
// loads the image and how the ports are hooked), so v86's wasm memories and JIT never share a heap
// with the core being measured; the child times the guest itself and reports one JSON line.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const CHILD = new URL('./v86-run.mjs', import.meta.url).pathname;

export interface V86RunOptions {
  /** Path of the image given to v86 as its BIOS. */
  image: string;
  /** Guest RAM in bytes (v86 default 64 MiB). */
  memorySize: number;
  /** Port whose write ends the run (isa-debug-exit style); null: end on `untilText`. */
  exitPort: number | null;
  /** Text ports (debugcon style, 8-bit writes) captured into `text`. */
  textPorts: number[];
  /** Debugcon ports whose reads return 0xE9 (QEMU hw/char/debugcon.c readback). */
  readbackPorts?: number[];
  /** End the run when the captured text ends with this. */
  untilText?: string;
  /** Give up after this many ms of wall time. */
  timeoutMs: number;
}

export type V86Result =
  | {
      ok: true;
      /** Seconds from the guest's first text byte to the end condition. */
      guestSeconds: number;
      /** This process's CPU time over the same span (v86 runs on the main thread). */
      guestCpuSeconds: number;
      /** Seconds from `new V86()` to the end condition (includes wasm compile, init). */
      wallSeconds: number;
      /** v86's own instruction counter at the end (get_instruction_counter). */
      instructions: number;
      exitValue: number;
      text: string;
    }
  | { ok: false; reason: string; text: string };

/** Null when npm `v86` resolves from here, else why not. */
export function v86Missing(): string | null {
  try {
    createRequire(import.meta.url).resolve('v86');
    return null;
  } catch {
    return 'npm package v86 not installed (it is a root devDependency: pnpm install)';
  }
}

/** Boot `o.image` as the BIOS of a fresh v86 in a child process and wait for the end condition. */
export function runV86(o: V86RunOptions): Promise<V86Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    // The child has its own time limit; this one only catches a child that stops responding.
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs + 10_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) {
        resolve({
          ok: false,
          reason: `v86 child exited with ${String(code)}: ${err.trim().slice(0, 300)}`,
          text: '',
        });
        return;
      }
      resolve(JSON.parse(line) as V86Result);
    });
  });
}
