// A real etc/table-loader + etc/acpi/{tables,rsdp} captured from QEMU 7.2 (-M pc -m 128) with
// test/fixtures/capture-qemu-fwcfg.py.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeLoader, encodeLoader, executeLoader, formatLoader, validateLoader } from '../src/index.js';
import { makeEnv } from './fake-env.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const loader = new Uint8Array(readFileSync(join(dir, 'qemu72-pc-table-loader.bin')));
const rsdp = new Uint8Array(readFileSync(join(dir, 'qemu72-pc-acpi-rsdp.bin')));
const tables = new Uint8Array(gunzipSync(readFileSync(join(dir, 'qemu72-pc-acpi-tables.bin.gz'))));

function u32(m: Uint8Array, a: number): number {
  return new DataView(m.buffer, m.byteOffset).getUint32(a, true);
}
function sig(m: Uint8Array, a: number): string {
  return String.fromCharCode(...m.subarray(a, a + 4));
}
function sum8(m: Uint8Array, a: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + (m[a + i] as number)) & 0xff;
  return s;
}

describe('real QEMU 7.2 table-loader', () => {
  it('decodes cleanly, validates, re-encodes byte for byte and pretty-prints', () => {
    expect(loader.length).toBe(4096);
    const d = decodeLoader(loader);
    expect(d.errors).toEqual([]);
    expect(d.warnings).toEqual([]);
    expect(encodeLoader(d.commands)).toEqual(loader);
    const real = d.commands.filter((c) => !(c.kind === 'unknown' && c.command === 0));
    expect(real.map((c) => c.kind).slice(0, 2)).toEqual(['allocate', 'allocate']);
    expect(real).toHaveLength(16);
    const issues = validateLoader(
      d.commands,
      new Map([
        ['etc/acpi/tables', tables.length],
        ['etc/acpi/rsdp', rsdp.length],
      ]),
    );
    expect(issues).toEqual([]);
    const text = formatLoader(loader).split('\n');
    expect(text[0]).toBe('#  0 @    0x0 ALLOCATE         "etc/acpi/rsdp" align=0x10 zone=FSEG');
    expect(text.at(-1)).toBe('# 16 @  0x800 PADDING          16 all-zero entries (#16..#31, skipped)');
  });

  it('executes into a consistent ACPI table set (RSDP -> RSDT -> tables, all checksums zero)', () => {
    const env = makeEnv({ 'etc/acpi/tables': tables.slice(), 'etc/acpi/rsdp': rsdp.slice() });
    const r = executeLoader(loader, env, { knownCommands: 'seabios-1.16' });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.skipped).toEqual([]);
    expect(r.padding).toBe(16);
    const p = r.allocations.find((a) => a.file === 'etc/acpi/rsdp');
    const t = r.allocations.find((a) => a.file === 'etc/acpi/tables');
    if (!p || !t) throw new Error('missing allocation');
    const m = env.mem;
    expect(String.fromCharCode(...m.subarray(p.addr, p.addr + 8))).toBe('RSD PTR ');
    expect(sum8(m, p.addr, 20)).toBe(0);
    const rsdt = u32(m, p.addr + 16);
    expect(rsdt).toBeGreaterThanOrEqual(t.addr);
    expect(rsdt).toBeLessThan(t.addr + t.size);
    expect(sig(m, rsdt)).toBe('RSDT');
    const rsdtLen = u32(m, rsdt + 4);
    expect(sum8(m, rsdt, rsdtLen)).toBe(0);
    const seen: string[] = [];
    for (let e = rsdt + 36; e < rsdt + rsdtLen; e += 4) {
      const a = u32(m, e);
      const s = sig(m, a);
      seen.push(s);
      expect(sum8(m, a, u32(m, a + 4)), s).toBe(0);
      if (s === 'FACP') {
        // FADT -> FACS (offset 36) and DSDT (offset 40)
        expect(sig(m, u32(m, a + 36))).toBe('FACS');
        const dsdt = u32(m, a + 40);
        expect(sig(m, dsdt)).toBe('DSDT');
        expect(sum8(m, dsdt, u32(m, dsdt + 4))).toBe(0);
      }
    }
    expect(seen).toContain('FACP');
    expect(seen).toContain('APIC');
  });
});
