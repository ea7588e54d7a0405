import { describe, expect, it } from 'vitest';
import type { BusEvent, IoHandler, RouteTarget } from '../src/index.js';
import { IoBus, MemoryBus, PACKAGE_NAME, PAGE_SIZE } from '../src/index.js';

/** The array backing reads (rbuf) or writes (wbuf) of page p, or null: `bufs[readIdx[p]]`. */
const rbuf = (bus: MemoryBus, p: number) => bus.pages.bufs[bus.pages.readIdx[p]!] ?? null;
const wbuf = (bus: MemoryBus, p: number) => bus.pages.bufs[bus.pages.writeIdx[p]!] ?? null;

/** A recording MMIO/PIO handler: reads return offset-derived values. */
function recorder() {
  const log: string[] = [];
  const h: IoHandler = {
    read(offset, size) {
      log.push(`r${size}@${offset}`);
      return (0x11223344 + offset) & (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff);
    },
    write(offset, size, value) {
      log.push(`w${size}@${offset}=${value.toString(16)}`);
    },
  };
  return { h, log };
}

/** Small seeded PRNG (mulberry32) for the fuzz test. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('package', () => {
  it('exports its name', () => {
    expect(PACKAGE_NAME).toBe('@vmkit/memory-bus');
  });
});

describe('MemoryBus RAM / ROM / unassigned', () => {
  it('reads and writes RAM little-endian at every width', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x10000);
    bus.write32(0x100, 0x11223344);
    expect(bus.read8(0x100)).toBe(0x44);
    expect(bus.read8(0x103)).toBe(0x11);
    expect(bus.read16(0x101)).toBe(0x2233);
    expect(bus.read32(0x100)).toBe(0x11223344);
    bus.write64(0x200, 0x8877665544332211n);
    expect(bus.read64(0x200)).toBe(0x8877665544332211n);
    expect(bus.read32(0x204)).toBe(0x88776655);
    bus.write16(0x300, 0x1abcd); // masked to 16 bits
    expect(bus.read32(0x300)).toBe(0xabcd);
    bus.write32(0x400, -1); // negative treated as 32-bit pattern
    expect(bus.read32(0x400)).toBe(0xffffffff);
  });

  it('unassigned reads return all-ones of the width; writes are dropped and traced', () => {
    const bus = new MemoryBus();
    const events: BusEvent[] = [];
    bus.setTracer((e) => events.push(e));
    expect(bus.read8(0x1234)).toBe(0xff);
    expect(bus.read16(0x1234)).toBe(0xffff);
    expect(bus.read32(0x1234)).toBe(0xffffffff);
    expect(bus.read64(0x1234)).toBe(0xffffffffffffffffn);
    bus.write32(0x5000, 0xdead);
    expect(events).toContainEqual({ kind: 'unassigned-read', space: 'mem', addr: 0x1234, size: 1 });
    expect(events).toContainEqual({
      kind: 'unassigned-write',
      space: 'mem',
      addr: 0x5000,
      size: 4,
      value: 0xdead,
    });
    bus.setTracer(null);
    const n = events.length;
    bus.read8(0);
    expect(events.length).toBe(n);
  });

  it('ROM reads data, drops writes with a rom-write event, and copies the input', () => {
    const bus = new MemoryBus();
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    bus.addRom('rom', 0xf0000, data);
    data[0] = 99;
    const events: BusEvent[] = [];
    bus.setTracer((e) => events.push(e));
    expect(bus.read32(0xf0000)).toBe(0x04030201);
    bus.write8(0xf0001, 0xaa);
    expect(bus.read8(0xf0001)).toBe(2);
    expect(events).toContainEqual({ kind: 'rom-write', region: 'rom', addr: 0xf0001, size: 1, value: 0xaa });
    expect(bus.read8(0xf0008)).toBe(0xff); // past the ROM
  });

  it('addresses above 4 GiB work through the slow path', () => {
    const bus = new MemoryBus();
    bus.addRam('high', 0x1_0000_0000, 0x2000_0000);
    bus.write32(0x1_0000_0ffe, 0xa1b2c3d4);
    expect(bus.read32(0x1_0000_0ffe)).toBe(0xa1b2c3d4);
    expect(bus.read16(0x1_0000_1000)).toBe(0xa1b2);
    expect(bus.read8(0x1_2000_0000)).toBe(0xff);
  });

  it('a 3.5 GiB RAM bus is created quickly and allocates lazily per chunk', () => {
    const t0 = process.hrtime.bigint();
    const bus = new MemoryBus();
    bus.addRam('ram-below-4g', 0, 0xe000_0000);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(ms).toBeLessThan(2000);
    expect(bus.allocatedBytes()).toBe(0);
    expect(bus.read32(0xd000_0000)).toBe(0); // untouched reads are zero and allocate nothing
    expect(bus.allocatedBytes()).toBe(0);
    expect(rbuf(bus, 0xd0000)).toBeNull();
    bus.write8(0xd000_0005, 7);
    expect(bus.allocatedBytes()).toBe(1024 * 1024);
    // the pages of that chunk now have fast-path arrays, all pointing at the same chunk
    const p = 0xd0000;
    expect(rbuf(bus, p)).not.toBeNull();
    expect(wbuf(bus, p + 255)).toBe(rbuf(bus, p));
    expect(bus.pages.readOff[p + 1]).toBe(PAGE_SIZE);
    expect(rbuf(bus, p + 256)).toBeNull();
    expect(bus.read8(0xd000_0005)).toBe(7);
    // bulk zero reads across untouched chunks don't allocate either
    expect(bus.readBytes(0x1000_0000, 3 * 1024 * 1024).every((b) => b === 0)).toBe(true);
    expect(bus.allocatedBytes()).toBe(1024 * 1024);
  });

  it('small RAM is one array shared by all page-table entries', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x80_0000);
    bus.write8(0, 1);
    const first = rbuf(bus, 0);
    expect(first).not.toBeNull();
    expect(first!.length).toBe(0x80_0000);
    expect(rbuf(bus, 0x7ff)).toBe(first);
    expect(bus.pages.readOff[0x7ff]).toBe(0x7ff000);
  });
});

describe('fast page path', () => {
  it('page-table RAM access agrees with bus accessors', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x100000);
    bus.write8(0x3000, 0); // allocate
    const { writeOff, readOff } = bus.pages;
    const p = 0x3456 >>> 12;
    wbuf(bus, p)![writeOff[p]! + (0x3456 & 0xfff)] = 0x5a;
    expect(bus.read8(0x3456)).toBe(0x5a);
    bus.write8(0x3457, 0xa5);
    expect(rbuf(bus, p)![readOff[p]! + 0x457]).toBe(0xa5);
  });

  it('ROM pages are readable but not writable through the tables; MMIO pages are neither', () => {
    const bus = new MemoryBus();
    const rom = new Uint8Array(0x2000).fill(0x42);
    bus.addRom('rom', 0xe000, rom);
    bus.addMmio('dev', 0x20000, 0x1000, recorder().h);
    expect(rbuf(bus, 0xe)![bus.pages.readOff[0xe]]).toBe(0x42);
    expect(wbuf(bus, 0xe)).toBeNull();
    expect(rbuf(bus, 0x20)).toBeNull();
    expect(wbuf(bus, 0x20)).toBeNull();
  });

  it('a page only partly covered by RAM takes the slow path', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x1800);
    bus.write8(0, 1);
    expect(rbuf(bus, 0)).not.toBeNull();
    expect(rbuf(bus, 1)).toBeNull();
    bus.write8(0x17ff, 9);
    expect(bus.read8(0x17ff)).toBe(9);
    expect(bus.read16(0x17ff)).toBe(0xff09);
  });

  it('generation increments and listeners run on every map change', () => {
    const bus = new MemoryBus();
    const seen: number[] = [];
    const off = bus.onMapChange((g) => seen.push(g));
    const g0 = bus.generation;
    const ram = bus.addRam('ram', 0, 0x10000);
    const bar = bus.addMmio('bar', 0x8000_0000, 0x1000, recorder().h);
    bar.move(0x9000_0000);
    bar.setEnabled(false);
    bus.setRouting(0, 0x4000, 'rom', 'ram');
    ram.remove();
    expect(bus.generation).toBe(g0 + 6);
    expect(seen).toEqual([g0 + 1, g0 + 2, g0 + 3, g0 + 4, g0 + 5, g0 + 6]);
    off();
    bus.addRam('x', 0, 0x1000);
    expect(seen.length).toBe(6);
  });
});

describe('MMIO handlers', () => {
  it('get region-relative offsets and sizes 1/2/4; 8-byte accesses split low half first', () => {
    const bus = new MemoryBus();
    const { h, log } = recorder();
    bus.addMmio('dev', 0xfee00000, 0x1000, h);
    expect(bus.read32(0xfee00010)).toBe(0x11223354);
    expect(bus.read16(0xfee00002)).toBe(0x3346);
    bus.write8(0xfee00fff, 0x1ff);
    bus.write64(0xfee00100, 0x0000000200000001n);
    expect(bus.read64(0xfee00200)).toBe((BigInt(0x11223344 + 0x204) << 32n) | BigInt(0x11223344 + 0x200));
    expect(log).toEqual(['r4@16', 'r2@2', 'w1@4095=ff', 'w4@256=1', 'w4@260=2', 'r4@512', 'r4@516']);
  });

  it('uses read64/write64 when the handler provides them', () => {
    const bus = new MemoryBus();
    const calls: string[] = [];
    bus.addMmio('q', 0x1000, 0x100, {
      read: () => 0,
      write: () => {},
      read64: (o) => {
        calls.push(`r64@${o}`);
        return 0x0102030405060708n;
      },
      write64: (o, v) => {
        calls.push(`w64@${o}=${v.toString(16)}`);
      },
    });
    expect(bus.read64(0x1008)).toBe(0x0102030405060708n);
    bus.write64(0x1010, 0xffn);
    expect(calls).toEqual(['r64@8', 'w64@16=ff']);
  });

  it('accesses straddling region boundaries are split per byte', () => {
    const bus = new MemoryBus();
    const { h, log } = recorder();
    bus.addRam('ram', 0, 0x1000);
    bus.addMmio('dev', 0x1000, 0x10, h);
    bus.write32(0xffc, 0x04030201);
    expect(bus.read32(0xffe)).toBe(((0x44 + 1) << 24) | (0x44 << 16) | 0x0403);
    bus.write32(0xffe, 0xaabbccdd);
    expect(log).toEqual(['r1@0', 'r1@1', 'w1@0=bb', 'w1@1=aa']);
    expect(bus.read16(0xffe)).toBe(0xccdd);
    // MMIO then unassigned
    expect(bus.read32(0x100e)).toBe(
      (0xffff0000 | (((0x11223344 + 0xf) & 0xff) << 8) | ((0x11223344 + 0xe) & 0xff)) >>> 0,
    );
  });

  it('read64 straddling RAM and unassigned', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x1000);
    bus.write32(0xffc, 0x11223344);
    expect(bus.read64(0xffc)).toBe(0xffffffff11223344n);
  });
});

describe('aliases', () => {
  it('show the same RAM at two addresses, with shared fast-path arrays', () => {
    const bus = new MemoryBus();
    const ram = bus.addRam('ram', 0, 0x100000);
    bus.addAlias('ram-alias', 0x8000_0000, ram, 0x10000, 0x10000);
    bus.write32(0x10010, 0xcafebabe);
    expect(bus.read32(0x8000_0010)).toBe(0xcafebabe);
    bus.write8(0x8000_ffff, 0x77);
    expect(bus.read8(0x1ffff)).toBe(0x77);
    expect(rbuf(bus, 0x80000)).toBe(rbuf(bus, 0x10));
    expect(bus.pages.readOff[0x80000]).toBe(bus.pages.readOff[0x10]);
    expect(bus.read8(0x8001_0000)).toBe(0xff);
  });

  it('of ROM and of MMIO; an alias follows its target when the target moves; a disabled target hides the alias', () => {
    const bus = new MemoryBus();
    const rom = bus.addRom(
      'bios',
      0xfffe0000,
      new Uint8Array(0x20000).map((_, i) => i & 0xff),
    );
    bus.addAlias('isa-bios', 0xe0000, rom, 0, 0x20000);
    expect(bus.read8(0xe0005)).toBe(5);
    expect(bus.read8(0xfffe0005)).toBe(5);
    const { h, log } = recorder();
    const dev = bus.addMmio('dev', 0x4000_0000, 0x100, h);
    const a = bus.addAlias('dev-alias', 0x5000_0000, dev, 0x80, 0x80);
    bus.read8(0x5000_0001);
    expect(log).toEqual(['r1@129']);
    dev.move(0x4100_0000);
    bus.read8(0x5000_0001);
    expect(log).toEqual(['r1@129', 'r1@129']);
    dev.setEnabled(false);
    expect(bus.read8(0x5000_0001)).toBe(0xff);
    dev.setEnabled(true);
    expect(() => dev.remove()).toThrow(/alias "dev-alias" still targets it/);
    a.remove();
    dev.remove();
    expect(bus.read8(0x4100_0000)).toBe(0xff);
  });

  it('rejects a window outside the target', () => {
    const bus = new MemoryBus();
    const ram = bus.addRam('ram', 0, 0x1000);
    expect(() => bus.addAlias('bad', 0x10000, ram, 0x800, 0x1000)).toThrow(/target window .* outside "ram"/);
  });
});

describe('priorities and overlap', () => {
  it('highest priority wins; removing it reveals the lower one', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x100000);
    bus.write32(0xa0000, 0x12345678);
    const { h } = recorder();
    const vga = bus.addMmio('vga', 0xa0000, 0x20000, h, { priority: 1 });
    expect(bus.read32(0xa0000)).toBe(0x11223344);
    expect(rbuf(bus, 0xa0)).toBeNull();
    vga.setEnabled(false);
    expect(bus.read32(0xa0000)).toBe(0x12345678);
    expect(rbuf(bus, 0xa0)).not.toBeNull();
    vga.setEnabled(true);
    vga.remove();
    expect(bus.read32(0xa0000)).toBe(0x12345678);
  });

  it('same-priority overlap fails with an Error naming both regions', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x100000);
    expect(() => bus.addMmio('hpet', 0x8000, 0x400, recorder().h)).toThrow(/"hpet".*overlaps region "ram"/);
    const a = bus.addMmio('a', 0xf000_0000, 0x1000, recorder().h);
    const b = bus.addMmio('b', 0xf000_1000, 0x1000, recorder().h);
    expect(() => b.move(0xf000_0800)).toThrow(/"b".*"a"/);
    expect(b.base).toBe(0xf000_1000);
    // disabled regions don't conflict until enabled
    const c = bus.addMmio('c', 0xf000_0000, 0x1000, recorder().h, { enabled: false });
    expect(() => c.setEnabled(true)).toThrow(/"c".*"a"/);
    a.setEnabled(false);
    c.setEnabled(true);
    expect(bus.resolve(0xf000_0000).read).toBe('c');
  });

  it('mayOverlap regions overlap same-priority regions; the most recently mapped wins', () => {
    const bus = new MemoryBus();
    const x = bus.addMmio('bar-x', 0xe000_0000, 0x1000, recorder().h, { mayOverlap: true });
    const y = bus.addMmio('bar-y', 0xe000_1000, 0x1000, recorder().h, { mayOverlap: true });
    y.move(0xe000_0000);
    expect(bus.resolve(0xe000_0000).read).toBe('bar-y');
    x.setEnabled(false);
    x.setEnabled(true);
    expect(bus.resolve(0xe000_0000).read).toBe('bar-x');
  });

  it('moving a BAR updates page tables and lookups at both places', () => {
    const bus = new MemoryBus();
    const vram = bus.addRam('vram', 0xfd00_0000, 0x10000, { priority: 1 });
    bus.write8(0xfd00_0000, 0x33);
    const g = bus.generation;
    expect(rbuf(bus, 0xfd000)).not.toBeNull();
    vram.move(0xe000_0000);
    expect(bus.generation).toBe(g + 1);
    expect(rbuf(bus, 0xfd000)).toBeNull();
    expect(rbuf(bus, 0xe0000)).not.toBeNull();
    expect(bus.read8(0xe000_0000)).toBe(0x33);
    expect(bus.read8(0xfd00_0000)).toBe(0xff);
    expect(vram.base).toBe(0xe000_0000);
  });
});

describe('PAM-style routing', () => {
  function pamBus() {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x100000);
    const bios = new Uint8Array(0x20000).fill(0xb0);
    const rom = bus.addRom('bios', 0xfffe0000, bios);
    bus.addAlias('isa-bios', 0xe0000, rom, 0, 0x20000, { priority: 1 });
    return bus;
  }
  const combos: Array<[RouteTarget, RouteTarget]> = [];
  for (const r of ['ram', 'rom', 'none'] as const)
    for (const w of ['ram', 'rom', 'none'] as const) combos.push([r, w]);

  it.each(combos)('read→%s write→%s', (read, write) => {
    const bus = pamBus();
    // put a known value in the RAM underneath first (full RAM routing)
    bus.setRouting(0xf0000, 0x10000, 'ram', 'ram');
    bus.write8(0xf0010, 0x5a);
    bus.setRouting(0xf0000, 0x10000, read, write);
    const events: BusEvent[] = [];
    bus.setTracer((e) => events.push(e));
    const expectedRead = (ramVal: number) => (read === 'ram' ? ramVal : read === 'rom' ? 0xb0 : 0xff);
    expect(bus.read8(0xf0010)).toBe(expectedRead(0x5a));
    bus.write8(0xf0010, 0xa5);
    const ramNow = write === 'ram' ? 0xa5 : 0x5a;
    expect(bus.read8(0xf0010)).toBe(expectedRead(ramNow));
    if (write === 'rom') expect(events.some((e) => e.kind === 'rom-write')).toBe(true);
    if (write === 'none') expect(events.some((e) => e.kind === 'unassigned-write')).toBe(true);
    // confirm the RAM content by switching to full RAM
    bus.setRouting(0xf0000, 0x10000, 'ram', 'ram');
    expect(bus.read8(0xf0010)).toBe(ramNow);
    // the page tables follow the routing: fast read only for ram/rom, fast write only for ram
    bus.setRouting(0xf0000, 0x10000, read, write);
    expect(rbuf(bus, 0xf0) !== null).toBe(read !== 'none');
    expect(wbuf(bus, 0xf0) !== null).toBe(write === 'ram');
    // outside the routed range the alias (priority 1) still wins
    expect(bus.read8(0xe0000)).toBe(0xb0);
  });

  it('later calls replace earlier ones only where they overlap; clearRouting restores priority', () => {
    const bus = pamBus();
    bus.setRouting(0xe0000, 0x20000, 'ram', 'ram');
    bus.setRouting(0xe4000, 0x4000, 'rom', 'ram');
    expect(bus.resolve(0xe0000)).toEqual({ read: 'ram', write: 'ram' });
    expect(bus.resolve(0xe4000)).toEqual({ read: 'bios', write: 'ram' });
    expect(bus.resolve(0xe8000)).toEqual({ read: 'ram', write: 'ram' });
    bus.clearRouting(0xe0000, 0x20000);
    expect(bus.resolve(0xe8000)).toEqual({ read: 'bios', write: 'bios' });
  });

  it('routing does not override a higher-priority MMIO region', () => {
    const bus = pamBus();
    bus.addMmio('smram-window', 0xf0000, 0x1000, recorder().h, { priority: 5 });
    bus.setRouting(0xf0000, 0x10000, 'ram', 'ram');
    expect(bus.resolve(0xf0000).read).toBe('smram-window');
    expect(bus.resolve(0xf1000).read).toBe('ram');
  });

  it('rejects unknown targets', () => {
    const bus = pamBus();
    expect(() => bus.setRouting(0xf0000, 0x10000, 'flash' as RouteTarget, 'ram')).toThrow(
      /read target flash/,
    );
  });
});

describe('bulk operations', () => {
  it('readBytes/writeBytes/fill/copy across RAM, ROM, MMIO and holes', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x3000, { chunkSize: 0x1000 });
    bus.addRom('rom', 0x3000, new Uint8Array([9, 8, 7, 6]));
    const { h, log } = recorder();
    bus.addMmio('dev', 0x3004, 2, h);
    const data = new Uint8Array(0x1800).map((_, i) => (i * 7) & 0xff);
    bus.writeBytes(0x800, data); // crosses a chunk boundary
    expect(bus.readBytes(0x800, 0x1800)).toEqual(data);
    const out = bus.readBytes(0x2ffe, 10);
    expect([...out]).toEqual([0, 0, 9, 8, 7, 6, 0x44, 0x45, 0xff, 0xff]);
    expect(log).toEqual(['r1@0', 'r1@1']);
    bus.fill(0x2ff0, 0x20, 0x1ee);
    expect(bus.read32(0x2ffc)).toBe(0xeeeeeeee);
    expect(log.slice(2)).toEqual(['w1@0=ee', 'w1@1=ee']);
    expect(bus.read8(0x3000)).toBe(9);
    // overlapping copies behave like memmove
    const seq = new Uint8Array(16).map((_, i) => i);
    bus.writeBytes(0x100, seq);
    bus.copy(0x104, 0x100, 12);
    expect([...bus.readBytes(0x100, 16)]).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    bus.writeBytes(0x100, seq);
    bus.copy(0x100, 0x104, 12);
    expect([...bus.readBytes(0x100, 16)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 12, 13, 14, 15]);
    const into = new Uint8Array(4);
    expect(bus.readBytes(0x100, 4, into)).toBe(into);
    expect(() => bus.readBytes(0, -1)).toThrow(/length -1/);
    expect(() => bus.readBytes(0, 8, into)).toThrow(/'into' holds 4 bytes/);
  });
});

describe('watchWrites', () => {
  it('reports pages written through the bus and bulk paths, not reads', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x100000);
    const pages: number[] = [];
    const off = bus.watchWrites((p) => pages.push(p));
    bus.write8(0x1000, 1);
    bus.write32(0x2ffe, 1); // straddles pages 2 and 3
    bus.writeBytes(0x5ff0, new Uint8Array(0x20));
    bus.fill(0x8000, 1, 0);
    bus.copy(0x9000, 0x1000, 4);
    bus.read32(0x1000);
    expect(pages).toEqual([1, 2, 3, 5, 6, 8, 9]);
    off();
    bus.write8(0x1000, 2);
    expect(pages.length).toBe(7);
  });
});

describe('bad registrations', () => {
  it('throw clear errors', () => {
    const bus = new MemoryBus();
    expect(() => bus.addRam('r', -1, 0x1000)).toThrow(/addRam "r": base -1/);
    expect(() => bus.addRam('r', 0, 0)).toThrow(/size 0 is not a positive integer/);
    expect(() => bus.addRam('r', 0.5, 0x1000)).toThrow(/base 0.5/);
    expect(() => bus.addRam('r', 2 ** 52 - 0x1000, 0x2000)).toThrow(/extends past/);
    expect(() => bus.addRam('r', 0, 0x1000, { chunkSize: 3000 })).toThrow(/chunkSize 3000/);
    expect(() => bus.addRam('', 0, 0x1000)).toThrow(/name must be a non-empty string/);
    expect(() => bus.addMmio('m', 0, 4, {} as IoHandler)).toThrow(/handler must be an object/);
    expect(() => bus.addRom('rom', 0, [1, 2] as unknown as Uint8Array)).toThrow(/data must be a Uint8Array/);
    expect(() => bus.addRam('r', 0, 0x1000, { priority: Number.NaN })).toThrow(/priority NaN/);
    const r = bus.addRam('r', 0, 0x1000);
    r.remove();
    expect(() => r.move(0x2000)).toThrow(/move "r": region was removed/);
    expect(() => r.remove()).toThrow(/region was removed/);
    const other = new MemoryBus().addRam('o', 0, 0x1000);
    expect(() => bus.addAlias('a', 0, other, 0, 0x1000)).toThrow(/not a live region of this bus/);
  });
});

describe('guest accesses never throw (seeded fuzz)', () => {
  it('survives thousands of random accesses over a busy map', () => {
    const bus = new MemoryBus();
    const io = new IoBus();
    const { h } = recorder();
    const ram = bus.addRam('ram', 0, 0x200000, { chunkSize: 0x10000 });
    bus.addRom('rom', 0xfffe0000, new Uint8Array(0x20000).fill(0x90));
    bus.addAlias('isa', 0xe0000, ram, 0x1000, 0x20000, { priority: 1 });
    bus.addMmio('mmio', 0xfec00000, 0x1000, h);
    bus.addRam('high', 0x1_0000_0000, 0x100000);
    bus.setRouting(0xf0000, 0x10000, 'rom', 'ram');
    io.addPio('pio', 0x60, 5, h);
    io.addPio('top', 0xfffe, 2, h);
    bus.setTracer(() => {});
    io.setTracer(() => {});
    const next = rng(12345);
    const interesting = [
      0,
      0xfff,
      0xe0000,
      0xf0000,
      0xfec00000,
      0xfffe0000,
      0xffffffff,
      0x1_0000_0000,
      2 ** 52 - 2,
    ];
    for (let i = 0; i < 5000; i++) {
      const r = next();
      const base = interesting[Math.floor(next() * interesting.length)];
      const addr = next() < 0.5 ? base + Math.floor(next() * 16) - 8 : Math.floor(next() * 2 ** 33);
      const v = Math.floor(next() * 2 ** 32);
      const op = Math.floor(r * 12);
      const port = Math.floor(next() * 0x20000) - 0x100;
      expect(() => {
        switch (op) {
          case 0:
            expect(bus.read8(addr)).toBeLessThanOrEqual(0xff);
            break;
          case 1:
            expect(bus.read16(addr)).toBeLessThanOrEqual(0xffff);
            break;
          case 2: {
            const x = bus.read32(addr);
            expect(x >= 0 && x <= 0xffffffff).toBe(true);
            break;
          }
          case 3:
            bus.read64(addr);
            break;
          case 4:
            bus.write8(addr, v);
            break;
          case 5:
            bus.write16(addr, v);
            break;
          case 6:
            bus.write32(addr, v);
            break;
          case 7:
            bus.write64(addr, BigInt(v) * 0x10001n);
            break;
          case 8:
            bus.readBytes(addr, Math.floor(next() * 64));
            break;
          case 9:
            io.in32(port) <= 0xffffffff || expect.fail('in32 out of range');
            io.in16(port);
            io.in8(port);
            break;
          case 10:
            io.out32(port, v);
            io.out16(port, v);
            io.out8(port, v);
            break;
          default:
            bus.fill(addr, Math.floor(next() * 64), v);
        }
      }).not.toThrow();
    }
  });
});

describe('lazy chunks seen through aliases, inspection helpers', () => {
  it('a first write through an alias allocates the chunk and fills both mappings in the page tables', () => {
    const bus = new MemoryBus();
    const ram = bus.addRam('ram', 0, 0x4000000); // 64 MiB → 1 MiB chunks
    bus.addAlias('window', 0xc000_0000, ram, 0x200000, 0x100000);
    expect(rbuf(bus, 0x200)).toBeNull();
    bus.write32(0xc000_0010, 0x11223344);
    expect(bus.allocatedBytes()).toBe(0x100000);
    expect(rbuf(bus, 0x200)).not.toBeNull();
    expect(wbuf(bus, 0xc0000)).toBe(rbuf(bus, 0x200));
    expect(bus.read32(0x200010)).toBe(0x11223344);
  });

  it('a ROM that ends mid-page leaves that page on the slow path', () => {
    const bus = new MemoryBus();
    bus.addRom('opt', 0xc0000, new Uint8Array(0x1800).fill(0xaa));
    expect(rbuf(bus, 0xc0)).not.toBeNull();
    expect(rbuf(bus, 0xc1)).toBeNull();
    expect(bus.read16(0xc17ff)).toBe(0xffaa);
  });

  it('resolve() and listRegions() describe the map', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x100000);
    bus.addMmio('dev', 0xfee00000, 0x1000, recorder().h, { priority: 2, enabled: false });
    expect(bus.resolve(0x1000)).toEqual({ read: 'ram', write: 'ram' });
    expect(bus.resolve(0xfee00000)).toEqual({ read: null, write: null });
    expect(bus.listRegions()).toEqual([
      { name: 'ram', kind: 'ram', base: 0, size: 0x100000, priority: 0, enabled: true },
      { name: 'dev', kind: 'mmio', base: 0xfee00000, size: 0x1000, priority: 2, enabled: false },
    ]);
  });
});

describe('IoBus overlap for guest-programmed windows', () => {
  it('mayOverlap PIO regions: the most recently mapped wins, and disabling reveals the other', () => {
    const io = new IoBus();
    const a = recorder();
    const b = recorder();
    io.addPio('bar-a', 0xc000, 0x40, a.h, { priority: 1, mayOverlap: true });
    const rb = io.addPio('bar-b', 0xc100, 0x40, b.h, { priority: 1, mayOverlap: true });
    rb.move(0xc020);
    io.in8(0xc030);
    io.in8(0xc010);
    expect(b.log).toEqual(['r1@16']);
    expect(a.log).toEqual(['r1@16']);
    rb.setEnabled(false);
    io.in8(0xc030);
    expect(a.log).toEqual(['r1@16', 'r1@48']);
  });
});

describe('page tables after map changes (seeded differential)', () => {
  // The page tables are refreshed a run of pages at a time; this recomputes every page one by one
  // from the flattened segments (the bus's private view, read here on purpose) and compares.
  type Seg = {
    start: number;
    end: number;
    rKind: number;
    rRegion: {
      kind: number;
      chunkSize: number;
      chunks: (Uint8Array | null)[] | null;
      rom: Uint8Array | null;
    };
    rBase: number;
    wKind: number;
    wRegion: Seg['rRegion'];
    wBase: number;
  };
  const RAM = 1;
  const ROM = 2;
  function side(a: number, kind: number, region: Seg['rRegion'], base: number, write: boolean) {
    if (kind === RAM) {
      const lo = a - base;
      const ci = Math.floor(lo / region.chunkSize);
      const co = lo - ci * region.chunkSize;
      const chunk = region.chunks![ci];
      if (chunk !== null && co + PAGE_SIZE <= chunk.length) return { buf: chunk, off: co };
    } else if (kind === ROM && !write) return { buf: region.rom, off: a - base };
    return { buf: null, off: 0 };
  }
  function check(bus: MemoryBus, pages: number, step: string) {
    const segs = (bus as unknown as { segs: Seg[] }).segs;
    const { readOff, writeOff } = bus.pages;
    let si = 0;
    for (let p = 0; p < pages; p++) {
      const a = p * PAGE_SIZE;
      while (segs[si].end <= a) si++;
      const s = segs[si];
      if (s.end >= a + PAGE_SIZE) {
        const r = side(a, s.rKind, s.rRegion, s.rBase, false);
        const w = side(a, s.wKind, s.wRegion, s.wBase, true);
        if (
          rbuf(bus, p) !== r.buf ||
          readOff[p] !== r.off ||
          wbuf(bus, p) !== w.buf ||
          writeOff[p] !== w.off
        ) {
          throw new Error(`${step}: page 0x${p.toString(16)} differs from a per-page recomputation`);
        }
      } else if (rbuf(bus, p) !== null || wbuf(bus, p) !== null) {
        throw new Error(`${step}: page 0x${p.toString(16)} straddles a segment but has a buffer`);
      }
    }
  }

  it('match a page-by-page recomputation through random adds, moves, routing and chunk allocation', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const next = rng(seed);
      const bus = new MemoryBus();
      const SPACE = 0x80_0000; // the first 8 MiB (2048 pages) is where everything happens
      const pick = (n: number) => Math.floor(next() * n);
      const addr = () => pick(SPACE / 0x400) * 0x400; // 1 KiB granularity: unaligned segment edges
      const ram = bus.addRam('ram', 0, 0x40_0000, { chunkSize: 0x4000 << pick(4) });
      const handles = [ram];
      const { h } = recorder();
      for (let step = 0; step < 60; step++) {
        const op = pick(7);
        const name = `r${step}`;
        const prio = { priority: pick(3), mayOverlap: true };
        if (op === 0) {
          const size = 0x1000 + pick(0x40) * 0x400;
          handles.push(bus.addRam(name, addr(), size, { ...prio, chunkSize: 0x1000 << pick(3) }));
        } else if (op === 1) {
          handles.push(bus.addRom(name, addr(), new Uint8Array(0x800 + pick(0x20) * 0x400), prio));
        } else if (op === 2) {
          handles.push(bus.addMmio(name, addr(), 0x400 + pick(0x10) * 0x400, h, prio));
        } else if (op === 3) {
          const t = handles[pick(handles.length)];
          if (!t.enabled) continue;
          const off = pick(Math.max(1, t.size / 0x400)) * 0x400;
          const size = Math.max(0x400, Math.min(t.size - off, pick(0x40) * 0x400));
          handles.push(bus.addAlias(name, addr(), t, off, size, prio));
        } else if (op === 4) {
          const routes = ['ram', 'rom', 'none'] as const;
          bus.setRouting(addr(), 0x400 * (1 + pick(0x40)), routes[pick(3)], routes[pick(3)]);
        } else if (op === 5) {
          const t = handles[1 + pick(handles.length - 1)] ?? ram;
          if (pick(2)) t.move(addr());
          else t.setEnabled(!t.enabled);
        } else {
          // Writes allocate lazy RAM chunks, which refreshes the pages that show them.
          for (let i = 0; i < 8; i++) bus.write8(addr() + pick(0x400), 0x5a);
        }
        check(bus, SPACE / PAGE_SIZE + 16, `seed ${seed} step ${step} op ${op}`);
      }
    }
  });
});

describe('resolveSpan', () => {
  it('gives the region at an address and where it ends, byte-exactly, past overlays', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x10000);
    bus.addMmio('overlay', 0x2010, 0x20, { read: () => 0, write: () => {} }, { priority: 1 });
    expect(bus.resolveSpan(0x2000)).toEqual({ read: 'ram', write: 'ram', end: 0x2010 });
    expect(bus.resolveSpan(0x2010)).toEqual({ read: 'overlay', write: 'overlay', end: 0x2030 });
    expect(bus.resolveSpan(0x2030)).toEqual({ read: 'ram', write: 'ram', end: 0x10000 });
    expect(bus.resolveSpan(0x10000).read).toBeNull();
    expect(bus.resolveSpan(-1)).toEqual({ read: null, write: null, end: Number.POSITIVE_INFINITY });
  });
});

describe('RAM snapshot access', () => {
  it('ramChunks shows the backing (null = untouched); writeRamDirect/clearRamDirect bypass routing', () => {
    const bus = new MemoryBus();
    bus.addRam('ram', 0, 0x40000, { chunkSize: 0x10000 });
    bus.addRom('rom', 0x20000, new Uint8Array(0x1000).fill(0xaa), { priority: 1 });
    bus.write8(0x10005, 9);
    const c = bus.ramChunks('ram');
    expect(c.chunkSize).toBe(0x10000);
    expect(c.chunks.map((x) => (x === null ? null : x.length))).toEqual([null, 0x10000, null, null]);
    const seen: number[] = [];
    bus.watchWrites((p) => seen.push(p));
    bus.writeRamDirect('ram', 0x20000, Uint8Array.of(1, 2)); // under the ROM: reaches RAM anyway
    expect(bus.read8(0x20000)).toBe(0xaa);
    expect(bus.ramChunks('ram').chunks[2]![0]).toBe(1);
    expect(seen).toEqual([0x20]);
    bus.clearRamDirect('ram');
    expect(bus.read8(0x10005)).toBe(0);
    expect(() => bus.writeRamDirect('ram', 0x3ffff, Uint8Array.of(1, 2))).toThrow(/outside/);
    expect(() => bus.ramChunks('rom')).toThrow(/no RAM region/);
  });
});
