// Outside tools the edu tests use: nasm (the test ROM), Debian's SeaBIOS and QEMU (the oracle).
// Absent → the tests skip with a message, unless VMKIT_REQUIRE_TOOLS=1 (CI), where they fail.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SEABIOS = '/usr/share/seabios/bios-256k.bin';
export const ROM_SOURCE = fileURLToPath(new URL('./rom/edu-test.asm', import.meta.url));

export function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, tool)));
}

/** Whether to skip tests needing `what`; throws when it is missing under VMKIT_REQUIRE_TOOLS=1. */
export function gate(what: string, present: boolean, install: string): boolean {
  if (present) return false;
  if (process.env.VMKIT_REQUIRE_TOOLS === '1')
    throw new Error(`${what} is required (VMKIT_REQUIRE_TOOLS=1): ${install}`);
  console.warn(`skipped: ${what} is not installed (${install})`);
  return true;
}

/** Assemble the edu test ROM with nasm; returns the image bytes and its path. */
export function assembleRom(): { image: Uint8Array; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'vmkit-edu-rom-')), 'edu-test.bin');
  execFileSync('nasm', ['-f', 'bin', '-o', path, ROM_SOURCE]);
  return { image: new Uint8Array(readFileSync(path)), path };
}

/** The lines the ROM prints, as the edu device in QEMU 7.2 makes it print them. */
export const ROM_EXPECTED = [
  'EDU TEST ROM',
  'EDU FOUND 00:03.0',
  'EDU BAR0 SIZE 00100000',
  'EDU PIN 01',
  'EDU ID 010000ed',
  'EDU LIVENESS edcba987', // ~0x12345678
  'EDU FACT 01 00375f00', // computing seen right after the write; 10! = 0x375f00
  'EDU IRQ FACT 00000001 00000078', // factorial interrupt (bit 0); 5! = 0x78
  'EDU IRQ RAISE 00012340 00000000', // raised bits, then status 0 after the handler's ack
  'EDU DMA 00000100 00000100 00000006 SAME', // DMA irq twice; command 6 (run cleared); bytes equal
  'EDU IRQS 00000004',
  'EDU DONE',
];

/**
 * QEMU 7.2's own answer: `qemu-system-x86_64 -machine pc -nodefaults -device edu,addr=03.0` with
 * Debian's SeaBIOS, its debug console (port 0x402) in a file; returns SeaBIOS's log once it has
 * initialised the PCI devices (the run is then killed). An isa-debugcon is no PCI device, so the
 * PCI layout is that of the plain command line.
 */
export async function qemuSeabiosLog(extra: string[] = []): Promise<string[]> {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-edu-qemu-'));
  const log = join(dir, 'debugcon.log');
  const args = ['-machine', 'pc', '-nodefaults', '-device', 'edu,addr=03.0', ...extra, '-bios', SEABIOS];
  args.push('-display', 'none', '-chardev', `file,id=dbg,path=${log}`);
  args.push('-device', 'isa-debugcon,iobase=0x402,chardev=dbg');
  const child = spawn('qemu-system-x86_64', args, { stdio: 'ignore' });
  try {
    for (let i = 0; i < 300; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const text = existsSync(log) ? readFileSync(log, 'latin1') : '';
      if (/No bootable device|Booting from/.test(text)) return text.split('\n');
    }
    throw new Error('QEMU did not reach the end of SeaBIOS POST within 30 s');
  } finally {
    child.kill('SIGKILL');
  }
}
