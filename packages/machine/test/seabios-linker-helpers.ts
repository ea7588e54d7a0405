// Shared by the patched-SeaBIOS tests: where firmware/seabios/build.sh put its images
// (scripts/ci/setup-seabios-linker.sh builds them into <repo>/.cache/seabios-linker), booting an
// image on vmkit, and comparing two SeaBIOS debug logs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineConfigInput } from '../src/index.js';
import { createMachine } from './helpers.js';

const cache = fileURLToPath(new URL('../../../.cache/seabios-linker/', import.meta.url));
/** Patched SeaBIOS with CONFIG_INTEL_IGD_SETUP=n: the table-loader is the only IGD path. */
export const LINKER_BIOS = join(cache, 'bios-256k-linker.bin');
/** The same patches with intel_igd_setup kept. */
export const LINKER_IGD_BIOS = join(cache, 'bios-256k-linker-igd.bin');
/** Debian's stock binary (package seabios). */
export const STOCK_BIOS = '/usr/share/seabios/bios-256k.bin';

export const haveLinkerBios =
  existsSync(LINKER_BIOS) && existsSync(LINKER_IGD_BIOS) && existsSync(STOCK_BIOS);
if (!haveLinkerBios) {
  const msg = `patched SeaBIOS not built (${LINKER_BIOS}): run scripts/ci/setup-seabios-linker.sh`;
  if (process.env.VMKIT_REQUIRE_TOOLS === '1') throw new Error(`${msg} (VMKIT_REQUIRE_TOOLS=1)`);
  console.warn(`skipped: ${msg}`);
}

export function image(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function bootImage(path: string, input: Omit<MachineConfigInput, 'firmware'>) {
  const m = createMachine({ ...input, firmware: { kind: 'image', image: image(path), name: path } });
  return { m, report: m.boot({ maxInstructions: 60_000_000 }) };
}

/**
 * Lines whose content is the same but whose addresses depend on the ROM's layout: the patched
 * image's 32-bit init code is ~1 KiB larger, so SeaBIOS relocates it to a different address
 * (src/post.c reloc_preinit), and the F-segment table space (BiosTableSpace, placed by
 * scripts/layoutrom.py) shifts the copies of PIR/MPTABLE/SMBIOS by a few bytes. Only the hex
 * numbers of these lines may differ.
 */
const LAYOUT_LINES = [
  /^Relocating init from 0x[0-9a-f]+ to 0x[0-9a-f]+ \(size \d+\)$/,
  /^Copying (PIR|MPTABLE|SMBIOS) from 0x[0-9a-f/]+ to 0x[0-9a-f]+$/,
  /^Space available for UMB: [0-9a-f]+-[0-9a-f]+, [0-9a-f]+-[0-9a-f]+$/,
];
/** The version banner (printed twice) and the compiler line name the build, not the behaviour. */
const BUILD_LINES = [/^SeaBIOS \(version /, /^BUILD: /];

/**
 * Differences between two logs that are not explained by the build or the ROM layout: lines are
 * compared in order; a build line may differ freely, a layout line only in its numbers.
 */
export function unexplainedDiff(a: string[], b: string[]): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`line count ${a.length} vs ${b.length}`);
  const n = Math.min(a.length, b.length);
  const shape = (l: string) => l.replace(/[0-9a-f]+/g, '#');
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    if (BUILD_LINES.some((r) => r.test(x) && r.test(y))) continue;
    if (LAYOUT_LINES.some((r) => r.test(x) && r.test(y)) && shape(x) === shape(y)) continue;
    out.push(`line ${i + 1}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  }
  return out;
}

export const QEMU = '/usr/bin/qemu-system-x86_64';

/**
 * Boots `bios` on QEMU 7.2 (`-machine pc -m 128 -nodefaults`, debug console on 0x402) until the
 * log shows "No bootable device." (or 60 s pass), stops the QEMU it started, returns the log lines.
 */
export async function qemuLog(bios: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-seabios-linker-'));
  const log = join(dir, 'debugcon.log');
  const args = [
    '-machine',
    'pc',
    '-m',
    '128',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-bios',
    bios,
  ];
  args.push('-chardev', `file,id=dbg,path=${log}`, '-device', 'isa-debugcon,iobase=0x402,chardev=dbg');
  const child = spawn(QEMU, args, { stdio: 'ignore' });
  try {
    const text = () => (existsSync(log) ? readFileSync(log, 'latin1') : '');
    for (let t = 0; t < 600 && !text().includes('No bootable device.'); t++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = text().replace(/\n$/, '').split('\n');
    const end = lines.indexOf('No bootable device.');
    return end >= 0 ? lines.slice(0, end + 1) : lines;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
