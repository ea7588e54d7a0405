// The edu device through the `vmkit` command: --device plugs it, --device help lists it, and the
// nasm test ROM (packages/edu/test/rom) exercises its registers as the firmware, reporting on the
// debug console. The BAR SeaBIOS gives it is QEMU 7.2's (0xfeb00000; packages/edu/test/seabios.test.ts
// compares with a live QEMU run).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, vmkit } from './helpers.js';

const SEABIOS = existsSync('/usr/share/seabios/bios-256k.bin');
const NASM = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'nasm')));
if (process.env.VMKIT_REQUIRE_TOOLS === '1' && !(SEABIOS && NASM))
  throw new Error('Debian seabios and nasm are required (VMKIT_REQUIRE_TOOLS=1)');
if (!SEABIOS) console.warn('skipped: Debian SeaBIOS is not installed (apt-get install seabios)');
if (!NASM) console.warn('skipped: nasm is not installed (apt-get install nasm)');

describe('vmkit boot --device edu', () => {
  it('--device help lists edu; --device edu,help its properties', () => {
    const list = vmkit('boot', '--device', 'help');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^ *edu +bus pci +QEMU's educational PCI device 1234:11e8/m);
    const help = vmkit('boot', '--device', 'edu,help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('dma_mask=<int>');
    expect(help.out).toContain('default 268435455');
  });

  it('bad properties: one line each, exit 1 (bad input, apps/cli errors.ts EXIT.input), no stack trace', () => {
    const r = vmkit(
      'boot',
      '--firmware',
      'hle',
      '--device',
      'edu,dma_mask=-1,colour=red',
      '--device',
      'nope',
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain("device edu (edu): property 'dma_mask' -1 is out of range");
    expect(r.err).toContain("unknown property 'colour' (properties: dma_mask)");
    expect(r.err).toContain("unknown driver 'nope'");
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it.skipIf(!SEABIOS)('--json lists 00:03.0 [1234:11e8] at QEMU 7.2 SeaBIOS address 0xfeb00000', () => {
    const r = vmkit('boot', '--igd', 'none', '--device', 'edu,addr=03.0', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const edu = j.pci.find((p: { bdf: string }) => p.bdf === '00:03.0');
    expect(edu).toMatchObject({ vendor: '1234', device: '11e8', name: 'edu' });
    expect(edu.bars).toEqual([
      { index: 0, kind: 'mem32', prefetchable: false, address: 0xfeb00000, size: 1 << 20 },
    ]);
    expect(j.devices).toContainEqual(expect.objectContaining({ id: 'edu', driver: 'edu', bdf: '00:03.0' }));
  });

  it.skipIf(!NASM)(
    'the nasm test ROM as firmware: ID, liveness, factorial, interrupts and DMA behave as QEMU',
    () => {
      const rom = join(mkdtempSync(join(tmpdir(), 'vmkit-edu-cli-')), 'edu-test.bin');
      execFileSync('nasm', ['-f', 'bin', '-o', rom, join(root, 'packages/edu/test/rom/edu-test.asm')]);
      const r = vmkit(
        'boot',
        '--firmware',
        rom,
        '--igd',
        'none',
        '--device',
        'edu,addr=03.0',
        '--until',
        'EDU DONE',
        '--json',
      );
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.result.reason).toBe('until');
      expect(j.log).toEqual([
        'EDU TEST ROM',
        'EDU FOUND 00:03.0',
        'EDU BAR0 SIZE 00100000',
        'EDU PIN 01',
        'EDU ID 010000ed',
        'EDU LIVENESS edcba987',
        'EDU FACT 01 00375f00',
        'EDU IRQ FACT 00000001 00000078',
        'EDU IRQ RAISE 00012340 00000000',
        'EDU DMA 00000100 00000100 00000006 SAME',
        'EDU IRQS 00000004',
        'EDU DONE',
      ]);
    },
  );
});
