// Outside tools the -kernel tests use: nasm (the tiny test kernel), Debian's SeaBIOS and QEMU's
// linuxboot_dma.bin (qemu-system-data), QEMU 7.2 itself (the oracle), and the Linux guest that
// scripts/ci/setup-guest-linux.sh builds into .cache/guest-linux. Absent → the tests skip with a
// message, unless VMKIT_REQUIRE_TOOLS=1 (CI), where they fail.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SEABIOS = '/usr/share/seabios/bios-256k.bin';
export const LINUXBOOT = '/usr/share/qemu/linuxboot_dma.bin';
export const GUEST_DIR = fileURLToPath(new URL('../../../../.cache/guest-linux', import.meta.url));
const TINY_SOURCE = fileURLToPath(new URL('./tiny-bzimage.asm', import.meta.url));

export function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, tool)));
}

/** Whether to skip tests needing `what`; throws when it is missing under VMKIT_REQUIRE_TOOLS=1. */
export function gate(what: string, present: boolean, install: string): boolean {
  if (present) return false;
  if (process.env.VMKIT_REQUIRE_TOOLS === '1')
    throw new Error(`${what} is required (VMKIT_REQUIRE_TOOLS=1): ${install}`);
  console.warn(`skipped: ${what} is not available (${install})`);
  return true;
}

/** Assemble the tiny bzImage with nasm `-D` defines (e.g. { PANIC: '1', CMDLINE_SIZE: '16' }). */
export function tinyKernel(defines: Record<string, string> = {}): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-tiny-kernel-'));
  try {
    const out = join(dir, 'tiny.bin');
    const d = Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);
    execFileSync('nasm', ['-f', 'bin', ...d, '-o', out, TINY_SOURCE]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What QEMU 7.2 prints on COM1 for `-machine pc -m <memory> -nodefaults -nographic -kernel …`
 * (-nographic, as vmkit's fw_cfg says NOGRAPHIC=1: SeaBIOS then mirrors its screen on COM1). Runs
 * until the guest powers off or `timeoutMs` passes. */
export function qemuSerial(opts: {
  kernel: string;
  initrd?: string;
  append?: string;
  memory?: string;
  cpu?: string;
  timeoutMs?: number;
}): { serial: string; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-qemu-kernel-'));
  try {
    const serial = join(dir, 'serial.txt');
    const args = ['-machine', 'pc', '-m', opts.memory ?? '256', '-nodefaults', '-nographic'];
    if (opts.cpu) args.push('-cpu', opts.cpu);
    args.push('-serial', `file:${serial}`, '-kernel', opts.kernel, '-no-reboot');
    if (opts.initrd) args.push('-initrd', opts.initrd);
    if (opts.append !== undefined) args.push('-append', opts.append);
    const t0 = process.hrtime.bigint();
    const r = spawnSync('qemu-system-x86_64', args, {
      timeout: opts.timeoutMs ?? 60_000,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
    return { serial: existsSync(serial) ? readFileSync(serial, 'latin1') : '', ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
