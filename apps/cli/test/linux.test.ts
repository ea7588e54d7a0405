// `vmkit boot --kernel/--initrd/--append/--serial`: a tiny nasm bzImage (packages/machine/test/kernel/
// tiny-bzimage.asm) booted through Debian's SeaBIOS + QEMU's linuxboot_dma.bin and through the hle
// firmware's direct load; poweroff is the goal (exit 0), COM1 output goes to stdout or a file, and
// every bad input is one line with its exit code (the README's bad-input rows).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, tmp, vmkitBuilt as vmkit } from './helpers.js';

const SEABIOS = '/usr/share/seabios/bios-256k.bin';
const LINUXBOOT = '/usr/share/qemu/linuxboot_dma.bin';
const onPath = (t: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, t)));
const have = onPath('nasm') && existsSync(SEABIOS) && existsSync(LINUXBOOT);
if (!have && process.env.VMKIT_REQUIRE_TOOLS === '1')
  throw new Error('nasm, seabios and qemu-system-data are required (VMKIT_REQUIRE_TOOLS=1)');
if (!have)
  console.warn(
    'skipped: nasm, seabios or qemu-system-data missing (apt-get install nasm seabios qemu-system-data)',
  );

function tiny(name: string, defines: string[] = []): string {
  const out = join(tmp, name);
  execFileSync('nasm', [
    '-f',
    'bin',
    ...defines,
    '-o',
    out,
    join(root, 'packages/machine/test/kernel/tiny-bzimage.asm'),
  ]);
  return out;
}

describe.skipIf(!have)('vmkit boot --kernel', () => {
  const kernel = have ? tiny('tiny.bin') : '';
  const initrd = join(tmp, 'tiny-initrd');
  writeFileSync(initrd, new Uint8Array(100_000).fill(0x5a));

  /** `vmkit boot` of the tiny kernel on 256 MiB without an IGD, plus `args`. */
  const bootTiny = (...args: string[]) =>
    vmkit('boot', '--igd', 'none', '--memory', '256M', '--kernel', kernel, ...args);

  it('boots through SeaBIOS + linuxboot_dma.bin to poweroff (exit 0) with COM1 on stdout', () => {
    const r = bootTiny('--initrd', initrd, '--append', 'hello', '--serial', '-');
    expect(r.code).toBe(0);
    expect(r.out).toContain('TINY: loader=B0 heap_end=FE00 initrd=0FFC7000 size=000186A0 cmdline="hello"');
    expect(r.out).toMatch(/^Result: +poweroff — the guest entered ACPI S5/m);
    expect(r.out).toMatch(/^Serial \(COM1\), last 2 of 2 kept lines:/m);
  });

  it('--serial <file> and --json: the file has COM1 output, the JSON the serial tail and reason', () => {
    const file = join(tmp, 'serial.txt');
    const r = bootTiny('--append', 'x', '--serial', file, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.result).toMatchObject({ reason: 'poweroff', goalReached: true });
    expect(j.serial.at(-1)).toMatch(/TINY: loader=B0 .* cmdline="x"$/);
    expect(readFileSync(file, 'latin1')).toMatch(/TINY: loader=B0 .*cmdline="x"$/m);
  });

  it('--firmware hle loads the kernel directly (32-bit boot protocol)', () => {
    const r = vmkit(
      'boot',
      '--firmware',
      'hle',
      '--igd',
      'none',
      '--kernel',
      kernel,
      '--append',
      'y',
      '--serial',
      '-',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^TINY32: loader=B0 initrd=00000000 size=00000000 e820=\w\w cmdline="y"$/m);
  });

  it('--until matches COM1 text; a kernel that panics ends with the budget (exit 3) and its panic text', () => {
    const u = vmkit(
      'boot',
      '--igd',
      'none',
      '--kernel',
      kernel,
      '--until',
      'cmdline="',
      '--json',
      '--serial',
      join(tmp, 's2'),
    );
    expect(u.code).toBe(0);
    expect(JSON.parse(u.out).result.detail).toBe('the serial console printed "cmdline=""');
    const panic = tiny('panic.bin', ['-DPANIC=1']);
    const p = vmkit(
      'boot',
      '--igd',
      'none',
      '--kernel',
      panic,
      '--serial',
      '-',
      '--max-instructions',
      '20000000',
    );
    expect(p.code).toBe(3);
    expect(p.err).toBe('vmkit: goal not reached: instruction-budget (20,000,000 instructions executed)\n');
    expect(p.out).toContain('Kernel panic - not syncing: tiny kernel asked to panic');
  });

  it('bad input: one line each, with its exit code', () => {
    const notKernel = join(tmp, 'not-a-kernel');
    writeFileSync(notKernel, new Uint8Array(4096));
    const small = tiny('small-cmdline.bin', ['-DCMDLINE_SIZE=8']);
    const big = join(tmp, 'big-initrd');
    writeFileSync(big, new Uint8Array(20 * 1024 * 1024));
    const rows: Array<[string[], number, string]> = [
      [['--initrd', initrd], 2, 'vmkit: --initrd needs --kernel\n'],
      [['--append', 'x'], 2, 'vmkit: --append needs --kernel\n'],
      [
        ['--kernel', kernel, '--serial', '-', '--json'],
        2,
        `${JSON.stringify({ error: { kind: 'usage', exitCode: 2, messages: ['--serial - writes to stdout, where --json prints: give --serial a file'] } })}\n`,
      ],
      [
        ['--kernel', notKernel],
        1,
        'vmkit: config: kernel: not a Linux bzImage (no "HdrS" boot-protocol signature at 0x202; multiboot and ELF kernels are not supported)\n',
      ],
      [
        ['--kernel', small, '--append', 'console=ttyS0'],
        1,
        'vmkit: config: append: the command line is 13 bytes; this kernel accepts at most 8 (its cmdline_size)\n',
      ],
      [
        ['--kernel', kernel, '--initrd', big, '--memory', '16M'],
        1,
        'vmkit: config: initrd: 20971520 bytes is too large (this kernel and RAM allow below 0xfd7fff)\n',
      ],
      [
        ['--kernel', join(tmp, 'nonexistent')],
        1,
        `vmkit: cannot read kernel ${join(tmp, 'nonexistent')}: no such file or directory\n`,
      ],
      [
        ['--kernel', kernel, '--linuxboot-rom', notKernel],
        1,
        'vmkit: config: linuxbootRom: 4096 bytes is not an option ROM (55 AA signature, 512-byte blocks)\n',
      ],
    ];
    for (const [args, code, err] of rows) {
      const r = vmkit('boot', '--igd', 'none', ...args);
      expect({ args, code: r.code, err: r.err, out: r.out }).toEqual({ args, code, err, out: '' });
    }
  });
});
