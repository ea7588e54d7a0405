// The exit-status table (apps/cli/src/errors.ts, `vmkit --help`, the README) row by row, and the
// README's bad-input table: every class of bad input, its one-line message and its exit code.
// They run the built command (dist/main.js; helpers.ts refuses a stale build): dozens of starts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueSource } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import { biosImage, RESET, SPIN, tmp, vmkitBuilt as vmkit, vmkitAll } from './helpers.js';

function dumpDir(name: string, patch: (cfg: Uint8Array) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const cfg = catalogueSource('kbl').config.slice(0, 256);
  patch(cfg);
  writeFileSync(join(dir, 'config'), cfg);
  return dir;
}
const setDword = (cfg: Uint8Array, off: number, v: number) =>
  new DataView(cfg.buffer).setUint32(off, v, true);

describe('exit status table', () => {
  it('0: the boot reached its goal (hle: boot attempted; --until text printed)', () => {
    expect(vmkit('boot', '--firmware', 'hle').code).toBe(0);
    const r = vmkit('boot', '--firmware', 'hle', '--until', 'Found', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).result).toMatchObject({ reason: 'until', goalReached: true });
  });

  it('3: the --until text never printed with the budget spent → goal not reached, reason shown', () => {
    const spin = biosImage('spin.bin', SPIN);
    const r = vmkit(
      'boot',
      '--firmware',
      spin,
      '--igd',
      'none',
      '--until',
      'never',
      '--max-instructions',
      '5000',
    );
    expect(r.code).toBe(3);
    expect(r.err).toBe('vmkit: goal not reached: instruction-budget (5,000 instructions executed)\n');
    expect(r.out).toMatch(/^Result: +instruction-budget .*goal NOT reached/m);
  });

  it('3: an hle boot that never prints the --until text', () => {
    const r = vmkit('boot', '--firmware', 'hle', '--until', 'this text never appears');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^vmkit: goal not reached: boot-attempted/);
  });

  it('3: with --no-reboot a guest reset before the goal is "goal not reached" with the reason (JSON on stderr with --json)', () => {
    const reset = biosImage('reset.bin', RESET);
    const r = vmkit('boot', '--firmware', reset, '--igd', 'none', '--no-reboot', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out).result).toMatchObject({ reason: 'reset', goalReached: false });
    expect(JSON.parse(r.err)).toEqual({
      error: {
        kind: 'goal-not-reached',
        exitCode: 3,
        messages: ['goal not reached: reset (the guest requested a system reset)'],
      },
    });
  });

  it('3: by default a guest reset reboots the machine; a reset loop ends at its budget', () => {
    const reset = biosImage('reset-loop.bin', RESET);
    const r = vmkit(
      'boot',
      '--firmware',
      reset,
      '--igd',
      'none',
      '--max-instructions',
      '3000',
      '--trace',
      'machine-reset',
    );
    expect(r.code).toBe(3);
    expect(r.err).toBe('vmkit: goal not reached: instruction-budget (3,000 instructions executed)\n');
    const lines = r.out.split('\n').filter((l) => /^ {2}#\d+ machine-reset cause=guest-request$/.test(l));
    expect(lines.length).toBe(1500); // a reset every 2 instructions (mov, out)
  });

  it('1: a wrong-size firmware image is an input error, not usage', () => {
    const f = join(tmp, 'short.bin');
    writeFileSync(f, new Uint8Array(1000));
    const r = vmkit('boot', '--firmware', f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^vmkit: config: firmware image .*short\.bin is 1000 bytes: a BIOS image must be a multiple of 4 KiB/,
    );
  });

  it('2: usage errors (and usage goes to stderr)', () => {
    const r = vmkit();
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^vmkit — /);
    const o = vmkit('opregion');
    expect(o.code).toBe(2);
    expect(o.out).toBe('');
    expect(o.err).toMatch(/^usage: vmkit opregion decode/);
  });

  it('the table is in --help', () => {
    const h = vmkit('--help').out;
    for (const code of ['0', '1', '2', '3', '70']) expect(h).toMatch(new RegExp(`^ +${code}  \\S`, 'm'));
    expect(vmkit('boot', '--help').out).toMatch(/^Exit status:$/m);
  });
});

