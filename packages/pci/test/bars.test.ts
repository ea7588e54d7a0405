import { describe, expect, it } from 'vitest';
import {
  bdf,
  ConfigSpace,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  PCI_ROM_SLOT,
  type PciEvent,
  PciHost,
  pciBarAddress,
} from '../src/index.js';
import { fakeSpaces, RecordingHandler } from './fakes.js';
import { mmioBar, simpleDevice } from './helpers.js';

function setup() {
  const s = fakeSpaces();
  const events: PciEvent[] = [];
  const host = new PciHost({ memory: s.memory, io: s.ioApi, onEvent: (e) => events.push(e) });
  const ioHandler = new RecordingHandler();
  const rom = new Uint8Array(3000);
  rom.set([0x55, 0xaa, 6]);
  const dev = simpleDevice('dev', {
    bars: [
      { kind: 'io', size: 32, handler: ioHandler },
      mmioBar(0x1000),
      { kind: 'mem64', size: 0x100000, prefetchable: true, handler: new RecordingHandler() },
      undefined,
      { kind: 'mem64', size: 0x4_0000_0000, prefetchable: true, handler: new RecordingHandler() },
    ],
    rom: { data: rom },
  });
  host.addDevice(dev, 2);
  const b = bdf(0, 2, 0);
  const rd = (o: number) => host.configRead(b, o, 4);
  const wr = (o: number, v: number) => host.configWrite(b, o, 4, v);
  return { ...s, host, dev, rd, wr, ioHandler, events };
}

