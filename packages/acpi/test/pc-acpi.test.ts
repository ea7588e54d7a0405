import { decodeLoader, executeLoader, type LinkerCommand, validateLoader } from '@vmkit/bios-linker';
import { describe, expect, it } from 'vitest';
import { buildPcAcpi, decodeAml, decodeResources, type PcAcpiOptions } from '../src/index.js';
import { type Mem, qemuFile, qemuSplit, sum8, walkTables } from './fixtures.js';

function qemuOpts(mem: Mem, extra: Partial<PcAcpiOptions> = {}): PcAcpiOptions {
  return { ...qemuSplit(mem), cpus: 1, pmBase: 0x600, ioapic: true, ...extra };
}

function file(r: { files: Array<{ name: string; data: Uint8Array }> }, name: string): Uint8Array {
  const f = r.files.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name}`);
  return f.data;
}

/** A fake SeaBIOS: 16 MiB of RAM, ZoneHigh below 16 MiB growing down, FSEG at 0xF0000. */
function runLoader(files: Array<{ name: string; data: Uint8Array }>, loader: LinkerCommand[] | Uint8Array) {
  const mem = new Uint8Array(16 << 20);
  let high = 16 << 20;
  let fseg = 0xf0000;
  const script = loader instanceof Uint8Array ? loader : encode(loader);
  const res = executeLoader(
    script,
    {
      readFile: (n) => files.find((f) => f.name === n)?.data.slice(),
      allocate(zone, size, align) {
        if (zone === 'high') {
          high = Math.floor((high - size) / align) * align;
          return high;
        }
        const a = Math.ceil(fseg / align) * align;
        fseg = a + size;
        return a;
      },
      memory: { readBytes: (a, n) => mem.slice(a, a + n), writeBytes: (a, d) => mem.set(d, a) },
      writeFile: () => false,
      writePciConfig: () => {},
    },
    { knownCommands: 'seabios-1.16' },
  );
  return { mem, res };
}

import { encodeLoader as encode } from '@vmkit/bios-linker';

function u32(m: Uint8Array, a: number): number {
  return (m[a] | (m[a + 1] << 8) | (m[a + 2] << 16) | (m[a + 3] << 24)) >>> 0;
}

describe('buildPcAcpi: files and table set', () => {
  const r = buildPcAcpi(qemuOpts(128));

  it('publishes etc/acpi/tables (128 KiB padded) and a 20-byte etc/acpi/rsdp, like QEMU', () => {
    expect(r.files.map((f) => f.name)).toEqual(['etc/acpi/tables', 'etc/acpi/rsdp']);
    expect(file(r, 'etc/acpi/tables').length).toBe(131072);
    expect(file(r, 'etc/acpi/rsdp').length).toBe(20);
    expect(String.fromCharCode(...file(r, 'etc/acpi/rsdp').subarray(0, 8))).toBe('RSD PTR ');
  });

  it('has QEMU 7.2 pc table order (FACS, DSDT, FACP, APIC, WAET, RSDT without HPET)', () => {
    expect(walkTables(file(r, 'etc/acpi/tables')).map((t) => t.signature)).toEqual([
      'FACS',
      'DSDT',
      'FACP',
      'APIC',
      'WAET',
      'RSDT',
    ]);
    const q = walkTables(qemuFile(128, 'etc/acpi/tables')).map((t) => t.signature);
    const withHpet = walkTables(file(buildPcAcpi(qemuOpts(128, { hpet: true })), 'etc/acpi/tables')).map(
      (t) => t.signature,
    );
    expect(withHpet).toEqual(q);
  });

  it('FACS, FADT, MADT, HPET and WAET are byte-identical to QEMU 7.2 before linking', () => {
    // The capture was taken at -S, before SeaBIOS programmed the PIIX4 PMBA, so QEMU's FADT had
    // pm_io_base 0 then (QEMU rebuilds the tables when the firmware reads them; it sees 0x600).
    const mine = walkTables(file(buildPcAcpi(qemuOpts(128, { hpet: true, pmBase: 0 })), 'etc/acpi/tables'));
    const q = walkTables(qemuFile(128, 'etc/acpi/tables'));
    for (const sig of ['FACS', 'FACP', 'APIC', 'HPET', 'WAET']) {
      const a = mine.find((t) => t.signature === sig);
      const b = q.find((t) => t.signature === sig);
      expect([...(a?.bytes ?? [])], sig).toEqual([...(b?.bytes ?? [])]);
    }
  });

  it('FADT fields are the PIIX4 values', () => {
    const fadt = walkTables(file(r, 'etc/acpi/tables')).find((t) => t.signature === 'FACP')
      ?.bytes as Uint8Array;
    expect(fadt.length).toBe(116);
    expect(fadt[8]).toBe(1); // revision
    expect(fadt[46] | (fadt[47] << 8)).toBe(9); // SCI_INT
    expect(u32(fadt, 48)).toBe(0xb2);
    expect([fadt[52], fadt[53]]).toEqual([0xf1, 0xf0]);
    expect([u32(fadt, 56), u32(fadt, 64), u32(fadt, 76), u32(fadt, 80)]).toEqual([
      0x600, 0x604, 0x608, 0xafe0,
    ]);
    expect([fadt[88], fadt[89], fadt[91], fadt[92]]).toEqual([4, 2, 4, 4]);
    expect(u32(fadt, 112)).toBe(0x80a5);
    expect(fadt[108]).toBe(0x32);
  });

  it('MADT: LAPIC per CPU, IO-APIC at 0xFEC00000, ISO 0→2 and level 5/9/10/11, LAPIC NMI', () => {
    const madt = walkTables(file(buildPcAcpi(qemuOpts(128, { cpus: 2 })), 'etc/acpi/tables')).find(
      (t) => t.signature === 'APIC',
    )?.bytes as Uint8Array;
    expect(u32(madt, 36)).toBe(0xfee00000);
    const entries: number[][] = [];
    for (let p = 44; p < madt.length; p += madt[p + 1]) entries.push([...madt.subarray(p, p + madt[p + 1])]);
    expect(entries.map((e) => e[0])).toEqual([0, 0, 1, 2, 2, 2, 2, 2, 4]);
    expect(entries[1]).toEqual([0, 8, 1, 1, 1, 0, 0, 0]);
    expect(u32(Uint8Array.from(entries[2]), 4)).toBe(0xfec00000);
    expect(entries.slice(3, 8).map((e) => [e[3], e[4], e[8]])).toEqual([
      [0, 2, 0],
      [5, 5, 0x0d],
      [9, 9, 0x0d],
      [10, 10, 0x0d],
      [11, 11, 0x0d],
    ]);
    const noIoapic = walkTables(file(buildPcAcpi(qemuOpts(128, { ioapic: false })), 'etc/acpi/tables')).find(
      (t) => t.signature === 'APIC',
    )?.bytes as Uint8Array;
    expect(noIoapic.length).toBe(36 + 8 + 8 + 6);
  });
});

describe('buildPcAcpi: table-loader', () => {
  it('has QEMU 7.2 command shapes: ALLOCATEs first, DSDT/FADT/…/RSDT/RSDP links and checksums in order', () => {
    const mine = buildPcAcpi(qemuOpts(128, { hpet: true })).loader;
    const q = decodeLoader(qemuFile(128, 'etc/table-loader')).commands.filter((c) => c.kind !== 'unknown');
    const shape = (c: LinkerCommand) =>
      c.kind === 'allocate'
        ? `A ${c.file} ${c.align} ${c.zone}`
        : c.kind === 'add-pointer'
          ? `P ${c.destFile} ${c.size} ${c.srcFile}`
          : c.kind === 'add-checksum'
            ? `C ${c.file}`
            : c.kind;
    expect(mine.map(shape)).toEqual(q.map(shape));
    expect(mine[0]).toEqual({ kind: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: 2 });
    expect(mine[1]).toEqual({ kind: 'allocate', file: 'etc/acpi/tables', align: 64, zone: 1 });
  });

  it('validates cleanly against the file sizes', () => {
    const r = buildPcAcpi(qemuOpts(4096));
    const sizes = new Map(r.files.map((f) => [f.name, f.data.length]));
    expect(validateLoader(r.loader, sizes).filter((i) => i.severity === 'error')).toEqual([]);
  });

  for (const mem of [128, 4096] as const) {
    it(`after executeLoader (SeaBIOS 1.16 semantics) every table and the RSDP checksum to 0 and link up (-m ${mem})`, () => {
      const r = buildPcAcpi(qemuOpts(mem, { hpet: mem === 4096 }));
      const { mem: m, res } = runLoader(r.files, r.loader);
      expect(res.errors).toEqual([]);
      expect(res.ok).toBe(true);
      const rsdpAddr = res.allocations.find((a) => a.file === 'etc/acpi/rsdp')?.addr as number;
      expect(rsdpAddr).toBeGreaterThanOrEqual(0xf0000);
      expect(sum8(m, rsdpAddr, 20)).toBe(0);
      const rsdt = u32(m, rsdpAddr + 16);
      expect(String.fromCharCode(...m.subarray(rsdt, rsdt + 4))).toBe('RSDT');
      const rsdtLen = u32(m, rsdt + 4);
      expect(sum8(m, rsdt, rsdtLen)).toBe(0);
      const sigs: string[] = [];
      for (let p = rsdt + 36; p < rsdt + rsdtLen; p += 4) {
        const t = u32(m, p);
        const sig = String.fromCharCode(...m.subarray(t, t + 4));
        sigs.push(sig);
        expect(sum8(m, t, u32(m, t + 4)), sig).toBe(0);
        if (sig === 'FACP') {
          const facs = u32(m, t + 36);
          const dsdt = u32(m, t + 40);
          expect(String.fromCharCode(...m.subarray(facs, facs + 4))).toBe('FACS');
          expect(facs % 64).toBe(0);
          expect(String.fromCharCode(...m.subarray(dsdt, dsdt + 4))).toBe('DSDT');
          expect(sum8(m, dsdt, u32(m, dsdt + 4))).toBe(0);
          const d = decodeAml(m.slice(dsdt, dsdt + u32(m, dsdt + 4)));
          expect(d.issues).toEqual([]);
        }
      }
      expect(sigs).toEqual(mem === 4096 ? ['FACP', 'APIC', 'HPET', 'WAET'] : ['FACP', 'APIC', 'WAET']);
    });
  }

  it('the same executor accepts QEMU’s own capture (sanity check of the harness)', () => {
    const files = [
      { name: 'etc/acpi/tables', data: qemuFile(128, 'etc/acpi/tables') },
      { name: 'etc/acpi/rsdp', data: qemuFile(128, 'etc/acpi/rsdp') },
    ];
    const { res } = runLoader(files, qemuFile(128, 'etc/table-loader'));
    expect(res.ok).toBe(true);
  });
});

describe('buildPcAcpi: options', () => {
  it('rejects host misuse with an error naming the field', () => {
    expect(() => buildPcAcpi({ ramSize: -1, below4g: 0, above4g: 0 })).toThrow(/ramSize/);
    expect(() => buildPcAcpi({ ...qemuSplit(128), cpus: 0 })).toThrow(/cpus/);
    expect(() => buildPcAcpi({ ...qemuSplit(128), pmBase: 0x10000 })).toThrow(/pmBase/);
    expect(() => buildPcAcpi({ ...qemuSplit(128), below4g: 2 ** 33 })).toThrow(/below4g/);
  });

  it('PCI0 _CRS windows follow below4g/above4g exactly as QEMU computes them', () => {
    for (const mem of [128, 4096] as const) {
      const mine = decodeAml(walkTables(file(buildPcAcpi(qemuOpts(mem)), 'etc/acpi/tables'))[1].bytes);
      const q = decodeAml(walkTables(qemuFile(mem, 'etc/acpi/tables'))[1].bytes);
      const a = mine.index.get('\\_SB_.PCI0._CRS')?.value;
      const b = q.index.get('\\_SB_.PCI0._CRS')?.value;
      expect(a?.type).toBe('buffer');
      if (a?.type !== 'buffer' || b?.type !== 'buffer') throw new Error('no _CRS');
      expect(decodeResources(a.bytes)).toEqual(decodeResources(b.bytes));
      expect([...a.bytes]).toEqual([...b.bytes]);
    }
  });

  it('an explicit pciHole replaces the default 32-bit window', () => {
    const r = buildPcAcpi(qemuOpts(128, { pciHole: { start: 0xe0000000, end: 0xfec00000 } }));
    const d = decodeAml(walkTables(file(r, 'etc/acpi/tables'))[1].bytes);
    const v = d.index.get('\\_SB_.PCI0._CRS')?.value;
    if (v?.type !== 'buffer') throw new Error('no _CRS');
    const dw = decodeResources(v.bytes).resources.filter((x) => x.type === 'dword');
    expect(dw.map((x) => (x.type === 'dword' ? [x.min, x.max] : []))).toEqual([
      [0xa0000n, 0xbffffn],
      [0xe0000000n, 0xfebfffffn],
    ]);
  });
});

describe('the call the machine makes', () => {
  it('accepts the brief’s options and yields files + a loader that encodes, decodes and validates', () => {
    const ramSize = 4096 * 1024 * 1024;
    const below4g = 0xc0000000;
    const acpi = buildPcAcpi({
      ramSize,
      below4g,
      above4g: ramSize - below4g,
      cpus: 1,
      pmBase: 0x600,
      ioapic: true,
      hpet: false,
      pciHole: { start: below4g, end: 0xfec00000 },
    });
    expect(acpi.files.map((f) => [f.name, f.data.length])).toEqual([
      ['etc/acpi/tables', 131072],
      ['etc/acpi/rsdp', 20],
    ]);
    const script = encode(acpi.loader);
    const back = decodeLoader(script);
    expect(back.errors).toEqual([]);
    expect(back.commands).toEqual(acpi.loader);
    expect(acpi.loader.findIndex((c) => c.kind !== 'allocate')).toBe(2);
    const { res } = runLoader(acpi.files, script);
    expect(res.ok).toBe(true);
  });

  it('irq0Override: false drops only the IRQ0→GSI2 override', () => {
    const madt = (o: boolean) =>
      walkTables(file(buildPcAcpi(qemuOpts(128, { irq0Override: o })), 'etc/acpi/tables')).find(
        (t) => t.signature === 'APIC',
      )?.bytes.length;
    expect(madt(true)).toBe(120);
    expect(madt(false)).toBe(110);
  });
});
