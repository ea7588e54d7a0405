import { describe, expect, it } from 'vitest';
import {
  CMD_WRITE_PCI_CONFIG,
  decodeLoader,
  encodeLoader,
  executeLoader,
  igdOpRegionLoaderFragment,
  LinkerBuilder,
} from '../src/index.js';
import { makeEnv } from './fake-env.js';

function u32(mem: Uint8Array, a: number): number {
  return new DataView(mem.buffer).getUint32(a, true);
}
function sum8(b: Uint8Array): number {
  let s = 0;
  for (const x of b) s = (s + x) & 0xff;
  return s;
}

describe('executeLoader', () => {
  it('allocates, patches pointers, fixes checksums (an RSDP -> RSDT pair)', () => {
    const tables = new Uint8Array(64);
    tables.set([0x52, 0x53, 0x44, 0x54], 0); // "RSDT" at 0, a field at 0x24 pointing into itself
    const rsdp = new Uint8Array(20);
    rsdp.set(
      [...'RSD PTR '].map((c) => c.charCodeAt(0)),
      0,
    );
    const b = new LinkerBuilder()
      .allocate('etc/acpi/tables', 64, 'high', tables)
      .allocate('etc/acpi/rsdp', 16, 'fseg', rsdp)
      .addPointer('etc/acpi/rsdp', 16, 4, 'etc/acpi/tables', 0)
      .addPointer('etc/acpi/tables', 0x24, 4, 'etc/acpi/tables', 0x10)
      .addChecksum('etc/acpi/rsdp', 0, 20, 8)
      .addChecksum('etc/acpi/tables', 0, 64, 9);
    const cmds = b.commands();
    // QEMU prepends ALLOCATEs: the last allocate() comes first.
    expect(cmds.map((c) => c.kind)).toEqual([
      'allocate',
      'allocate',
      'add-pointer',
      'add-pointer',
      'add-checksum',
      'add-checksum',
    ]);
    expect(cmds[0]).toMatchObject({ file: 'etc/acpi/rsdp', zone: 2 });
    // The builder patched the blob with the src offset, as QEMU does.
    expect(u32(tables, 0x24)).toBe(0x10);
    const env = makeEnv({ 'etc/acpi/tables': tables, 'etc/acpi/rsdp': rsdp });
    const r = executeLoader(b.encode(), env);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    const t = r.allocations.find((a) => a.file === 'etc/acpi/tables');
    const p = r.allocations.find((a) => a.file === 'etc/acpi/rsdp');
    expect(t).toBeDefined();
    expect(p).toBeDefined();
    if (!t || !p) return;
    expect(t.zone).toBe('high');
    expect(t.addr % 64).toBe(0);
    expect(p.zone).toBe('fseg');
    expect(p.addr % 16).toBe(0);
    expect(u32(env.mem, p.addr + 16)).toBe(t.addr);
    expect(u32(env.mem, t.addr + 0x24)).toBe(t.addr + 0x10);
    expect(sum8(env.mem.subarray(p.addr, p.addr + 20))).toBe(0);
    expect(sum8(env.mem.subarray(t.addr, t.addr + 64))).toBe(0);
    // content copied
    expect([...env.mem.subarray(t.addr, t.addr + 4)]).toEqual([0x52, 0x53, 0x44, 0x54]);
  });

  it('WRITE_POINTER writes address+offset into a writable fw_cfg file', () => {
    const guid = new Uint8Array(0x38);
    const addrFile = new Uint8Array(8);
    const b = new LinkerBuilder()
      .allocate('etc/vmgenid_guid', 4096, 'high', guid)
      .writePointer('etc/vmgenid_addr', 0, 8, 'etc/vmgenid_guid', 0x28);
    const env = makeEnv({ 'etc/vmgenid_guid': guid, 'etc/vmgenid_addr': addrFile }, ['etc/vmgenid_addr']);
    const r = executeLoader(b.encode(), env);
    expect(r.ok).toBe(true);
    const a = r.allocations[0]?.addr ?? -1;
    expect(a % 4096).toBe(0);
    expect(new DataView(addrFile.buffer).getBigUint64(0, true)).toBe(BigInt(a + 0x28));
    expect(env.fileWrites).toHaveLength(1);
  });

  it('WRITE_POINTER failure (read-only file) is an error for that entry only', () => {
    const b = new LinkerBuilder()
      .allocate('a', 16, 'high', new Uint8Array(16))
      .writePointer('ro', 0, 4, 'a', 0);
    const env = makeEnv({ a: new Uint8Array(16), ro: new Uint8Array(4) });
    const r = executeLoader(b.encode(), env);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatch(/entry 1 \(offset 0x80\) WRITE_POINTER field destFile: fw_cfg DMA write/);
    expect(r.allocations).toHaveLength(1);
  });

  it('WRITE_PCI_CONFIG programs ASLS with the OpRegion address (igd fragment)', () => {
    const opregion = new Uint8Array(8192).fill(0xab);
    const script = encodeLoader(igdOpRegionLoaderFragment({ bdf: '00:02.0' }));
    const env = makeEnv({ 'etc/igd-opregion': opregion });
    const r = executeLoader(script, env);
    expect(r.errors).toEqual([]);
    const a = r.allocations[0];
    expect(a).toMatchObject({ file: 'etc/igd-opregion', zone: 'high', size: 8192 });
    expect((a?.addr ?? 1) % 4096).toBe(0);
    expect(env.pciWrites).toEqual([{ bdf: 0x10, offset: 0xfc, width: 4, value: BigInt(a?.addr ?? 0) }]);
    expect(env.mem[a?.addr ?? 0]).toBe(0xab);
  });

  it("skips WRITE_PCI_CONFIG (and unknown numbers) in 'seabios-1.16' mode, runs it in 'all' mode", () => {
    const cmds = [
      ...igdOpRegionLoaderFragment(),
      { kind: 'unknown' as const, command: 0x99, body: new Uint8Array(124) },
    ];
    const script = encodeLoader(cmds);
    const env = makeEnv({ 'etc/igd-opregion': new Uint8Array(8192) });
    const r = executeLoader(script, env, { knownCommands: 'seabios-1.16' });
    expect(r.ok).toBe(true);
    expect(r.skipped).toEqual([
      { index: 1, command: CMD_WRITE_PCI_CONFIG },
      { index: 2, command: 0x99 },
    ]);
    expect(env.pciWrites).toEqual([]);
    expect(r.allocations).toHaveLength(1);
    const env2 = makeEnv({ 'etc/igd-opregion': new Uint8Array(8192) });
    const r2 = executeLoader(script, env2);
    expect(r2.skipped).toEqual([{ index: 2, command: 0x99 }]);
    expect(env2.pciWrites).toHaveLength(1);
  });

  it('rejects a blob whose length is not a multiple of 128 without executing anything', () => {
    const script = new LinkerBuilder().allocate('a', 16, 'high').encode();
    const env = makeEnv({ a: new Uint8Array(4) });
    const r = executeLoader(script.subarray(0, 127), env);
    expect(r).toMatchObject({ ok: false, aborted: true, allocations: [] });
    expect(r.errors[0]).toMatch(/not a multiple of 128/);
  });

  it('continues after a failing entry like SeaBIOS, or stops with stopOnError', () => {
    const good = new Uint8Array(16);
    const cmds = encodeLoader([
      { kind: 'allocate', file: 'a', align: 3, zone: 1 }, // bad align
      { kind: 'allocate', file: 'b', align: 16, zone: 1 },
      { kind: 'add-pointer', destFile: 'a', srcFile: 'b', offset: 0, size: 4 }, // a not allocated
    ]);
    const r = executeLoader(cmds, makeEnv({ a: good, b: good }));
    expect(r.ok).toBe(false);
    expect(r.aborted).toBe(false);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/entry 0 \(offset 0x0\) ALLOCATE field align: 3 is not a power of two/);
    expect(r.errors[1]).toMatch(
      /entry 2 \(offset 0x100\) ADD_POINTER field destFile: file "a" is not allocated/,
    );
    expect(r.allocations.map((a) => a.file)).toEqual(['b']);
    const s = executeLoader(cmds, makeEnv({ a: good, b: good }), { stopOnError: true });
    expect(s).toMatchObject({ ok: false, aborted: true, allocations: [] });
    expect(s.errors).toHaveLength(1);
  });

  it('reports WRITE_PCI_CONFIG error cases', () => {
    const base = { kind: 'write-pci-config' as const, file: 'f', srcOffset: 0, segment: 0, bdf: 0x10 };
    const cases: Array<[Partial<typeof base> & { configOffset: number; width: number }, RegExp, number?]> = [
      [{ configOffset: 0xfe, width: 4 }, /configOffset: 0xfe is not aligned to width 4/],
      [{ configOffset: 0x1000, width: 4 }, /beyond the 4 KiB config space/],
      [{ configOffset: 4096, width: 8 }, /beyond the 4 KiB config space/],
      [{ configOffset: 0xfc, width: 3 }, /width: 3 is not 1, 2, 4 or 8/],
      [{ configOffset: 0xfc, width: 2 }, /address 0x[0-9a-f]+ does not fit in 2 bytes/],
      [{ configOffset: 0xfc, width: 4, srcOffset: 0x2000 }, /srcOffset: 0x2000 is beyond/],
      [{ configOffset: 0xfc, width: 4, segment: 1 }, /segment 0x1 is not supported/],
      [{ configOffset: 0xfc, width: 4, file: 'g' }, /file "g" is not allocated/],
    ];
    for (const [patch, re] of cases) {
      const env = makeEnv({ f: new Uint8Array(0x2000), g: new Uint8Array(16) });
      const script = encodeLoader([
        { kind: 'allocate', file: 'f', align: 4096, zone: 1 },
        { ...base, ...patch },
      ]);
      const r = executeLoader(script, env);
      expect(r.ok, String(re)).toBe(false);
      expect(r.errors[0]).toMatch(re);
      expect(r.errors[0]).toMatch(/entry 1 \(offset 0x80\) WRITE_PCI_CONFIG/);
      expect(env.pciWrites).toEqual([]);
    }
  });

  it('WRITE_PCI_CONFIG rejects non-zero reserved bytes; decode reports them too', () => {
    const script = encodeLoader([
      { kind: 'allocate', file: 'f', align: 4096, zone: 1 },
      {
        kind: 'write-pci-config',
        file: 'f',
        srcOffset: 0,
        segment: 0,
        bdf: 0x10,
        configOffset: 0xfc,
        width: 4,
      },
    ]);
    script[128 + 100] = 1;
    const env = makeEnv({ f: new Uint8Array(16) });
    const r = executeLoader(script, env);
    expect(r.errors[0]).toMatch(/field reserved/);
    const d = decodeLoader(script);
    expect(d.errors[0]?.field).toBe('reserved');
    expect(d.errors[0]?.offset).toBe(128);
  });

  it('width 8 writes a 64-bit value and ADD_POINTER of 1 byte wraps like SeaBIOS', () => {
    const blob = new Uint8Array(16);
    blob[0] = 0xff;
    const env = makeEnv({ f: new Uint8Array(16), d: blob });
    const script = encodeLoader([
      { kind: 'allocate', file: 'f', align: 16, zone: 1 },
      { kind: 'allocate', file: 'd', align: 16, zone: 1 },
      {
        kind: 'write-pci-config',
        file: 'f',
        srcOffset: 8,
        segment: 0,
        bdf: 0x0108,
        configOffset: 0xc0,
        width: 8,
      },
      { kind: 'add-pointer', destFile: 'd', srcFile: 'f', offset: 0, size: 1 },
    ]);
    const r = executeLoader(script, env);
    expect(r.errors).toEqual([]);
    const f = r.allocations[0]?.addr ?? 0;
    const d = r.allocations[1]?.addr ?? 0;
    expect(env.pciWrites[0]).toEqual({ bdf: 0x0108, offset: 0xc0, width: 8, value: BigInt(f + 8) });
    expect(env.mem[d]).toBe((0xff + f) & 0xff);
  });

  it('ignores ALLOCATE of missing/empty files with a warning, and allocation failure is an error', () => {
    const env = makeEnv({ empty: new Uint8Array(0), big: new Uint8Array(0x80000) });
    const script = encodeLoader([
      { kind: 'allocate', file: 'missing', align: 16, zone: 1 },
      { kind: 'allocate', file: 'empty', align: 16, zone: 1 },
      { kind: 'allocate', file: 'big', align: 16, zone: 1 },
    ]);
    const r = executeLoader(script, env);
    expect(r.warnings).toHaveLength(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/entry 2 \(offset 0x100\) ALLOCATE field file: cannot allocate/);
  });
});