describe('BAR sizing protocol', () => {
  it('reports type bits before sizing', () => {
    const { rd } = setup();
    expect(rd(0x10)).toBe(0x1); // I/O
    expect(rd(0x14)).toBe(0x0); // 32-bit memory
    expect(rd(0x18)).toBe(0xc); // 64-bit prefetchable
    expect(rd(0x1c)).toBe(0); // upper half of BAR2
    expect(rd(0x20)).toBe(0xc); // BAR4: 64-bit prefetchable
    expect(rd(0x24)).toBe(0); // upper half of BAR4
    expect(rd(0x30)).toBe(0);
  });
  it('all-ones write reads back the size mask with type bits (each BAR kind)', () => {
    const { rd, wr } = setup();
    for (const o of [0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x28, 0x30]) wr(o, 0xffffffff);
    expect(rd(0x10)).toBe(0xffffffe1); // 32 bytes of I/O
    expect(rd(0x14)).toBe(0xfffff000); // 4 KiB
    expect(rd(0x18)).toBe(0xfff0000c); // 1 MiB, 64-bit prefetchable, low dword
    expect(rd(0x1c)).toBe(0xffffffff); // high dword: all writable
    expect(rd(0x20)).toBe(0x0000000c); // 16 GiB: low dword has no writable address bits
    expect(rd(0x24)).toBe(0xfffffffc); // high dword: ~(4 - 1)
    expect(rd(0x28)).toBe(0); // CardBus CIS: read-only
    expect(rd(0x30)).toBe(0xfffff001); // ROM: 4 KiB (3000 bytes rounded up) + enable bit
    // SeaBIOS pci_bar sizing arithmetic recovers the sizes.
    expect(~(rd(0x10) & 0xfffffffc) + 1).toBe(32);
    expect((~(rd(0x14) & 0xfffffff0) >>> 0) + 1).toBe(0x1000);
    const size64 = (~((BigInt(rd(0x24)) << 32n) | BigInt(rd(0x20) & 0xfffffff0)) & 0xffffffffffffffffn) + 1n;
    expect(size64).toBe(0x4_0000_0000n);
    expect((~(rd(0x30) & 0xfffff800) >>> 0) + 1).toBe(0x1000);
  });
  it('restoring the original value after sizing works and nothing was mapped meanwhile', () => {
    const { rd, wr, mem, io } = setup();
    wr(0x14, 0xfebf0000);
    wr(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    expect(mem.enabledRegions()).toEqual([{ name: 'dev BAR1', base: 0xfebf0000, size: 0x1000 }]);
    // Sizing with decode on (sloppy firmware): the all-ones address is invalid → unmapped.
    wr(0x14, 0xffffffff);
    expect(mem.enabledRegions()).toEqual([]);
    wr(0x14, 0xfebf0000);
    expect(rd(0x14)).toBe(0xfebf0000);
    expect(mem.enabledRegions()).toEqual([{ name: 'dev BAR1', base: 0xfebf0000, size: 0x1000 }]);
    expect(io.enabledRegions()).toEqual([]); // I/O BAR still at 0 → invalid
  });
  it('rejects bad BAR definitions with clear errors', () => {
    expect(() => simpleDevice('x', { bars: [mmioBar(0x1800)] })).toThrow(
      /BAR0 size 6144 is not a power of two/,
    );
    expect(() =>
      simpleDevice('x', { bars: [{ kind: 'io', size: 2, handler: new RecordingHandler() }] }),
    ).toThrow(/I\/O size/);
    expect(() => simpleDevice('x', { bars: [mmioBar(8)] })).toThrow(/< 16/);
    expect(() =>
      simpleDevice('x', {
        bars: [undefined, undefined, undefined, undefined, undefined, mmioBar(16, 'mem64')],
      }),
    ).toThrow(/needs BAR6/);
    expect(() => simpleDevice('x', { bars: [mmioBar(16, 'mem64'), mmioBar(16)] })).toThrow(/upper half/);
    expect(() => simpleDevice('x', { bars: [{ kind: 'mem32', size: 16 }] })).toThrow(/handler or backing/);
    expect(() => simpleDevice('x', { rom: { data: new Uint8Array(16), size: 1024 } })).toThrow(/ROM size/);
  });
});

describe('BAR decode follows the command register', () => {
  it('I/O BAR maps on COMMAND.IO and unmaps when cleared', () => {
    const { wr, io, ioHandler, events } = setup();
    wr(0x10, 0xc001);
    expect(io.enabledRegions()).toEqual([]);
    wr(PCI_COMMAND, PCI_COMMAND_IO);
    expect(io.enabledRegions()).toEqual([{ name: 'dev BAR0', base: 0xc000, size: 32 }]);
    io.out16(0xc004, 0xabcd);
    expect(ioHandler.log).toEqual(['w2@4=abcd']);
    expect(events.filter((e) => e.kind === 'pci-bar-mapped')).toEqual([
      { kind: 'pci-bar-mapped', bdf: 0x10, device: 'dev', bar: 0, space: 'io', address: 0xc000, size: 32 },
    ]);
    wr(PCI_COMMAND, 0);
    expect(io.enabledRegions()).toEqual([]);
    expect(io.in16(0xc004)).toBe(0xffff);
    // Move while disabled, then enable at the new place.
    wr(0x10, 0xd020);
    wr(PCI_COMMAND, PCI_COMMAND_IO);
    expect(io.enabledRegions()).toEqual([{ name: 'dev BAR0', base: 0xd020, size: 32 }]);
    // Moving while enabled moves the region.
    wr(0x10, 0xe000);
    expect(io.enabledRegions()).toEqual([{ name: 'dev BAR0', base: 0xe000, size: 32 }]);
  });
  it('memory BARs (32 and 64-bit pairs) map on COMMAND.MEMORY', () => {
    const { wr, mem } = setup();
    wr(0x14, 0xfe000000);
    wr(0x18, 0xfd000000);
    wr(0x1c, 0);
    wr(0x20, 0);
    wr(0x24, 0x8); // BAR4/5 at 0x8_0000_0000
    wr(PCI_COMMAND, PCI_COMMAND_MEMORY);
    expect(mem.enabledRegions().sort((a, b) => a.base - b.base)).toEqual([
      { name: 'dev BAR2', base: 0xfd000000, size: 0x100000 },
      { name: 'dev BAR1', base: 0xfe000000, size: 0x1000 },
      { name: 'dev BAR4', base: 0x8_0000_0000, size: 0x4_0000_0000 },
    ]);
    // Upper dword of a 64-bit pair moves the BAR above 4 GiB.
    wr(0x1c, 0x1);
    expect(mem.enabledRegions().find((r) => r.name === 'dev BAR2')!.base).toBe(0x1_fd00_0000);
    wr(PCI_COMMAND, PCI_COMMAND_IO);
    expect(mem.enabledRegions()).toEqual([]);
  });
  it('ROM BAR needs both its enable bit and COMMAND.MEMORY; reads the ROM data', () => {
    const { wr, mem } = setup();
    wr(0x30, 0xfeb00000);
    wr(PCI_COMMAND, PCI_COMMAND_MEMORY);
    expect(mem.enabledRegions()).toEqual([]);
    wr(0x30, 0xfeb00001);
    expect(mem.enabledRegions()).toEqual([{ name: 'dev ROM', base: 0xfeb00000, size: 0x1000 }]);
    expect(mem.read16(0xfeb00000)).toBe(0xaa55);
    expect(mem.read8(0xfeb00002)).toBe(6);
    wr(PCI_COMMAND, 0);
    expect(mem.enabledRegions()).toEqual([]);
  });
  it('a backing array BAR reads and writes the array', () => {
    const s = fakeSpaces();
    const host = new PciHost({ memory: s.memory, io: s.ioApi });
    const vram = new Uint8Array(0x10000);
    host.addDevice(
      simpleDevice('vga', { bars: [{ kind: 'mem32', size: 0x10000, prefetchable: true, backing: vram }] }),
      2,
    );
    host.configWrite(0x10, 0x10, 4, 0xfd000000);
    host.configWrite(0x10, 4, 2, PCI_COMMAND_MEMORY);
    s.mem.write32(0xfd000010, 0xdeadbeef);
    expect(vram[0x10]).toBe(0xef);
    vram[0x20] = 0x42;
    expect(s.mem.read8(0xfd000020)).toBe(0x42);
  });
  it('a guest-chosen overlapping address the bus refuses leaves the BAR unmapped and reports', () => {
    const s = fakeSpaces();
    const events: PciEvent[] = [];
    const host = new PciHost({ memory: s.memory, io: s.ioApi, onEvent: (e) => events.push(e) });
    host.addDevice(simpleDevice('a', { bars: [mmioBar(0x1000)] }), 1);
    host.addDevice(simpleDevice('b', { bars: [mmioBar(0x1000)] }), 2);
    for (const d of [1, 2]) {
      host.configWrite(bdf(0, d, 0), 0x10, 4, 0xfe000000);
      host.configWrite(bdf(0, d, 0), 4, 2, PCI_COMMAND_MEMORY);
    }
    expect(s.mem.enabledRegions()).toEqual([{ name: 'a BAR0', base: 0xfe000000, size: 0x1000 }]);
    expect(events.find((e) => e.kind === 'pci-bar-map-failed')).toMatchObject({
      device: 'b',
      bar: 0,
      address: 0xfe000000,
    });
    expect(host.findDevice(bdf(0, 2, 0))!.barInfo(0)!.address).toBeNull();
    // Move b elsewhere: now it maps.
    host.configWrite(bdf(0, 2, 0), 0x10, 4, 0xfe001000);
    expect(host.findDevice(bdf(0, 2, 0))!.barInfo(0)!.address).toBe(0xfe001000);
  });
});

describe('pciBarAddress (QEMU hw/pci/pci.c rules)', () => {
  const cfg = new ConfigSpace();
  const at = (v: number, kind: 'io' | 'mem32' | 'mem64' | 'rom', size: number, cmd: number, hi = 0) => {
    cfg.set32(0x10, v);
    cfg.set32(0x14, hi);
    return pciBarAddress(cfg, 0x10, kind, size, cmd);
  };
  const M = PCI_COMMAND_MEMORY;
  it('address 0 is unmapped', () => {
    expect(at(0, 'mem32', 0x1000, M)).toBe(-1);
    expect(at(1, 'io', 0x20, PCI_COMMAND_IO)).toBe(-1);
  });
  it('32-bit BAR whose last byte reaches 0xffffffff is unmapped (sizing value)', () => {
    expect(at(0xfffff000, 'mem32', 0x1000, M)).toBe(-1);
    expect(at(0xffffe000, 'mem32', 0x1000, M)).toBe(0xffffe000);
    expect(at(0xfffffff0, 'mem32', 16, M)).toBe(-1);
  });
  it('64-bit BAR may sit above 4 GiB; all-ones is unmapped; beyond 2^53 unmapped', () => {
    expect(at(0xfffff00c, 'mem64', 0x1000, M, 0)).toBe(0xfffff000);
    expect(at(0x0000000c, 'mem64', 0x1000, M, 0x10)).toBe(0x10_0000_0000);
    expect(at(0xfffff00c, 'mem64', 0x1000, M, 0xffffffff)).toBe(-1);
    expect(at(0x0000000c, 'mem64', 0x1000, M, 0x200000)).toBe(-1);
  });
  it('decode enable bits', () => {
    expect(at(0xfe000000, 'mem32', 0x1000, PCI_COMMAND_IO)).toBe(-1);
    expect(at(0xc001, 'io', 0x20, M)).toBe(-1);
    expect(at(0xc001, 'io', 0x20, PCI_COMMAND_IO)).toBe(0xc000);
    expect(at(0xfe000000, 'rom', 0x1000, M)).toBe(-1);
    expect(at(0xfe000001, 'rom', 0x1000, M)).toBe(0xfe000000);
  });
  it('I/O BARs outside the 64 KiB port space are unmapped', () => {
    expect(at(0x10001, 'io', 0x20, PCI_COMMAND_IO)).toBe(-1);
    expect(at(0xffe1, 'io', 0x20, PCI_COMMAND_IO)).toBe(0xffe0);
    expect(at(0xffffffe1, 'io', 0x20, PCI_COMMAND_IO)).toBe(-1);
  });
  it('ROM slot index is 6', () => {
    expect(PCI_ROM_SLOT).toBe(6);
  });
});
