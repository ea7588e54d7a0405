import { devfn, qosPc } from '@vmkit/qos';
import { describe, expect, it } from 'vitest';
import { E820_RAM, E820_RESERVED, E820Map, SeabiosMalloc } from '../src/index.js';
import { cfgBytes, fn, pciBridge, pciFunction, runPort } from './pc.js';

describe('E820Map (src/e820map.c semantics)', () => {
  it('splits, merges and removes like e820_add / e820_remove', () => {
    const m = new E820Map();
    m.add(0, 0x8000000, E820_RAM);
    m.add(0xfffc0000, 0x40000, E820_RESERVED);
    m.remove(0xa0000, 0x50000);
    m.add(0xf0000, 0x10000, E820_RESERVED);
    m.add(0x7000000, 0x1000000, E820_RESERVED);
    expect(m.entries()).toEqual([
      { start: 0, size: 0xa0000, type: E820_RAM },
      { start: 0xf0000, size: 0x10000, type: E820_RESERVED },
      { start: 0x100000, size: 0x6f00000, type: E820_RAM },
      { start: 0x7000000, size: 0x1000000, type: E820_RESERVED },
      { start: 0xfffc0000, size: 0x40000, type: E820_RESERVED },
    ]);
    // giving part of the reservation back as RAM merges with the RAM below it
    m.add(0x7000000, 0xfe0000, E820_RAM);
    expect(m.entries()[2]).toEqual({ start: 0x100000, size: 0x7ee0000, type: E820_RAM });
    expect(m.entries()[3]).toEqual({ start: 0x7fe0000, size: 0x20000, type: E820_RESERVED });
    // a hole in the middle of an entry splits it
    m.remove(0x200000, 0x1000);
    expect(m.entries()[2]).toEqual({ start: 0x100000, size: 0x100000, type: E820_RAM });
    expect(m.entries()[3]).toEqual({ start: 0x201000, size: 0x7ddf000, type: E820_RAM });
    expect(m.dump()[0]).toBe('e820 map has 6 items:');
    expect(m.dump()[1]).toBe('  0: 0000000000000000 - 00000000000a0000 = 1 RAM');
  });

  it('drops inserts past 32 entries and reports it', () => {
    const m = new E820Map();
    let overflow = 0;
    m.onOverflow = () => overflow++;
    for (let i = 0; i < 40; i++) m.add(i * 0x2000, 0x1000, i % 2 ? E820_RAM : E820_RESERVED);
    expect(m.entries().length).toBe(32);
    expect(overflow).toBe(8);
  });
});

describe('SeabiosMalloc (src/malloc.c semantics)', () => {
  it('allocates top-down with alignment, charges bookkeeping to ZoneTmpHigh, and frees back', () => {
    const z = new SeabiosMalloc();
    z.add('tmphigh', 0x100000, 0x7000000);
    z.add('high', 0x7000000, 0x8000000);
    // two alloc_add bookkeeping records (44 bytes, 16-aligned) came out of ZoneTmpHigh's top
    expect(z.alloc('tmphigh', 100, 16)).toBe(0x7000000 - 0x30 - 0x30 - 0x70);
    const a = z.alloc('high', 0x2000, 4096);
    expect(a).toBe(0x7ffe000);
    const b = z.alloc('high', 0x20000, 64);
    expect(b).toBe(0x7fde000);
    expect(z.lowest('high')).toEqual({ start: 0x7000000, end: 0x7fde000, allocated: 0 });
    expect(z.alloc('high', 0x1000000, 16)).toBe(0); // no room left for 16 MiB
    expect(z.alloc('high', 0, 16)).toBe(0); // size 0 fails as in malloc_palloc
    expect(z.free(b)).toBe(true);
    expect(z.lowest('high')!.end).toBe(0x7ffe000);
    expect(z.free(b)).toBe(false);
    // the freed space is reused
    expect(z.alloc('high', 0x1000, 4096)).toBe(0x7ffd000);
  });
});

