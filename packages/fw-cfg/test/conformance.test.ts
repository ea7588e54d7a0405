// Conformance suite from docs/specs/fw_cfg.rst and QEMU tests/qtest/fw_cfg-test.c, driven through
// port accesses (x86 I/O variant) and MMIO accesses (Arm virt layout) on real buses.
import { describe, expect, it } from 'vitest';
import { addStandardItems, E820Type, encodeE820, FwCfgKey } from '../src/index.js';
import { ascii, be32, guestFindFile, le16, le32, le64, makeGuest } from './guest.js';

const RAM_SIZE = 128 << 20; // fw_cfg-test ram_size

for (const variant of ['io', 'mmio'] as const) {
  describe(`fw_cfg ${variant} variant (qtest fw_cfg-test)`, () => {
    const setup = (extra: Parameters<typeof addStandardItems>[1] = {}) => {
      const g = makeGuest(variant);
      addStandardItems(g.fw, { ramSize: RAM_SIZE, nbCpus: 1, maxCpus: 1, irq0Override: true, ...extra });
      return g;
    };

    it('signature is "QEMU"', () => {
      const g = setup();
      g.select(FwCfgKey.SIGNATURE);
      expect(ascii(g.read(4))).toBe('QEMU');
    });

    it('ID is 1 or 3; bit 1 tracks the DMA interface', () => {
      const g = setup();
      g.select(FwCfgKey.ID);
      expect(le32(g.read(4))).toBe(3);
      const nodma = makeGuest(variant, { dma: false });
      nodma.select(FwCfgKey.ID);
      expect(le32(nodma.read(4))).toBe(1);
    });

    it('UUID bytes are in textual order', () => {
      const g = setup({ uuid: '4600cb32-38ec-4b2f-8acb-81c6ea54f2d8' });
      g.select(FwCfgKey.UUID);
      expect([...g.read(16)]).toEqual([
        0x46, 0x00, 0xcb, 0x32, 0x38, 0xec, 0x4b, 0x2f, 0x8a, 0xcb, 0x81, 0xc6, 0xea, 0x54, 0xf2, 0xd8,
      ]);
    });

    it('RAM size is u64 LE', () => {
      const g = setup();
      g.select(FwCfgKey.RAM_SIZE);
      expect(le64(g.read(8))).toBe(BigInt(RAM_SIZE));
    });

    it('nographic, NB_CPUS, MAX_CPUS, BOOT_MENU are u16 LE', () => {
      const g = setup({ nbCpus: 2, maxCpus: 4, bootMenu: true });
      g.select(FwCfgKey.NOGRAPHIC);
      expect(le16(g.read(2))).toBe(0);
      g.select(FwCfgKey.NB_CPUS);
      expect(le16(g.read(2))).toBe(2);
      g.select(FwCfgKey.MAX_CPUS);
      expect(le16(g.read(2))).toBe(4);
      g.select(FwCfgKey.BOOT_MENU);
      expect(le16(g.read(2))).toBe(1);
      const g2 = setup();
      g2.select(FwCfgKey.BOOT_MENU);
      expect(le16(g2.read(2))).toBe(0);
    });

    it('NUMA: node count, then one word per CPU, then one per node, read in sequence', () => {
      const g = setup();
      g.select(FwCfgKey.NUMA);
      expect(le64(g.read(8))).toBe(0n);
      expect(le64(g.read(8))).toBe(0n); // cpu_mask[0] of max_cpus = 1
      expect(g.read(8).every((b) => b === 0)).toBe(true); // past the end: zeros
      const n = setup({ maxCpus: 2, numa: { apicToNode: [0, 1], nodeMemory: [64n << 20n, 64n << 20n] } });
      n.select(FwCfgKey.NUMA);
      const b = n.read(5 * 8);
      expect([0, 8, 16, 24, 32].map((o) => le64(b, o))).toEqual([2n, 0n, 1n, 64n << 20n, 64n << 20n]);
    });

    it('reboot timeout: etc/boot-fail-wait u32 LE, 15 and -1 → UINT32_MAX', () => {
      const g = setup({ rebootTimeout: 15 });
      const f = guestFindFile(g, 'etc/boot-fail-wait')!;
      expect(f.size).toBe(4);
      g.select(f.select);
      expect(le32(g.read(4))).toBe(15);
      const d = setup({ rebootTimeout: -1 });
      const f2 = guestFindFile(d, 'etc/boot-fail-wait')!;
      d.select(f2.select);
      expect(le32(d.read(4))).toBe(0xffffffff);
      const dflt = setup();
      dflt.select(guestFindFile(dflt, 'etc/boot-fail-wait')!.select);
      expect(le32(dflt.read(4))).toBe(0xffffffff);
    });

    it('splash time: etc/boot-menu-wait u16 LE; absent unless configured', () => {
      const g = setup({ splashTime: 12 });
      const f = guestFindFile(g, 'etc/boot-menu-wait')!;
      expect(f.size).toBe(2);
      g.select(f.select);
      expect(le16(g.read(2))).toBe(12);
      expect(guestFindFile(setup(), 'etc/boot-menu-wait')).toBeUndefined();
    });

    it('IRQ0 override and HPET arch keys', () => {
      const g = setup({
        hpet: [{ eventTimerBlockId: 0x8086a201, address: 0xfed00000, minTick: 100, pageProt: 0 }],
      });
      g.select(FwCfgKey.IRQ0_OVERRIDE);
      expect(le32(g.read(4))).toBe(1);
      g.select(FwCfgKey.HPET);
      const h = g.read(121);
      expect(h[0]).toBe(1);
      expect(le32(h, 1)).toBe(0x8086a201);
      expect(le64(h, 5)).toBe(0xfed00000n);
      expect(le16(h, 13)).toBe(100);
      // The same index without the arch bit is a different (empty) entry.
      g.select(FwCfgKey.HPET & 0x3fff);
      expect(g.read(4)).toEqual(new Uint8Array(4));
    });

    it('file directory: BE count, 64-byte BE entries sorted by name (strcmp), keys from 0x20', () => {
      const g = makeGuest(variant);
      const names = ['opt/zeta', 'etc/e820', 'bootorder', 'etc/acpi/tables', 'Zupper', 'etc/acpi/rsdp', 'a'];
      names.forEach((n, i) => {
        g.fw.addFile(n, new Uint8Array(i + 1).fill(i));
      });
      g.select(FwCfgKey.FILE_DIR);
      const count = be32(g.read(4));
      expect(count).toBe(names.length);
      const seen: { name: string; size: number; select: number; reserved: number }[] = [];
      for (let i = 0; i < count; i++) {
        const e = g.read(64);
        let end = 8;
        while (e[end] !== 0) end++;
        expect(e.subarray(end).every((b) => b === 0)).toBe(true);
        seen.push({
          name: ascii(e.subarray(8, end)),
          size: be32(e),
          select: (e[4] << 8) | e[5],
          reserved: (e[6] << 8) | e[7],
        });
      }
      const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // ASCII = byte order
      expect(seen.map((s) => s.name)).toEqual(sorted);
      expect(seen.map((s) => s.select)).toEqual(sorted.map((_, i) => 0x20 + i));
      expect(seen.every((s) => s.reserved === 0)).toBe(true);
      for (const s of seen) {
        const i = names.indexOf(s.name);
        expect(s.size).toBe(i + 1);
        g.select(s.select);
        expect([...g.read(i + 1)]).toEqual(new Array(i + 1).fill(i));
      }
      // The rest of the directory (QEMU sizes it for every slot) reads as zeros.
      expect(g.read(64).every((b) => b === 0)).toBe(true);
    });

    it('etc/e820 entries are {u64 addr; u64 len; u32 type} LE', () => {
      const g = setup({
        e820: [
          { addr: 0, len: 0x9fc00, type: E820Type.RAM },
          { addr: 0x1_0000_0000n, len: 0x4000_0000, type: E820Type.RESERVED },
        ],
      });
      const f = guestFindFile(g, 'etc/e820')!;
      expect(f.size).toBe(40);
      g.select(f.select);
      const b = g.read(40);
      expect(le64(b, 0)).toBe(0n);
      expect(le64(b, 8)).toBe(0x9fc00n);
      expect(le32(b, 16)).toBe(1);
      expect(le64(b, 20)).toBe(0x1_0000_0000n);
      expect(le64(b, 28)).toBe(0x4000_0000n);
      expect(le32(b, 36)).toBe(2);
      expect(b).toEqual(
        encodeE820([
          { addr: 0, len: 0x9fc00, type: 1 },
          { addr: 0x1_0000_0000n, len: 0x4000_0000, type: 2 },
        ]),
      );
    });

    it('reads past the end return 0; selecting resets the offset', () => {
      const g = setup();
      g.select(FwCfgKey.SIGNATURE);
      expect(ascii(g.read(4))).toBe('QEMU');
      expect([...g.read(4)]).toEqual([0, 0, 0, 0]);
      g.select(FwCfgKey.SIGNATURE);
      expect(g.readByte()).toBe(0x51);
    });

    it('non-existent keys read 0: unused numbered keys, keys beyond the last slot, 0xffff', () => {
      const g = setup();
      for (const key of [0x06, 0x1f, 0x20 + 5, 0x20 + 0x20, 0x3fff, 0x8005, 0xffff]) {
        g.select(key);
        expect([...g.read(8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      }
      g.select(0x3fff);
      expect(g.fw.selection.key).toBe(0xffff);
    });

    it('key bit 0x4000 (legacy write flag) is ignored', () => {
      const g = setup();
      g.select(FwCfgKey.SIGNATURE | 0x4000);
      expect(ascii(g.read(4))).toBe('QEMU');
      g.select(FwCfgKey.RAM_SIZE | 0x4000);
      expect(le64(g.read(8))).toBe(BigInt(RAM_SIZE));
    });

    it('data-register writes are ignored (and reported)', () => {
      const g = setup();
      g.select(FwCfgKey.SIGNATURE);
      g.writeData(0x41);
      g.writeData(0x42);
      expect(ascii(g.read(4))).toBe('QEMU');
      g.select(FwCfgKey.SIGNATURE);
      expect(ascii(g.read(4))).toBe('QEMU');
      expect(g.events.filter((e) => e.kind === 'fw-cfg-data-write-ignored')).toHaveLength(2);
    });

    it('the DMA register reads as "QEMU CFG" (0x51454d5520434647) in register byte order', () => {
      const g = setup();
      const bytes: number[] = [];
      for (let i = 0; i < 8; i++) bytes.push(g.readDmaReg(i, 1));
      expect(bytes).toEqual([0x51, 0x45, 0x4d, 0x55, 0x20, 0x43, 0x46, 0x47]);
      // A 32-bit read is little-endian on the bus: the bytes land in memory as "QEMU" / " CFG".
      expect(g.readDmaReg(0, 4)).toBe(0x554d4551);
      expect(g.readDmaReg(4, 4)).toBe(0x47464320);
      const big = (BigInt(g.readDmaReg(0, 4)) << 0n) | (BigInt(g.readDmaReg(4, 4)) << 32n);
      // Interpreted big-endian (as Linux's ioread32be/the spec do) it is the signature.
      const be = BigInt.asUintN(64, big);
      let sig = 0n;
      for (let i = 0; i < 8; i++) sig = (sig << 8n) | ((be >> BigInt(8 * i)) & 0xffn);
      expect(sig).toBe(0x51454d5520434647n);
    });

    it('reset selects the signature', () => {
      const g = setup();
      g.select(FwCfgKey.RAM_SIZE);
      g.read(3);
      g.fw.reset();
      expect(ascii(g.read(4))).toBe('QEMU');
    });
  });
}

describe('variant-specific registers', () => {
  it('I/O: 16-bit writes at 0x510 select, byte writes never do, wide reads return 0', () => {
    const g = makeGuest('io');
    g.rig.io.out16(0x510, FwCfgKey.ID);
    expect(g.rig.io.in8(0x510)).toBe(3); // either port of the pair reads data bytes
    // A 16-bit write at 0x511 crosses the 2-port region: the bus splits it into byte writes.
    g.rig.io.out16(0x511, FwCfgKey.SIGNATURE);
    expect([g.rig.io.in8(0x511), g.rig.io.in8(0x511), g.rig.io.in8(0x511)]).toEqual([0, 0, 0]);
    g.select(FwCfgKey.ID);
    g.rig.io.out8(0x510, 0x00); // a byte write is a data write: ignored, no select
    g.rig.io.out8(0x511, 0x00);
    expect(g.rig.io.in8(0x511)).toBe(3);
    g.select(FwCfgKey.SIGNATURE);
    expect(g.rig.io.in16(0x510)).toBe(0); // only byte reads are valid (fw_cfg_comb_valid)
    expect(ascii(g.read(4))).toBe('QEMU'); // the invalid read consumed nothing
  });

  it('I/O without DMA maps no DMA register', () => {
    const g = makeGuest('io', { dma: false });
    expect(g.rig.io.in32(0x514)).toBe(0xffffffff);
    expect(g.fw.ioHandlers().dma).toBeNull();
  });

  it('MMIO: 1/2/4/8-byte data reads come out in string order', () => {
    const g = makeGuest('mmio');
    g.fw.addFile('opt/s', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]));
    const m = g.rig.memory;
    const sel = guestFindFile(g, 'opt/s')!.select;
    g.select(sel);
    expect(m.read8(MMIO)).toBe(1);
    expect(m.read16(MMIO)).toBe(0x0302);
    expect(m.read32(MMIO)).toBe(0x07060504);
    // 8 bytes with 7 left: the missing byte pads the end of the string (the high byte here).
    expect(m.read64(MMIO)).toBe(0x000e0d0c0b0a0908n);
    expect(m.read32(MMIO)).toBe(0);
    // Byte reads stored to memory keep the string order.
    g.select(sel);
    m.write32(0x2000, m.read32(MMIO));
    expect([...g.rig.bytes(0x2000, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('MMIO: selector is big-endian and 16-bit only; data reads off offset 0 return 0', () => {
    const g = makeGuest('mmio');
    const m = g.rig.memory;
    m.write16(MMIO + 8, 0x0100); // BE 0x0001 = ID
    expect(m.read8(MMIO)).toBe(3);
    m.write32(MMIO + 8, 0x0000); // invalid width: ignored
    expect(m.read8(MMIO)).toBe(0);
    m.write16(MMIO + 8, 0x0000);
    expect(m.read8(MMIO + 1)).toBe(0);
    expect(m.read8(MMIO + 8)).toBe(0);
    expect(m.read8(MMIO)).toBe(0x51);
  });

  it('MMIO: a 64-bit big-endian write of the DMA address triggers a transfer', () => {
    const g = makeGuest('mmio');
    g.fw.addFile('opt/x', new Uint8Array([9, 8, 7]));
    const sel = guestFindFile(g, 'opt/x')!.select;
    const m = g.rig.memory;
    m.write32(0x3000, 0);
    // descriptor at 0x3000: SELECT|READ, length 3, address 0x4000
    const d = new Uint8Array(16);
    const dv = new DataView(d.buffer);
    dv.setUint32(0, (sel << 16) | 0x0a, false);
    dv.setUint32(4, 3, false);
    dv.setBigUint64(8, 0x4000n, false);
    m.writeBytes(0x3000, d);
    // Address 0x3000 as a BE u64 → on the LE bus the value is byte-swapped.
    m.write64(MMIO + 16, 0x0030000000000000n);
    expect([...g.rig.bytes(0x4000, 3)]).toEqual([9, 8, 7]);
    expect(m.read32(0x3000)).toBe(0);
  });
});

const MMIO = 0x0902_0000;

describe('mapping', () => {
  it('MMIO without DMA maps 16 bytes: no DMA register, ID bit 1 clear', () => {
    const g = makeGuest('mmio', { dma: false });
    const m = g.rig.memory;
    g.select(FwCfgKey.ID);
    expect(m.read8(MMIO)).toBe(1);
    expect(m.read32(MMIO + 16)).toBe(0xffffffff); // unassigned
  });

  it('MMIO: a 64-bit read of the DMA register gives the signature bytes in order', () => {
    const g = makeGuest('mmio');
    const v = g.rig.memory.read64(MMIO + 16);
    const bytes = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Number((v >> BigInt(8 * i)) & 0xffn));
    expect(String.fromCharCode(...bytes)).toBe('QEMU CFG');
  });

  it('ioHandlers() can be mapped by a composer at another base', () => {
    const g = makeGuest('io');
    const { ctl, dma } = g.fw.ioHandlers();
    g.rig.io.addPio('fw-cfg-alt', 0x700, 2, ctl);
    g.rig.io.addPio('fw-cfg-alt-dma', 0x704, 8, dma!);
    g.rig.io.out16(0x700, FwCfgKey.SIGNATURE);
    expect([0, 1, 2, 3].map(() => g.rig.io.in8(0x701))).toEqual([0x51, 0x45, 0x4d, 0x55]);
    expect(g.rig.io.in8(0x704)).toBe(0x51);
  });
});
