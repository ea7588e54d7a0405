import { describe, expect, it } from 'vitest';
import {
  addCapability,
  addExtendedCapability,
  type ConfigBacking,
  ConfigSpace,
  findCapability,
  findExtendedCapability,
  listCapabilities,
  listExtendedCapabilities,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_PM,
  PCI_CAP_ID_VNDR,
  PCI_CAPABILITY_LIST,
  PCI_EXT_CAP_ID_DSN,
  PCI_EXT_CAP_ID_VNDR,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
} from '../src/index.js';

describe('ConfigSpace masks', () => {
  it('only writable bits change; read-only bits keep their value', () => {
    const c = new ConfigSpace();
    c.set32(0x40, 0x12345678);
    c.setWritable(0x40, 4, 0x00ff00f0);
    c.write(0x40, 4, 0xffffffff);
    expect(c.read(0x40, 4)).toBe(0x12ff56f8);
    c.write(0x40, 4, 0);
    expect(c.read(0x40, 4)).toBe(0x12005608);
  });
  it('write-1-to-clear bits clear on 1 and ignore 0', () => {
    const c = new ConfigSpace();
    c.set16(PCI_STATUS, 0xf910);
    c.setW1C(PCI_STATUS, 2, 0xf900);
    c.write(PCI_STATUS, 2, 0);
    expect(c.read(PCI_STATUS, 2)).toBe(0xf910);
    c.write(PCI_STATUS, 2, 0x8010);
    expect(c.read(PCI_STATUS, 2)).toBe(0x7910);
    c.write(PCI_STATUS + 1, 1, 0xff);
    expect(c.read(PCI_STATUS, 2)).toBe(0x0010);
  });
  it('sub-dword accesses at every offset see the same bytes as a dword', () => {
    const c = new ConfigSpace();
    for (let i = 0; i < 256; i++) c.bytes[i] = (i * 7 + 3) & 0xff;
    for (let o = 0; o < 256; o += 4) {
      const d = c.read(o, 4);
      for (let b = 0; b < 4; b++) expect(c.read(o + b, 1)).toBe((d >>> (b * 8)) & 0xff);
      expect(c.read(o + 2, 2)).toBe(d >>> 16);
    }
  });
  it('bytes beyond the space read 0xff and writes to them are dropped (no throw)', () => {
    const c = new ConfigSpace();
    c.wmask.fill(0xff);
    c.write(0xfe, 4, 0x11223344);
    expect(c.read(0xfe, 4)).toBe(0xffff3344);
  });
  it('emulated vs backed bits combine per bit (vfio model)', () => {
    const host = new Uint8Array(256);
    host.set([0x86, 0x80, 0x16, 0x59], 0);
    host[0x50] = 0xaa;
    const writes: string[] = [];
    const backing: ConfigBacking = {
      read(o, s) {
        let v = 0;
        for (let i = 0; i < s; i++) v |= host[o + i] << (i * 8);
        return v >>> 0;
      },
      write(o, s, v, m) {
        writes.push(`${o}/${s}=${v.toString(16)} mask ${m.toString(16)}`);
      },
    };
    const c = new ConfigSpace();
    c.backing = backing;
    c.setBackedRange(0, 4, true); // vendor/device from the host
    c.setBacked(0x50, 1, 0xf0); // high nibble from host
    c.bytes[0x50] = 0x05;
    c.setWritable(0x50, 1, 0xff);
    expect(c.read(0, 4)).toBe(0x59168086);
    expect(c.read(0x50, 1)).toBe(0xa5);
    c.write(0x50, 1, 0x3c);
    expect(c.read(0x50, 1)).toBe(0xac); // low nibble emulated (written), high nibble host
    expect(writes).toEqual(['80/1=3c mask f0']);
    c.write(0x54, 4, 1); // nothing backed there: backing not called
    expect(writes.length).toBe(1);
  });
  it('rejects bad host-side ranges with the offset in the message', () => {
    const c = new ConfigSpace();
    expect(() => c.set32(0xfe, 0)).toThrow(/0xfe/);
    expect(() => new ConfigSpace(512 as 256)).toThrow(/256 or 4096/);
    expect(() => c.restore(new Uint8Array(10))).toThrow(/256/);
  });
});

