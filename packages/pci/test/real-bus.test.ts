// Conformance on the real @vmkit/memory-bus classes.
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import {
  bdf,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  PCI_IO_BASE,
  PCI_IO_LIMIT,
  PCI_MEMORY_BASE,
  PCI_MEMORY_LIMIT,
  PCI_PREF_BASE_UPPER32,
  PCI_PREF_LIMIT_UPPER32,
  PCI_PREF_MEMORY_BASE,
  PCI_PREF_MEMORY_LIMIT,
  PCI_SECONDARY_BUS,
  PCI_SUBORDINATE_BUS,
  PciBridge,
  PciHost,
} from '../src/index.js';
import { RecordingHandler } from './fakes.js';
import { simpleDevice } from './helpers.js';

function machine() {
  const memory = new MemoryBus();
  const io = new IoBus();
  memory.addRam('ram', 0, 0x100000);
  const host = new PciHost({ memory, io });
  host.attachIo(io);
  const mmio = new RecordingHandler();
  const pio = new RecordingHandler();
  const rom = new Uint8Array(2048);
  rom.set([0x55, 0xaa, 0x04]);
  const dev = simpleDevice('dev', {
    bars: [
      { kind: 'io', size: 16, handler: pio },
      { kind: 'mem32', size: 0x1000, handler: mmio },
      { kind: 'mem64', size: 0x4000, prefetchable: true, handler: new RecordingHandler() },
    ],
    rom: { data: rom },
  });
  host.addDevice(dev, 4);
  const sel = (b: number, reg: number) => io.out32(0xcf8, (0x80000000 | (b << 8) | reg) >>> 0);
  return { memory, io, host, dev, mmio, pio, sel };
}

