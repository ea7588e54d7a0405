// Run an oracle image under QEMU TCG (the reference) and collect its debugcon text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './tools.js';

export interface QemuRun {
  text: string;
  lines: string[];
  timedOut: boolean;
  wallMs: number;
}

export const QEMU_TIMEOUT_MS = 20_000;

/** `qemu-system-i386 -accel tcg -machine pc -nodefaults -display none -m 16 -bios <img>
 * -debugcon file:<f> -global isa-debugcon.iobase=0xe9 -device isa-debug-exit,iobase=0xf4,iosize=0x04`
 * with -no-reboot so a triple fault ends the run; killed (SIGKILL) after 20 s. */
export function runQemu(image: Uint8Array, timeoutMs = QEMU_TIMEOUT_MS): QemuRun {
  const qemu = requireTool('qemu-system-i386');
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-qemu-'));
  try {
    const img = join(dir, 'bios.bin');
    const out = join(dir, 'debugcon.txt');
    writeFileSync(img, image);
    writeFileSync(out, '');
    const t0 = performance.now();
    const r = spawnSync(
      qemu,
      [
        '-accel',
        'tcg',
        '-machine',
        'pc',
        '-nodefaults',
        '-display',
        'none',
        '-m',
        '16',
        '-no-reboot',
        '-bios',
        img,
        '-debugcon',
        `file:${out}`,
        '-global',
        'isa-debugcon.iobase=0xe9',
        '-device',
        'isa-debug-exit,iobase=0xf4,iosize=0x04',
        '-monitor',
        'none',
        '-serial',
        'none',
      ],
      { timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const wallMs = performance.now() - t0;
    const text = readFileSync(out, 'latin1');
    const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    return { text, lines: text.split('\n').filter((l) => l.length > 0), timedOut, wallMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
