// The `vmkit` command end to end, as a user runs it (node + tsx from source, like `pnpm vmkit`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogueSource } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(root, 'apps/cli/src/main.ts');
const SEABIOS = existsSync('/usr/share/seabios/bios-256k.bin');

function vmkit(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=@vmkit/source', '--import', 'tsx', main, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'vmkit-cli-'));

describe('vmkit boot', () => {
  it('--json prints the documented report shape (hle)', () => {
    const r = vmkit('boot', '--firmware', 'hle', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.firmware).toEqual({ kind: 'hle', image: null, fallback: null });
    expect(j.result.reason).toBe('boot-attempted');
    expect(typeof j.result.instructions).toBe('number');
    expect(typeof j.result.virtualTimeNs).toBe('number');
    expect(j.igd.bdf).toBe('00:02.0');
    expect(j.igd.policy).toBe('fw-cfg');
    expect(j.igd.asls).toBeGreaterThan(0);
    expect(j.igd.opregionSize).toBe(8192);
    expect(j.igd.guestOpregionValid).toBe(true);
    expect(j.igd.bdsm).toBeGreaterThan(0);
    expect(j.igd.bdsmSize).toBe(64 * 1024 * 1024);
    for (const e of j.e820) {
      expect(typeof e.start).toBe('number');
      expect(e.end).toBeGreaterThan(e.start);
    }
    const igd = j.pci.find((d: { bdf: string }) => d.bdf === '00:02.0');
    expect(igd).toMatchObject({ vendor: '8086', device: '5916', class: '030000' });
    expect(igd.bars.map((b: { index: number }) => b.index)).toEqual([0, 2, 4]);
    expect(j.log.some((l: string) => l.startsWith('Intel IGD OpRegion enabled at'))).toBe(true);
  });

  it('the default firmware is Debian SeaBIOS when installed, and says so otherwise', () => {
    const r = vmkit('boot', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    if (SEABIOS) {
      expect(j.firmware.kind).toBe('image');
      expect(j.firmware.image).toBe('/usr/share/seabios/bios-256k.bin');
      expect(j.result.instructions).toBeGreaterThan(1_000_000);
      expect(j.igd.guestOpregionValid).toBe(true);
    } else {
      expect(j.firmware.kind).toBe('hle');
      expect(j.firmware.fallback).toMatch(/not installed/);
    }
  });

  it('a reader that stops early (| head) ends the command quietly with status 0', () => {
    const cmd = `set -o pipefail; "${process.execPath}" --conditions=@vmkit/source --import tsx "${main}" boot --firmware hle --json --trace all | head -c 100 >/dev/null`;
    const r = spawnSync('bash', ['-c', cmd], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });

  it.skipIf(!SEABIOS)('--no-jit interprets only: same instructions and log, no trace counters', () => {
    const on = JSON.parse(vmkit('boot', '--igd', 'none', '--json').out);
    const r = vmkit('boot', '--igd', 'none', '--no-jit', '--json');
    expect(r.code).toBe(0);
    const off = JSON.parse(r.out);
    expect(off.result).toEqual(on.result);
    expect(off.log).toEqual(on.log);
    expect(off.traces).toBeNull();
    expect(on.traces.compiled).toBeGreaterThan(0);
    const text = vmkit('boot', '--igd', 'none').out;
    expect(text).toMatch(/^CPU: +[\d,]+ of them in \d+ compiled traces/m);
  });

  for (const policy of ['fw-cfg', 'map', 'copy-on-asls']) {
    for (const linker of [false, true]) {
      it(`policy ${policy}${linker ? ' + --linker' : ''}: a valid OpRegion at ASLS, BDSM reserved`, () => {
        const args = ['boot', '--firmware', 'hle', '--opregion-policy', policy, '--json'];
        if (linker) args.push('--linker');
        const j = JSON.parse(vmkit(...args).out);
        expect(j.igd.policy).toBe(policy);
        expect(j.igd.guestOpregionValid).toBe(true);
        expect(j.igd.bdsmReserved).toBe(true);
        expect(j.igd.hostOpregionWrites).toBe(0);
        expect(j.igd.linkerAutomation).toBe(linker);
      });
    }
  }

  it('human output names the firmware and the handshake', () => {
    const r = vmkit('boot', '--firmware', 'hle', '--memory', '512M');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Firmware: hle/);
    expect(r.out).toMatch(/ASLS \(0xFC\) reads 0x[0-9a-f]{8} → guest memory there holds a valid OpRegion/);
    expect(r.out).toMatch(/e820 map/);
  });

  it('is deterministic: two --json runs are identical', () => {
    const a = vmkit('boot', '--firmware', 'hle', '--json', '--trace', 'all').out;
    const b = vmkit('boot', '--firmware', 'hle', '--json', '--trace', 'all').out;
    expect(a).toBe(b);
    expect(JSON.parse(a).events.length).toBeGreaterThan(100);
  });

  it.skipIf(!SEABIOS)('--trace cpu with SeaBIOS: 64-bit MSR values print (JSON and text)', () => {
    const r = vmkit('boot', '--igd', 'none', '--trace', 'cpu', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const msrs = JSON.parse(r.out).events.filter((e: { kind: string }) => e.kind === 'cpu-msr');
    expect(msrs.length).toBeGreaterThan(0);
    for (const e of msrs) expect(['number', 'string']).toContain(typeof e.value);
    const t = vmkit('boot', '--igd', 'none', '--trace', 'cpu');
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/#\d+ cpu-msr \{/);
  });

  it('bad input: one clear line, non-zero exit, no stack trace', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['boot', '--bogus'], 2, /Unknown option '--bogus'/],
      [['boot', '--memory', 'lots'], 2, /not a size/],
      [['boot', '--opregion-policy', 'share'], 2, /unknown/],
      [
        ['boot', '--firmware', '/nonexistent.bin'],
        1,
        /cannot read BIOS image \/nonexistent\.bin: no such file/,
      ],
      [['boot', '--igd', 'synthetic:nope'], 2, /unknown model/],
      [['frobnicate'], 2, /unknown command/],
    ];
    for (const [args, code, msg] of cases) {
      const r = vmkit(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('a truncated config dump is refused with the reason', () => {
    const dir = join(tmp, 'dump');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'config'), new Uint8Array(100));
    const r = vmkit('boot', '--firmware', 'hle', '--igd', `dump:${dir}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/config image must be 64, 256 or 4096 bytes, got 100/);
  });

  it('boots from a dump directory (config image + OpRegion)', () => {
    const src = catalogueSource('skl');
    const dir = join(tmp, 'dump-skl');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'config'), src.config.subarray(0, 256));
    writeFileSync(join(dir, 'i915_opregion'), src.opRegion!);
    const j = JSON.parse(vmkit('boot', '--firmware', 'hle', '--igd', `dump:${dir}`, '--json').out);
    expect(j.igd.guestOpregionValid).toBe(true);
    expect(j.pci.find((d: { bdf: string }) => d.bdf === '00:02.0').device).toBe(
      src.identity.deviceId.toString(16).padStart(4, '0'),
    );
  });
});

describe('vmkit decode commands', () => {
  it('opregion decode (text and --json)', () => {
    const f = join(tmp, 'opregion.bin');
    writeFileSync(f, catalogueSource('kbl').opRegion!);
    const t = vmkit('opregion', 'decode', f);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/IntelGraphicsMem/);
    const j = JSON.parse(vmkit('opregion', 'decode', f, '--json').out);
    expect(j.ok).toBe(true);
  });

  it('opregion decode of a corrupted file exits 1 and names the offset', () => {
    const f = join(tmp, 'bad-opregion.bin');
    const b = catalogueSource('kbl').opRegion!.slice();
    b[0] = 0x58;
    writeFileSync(f, b);
    const r = vmkit('opregion', 'decode', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/0x0000/);
  });

  it('vbt decode of a real VBT', () => {
    const r = vmkit(
      'vbt',
      'decode',
      join(root, 'packages/vfio-igd/test/fixtures/vbt/kbl-lenovo-sklkbl_thinkpad-t480.vbt'),
      '--json',
    );
    const j = JSON.parse(r.out);
    expect(j.header.signature).toMatch(/^\$VBT/);
    expect(j.blocks.length).toBeGreaterThan(5);
  });

  it('linker decode of a script with the IGD automation', async () => {
    const { encodeLoader, igdOpRegionLoaderFragment } = await import('@vmkit/bios-linker');
    const f = join(tmp, 'table-loader');
    writeFileSync(f, encodeLoader(igdOpRegionLoaderFragment({ bdf: '00:02.0' })));
    const r = vmkit('linker', 'decode', f);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ALLOCATE/i);
    expect(r.out).toMatch(/etc\/igd-opregion/);
    const bad = join(tmp, 'bad-loader');
    writeFileSync(bad, new Uint8Array(100));
    expect(vmkit('linker', 'decode', bad).code).toBe(1);
  });
});
