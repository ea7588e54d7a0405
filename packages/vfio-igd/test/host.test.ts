import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_VBTS } from '../src/fixture-vbts.js';
import {
  buildOpRegion,
  CATALOGUE,
  catalogueConfig,
  catalogueSource,
  catalogueVbt,
  decodeOpRegion,
  decodeVbt,
  igdGeneration,
  parseConfigImage,
  parseLspci,
  parseLspciAll,
  parseSysfsResource,
  type ReadOnlyFs,
  readSysfsSource,
  sourceFromDumps,
} from '../src/index.js';

function lspciText(slot: string, desc: string, cfg: Uint8Array, len: number): string {
  const lines = [`${slot} ${desc}`];
  for (let off = 0; off < len; off += 16) {
    const hexs = Array.from(cfg.subarray(off, off + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${off.toString(16).padStart(len > 256 ? 3 : 2, '0')}: ${hexs}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('catalogue', () => {
  it('covers the required generations with real ids', () => {
    const keys = CATALOGUE.map((m) => m.key);
    for (const k of ['snb', 'hsw', 'kbl', 'cfl', 'tgl', 'adl', 'mtl']) expect(keys).toContain(k);
    const kbl = catalogueSource('kbl');
    expect(kbl.identity.deviceId).toBe(0x5916);
    expect(kbl.identity.classCode).toBe(0x030000);
    expect(kbl.generation).toBe(9);
    expect(catalogueSource('snb').generation).toBe(6);
    expect(catalogueSource('hsw').generation).toBe(7);
    expect(catalogueSource('tgl').generation).toBe(12);
    expect(catalogueSource('adl').generation).toBe(12);
    expect(catalogueSource('mtl').generation).toBe(-1);
    expect(() => catalogueSource('nope')).toThrow(/unknown IGD model "nope"/);
  });
  for (const m of CATALOGUE) {
    it(`${m.key}: config space and OpRegion are well-formed`, () => {
      const s = catalogueSource(m.key);
      const c = s.config;
      expect(c[0x0b]).toBe(0x03);
      expect(c[0x10] & 0x7).toBe(0x4); // 64-bit memory
      expect(c[0x18] & 0xf).toBe(0xc); // 64-bit prefetchable
      expect(c[0x20] & 1).toBe(1); // I/O
      expect(s.bars.map((b) => b.index)).toEqual([0, 2, 4]);
      // Capability chain terminates and only visits known ids.
      let p = c[0x34];
      const ids: number[] = [];
      while (p) {
        ids.push(c[p]);
        p = c[p + 1];
        expect(ids.length).toBeLessThan(8);
      }
      expect(ids).toContain(0x05);
      expect(ids).toContain(0x01);
      const d = decodeOpRegion(s.opRegion!);
      expect(d.ok).toBe(true);
      expect(d.header?.mailboxNames).toEqual(['ACPI', 'SWSCI', 'ASLE', 'VBT', 'ASLE-EXT']);
      const vbt = catalogueVbt(m);
      if (vbt.length > 0x1800) expect(d.vbtLocation).toBe('extended');
      if (s.generation > 0) expect(s.stolen!.dsmBytes).toBeGreaterThan(0);
      else expect(s.stolen!.dsmBytes).toBe(0);
      expect(s.hostBridge?.classCode).toBe(0x060000);
      expect(s.lpcBridge?.classCode).toBe(0x060100);
    });
  }
  it('embedded fixture VBTs are byte-identical to the files', () => {
    for (const f of Object.values(FIXTURE_VBTS)) {
      const file = new Uint8Array(readFileSync(new URL(`./fixtures/vbt/${f.file}`, import.meta.url)));
      const m = CATALOGUE.find((x) => 'fixture' in x.vbt && FIXTURE_VBTS[x.vbt.fixture] === f)!;
      expect(catalogueVbt(m)).toEqual(file);
    }
  });
  it('synthetic VBTs are marked and valid', () => {
    const cfl = CATALOGUE.find((m) => m.key === 'cfl')!;
    const d = decodeVbt(catalogueVbt(cfl));
    expect(d.ok).toBe(true);
    expect(d.header?.signature).toBe('$VBT VMKIT CFL');
  });
});

describe('dumps', () => {
  const cfg = catalogueConfig(CATALOGUE.find((m) => m.key === 'kbl')!);
  it('config images of 64/256/4096 bytes; others rejected', () => {
    expect(parseConfigImage(cfg.subarray(0, 64)).config.length).toBe(256);
    expect(parseConfigImage(cfg.subarray(0, 256)).length).toBe(256);
    expect(parseConfigImage(cfg).config.length).toBe(4096);
    expect(() => parseConfigImage(cfg.subarray(0, 100))).toThrow(/64, 256 or 4096 bytes, got 100/);
    expect(() => parseConfigImage(new Uint8Array(256).fill(0xff))).toThrow(/offset 0x00/);
  });
  it('parses lspci -xxx and -xxxx text', () => {
    const t = lspciText(
      '00:02.0',
      'VGA compatible controller: Intel Corporation HD Graphics 620 (rev 02)',
      cfg,
      256,
    );
    const d = parseLspci(t);
    expect(d.slot).toBe('00:02.0');
    expect(d.config.subarray(0, 256)).toEqual(cfg.subarray(0, 256));
    const t4 = lspciText('00:02.0', 'VGA', cfg, 4096);
    expect(parseLspci(t4).length).toBe(4096);
  });
  it('multi-device lspci and slot selection', () => {
    const hb = new Uint8Array(256);
    hb.set([0x86, 0x80, 0x04, 0x59]);
    const t =
      lspciText('00:00.0', 'Host bridge: Intel', hb, 256) + '\n' + lspciText('00:02.0', 'VGA', cfg, 256);
    expect(parseLspciAll(t)).toHaveLength(2);
    expect(parseLspci(t, '0000:00:02.0').config[2]).toBe(0x16);
    expect(() => parseLspci(t, '00:1f.0')).toThrow(/no device 00:1f.0/);
    const src = sourceFromDumps({ config: t, hostBridgeConfig: t });
    expect(src.identity.deviceId).toBe(0x5916);
    expect(src.hostBridge?.deviceId).toBe(0x5904);
  });
  it('truncated lspci dumps give clear errors', () => {
    const t = lspciText('00:02.0', 'VGA', cfg, 256).split('\n');
    expect(() => parseLspci(t.slice(0, 10).join('\n'))).toThrow(/truncated: 144 bytes/);
    const cut = [...t.slice(0, 5), t[5].slice(0, 20)].join('\n');
    expect(() => parseLspci(cut)).toThrow(/line 6 \(offset 0x40\).*expected 16/);
    const gap = [...t.slice(0, 3), ...t.slice(4)].join('\n');
    expect(() => parseLspci(gap)).toThrow(/offset 0x030 where 0x020 was expected/);
    expect(() => parseLspci('hello')).toThrow(/no device hex dump/);
  });
  it('wraps a VBT file into an OpRegion; OpRegion + separate VBT for a 2.0 absolute RVDA', () => {
    const adlVbt = catalogueVbt(CATALOGUE.find((m) => m.key === 'adl')!);
    const s1 = sourceFromDumps({ config: cfg.slice(0, 256), vbt: adlVbt });
    expect(decodeOpRegion(s1.opRegion!).vbtLocation).toBe('extended');
    const op = buildOpRegion({ vbt: adlVbt }).slice(0, 0x2000); // i915_opregion dumps 8 KiB
    op[0x16] = 0;
    op.set([0x00, 0x20, 0x6e, 0x7f], 0x3ba);
    expect(() => sourceFromDumps({ config: cfg, opRegion: op })).toThrow(/absolute host address/);
    const s2 = sourceFromDumps({ config: cfg, opRegion: op, vbt: adlVbt });
    expect(decodeOpRegion(s2.opRegion!).header?.version.raw).toBe(0x0201);
    expect(() => sourceFromDumps({ config: cfg, vbt: new Uint8Array(30) })).toThrow(/VBT file: vbt_header/);
  });
  it('a 64-byte dump has no stolen-memory facts', () => {
    expect(sourceFromDumps({ config: cfg.slice(0, 64) }).stolen).toBeUndefined();
    expect(sourceFromDumps({ config: cfg.slice(0, 256) }).stolen?.dsmBytes).toBe(64 * 1024 * 1024);
  });
  it('rejects a non-Intel or non-display config', () => {
    const c = cfg.slice(0, 256);
    c[0] = 0xde;
    c[1] = 0x10;
    expect(() => sourceFromDumps({ config: c })).toThrow(/not Intel/);
    const d = cfg.slice(0, 256);
    d[0x0b] = 0x02;
    expect(() => sourceFromDumps({ config: d })).toThrow(/not a display controller/);
  });
});

describe('sysfs reader (fake tree)', () => {
  const kbl = catalogueSource('kbl');
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const resource =
    '0x00000000f6000000 0x00000000f6ffffff 0x0000000000140204\n' +
    '0x0000000000000000 0x0000000000000000 0x0000000000000000\n' +
    '0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n' +
    '0x0000000000000000 0x0000000000000000 0x0000000000000000\n' +
    '0x000000000000f000 0x000000000000f03f 0x0000000000040101\n' +
    '0x0000000000000000 0x0000000000000000 0x0000000000000000\n' +
    '0x00000000000c0000 0x00000000000dffff 0x0000000000000212\n';
  const files: Record<string, Uint8Array> = {
    '/sys/bus/pci/devices/0000:00:02.0/config': kbl.config.slice(0, 64),
    '/sys/bus/pci/devices/0000:00:02.0/resource': enc(resource),
    '/sys/bus/pci/devices/0000:00:00.0/vendor': enc('0x8086\n'),
    '/sys/bus/pci/devices/0000:00:00.0/device': enc('0x5904\n'),
    '/sys/bus/pci/devices/0000:00:00.0/revision': enc('0x02\n'),
    '/sys/bus/pci/devices/0000:00:00.0/class': enc('0x060000\n'),
    '/sys/bus/pci/devices/0000:00:00.0/subsystem_vendor': enc('0x17aa\n'),
    '/sys/bus/pci/devices/0000:00:00.0/subsystem_device': enc('0x225d\n'),
    '/sys/bus/pci/devices/0000:00:1f.0/config': (() => {
      const c = new Uint8Array(256);
      c.set([0x86, 0x80, 0x58, 0x9d]);
      c[8] = 0x21;
      c[0x0b] = 0x06;
      c[0x0a] = 0x01;
      return c;
    })(),
    '/sys/kernel/debug/dri/0/i915_opregion': kbl.opRegion!,
  };
  const fs: ReadOnlyFs = { readFile: (p) => files[p] };
  it('reads config, resource sizes, bridges and the OpRegion', () => {
    const s = readSysfsSource(fs);
    expect(s.origin).toBe('sysfs:0000:00:02.0');
    expect(s.identity.deviceId).toBe(0x5916);
    expect(s.configLength).toBe(64);
    expect(s.bars.map((b) => [b.index, b.type, b.size])).toEqual([
      [0, 'mem64', 16 * 1024 * 1024],
      [2, 'mem64', 256 * 1024 * 1024],
      [4, 'io', 64],
    ]);
    expect(s.romSize).toBe(128 * 1024);
    expect(s.hostBridge).toEqual({
      vendorId: 0x8086,
      deviceId: 0x5904,
      revision: 2,
      classCode: 0x060000,
      subsystemVendorId: 0x17aa,
      subsystemId: 0x225d,
    });
    expect(s.lpcBridge?.deviceId).toBe(0x9d58);
    expect(s.opRegion).toEqual(kbl.opRegion);
  });
  it('missing device and malformed files are clear errors', () => {
    expect(() => readSysfsSource(fs, { bdf: '0000:00:03.0' })).toThrow(/00:03.0\/config not found/);
    expect(() => parseSysfsResource('garbage')).toThrow(/line 1/);
    const bad: ReadOnlyFs = {
      readFile: (p) => (p.endsWith('00.0/vendor') ? enc('intel') : files[p]),
    };
    expect(() => readSysfsSource(bad)).toThrow(/expected a hex value/);
  });
  it('generation table', () => {
    expect(igdGeneration(0x0126)).toBe(6);
    expect(igdGeneration(0x5a84)).toBe(9);
    expect(igdGeneration(0x1a85)).toBe(9);
    expect(igdGeneration(0x8a52)).toBe(11);
    expect(igdGeneration(0xa780)).toBe(12);
    expect(igdGeneration(0x1234)).toBe(-1);
  });
});
