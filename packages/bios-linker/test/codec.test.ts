import { describe, expect, it } from 'vitest';
import {
  CMD_WRITE_PCI_CONFIG,
  decodeLoader,
  encodeLoader,
  formatBdf,
  formatLoader,
  igdOpRegionLoaderFragment,
  isPowerOfTwoOrZero,
  LinkerBuilder,
  type LinkerCommand,
  parseBdf,
} from '../src/index.js';

function hexdump(b: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = [...b.subarray(i, i + 16)];
    out.push(
      `${i.toString(16).padStart(8, '0')}  ${row.map((x) => x.toString(16).padStart(2, '0')).join(' ')}`,
    );
  }
  return out.join('\n');
}

describe('encode/decode', () => {
  it('round-trips every command kind', () => {
    const cmds: LinkerCommand[] = [
      { kind: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: 2 },
      { kind: 'allocate', file: 'etc/acpi/tables', align: 64, zone: 1 },
      { kind: 'add-pointer', destFile: 'etc/acpi/rsdp', srcFile: 'etc/acpi/tables', offset: 16, size: 4 },
      { kind: 'add-checksum', file: 'etc/acpi/rsdp', resultOffset: 8, start: 0, length: 20 },
      {
        kind: 'write-pointer',
        destFile: 'etc/vmgenid_addr',
        srcFile: 'etc/acpi/tables',
        dstOffset: 0,
        srcOffset: 40,
        size: 8,
      },
      {
        kind: 'write-pci-config',
        file: 'etc/acpi/tables',
        srcOffset: 4,
        segment: 0,
        bdf: 0x10,
        configOffset: 0xfc,
        width: 4,
      },
      { kind: 'unknown', command: 0x1234, body: new Uint8Array(124).fill(7) },
    ];
    const blob = encodeLoader(cmds);
    expect(blob.length).toBe(cmds.length * 128);
    const d = decodeLoader(blob);
    expect(d.errors).toEqual([]);
    expect(d.warnings).toEqual([]);
    expect(d.commands).toEqual(cmds);
  });

  it('lays out ALLOCATE exactly like QEMU (file@4, align@60, zone@64)', () => {
    const b = encodeLoader([{ kind: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: 2 }]);
    const dv = new DataView(b.buffer);
    expect(dv.getUint32(0, true)).toBe(1);
    expect(String.fromCharCode(...b.subarray(4, 17))).toBe('etc/acpi/rsdp');
    expect(b[17]).toBe(0);
    expect(dv.getUint32(60, true)).toBe(16);
    expect(b[64]).toBe(2);
    expect(b.subarray(65).every((x) => x === 0)).toBe(true);
  });

  it('lays out WRITE_POINTER (dst_offset@116, src_offset@120, size@124) and WRITE_PCI_CONFIG', () => {
    const b = encodeLoader([
      {
        kind: 'write-pointer',
        destFile: 'd',
        srcFile: 's',
        dstOffset: 0x11223344,
        srcOffset: 0x55667788,
        size: 8,
      },
      {
        kind: 'write-pci-config',
        file: 'etc/igd-opregion',
        srcOffset: 0x10,
        segment: 0,
        bdf: 0x0010,
        configOffset: 0xfc,
        width: 4,
      },
    ]);
    const dv = new DataView(b.buffer);
    expect(b[60]).toBe('s'.charCodeAt(0));
    expect(dv.getUint32(116, true)).toBe(0x11223344);
    expect(dv.getUint32(120, true)).toBe(0x55667788);
    expect(b[124]).toBe(8);
    // WRITE_PCI_CONFIG: command bytes "VMK\x01"
    expect([...b.subarray(128, 132)]).toEqual([0x56, 0x4d, 0x4b, 0x01]);
    expect(dv.getUint32(128, true)).toBe(CMD_WRITE_PCI_CONFIG);
    expect(dv.getUint32(128 + 60, true)).toBe(0x10);
    expect(dv.getUint16(128 + 64, true)).toBe(0x0010);
    expect(dv.getUint16(128 + 66, true)).toBe(0xfc);
    expect(b[128 + 68]).toBe(4);
    expect(b.subarray(128 + 69).every((x) => x === 0)).toBe(true);
  });

  it('matches the README example hexdump', () => {
    const dump = hexdump(encodeLoader(igdOpRegionLoaderFragment()));
    expect(dump).toContain('00000000  01 00 00 00 65 74 63 2f 69 67 64 2d 6f 70 72 65');
    expect(dump).toContain('00000030  00 00 00 00 00 00 00 00 00 00 00 00 00 10 00 00');
    expect(dump).toContain('00000040  01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
    expect(dump).toContain('00000080  56 4d 4b 01 65 74 63 2f 69 67 64 2d 6f 70 72 65');
    expect(dump).toContain('000000c0  10 00 fc 00 04 00 00 00 00 00 00 00 00 00 00 00');
  });

  it('encode throws naming entry, offset and field', () => {
    expect(() => encodeLoader([{ kind: 'allocate', file: 'x'.repeat(56), align: 16, zone: 1 }])).toThrow(
      /entry 0 \(offset 0x0\) field file: name must be 1..55 bytes/,
    );
    expect(() =>
      encodeLoader([
        { kind: 'allocate', file: 'a', align: 16, zone: 1 },
        { kind: 'add-pointer', destFile: 'a', srcFile: 'a', offset: -1, size: 4 },
      ]),
    ).toThrow(/entry 1 \(offset 0x80\) field offset: -1 is not a u32/);
    expect(() => encodeLoader([{ kind: 'unknown', command: 1, body: new Uint8Array(124) }])).toThrow(
      /is a known command/,
    );
    expect(() => encodeLoader([{ kind: 'allocate', file: 'é€', align: 16, zone: 1 }])).toThrow(
      /not a non-NUL byte/,
    );
  });
});

describe('decode of bad input', () => {
  const good = encodeLoader([
    { kind: 'allocate', file: 'etc/igd-opregion', align: 4096, zone: 1 },
    {
      kind: 'write-pci-config',
      file: 'etc/igd-opregion',
      srcOffset: 0,
      segment: 0,
      bdf: 0x10,
      configOffset: 0xfc,
      width: 4,
    },
  ]);

  it('reports a truncated blob but still decodes whole entries', () => {
    const d = decodeLoader(good.subarray(0, 200));
    expect(d.commands).toHaveLength(1);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatchObject({ index: -1, offset: 128, field: 'length' });
    expect(d.errors[0]?.message).toMatch(/72 trailing bytes at offset 0x80/);
  });

  it('reports oversized blobs', () => {
    const d = decodeLoader(new Uint8Array(128 * 5), { maxEntries: 3 });
    expect(d.commands).toHaveLength(3);
    expect(d.errors[0]?.message).toMatch(/5 entries, more than the limit of 3/);
  });

  it('reports unterminated names with the field and entry offset', () => {
    const b = good.slice();
    b.fill(0x41, 128 + 4, 128 + 60);
    const d = decodeLoader(b);
    expect(d.errors.map((e) => [e.index, e.offset, e.field])).toContainEqual([1, 128, 'file']);
    expect(d.errors[0]?.message).toMatch(
      /entry 1 \(offset 0x80\) WRITE_PCI_CONFIG field file: name is not NUL-terminated/,
    );
  });

  it('reports bad align, zone, size and width', () => {
    const b = encodeLoader([
      { kind: 'allocate', file: 'a', align: 12, zone: 3 },
      { kind: 'add-pointer', destFile: 'a', srcFile: 'a', offset: 0, size: 3 },
      { kind: 'write-pci-config', file: 'a', srcOffset: 0, segment: 0, bdf: 0, configOffset: 0xfe, width: 4 },
    ]);
    const fields = decodeLoader(b).errors.map((e) => `${e.index}:${e.field}`);
    expect(fields).toEqual(['0:align', '0:zone', '1:size', '2:configOffset']);
  });

  it('warns about non-zero padding in QEMU commands (SeaBIOS ignores it)', () => {
    const b = encodeLoader([{ kind: 'allocate', file: 'a', align: 16, zone: 1 }]);
    b[100] = 9;
    b[10] = 1; // garbage after the NUL of "a"
    const d = decodeLoader(b);
    expect(d.errors).toEqual([]);
    expect(d.warnings.map((w) => w.field)).toEqual(['file', 'padding']);
  });

  it('never throws on random garbage (sampled)', () => {
    let seed = 12345;
    for (let n = 0; n < 200; n++) {
      const len = (seed = (seed * 1103515245 + 12345) >>> 0) % 1000;
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      expect(() => decodeLoader(b)).not.toThrow();
      expect(() => formatLoader(b)).not.toThrow();
    }
  });
});

describe('formatLoader', () => {
  it('prints one line per command', () => {
    const b = new LinkerBuilder()
      .allocate('etc/acpi/tables', 64, 'high', new Uint8Array(64))
      .addPointer('etc/acpi/tables', 0x24, 4, 'etc/acpi/tables', 0)
      .addChecksum('etc/acpi/tables', 0, 64, 9);
    igdOpRegionLoaderFragment({ builder: b });
    const text = formatLoader(b.commands());
    expect(text.split('\n')).toEqual([
      '#  0 @    0x0 ALLOCATE         "etc/igd-opregion" align=0x1000 zone=HIGH',
      '#  1 @   0x80 ALLOCATE         "etc/acpi/tables" align=0x40 zone=HIGH',
      '#  2 @  0x100 ADD_POINTER      "etc/acpi/tables"[0x24..+4] += &"etc/acpi/tables"',
      '#  3 @  0x180 ADD_CHECKSUM     "etc/acpi/tables"[0x9] -= sum8(0x0..+0x40)',
      '#  4 @  0x200 WRITE_PCI_CONFIG pci 00:02.0 cfg[0xfc..+4] := &"etc/igd-opregion" + 0x0',
    ]);
  });

  it('appends decode problems when given bytes', () => {
    const bytes = new Uint8Array(128 * 3 + 2);
    bytes[0] = 9;
    const text = formatLoader(bytes);
    expect(text).toMatch(/^# {2}0 @ {4}0x0 UNKNOWN {10}command=0x9/);
    expect(text).toMatch(/# {2}1 @ {3}0x80 PADDING {10}2 all-zero entries \(#1..#2, skipped\)/);
    expect(text).toMatch(/! error: blob length 386 is not a multiple of 128/);
  });
});

describe('LinkerBuilder', () => {
  it('enforces QEMU rules', () => {
    const b = new LinkerBuilder().allocate('a', 16, 'high', new Uint8Array(8));
    expect(() => b.allocate('a', 16, 'high')).toThrow(/already allocated/);
    expect(() => b.allocate('c', 24, 'high')).toThrow(/not a power of two/);
    expect(() => b.addPointer('a', 6, 4, 'a', 0)).toThrow(/beyond "a"/);
    expect(() => b.addPointer('a', 0, 4, 'zz', 0)).toThrow(/srcFile "zz" has not been allocated/);
    expect(() => b.addPointer('a', 0, 3 as 4, 'a', 0)).toThrow(/size 3/);
    expect(() => b.addChecksum('a', 0, 4, 5)).toThrow(/outside the checksummed range/);
    expect(() => b.writePciConfig({ file: 'a', bdf: 0x10, configOffset: 0xfe, width: 4 })).toThrow(
      /not aligned/,
    );
    expect(() => b.writePciConfig({ file: 'a', bdf: 0x10, configOffset: 4090, width: 8 })).toThrow(
      /not aligned|beyond/,
    );
    expect(() => new LinkerBuilder().allocate('n', 16, 'high').addPointer('n', 0, 4, 'n', 0)).toThrow(
      /without a blob/,
    );
  });

  it('patches the pointer field with the source offset and zeroes the checksum byte', () => {
    const blob = new Uint8Array(16).fill(0xee);
    new LinkerBuilder()
      .allocate('t', 16, 'high', blob)
      .allocate('s', 16, 'high', new Uint8Array(0x2000))
      .addPointer('t', 2, 2, 's', 0x1234)
      .addChecksum('t', 0, 16, 15);
    expect([...blob.subarray(2, 4)]).toEqual([0x34, 0x12]);
    expect(blob[15]).toBe(0);
  });

  it('igdOpRegionLoaderFragment builds ALLOCATE + WRITE_PCI_CONFIG', () => {
    expect(igdOpRegionLoaderFragment({ bdf: 0x0010, configOffset: 0xfc, file: 'etc/igd-opregion' })).toEqual([
      { kind: 'allocate', file: 'etc/igd-opregion', align: 4096, zone: 1 },
      {
        kind: 'write-pci-config',
        file: 'etc/igd-opregion',
        srcOffset: 0,
        segment: 0,
        bdf: 0x10,
        configOffset: 0xfc,
        width: 4,
      },
    ]);
    expect(igdOpRegionLoaderFragment({ bdf: '0001:02:03.1' })[1]).toMatchObject({ segment: 1, bdf: 0x0219 });
  });
});

describe('helpers', () => {
  it('isPowerOfTwoOrZero follows SeaBIOS (0 accepted)', () => {
    expect([0, 1, 2, 4096, 0x80000000].every(isPowerOfTwoOrZero)).toBe(true);
    expect([3, 12, 0xc0000000, 0xffffffff, -1, 1.5, 2 ** 32].some(isPowerOfTwoOrZero)).toBe(false);
  });

  it('parseBdf / formatBdf', () => {
    expect(parseBdf('00:02.0')).toEqual({ segment: 0, bdf: 0x10 });
    expect(parseBdf('0001:ff:1f.7')).toEqual({ segment: 1, bdf: 0xffff });
    expect(formatBdf(0xffff, 1)).toBe('0001:ff:1f.7');
    expect(() => parseBdf('00:20.0')).toThrow(/device 32 > 31/);
    expect(() => parseBdf('junk')).toThrow(/cannot parse "junk"/);
  });
});