describe('on a real MemoryBus/IoBus', () => {
  it('mechanism #1 at every width and byte offset through IoBus ports', () => {
    const { io, dev, sel } = machine();
    for (let i = 0x40; i < 0x100; i++) dev.config.bytes[i] = i ^ 0x5a;
    const b = bdf(0, 4, 0);
    for (let reg = 0x40; reg < 0x100; reg += 4) {
      sel(b, reg);
      const want = [0, 1, 2, 3].map((k) => (reg + k) ^ 0x5a);
      expect(io.in32(0xcfc)).toBe((want[0] | (want[1] << 8) | (want[2] << 16) | (want[3] << 24)) >>> 0);
      for (let k = 0; k < 4; k++) expect(io.in8(0xcfc + k)).toBe(want[k]);
      expect(io.in16(0xcfc)).toBe(want[0] | (want[1] << 8));
      expect(io.in16(0xcfe)).toBe(want[2] | (want[3] << 8));
    }
    sel(b, 0x80);
    io.out8(0xcfd, 0x11);
    io.out16(0xcfe, 0x3322);
    io.out8(0xcfc, 0x00);
    expect(dev.config.get32(0x80)).toBe(0x33221100);
    expect(io.in32(0xcf8)).toBe(0x80002080);
    io.out16(0xcf8, 0);
    io.out8(0xcfb, 0);
    expect(io.in32(0xcf8)).toBe(0x80002080);
    sel(bdf(0, 5, 0), 0);
    expect(io.in32(0xcfc)).toBe(0xffffffff);
    // Straddling the end of 0xCFF: the IoBus splits per byte; lanes 0xCFD..0xCFF hit config
    // 0x41..0x43 and port 0xD00 is unassigned (0xff).
    sel(b, 0x40);
    expect(io.in32(0xcfd)).toBe(
      (0xff000000 | (((0x43 ^ 0x5a) << 16) | ((0x42 ^ 0x5a) << 8) | (0x41 ^ 0x5a))) >>> 0,
    );
    // Inside the region but across 0xCFB/0xCFC: the low half of CONFIG_ADDRESS, then config 0x40..0x41.
    expect(io.in32(0xcfa)).toBe((((0x41 ^ 0x5a) << 24) | ((0x40 ^ 0x5a) << 16) | 0x2040) >>> 0);
  });

  it('command register decode maps and unmaps each BAR kind', () => {
    const { memory, io, host, mmio, pio } = machine();
    const b = bdf(0, 4, 0);
    host.configWrite(b, 0x10, 4, 0xc100);
    host.configWrite(b, 0x14, 4, 0xfebf0000);
    host.configWrite(b, 0x18, 4, 0xfe000000);
    host.configWrite(b, 0x1c, 4, 0x1);
    host.configWrite(b, 0x30, 4, 0xfeb80001);
    expect(io.in8(0xc100)).toBe(0xff);
    expect(memory.read32(0xfebf0000)).toBe(0xffffffff);
    host.configWrite(b, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    io.out8(0xc105, 0x42);
    expect(pio.log).toEqual(['w1@5=42']);
    memory.write32(0xfebf0010, 0x12345678);
    expect(mmio.log).toEqual(['w4@10=12345678']);
    expect(memory.read16(0xfeb80000)).toBe(0xaa55);
    expect(memory.resolve(0x1_fe00_0000).read).toBe('dev BAR2');
    host.configWrite(b, PCI_COMMAND, 2, PCI_COMMAND_IO);
    expect(memory.read32(0xfebf0010)).toBe(0xffffffff);
    expect(memory.read16(0xfeb80000)).toBe(0xffff);
    expect(memory.resolve(0x1_fe00_0000).read).toBeNull();
    expect(io.in8(0xc105)).toBe(0x42);
    host.configWrite(b, PCI_COMMAND, 2, 0);
    expect(io.in8(0xc105)).toBe(0xff);
    // Re-enable at a new address: the same region handle moves.
    host.configWrite(b, 0x14, 4, 0xfea00000);
    host.configWrite(b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    expect(memory.resolve(0xfea00000).read).toBe('dev BAR1');
    expect(memory.resolve(0xfebf0000).read).toBeNull();
  });

  it('a BAR programmed over RAM does not hide RAM (PCI space below system memory, QEMU pc)', () => {
    const { memory, host } = machine();
    const b = bdf(0, 4, 0);
    memory.write32(0x80000, 0xcafef00d);
    host.configWrite(b, 0x14, 4, 0x80000);
    host.configWrite(b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    expect(host.findDevice(b)!.barInfo(1)!.address).toBe(0x80000);
    expect(memory.read32(0x80000)).toBe(0xcafef00d);
  });

  it('two functions may overlap their BARs (guest choice) without an exception', () => {
    const { memory, host } = machine();
    const other = new RecordingHandler();
    other.data[0] = 0x77;
    host.addDevice(simpleDevice('other', { bars: [{ kind: 'mem32', size: 0x1000, handler: other }] }), 5);
    host.configWrite(bdf(0, 4, 0), 0x14, 4, 0xfe000000);
    host.configWrite(bdf(0, 5, 0), 0x10, 4, 0xfe000000);
    host.configWrite(bdf(0, 4, 0), PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    host.configWrite(bdf(0, 5, 0), PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    expect(memory.read8(0xfe000000)).toBe(0x77); // most recently mapped wins
  });

  it('bridge forwarding: config cycles by bus number, BARs only inside enabled windows', () => {
    const { memory, io, host } = machine();
    const br = new PciBridge({ name: 'bridge', vendorId: 0x1b36, deviceId: 0x0001 });
    host.addDevice(br, 0x1e);
    const h = new RecordingHandler();
    const pio = new RecordingHandler();
    const child = simpleDevice('child', {
      bars: [
        { kind: 'mem32', size: 0x1000, handler: h },
        { kind: 'io', size: 0x100, handler: pio },
        { kind: 'mem64', size: 0x100000, prefetchable: true, handler: new RecordingHandler() },
      ],
    });
    br.secondaryBus.addDevice(child, 0);
    const bb = bdf(0, 0x1e, 0);
    const cb = bdf(1, 0, 0);
    // Before the bridge has a secondary bus number, bus 1 is unreachable.
    expect(host.configRead(cb, 0, 4)).toBe(0xffffffff);
    host.configWrite(bb, 0x18, 4, 0x00010100); // primary 0, secondary 1, subordinate 1
    expect(host.configRead(cb, 0, 4)).toBe(0x12348086);
    expect(host.configRead(bdf(2, 0, 0), 0, 4)).toBe(0xffffffff);
    expect(child.bdf).toBe(cb);
    // Program the child and enable its decode: nothing visible until the bridge forwards.
    host.configWrite(cb, 0x10, 4, 0xfe100000);
    host.configWrite(cb, 0x14, 4, 0x2000);
    host.configWrite(cb, 0x18, 4, 0x0000000c);
    host.configWrite(cb, 0x1c, 4, 0x1);
    host.configWrite(cb, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    expect(memory.resolve(0xfe100000).read).toBeNull();
    host.configWrite(bb, PCI_MEMORY_BASE, 2, 0xfe10);
    host.configWrite(bb, PCI_MEMORY_LIMIT, 2, 0xfe10);
    host.configWrite(bb, PCI_IO_BASE, 1, 0x20);
    host.configWrite(bb, PCI_IO_LIMIT, 1, 0x20);
    expect(memory.resolve(0xfe100000).read).toBeNull(); // bridge command still off
    host.configWrite(bb, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    expect(memory.resolve(0xfe100000).read).toBe('child BAR0');
    memory.write8(0xfe100003, 9);
    expect(h.log).toEqual(['w1@3=9']);
    expect(io.in8(0x2001)).toBe(0);
    expect(pio.log).toEqual(['r1@1']);
    // 64-bit prefetchable BAR at 4 GiB: needs the prefetchable window (64-bit type).
    expect(memory.resolve(0x1_0000_0000).read).toBeNull();
    expect(host.configRead(bb, PCI_PREF_MEMORY_BASE, 2)).toBe(0x0001);
    host.configWrite(bb, PCI_PREF_MEMORY_BASE, 2, 0x0000);
    host.configWrite(bb, PCI_PREF_MEMORY_LIMIT, 2, 0x0000);
    host.configWrite(bb, PCI_PREF_BASE_UPPER32, 4, 1);
    host.configWrite(bb, PCI_PREF_LIMIT_UPPER32, 4, 1);
    expect(br.prefetchableWindow()).toEqual({ base: 0x1_0000_0000, limit: 0x1_000f_ffff });
    expect(memory.resolve(0x1_0000_0000).read).toBe('child BAR2');
    // Shrinking the memory window below the BAR hides it again.
    host.configWrite(bb, PCI_MEMORY_BASE, 4, 0xfe00fe00);
    expect(memory.resolve(0xfe100000).read).toBeNull();
    // Bus numbers: subordinate range routing to a deeper bus.
    const br2 = new PciBridge({ name: 'bridge2', vendorId: 0x1b36, deviceId: 0x0001 });
    br.secondaryBus.addDevice(br2, 3);
    br2.secondaryBus.addDevice(simpleDevice('deep'), 0);
    host.configWrite(bdf(1, 3, 0), 0x18, 4, 0x00020201);
    expect(host.configRead(bdf(2, 0, 0), 0, 2)).toBe(0xffff); // bridge subordinate is still 1
    host.configWrite(bb, PCI_SUBORDINATE_BUS, 1, 2);
    expect(host.configRead(bdf(2, 0, 0), 0, 2)).toBe(0x8086);
    expect(host.configRead(bb, PCI_SECONDARY_BUS, 1)).toBe(1);
    expect(host.bus.describe()).toEqual([
      '00:04.0 dev (bus 0)',
      '00:1e.0 bridge (bus 0)',
      '01:00.0 child (bus 1)',
      '01:03.0 bridge2 (bus 1)',
      '02:00.0 deep (bus 2)',
    ]);
  });
});