describe('PCI enumeration rules', () => {
  it('skips functions 1-7 of single-function devices and scans multifunction ones', () => {
    const pc = qosPc();
    const f = (deviceId: number, multifunction = false) =>
      pciFunction(`f${deviceId.toString(16)}`, {
        vendorId: 0x1234,
        deviceId,
        classCode: 0x020000,
        multifunction,
      });
    // A ghost: 04.1 answers although 04.0's header type says single-function (@vmkit/pci refuses
    // to build that, so 04.0 is plugged multifunction and its header-type bit 7 cleared after).
    const single = pc.pci.addDevice(f(0x1111, true), 4, 0);
    pc.pci.addDevice(f(0x2222), 4, 1);
    single.config.set8(0x0e, single.config.bytes[0x0e] & 0x7f);
    expect(fn(pc, 0, 4, 1).deviceId).toBe(0x2222);
    expect(fn(pc, 0, 4).readb(0x0e)).toBe(0);
    pc.pci.addDevice(f(0x3333, true), 6, 0);
    pc.pci.addDevice(f(0x4444), 6, 5);
    const r = runPort(pc, { options: { tableLoader: false } });
    expect(r.pciDevices.map((d) => d.name)).toEqual([
      '00:00.0',
      '00:01.0',
      '00:01.1',
      '00:01.3',
      '00:04.0',
      '00:06.0',
      '00:06.5',
    ]);
  });

  it('numbers buses behind a bridge, sizes its windows and maps the device behind it', () => {
    const pc = qosPc();
    const bridge = pciBridge('bridge', 0x1234, 0x0001);
    pc.pci.addDevice(bridge, 5);
    bridge.secondaryBus.addDevice(
      pciFunction('nic', {
        vendorId: 0x1234,
        deviceId: 0x5555,
        classCode: 0x020000,
        interruptPin: 1,
        bars: [
          { kind: 'mem32', size: 0x100000 },
          { kind: 'io', size: 0x40 },
        ],
      }),
      0,
    );
    const r = runPort(pc, { options: { tableLoader: false } });
    for (const line of [
      'PCI: pci_bios_init_bus_rec bdf = 0x28',
      'PCI: primary bus = 0x0',
      'PCI: secondary bus = 0xff -> 0x1',
      'PCI: pci_bios_init_bus_rec bus = 0x1',
      'PCI: subordinate bus = 0x0 -> 0x1',
      'Found 6 PCI devices (max PCI bus is 01)',
      'PCI: secondary bus 1 size 00001000 type io',
      'PCI: secondary bus 1 size 00200000 type mem',
      'PCI: secondary bus 1 size 00000000 type prefmem',
      'PCI: IO: c000 - d00f',
    ]) {
      expect(r.log).toContain(line);
    }
    const br = fn(pc, 0, 5);
    const nic = fn(pc, 1, 0); // reachable through the bridge once the port numbered bus 1
    expect(cfgBytes(br, 0x18, 3)).toEqual([0, 1, 1]);
    // I/O window 0xc000-0xcfff (largest alignment first), the IDE after it
    expect(br.readb(0x1c)).toBe(0xc0);
    expect(br.readb(0x1d)).toBe(0xc0);
    expect(nic.readl(0x14)).toBe(0xc001);
    expect(fn(pc, 0, 1, 1).readl(0x20)).toBe(0xd001);
    // memory window [0xfea00000, 0xfebfffff] at the top of the 32-bit window, the NIC BAR inside
    // (bits 15:4 of the base/limit registers are address bits 31:20; the limit's low 20 bits are 1s)
    const memBase = (br.readw(0x20) & 0xfff0) * 0x10000;
    const memLimit = (br.readw(0x22) & 0xfff0) * 0x10000 + 0xfffff;
    expect(memLimit - memBase + 1).toBe(0x200000);
    expect(nic.readl(0x10)).toBe(memBase);
    expect(r.pciDevices.find((d) => d.name === '01:00.0')!.parent).toBe(devfn(5, 0));
    // PIIX swizzle across the bridge: pin A of 01:00.0 behind slot 5 → pci_irqs[(0 + 0 + 5 - 1) & 3]
    expect(nic.readb(0x3c)).toBe(10);
    expect(br.readw(0x3e) & 0x2).toBe(0x2); // SERR forwarding enabled
  });

  it('ends PCI setup like SeaBIOS panics when the 32-bit window cannot fit non-64-bit BARs', () => {
    const pc = qosPc({ ramSize: 0xe0000000, below4g: 0xe0000000 });
    pc.pci.addDevice(
      pciFunction('big', {
        vendorId: 0x1234,
        deviceId: 0x1,
        classCode: 0x030000,
        bars: [{ kind: 'mem32', size: 0x80000000 }],
      }),
      3,
    );
    const r = runPort(pc, { options: { tableLoader: false } });
    expect(r.pci?.panic).toBe('PCI: out of 32bit address space');
    expect(r.log).toContain('PCI: out of 32bit address space');
  });
});

describe('Q35', () => {
  it('reserves PCIEXBAR, opens the window above it, and sets up the ICH9 LPC', () => {
    // vmkit has no Q35 board: the MCH and the ICH9 LPC are plain @vmkit/pci functions with QEMU's
    // ids on a bare PCI host (device-specific config space writable, as QEMU's default wmask).
    const pc = qosPc({ chipset: 'none' });
    pc.pci.addDevice(
      pciFunction('mch', {
        vendorId: 0x8086,
        deviceId: 0x29c0,
        classCode: 0x060000,
        subsystem: [0x1af4, 0x1100],
      }),
      0,
    );
    pc.pci.addDevice(
      pciFunction('lpc', { vendorId: 0x8086, deviceId: 0x2918, classCode: 0x060100, multifunction: true }),
      0x1f,
    );
    pc.pci.addDevice(
      pciFunction('nic', {
        vendorId: 0x1234,
        deviceId: 0x1,
        classCode: 0x020000,
        interruptPin: 1,
        bars: [{ kind: 'mem32', size: 0x1000 }],
      }),
      3,
    );
    const r = runPort(pc, { options: { tableLoader: false } });
    for (const line of [
      'Running on QEMU (q35)',
      'PCIe: using q35 mmconfig at 0xb0000000',
      'PCI: 32: 00000000c0000000 - 00000000fec00000',
      'Q35 LPC init: elcr=00 0c',
      'Using pmtimer, ioport 0xb008',
    ]) {
      expect(r.log).toContain(line);
    }
    expect(r.e820).toContainEqual({ start: 0xb0000000, size: 0x10000000, type: E820_RESERVED });
    expect(r.e820).toContainEqual({ start: 0xfed1c000, size: 0x4000, type: E820_RESERVED });
    const lpc = fn(pc, 0, 0x1f);
    expect(fn(pc, 0, 0).readl(0x60)).toBe(0xb0000001);
    expect(lpc.readl(0x40)).toBe(0xb001);
    expect(cfgBytes(lpc, 0x60, 4)).toEqual([10, 10, 11, 11]);
    expect(cfgBytes(lpc, 0x68, 4)).toEqual([10, 10, 11, 11]);
    // mch_pci_slot_get_irq: slot 3, pin A → pci_irqs[(0 + 3) & 3]
    expect(fn(pc, 0, 3).readb(0x3c)).toBe(11);
  });
});
