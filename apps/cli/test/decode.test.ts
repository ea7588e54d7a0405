// `vmkit vbt|opregion|linker decode`: block contents, options, bounded input and wrong kinds of file.
// Most cases call decodeCommand in-process (fast); a few run the real command to check the one-line
// stderr message and exit status end to end, and standard input.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeLoader, igdOpRegionLoaderFragment } from '@vmkit/bios-linker';
import { buildOpRegion, buildVbt } from '@vmkit/vfio-igd';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCommand } from '../src/decode.js';
import { readInput } from '../src/input.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const VBTS = join(root, 'packages/vfio-igd/test/fixtures/vbt');
const TGL = join(VBTS, 'tgl-starlabs-starbook-tgl.vbt');
const KBL = join(VBTS, 'kbl-lenovo-sklkbl_thinkpad-t480.vbt');
const tmp = mkdtempSync(join(tmpdir(), 'vmkit-decode-'));

let out = '';
const write = process.stdout.write.bind(process.stdout);
beforeEach(() => {
  out = '';
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
});
afterEach(() => {
  process.stdout.write = write;
});

function vmkit(args: string[], input?: Uint8Array) {
  const main = join(root, 'apps/cli/src/main.ts');
  const r = spawnSync(process.execPath, ['--conditions=@vmkit/source', '--import', 'tsx', main, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

describe('vmkit vbt decode shows block contents', () => {
  it('every decoded block of a real VBT, with child devices and the selected panel', async () => {
    expect(await decodeCommand('vbt', ['decode', TGL])).toBe(0);
    expect(out).toMatch(/^BDB block 2 BDB_GENERAL_DEFINITIONS \(356 bytes at 0x0185\)$/m);
    expect(out).toMatch(/child device \(slot 0\): LFP 1 unknown\n {4}handle: LFP 1 \(0x0008\)/);
    expect(out).toMatch(/^ {4}dvoPort: DP-A \(0xa\)$/m);
    expect(out).toMatch(/^ {4}auxChannel: AUX-D \(0x30\)$/m);
    expect(out).toMatch(/^ {2}panel 2 \*$/m);
    expect(out).toMatch(/dtd: 1024x768 65000 kHz, h 1024 1048 1184 1344, v 768 771 777 806/);
    expect(out).toMatch(/^ {2}lvdsConfig: eDP \(0x3\)$/m);
    expect(out).toMatch(/^BDB block 42 BDB_LFP_DATA .*\n {2}pointers: "generated"$/m); // TGL has no block 41
    expect(out).not.toMatch(/^ {2}panel 0$/m);
    // TGL's block 58 overruns bdb_size by one byte: decoded, with a note that i915 cannot reach it.
    expect(out).toMatch(
      /^BDB block 58 BDB_GENERIC_DTD \(674 bytes at 0x1f35\)\n {2}\(runs past bdb_size: i915 cannot reach this block\)$/m,
    );
  });

  it('--block N shows one block; --hexdump adds its bytes; --all-panels all 16 entries', async () => {
    expect(await decodeCommand('vbt', ['decode', TGL, '--block', '43', '--hexdump', '--all-panels'])).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('BDB block 43 BDB_LFP_BACKLIGHT (305 bytes at 0x0e0e)');
    const raw = Array.from(readFileSync(TGL).subarray(0x0e0e, 0x0e0e + 16), (x) =>
      x.toString(16).padStart(2, '0'),
    );
    expect(lines[1]).toBe(`  0000: ${raw.slice(0, 8).join(' ')}  ${raw.slice(8).join(' ')}`);
    expect(raw[0]).toBe('2b'); // block id 43
    expect(out.match(/^ {2}panel \d+/gm)).toHaveLength(16);
    expect(out).not.toMatch(/BDB block 42/);
  });

  it('--json carries the decoded fields; --gen changes how PSR wake-up times read', async () => {
    await decodeCommand('vbt', ['decode', KBL, '--json', '--block', '9']);
    const j = JSON.parse(out);
    expect(j.content.kind).toBe('psr');
    expect(j.content.fields.panels[2].tp1WakeupTime).toEqual({ value: 2, name: '2500 us', us: 2500 });
    out = '';
    await decodeCommand('vbt', ['decode', KBL, '--json', '--block', '9', '--gen', '8']);
    expect(JSON.parse(out).content.fields.panels[2].tp1WakeupTime.us).toBe(200);
    out = '';
    await decodeCommand('vbt', ['decode', KBL, '--json']);
    const all = JSON.parse(out);
    expect(all.panelType).toBe(2);
    expect(all.blocks.find((b: { id: number }) => b.id === 2).content.fields.childDevices).toHaveLength(4);
  });

  it('garbage block contents print without an exception (seeded, every decoded id)', async () => {
    let seed = 99;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let round = 0; round < 10; round++) {
      const blocks = [1, 2, 9, 11, 12, 27, 40, 41, 42, 43, 44, 58].map((id) => ({
        id,
        data: Uint8Array.from({ length: rnd() * 4 }, rnd),
      }));
      const path = file(`fuzz-${round}.vbt`, buildVbt({ name: 'FUZZ', bdbVersion: 150 + rnd() / 2, blocks }));
      expect(await decodeCommand('vbt', ['decode', path, '--all-panels', '--hexdump'])).toBe(0);
    }
    expect(out).toMatch(/BDB block 58 BDB_GENERIC_DTD/);
  });

  it('bad --block / --gen values and a missing block', async () => {
    await expect(decodeCommand('vbt', ['decode', TGL, '--block', '300'])).rejects.toMatchObject({ code: 2 });
    await expect(decodeCommand('vbt', ['decode', TGL, '--gen', 'x'])).rejects.toMatchObject({ code: 2 });
    await expect(decodeCommand('vbt', ['decode', TGL, '--block', '3'])).rejects.toMatchObject({
      code: 1,
      message: expect.stringMatching(/^block 3 is not in this VBT \(blocks: 254 1 253 2 /),
    });
  });
});

describe('decoder inputs: bounded, regular files or standard input', () => {
  const spec = { what: 'VBT', max: 0xffff, why: 'the u16 vbt_size field' };
  it.each([
    ['/dev/zero', /it is a character device, not a regular file/],
    [tmpdir(), /it is a directory, not a regular file/],
    ['/nonexistent/x.vbt', /no such file/],
  ])('%s is refused before reading', async (path, msg) => {
    await expect(readInput(path, spec)).rejects.toMatchObject({
      code: 1,
      message: expect.stringMatching(msg),
    });
  });

  it('a FIFO is refused without opening it (open() would block without a writer)', async () => {
    const fifo = join(tmp, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(readInput(fifo, spec)).rejects.toMatchObject({
      code: 1,
      message: expect.stringMatching(
        /it is a FIFO \(named pipe\), not a regular file \(for a pipe or device use: - < /,
      ),
    });
  });

  it('a file over the limit is refused with the limit and what it looks like', async () => {
    const bios = new Uint8Array(0x40000);
    bios[0x40000 - 16] = 0xea;
    await expect(decodeCommand('vbt', ['decode', file('bios.bin', bios)])).rejects.toMatchObject({
      code: 1,
      message: expect.stringMatching(
        /bios\.bin: 262144 bytes, more than a VBT can be \(65535 bytes: the u16 vbt_size field\); not decoded; it looks like an x86 system BIOS image \(256 KiB/,
      ),
    });
  });

  it('standard input ("-"): decoded when small, cut off at the limit when not (end to end)', () => {
    const ok = vmkit(['vbt', 'decode', '-', '--block', '1'], new Uint8Array(readFileSync(KBL)));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^BDB block 1 BDB_GENERAL_FEATURES/);
    const big = vmkit(['vbt', 'decode', '-'], new Uint8Array(200_000));
    expect(big.code).toBe(1);
    expect(big.out).toBe('');
    expect(big.err).toBe(
      'vmkit: standard input: more than 65535 bytes, more than a VBT can be (65535 bytes: the u16 vbt_size field); not decoded; it looks like 65535 zero bytes\n',
    );
  });

  it('/dev/zero through the real command: one line, exit 1', () => {
    const r = vmkit(['vbt', 'decode', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('a wrong kind of file says what it looks like', () => {
  const vbt = new Uint8Array(readFileSync(KBL));
  it.each([
    [
      'opregion',
      'kbl.vbt',
      vbt,
      /is not an OpRegion: it looks like a Video BIOS Table \("\$VBT" signature\); try: vmkit vbt decode /,
    ],
    [
      'vbt',
      'op.bin',
      buildOpRegion({ vbt }),
      /is not a VBT: it looks like an Intel OpRegion .*; try: vmkit opregion decode /,
    ],
    [
      'vbt',
      'table-loader',
      encodeLoader(igdOpRegionLoaderFragment({ bdf: '00:02.0' })),
      /is not a VBT: it looks like a bios-linker-loader script \(etc\/table-loader, 2 commands\); try: vmkit linker decode /,
    ],
    ['linker', 'kbl2.vbt', vbt, /is not an etc\/table-loader script: it looks like a Video BIOS Table/],
    [
      'opregion',
      'lspci.txt',
      '00:02.0 VGA compatible controller\n00: 86 80 16 59 07 04 10 00 02 00 00 03 00 00 00 00\n',
      /is not an OpRegion: it looks like lspci -x hex dump text/,
    ],
    [
      'vbt',
      'config',
      new Uint8Array(readFileSync(join(root, 'apps/cli/package.json'))),
      /is not a VBT: it looks like text \(first line "\{"\)/,
    ],
  ] as const)('%s decode %s', async (what, name, bytes, msg) => {
    await expect(decodeCommand(what, ['decode', file(name, bytes)])).rejects.toMatchObject({
      code: 1,
      message: expect.stringMatching(msg),
    });
  });

  it('an option ROM with a VBT inside says where the VBT starts and how to decode it', async () => {
    const rom = new Uint8Array(0x8000);
    rom.set([0x55, 0xaa, 0x40]);
    rom.set(vbt, 0x2000);
    const path = file('vbios.rom', rom);
    await expect(decodeCommand('vbt', ['decode', path])).rejects.toMatchObject({
      code: 1,
      message: `${path} is not a VBT: it looks like a PCI option ROM (55 AA signature, with a VBT at offset 0x2000); to decode that VBT: tail -c +8193 ${path} | vmkit vbt decode -`,
    });
    const r = spawnSync('sh', ['-c', `tail -c +8193 ${path}`], { maxBuffer: 1 << 20 });
    expect(r.stdout.subarray(0, vbt.length)).toEqual(Buffer.from(vbt));
  });

  it('a VBT with a damaged signature is still decoded, problems listed with offsets', async () => {
    const bad = vbt.slice();
    bad[0] = 0x58;
    expect(await decodeCommand('vbt', ['decode', file('bad.vbt', bad)])).toBe(1);
    expect(out).toMatch(/ERROR: signature @ 0x0000: bad VBT signature/);
  });

  it('a directory named like a VBT', async () => {
    const d = join(tmp, 'dir.vbt');
    mkdirSync(d);
    await expect(decodeCommand('vbt', ['decode', d])).rejects.toMatchObject({ code: 1 });
  });
});