describe('capabilities', () => {
  it('builds a standard list in order of addition and walks it', () => {
    const c = new ConfigSpace();
    c.wmask.fill(0xff, 0x40);
    const pm = addCapability(c, PCI_CAP_ID_PM, 8);
    const msi = addCapability(c, PCI_CAP_ID_MSI, 14);
    const vndr = addCapability(c, PCI_CAP_ID_VNDR, 4, 0xe0);
    expect([pm, msi, vndr]).toEqual([0x40, 0x48, 0xe0]);
    expect(c.read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST).toBe(PCI_STATUS_CAP_LIST);
    expect(c.read(PCI_CAPABILITY_LIST, 1)).toBe(0x40);
    expect(listCapabilities(c)).toEqual([
      { id: PCI_CAP_ID_PM, offset: 0x40, next: 0x48 },
      { id: PCI_CAP_ID_MSI, offset: 0x48, next: 0xe0 },
      { id: PCI_CAP_ID_VNDR, offset: 0xe0, next: 0 },
    ]);
    expect(findCapability(c, PCI_CAP_ID_MSI)).toBe(0x48);
    expect(findCapability(c, 0x10)).toBe(0);
    // The capability bytes became read-only for the guest.
    c.write(0x41, 1, 0);
    expect(c.read(0x41, 1)).toBe(0x48);
    // First fit skips used space.
    expect(addCapability(c, PCI_CAP_ID_VNDR, 4)).toBe(0x58);
  });
  it('rejects overlap and bad offsets', () => {
    const c = new ConfigSpace();
    addCapability(c, PCI_CAP_ID_PM, 8, 0x40);
    expect(() => addCapability(c, PCI_CAP_ID_MSI, 8, 0x44)).toThrow(/overlaps/);
    expect(() => addCapability(c, PCI_CAP_ID_MSI, 8, 0x42)).toThrow(/dword-aligned/);
    expect(() => addCapability(c, PCI_CAP_ID_MSI, 8, 0x20)).toThrow(/0x40/);
  });
  it('walker survives a looping list from a host image', () => {
    const c = new ConfigSpace();
    c.bytes[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    c.bytes[PCI_CAPABILITY_LIST] = 0x40;
    c.bytes.set([0x01, 0x50], 0x40);
    c.bytes.set([0x05, 0x40], 0x50);
    expect(listCapabilities(c).map((x) => x.offset)).toEqual([0x40, 0x50]);
  });
  it('builds and walks extended capabilities', () => {
    const c = new ConfigSpace(4096);
    expect(() => addExtendedCapability(new ConfigSpace(), PCI_EXT_CAP_ID_DSN, 1, 12)).toThrow(/4096/);
    expect(listExtendedCapabilities(c)).toEqual([]);
    expect(() => addExtendedCapability(c, PCI_EXT_CAP_ID_DSN, 1, 12, 0x140)).toThrow(/0x100/);
    expect(addExtendedCapability(c, PCI_EXT_CAP_ID_DSN, 1, 12)).toBe(0x100);
    expect(addExtendedCapability(c, PCI_EXT_CAP_ID_VNDR, 1, 0x18, 0x200)).toBe(0x200);
    expect(c.read(0x100, 4)).toBe(0x20010003);
    expect(listExtendedCapabilities(c)).toEqual([
      { id: PCI_EXT_CAP_ID_DSN, version: 1, offset: 0x100, next: 0x200 },
      { id: PCI_EXT_CAP_ID_VNDR, version: 1, offset: 0x200, next: 0 },
    ]);
    expect(findExtendedCapability(c, PCI_EXT_CAP_ID_VNDR)).toBe(0x200);
  });
});
