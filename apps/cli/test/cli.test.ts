// The `vmkit` command end to end, as a user runs it (node + tsx from source, like `pnpm vmkit`).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueSource } from '@vmkit/vfio-igd';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { main, root, tmp, vmkit } from './helpers.js';

const SEABIOS = existsSync('/usr/share/seabios/bios-256k.bin');

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

  it.skipIf(!SEABIOS)(
    '--trace cpu with SeaBIOS: 64-bit MSR values print (JSON and text)',
    () => {
      const r = vmkit('boot', '--igd', 'none', '--trace', 'cpu', '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const msrs = JSON.parse(r.out).events.filter((e: { kind: string }) => e.kind === 'cpu-msr');
      expect(msrs.length).toBeGreaterThan(0);
      for (const e of msrs) expect(['number', 'string']).toContain(typeof e.value);
      const t = vmkit('boot', '--igd', 'none', '--trace', 'cpu');
      expect(t.err).toBe('');
      expect(t.code).toBe(0);
      expect(t.out).toMatch(
        /#\d+ cpu-msr op=(read|write) index=0x[0-9a-f]+ value=0x[0-9a-f]+ known=(true|false)$/m,
      );
    },
    180_000,
  ); // three SeaBIOS boots, one of them printing every CPU event as text

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

describe('the --json report schema', () => {
  const schema = JSON.parse(vmkit('schema').out);
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  const cases: Array<[string, string[]]> = [
    ['hle', ['--firmware', 'hle']],
    ['hle, every event traced', ['--firmware', 'hle', '--trace', 'all']],
    ['hle, copy-on-asls + linker', ['--firmware', 'hle', '--opregion-policy', 'copy-on-asls', '--linker']],
    ['no IGD', ['--firmware', 'hle', '--igd', 'none']],
  ];
  if (SEABIOS) cases.push(['Debian SeaBIOS, cpu and igd events', ['--trace', 'cpu,igd,platform']]);
  for (const [what, args] of cases) {
    it(`a real report validates: ${what}`, () => {
      const r = vmkit('boot', ...args, '--json');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out);
      expect(doc.schemaVersion).toBe(1);
      expect(doc.generator).toEqual({ name: 'vmkit', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    });
  }

  it('the schema is not vacuous: a changed field type or an unknown event kind fails', () => {
    const doc = JSON.parse(vmkit('boot', '--firmware', 'hle', '--json', '--trace', 'igd').out);
    expect(validate({ ...doc, result: { ...doc.result, instructions: '12' } })).toBe(false);
    expect(validate({ ...doc, events: [{ kind: 'banana', seq: 0, t: 0 }] })).toBe(false);
    expect(validate({ ...doc, schemaVersion: 2 })).toBe(false);
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
