import { describe, expect, it } from 'vitest';
import {
  igdOpRegionLoaderFragment,
  LinkerBuilder,
  type LinkerCommand,
  validateLoader,
} from '../src/index.js';

const files = new Map<string, number | { size: number; writable?: boolean }>([
  ['etc/acpi/tables', 0x100],
  ['etc/acpi/rsdp', 20],
  ['etc/vmgenid_addr', { size: 8, writable: true }],
  ['etc/ro', { size: 8 }],
  ['etc/igd-opregion', 0x2000],
  ['etc/empty', 0],
]);

function fields(cmds: LinkerCommand[], severity: 'error' | 'warning' = 'error'): string[] {
  return validateLoader(cmds, files)
    .filter((i) => i.severity === severity)
    .map((i) => `${i.index}:${i.field}`);
}

describe('validateLoader', () => {
  it('accepts a well-formed script', () => {
    const b = new LinkerBuilder()
      .allocate('etc/acpi/tables', 64, 'high', new Uint8Array(0x100))
      .allocate('etc/acpi/rsdp', 16, 'fseg', new Uint8Array(20))
      .addPointer('etc/acpi/rsdp', 16, 4, 'etc/acpi/tables', 0)
      .addChecksum('etc/acpi/rsdp', 0, 20, 8)
      .writePointer('etc/vmgenid_addr', 0, 8, 'etc/acpi/tables', 0x28);
    igdOpRegionLoaderFragment({ builder: b });
    expect(validateLoader(b.commands(), files)).toEqual([]);
  });

  it('reports unknown files, use before ALLOCATE, duplicate ALLOCATE', () => {
    const cmds: LinkerCommand[] = [
      { kind: 'allocate', file: 'nope', align: 16, zone: 1 },
      { kind: 'add-checksum', file: 'etc/acpi/rsdp', resultOffset: 8, start: 0, length: 20 },
      { kind: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: 2 },
      { kind: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: 2 },
    ];
    expect(fields(cmds)).toEqual(['0:file', '1:file', '2:file', '3:file']);
    const msgs = validateLoader(cmds, files).map((i) => i.message);
    expect(msgs[0]).toMatch(/unknown file "nope"/);
    expect(msgs.join('\n')).toMatch(/entry 2 \(offset 0x100\) ALLOCATE field file: ALLOCATE after use/);
    expect(msgs.join('\n')).toMatch(/entry 3 \(offset 0x180\) ALLOCATE field file: duplicate ALLOCATE/);
  });

  it('reports bad alignment, zone, name length', () => {
    expect(
      fields([
        { kind: 'allocate', file: 'etc/acpi/tables', align: 48, zone: 1 },
        { kind: 'allocate', file: 'etc/acpi/rsdp', align: 16, zone: 0 },
        { kind: 'allocate', file: 'x'.repeat(56), align: 16, zone: 1 },
        { kind: 'allocate', file: '', align: 16, zone: 1 },
      ]),
    ).toEqual(['0:align', '1:zone', '2:file', '3:file']);
  });

  it('reports out-of-bounds pointers and checksums, bad pointer sizes, overlapping pointers', () => {
    const a: LinkerCommand = { kind: 'allocate', file: 'etc/acpi/tables', align: 64, zone: 1 };
    expect(
      fields([
        a,
        {
          kind: 'add-pointer',
          destFile: 'etc/acpi/tables',
          srcFile: 'etc/acpi/tables',
          offset: 0xfe,
          size: 4,
        },
        { kind: 'add-pointer', destFile: 'etc/acpi/tables', srcFile: 'etc/acpi/tables', offset: 0, size: 3 },
        {
          kind: 'add-pointer',
          destFile: 'etc/acpi/tables',
          srcFile: 'etc/acpi/tables',
          offset: 0x10,
          size: 8,
        },
        {
          kind: 'add-pointer',
          destFile: 'etc/acpi/tables',
          srcFile: 'etc/acpi/tables',
          offset: 0x14,
          size: 4,
        },
        { kind: 'add-checksum', file: 'etc/acpi/tables', resultOffset: 0x100, start: 0, length: 0x10 },
        { kind: 'add-checksum', file: 'etc/acpi/tables', resultOffset: 9, start: 0x80, length: 0x81 },
      ]),
    ).toEqual(['1:offset', '2:size', '4:offset', '5:resultOffset', '6:length']);
    const msgs = validateLoader(
      [
        a,
        {
          kind: 'add-pointer',
          destFile: 'etc/acpi/tables',
          srcFile: 'etc/acpi/tables',
          offset: 0x10,
          size: 8,
        },
        {
          kind: 'add-pointer',
          destFile: 'etc/acpi/tables',
          srcFile: 'etc/acpi/tables',
          offset: 0x14,
          size: 4,
        },
      ],
      files,
    ).map((i) => i.message);
    expect(msgs[0]).toMatch(
      /entry 2 \(offset 0x100\) ADD_POINTER field offset: pointer 0x14\+4 overlaps the pointer patched by entry 1/,
    );
  });

  it('reports a checksum byte that lands inside a pointer field', () => {
    const cmds: LinkerCommand[] = [
      { kind: 'allocate', file: 'etc/acpi/tables', align: 64, zone: 1 },
      { kind: 'add-pointer', destFile: 'etc/acpi/tables', srcFile: 'etc/acpi/tables', offset: 0x10, size: 4 },
      { kind: 'add-checksum', file: 'etc/acpi/tables', resultOffset: 0x12, start: 0, length: 0x24 },
    ];
    const issues = validateLoader(cmds, files);
    expect(issues.map((i) => `${i.severity}:${i.index}:${i.field}`)).toEqual(['error:2:resultOffset']);
    expect(issues[0]?.message).toMatch(
      /entry 2 \(offset 0x100\) ADD_CHECKSUM field resultOffset: checksum byte 0x12 lies inside the pointer patched by entry 1/,
    );
  });

  it('warns when a pointer is patched after a checksum that covers it', () => {
    const cmds: LinkerCommand[] = [
      { kind: 'allocate', file: 'etc/acpi/tables', align: 64, zone: 1 },
      { kind: 'add-checksum', file: 'etc/acpi/tables', resultOffset: 9, start: 0, length: 0x24 },
      { kind: 'add-pointer', destFile: 'etc/acpi/tables', srcFile: 'etc/acpi/tables', offset: 0x10, size: 4 },
    ];
    expect(fields(cmds)).toEqual([]);
    expect(fields(cmds, 'warning')).toEqual(['2:offset']);
  });

  it('reports WRITE_POINTER into a non-writable file and out-of-range offsets', () => {
    expect(
      fields([
        { kind: 'allocate', file: 'etc/acpi/tables', align: 64, zone: 1 },
        {
          kind: 'write-pointer',
          destFile: 'etc/ro',
          srcFile: 'etc/acpi/tables',
          dstOffset: 0,
          srcOffset: 0,
          size: 8,
        },
        {
          kind: 'write-pointer',
          destFile: 'etc/vmgenid_addr',
          srcFile: 'etc/acpi/tables',
          dstOffset: 4,
          srcOffset: 0x100,
          size: 8,
        },
      ]),
    ).toEqual(['1:destFile', '2:dstOffset', '2:srcOffset']);
  });

  it('checks WRITE_PCI_CONFIG rules', () => {
    const a: LinkerCommand = { kind: 'allocate', file: 'etc/igd-opregion', align: 4096, zone: 1 };
    const p = {
      kind: 'write-pci-config' as const,
      file: 'etc/igd-opregion',
      srcOffset: 0,
      segment: 0,
      bdf: 0x10,
    };
    expect(
      fields([
        { ...p, configOffset: 0xfc, width: 4 },
        a,
        { ...p, configOffset: 0xfe, width: 4 },
        { ...p, configOffset: 4096, width: 4 },
        { ...p, configOffset: 4088, width: 8 },
        { ...p, configOffset: 4092, width: 8 },
        { ...p, configOffset: 0xfc, width: 5 },
        { ...p, configOffset: 0xfc, width: 4, srcOffset: 0x2000 },
      ]),
    ).toEqual([
      '0:file',
      '1:file',
      '2:configOffset',
      '3:configOffset',
      '5:configOffset',
      '6:width',
      '7:srcOffset',
    ]);
  });

  it('never throws on junk', () => {
    const junk = [
      null,
      5,
      { kind: 'what' },
      { kind: 'allocate' },
      { kind: 'add-pointer', size: 4 },
    ] as unknown as LinkerCommand[];
    expect(() => validateLoader(junk, files)).not.toThrow();
    expect(validateLoader(junk, files).filter((i) => i.severity === 'error').length).toBeGreaterThan(0);
  });
});