describe('conventions', () => {
  it('--version, help <command>, --help on every command', async () => {
    const v = vmkit('--version');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^vmkit \d+\.\d+\.\d+\n$/);
    const cmds = ['boot', 'lspci', 'opregion', 'vbt', 'linker', 'models', 'schema', 'help'];
    const r = await vmkitAll(
      cmds.flatMap((c) => [
        ['help', c],
        [c, '--help'],
      ]),
    );
    cmds.forEach((cmd, i) => {
      const [viaHelp, direct] = [r[2 * i]!, r[2 * i + 1]!];
      expect(viaHelp.code, cmd).toBe(0);
      expect(viaHelp.out, cmd).toMatch(cmd === 'help' ? /^usage:\n {2}vmkit boot/m : /^usage: vmkit /);
      expect(direct.code, cmd).toBe(0);
      expect(direct.out, cmd).toBe(viaHelp.out);
    });
  });

  it('"did you mean" for commands, options and choices', () => {
    expect(vmkit('boto').err).toMatch(/unknown command 'boto' \(did you mean boot\?\)/);
    expect(vmkit('boot', '--memroy', '1G').err).toMatch(
      /unknown option '--memroy' \(did you mean --memory\?\)/,
    );
    expect(vmkit('boot', '--opregion-policy', 'mapp').err).toMatch(/did you mean map\?/);
    expect(vmkit('boot', '--trace', 'igdd').err).toMatch(/did you mean igd\?/);
  });

  it('--trace help lists every group and kind; unknown kinds are refused', () => {
    const r = vmkit('boot', '--trace', 'help');
    expect(r.code).toBe(0);
    for (const w of [
      'pci',
      'fwcfg',
      'igd',
      'cpu',
      'bus',
      'firmware',
      'platform',
      'igd-asls-write',
      'cpu-msr',
    ])
      expect(r.out).toMatch(new RegExp(`^  ${w} `, 'm'));
    const bad = vmkit('boot', '--trace', 'banana');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--trace: 'banana' is not an event kind or group/);
  });

  it('text events print addresses and register values in hex (ASLS and BDSM alike)', () => {
    const r = vmkit('boot', '--firmware', 'hle', '--trace', 'igd');
    expect(r.out).toMatch(/#\d+ igd-asls-write value=0x[0-9a-f]+ previous=0x0 policy=fw-cfg/);
    expect(r.out).toMatch(/#\d+ igd-bdsm-write offset=0x5c value=0x[0-9a-f]+/);
    const j = JSON.parse(vmkit('boot', '--firmware', 'hle', '--trace', 'igd', '--json').out);
    const bdsm = j.events.find((e: { kind: string }) => e.kind === 'igd-bdsm-write');
    expect(bdsm.value).toBe(j.igd.bdsm);
  });
});

// The README's bad-input table, row for row: [what, arguments, exit code, stderr].
const BAD_INPUT: Array<[string, () => string[], number, RegExp]> = [
  ['unknown command', () => ['frobnicate'], 2, /^vmkit: unknown command 'frobnicate'/],
  ['unknown option', () => ['boot', '--bogus'], 2, /^vmkit: unknown option '--bogus'/],
  ['option without its value', () => ['boot', '--memory'], 2, /^vmkit: --memory needs a value <size>$/],
  ['negative size', () => ['boot', '--memory', '-1'], 2, /^vmkit: --memory: '-1' is not a size/],
  [
    'size out of range',
    () => ['boot', '--memory', '8M'],
    2,
    /^vmkit: --memory: 8M is below the minimum of 16 MiB$/,
  ],
  ['not a size', () => ['boot', '--memory', 'lots'], 2, /^vmkit: --memory: 'lots' is not a size/],
  ['exponent count', () => ['boot', '--max-instructions', '1e3'], 2, /'1e3' is not a decimal integer/],
  ['hex count', () => ['boot', '--max-instructions', '0x10'], 2, /'0x10' is not a decimal integer/],
  ['empty number', () => ['boot', '--gms', ''], 2, /^vmkit: --gms: is empty/],
  [
    'register field out of range',
    () => ['boot', '--gms', '0x100'],
    2,
    /--gms: 0x100 is above the maximum of 255/,
  ],
  [
    'size above its maximum',
    () => ['boot', '--bdsm-size', '1T'],
    2,
    /--bdsm-size: 1T is above the maximum of 64 GiB/,
  ],
  [
    'stolen memory larger than RAM',
    () => ['boot', '--firmware', 'hle', '--bdsm-size', '1G'],
    1,
    /^vmkit: config: device igd \(vfio-igd\): bdsm size 1 GiB does not fit in guest RAM below 4 GiB \(memory 128 MiB\)$/,
  ],
  ['unknown choice', () => ['boot', '--opregion-policy', 'share'], 2, /'share' is not one of fw-cfg, map/],
  ['unknown trace kind', () => ['boot', '--trace', 'banana'], 2, /not an event kind or group/],
  ['malformed PCI address', () => ['boot', '--igd-bdf', '2.0'], 2, /--igd-bdf: '2\.0' is not a PCI address/],
  ['unknown IGD model', () => ['boot', '--igd', 'synthetic:nope'], 2, /unknown model/],
  [
    'missing firmware file',
    () => ['boot', '--firmware', '/nonexistent.bin'],
    1,
    /cannot read BIOS image \/nonexistent\.bin: no such file/,
  ],
  [
    'firmware from a device',
    () => ['boot', '--firmware', '/dev/zero'],
    1,
    /BIOS image \/dev\/zero: it is a device, not a regular file$/,
  ],
  [
    'firmware from a directory',
    () => ['boot', '--firmware', tmp],
    1,
    /: it is a directory, not a regular file$/,
  ],
  [
    'firmware from a FIFO (would block)',
    () => {
      const fifo = join(tmp, 'fifo');
      spawnSync('mkfifo', [fifo]);
      return ['boot', '--firmware', fifo];
    },
    1,
    /: it is a FIFO \(named pipe\), not a regular file$/,
  ],
  [
    'firmware larger than a BIOS image can be',
    () => {
      const big = join(tmp, 'big.bin');
      writeFileSync(big, new Uint8Array(17 * 1024 * 1024));
      return ['boot', '--firmware', big];
    },
    1,
    /big\.bin: 17825792 bytes, more than a BIOS image can be \(16777216 bytes\)$/,
  ],
  [
    'host dump with an I/O BAR0',
    () => [
      'boot',
      '--firmware',
      'hle',
      '--igd',
      `dump:${dumpDir('io-bar0', (c) => setDword(c, 0x10, 0xf001))}`,
    ],
    1,
    /BAR0 \(offset 0x10\) is an I\/O BAR: an Intel IGD's GTTMMADR is a memory BAR/,
  ],
  [
    'host dump with an all-ones BAR2',
    () => [
      'boot',
      '--firmware',
      'hle',
      '--igd',
      `dump:${dumpDir('ones-bar2', (c) => setDword(c, 0x18, 0xffffffff))}`,
    ],
    1,
    /BAR2 \(offset 0x18\) reads 0xffffffff/,
  ],
  [
    'truncated host dump',
    () => {
      const dir = join(tmp, 'short-dump');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config'), new Uint8Array(100));
      return ['boot', '--firmware', 'hle', '--igd', `dump:${dir}`];
    },
    1,
    /config image must be 64, 256 or 4096 bytes, got 100/,
  ],
  [
    'output file that cannot be opened',
    () => ['boot', '--firmware', 'hle', '--debugcon', '/nonexistent/dir/log'],
    1,
    /^vmkit: cannot open debug console output \/nonexistent\/dir\/log: no such file or directory$/,
  ],
];

describe('bad input: one line (one per problem), the documented exit code, no stack trace', () => {
  it(`every row of the README's bad-input table (${BAD_INPUT.length} rows)`, async () => {
    const results = await vmkitAll(BAD_INPUT.map(([, args]) => args()));
    BAD_INPUT.forEach(([what, , code, msg], i) => {
      const r = results[i]!;
      expect(r.code, what).toBe(code);
      expect(r.err.trimEnd(), what).toMatch(msg);
      expect(r.err.trim().split('\n'), what).toHaveLength(1);
      expect(r.err, what).not.toMatch(/\n\s+at /);
      expect(r.out, what).toBe(''); // nothing ran: outputs and inputs are checked before the boot
    });
  });

  it('a config with several problems prints one prefixed line each', () => {
    const reset = biosImage('reset2.bin', RESET);
    const r = vmkit(
      'boot',
      '--firmware',
      reset,
      '--memory',
      '16M',
      '--bdsm-size',
      '64M',
      '--igd-bdf',
      '00:01.0',
    );
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([
      'vmkit: config: device igd (vfio-igd): bdsm size 64 MiB does not fit in guest RAM below 4 GiB (memory 16 MiB)',
      'vmkit: config: device igd (vfio-igd): addr 00:01.0 is taken by the chipset (00:00.0 host bridge, 00:01.x PIIX)',
    ]);
  });

  it('with --json, errors are one JSON object on stderr', () => {
    const r = vmkit('boot', '--json', '--memory', '-1');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err)).toEqual({
      error: {
        kind: 'usage',
        exitCode: 2,
        messages: ["--memory: '-1' is not a size like 64M, 2G or a byte count"],
      },
    });
  });
});
