import { describe, expect, it } from 'vitest';
import type { BusEvent, IoHandler } from '../src/index.js';
import { IoBus } from '../src/index.js';

function recorder() {
  const log: string[] = [];
  const h: IoHandler = {
    read(offset, size) {
      log.push(`r${size}@${offset}`);
      return size === 4 ? 0x44332211 : size === 2 ? 0x2211 : 0x10 + offset;
    },
    write(offset, size, value) {
      log.push(`w${size}@${offset}=${value.toString(16)}`);
    },
  };
  return { h, log };
}

describe('IoBus', () => {
  it('dispatches with region-relative offsets and explicit widths', () => {
    const io = new IoBus();
    const { h, log } = recorder();
    io.addPio('pci-host', 0xcf8, 8, h);
    expect(io.in32(0xcf8)).toBe(0x44332211);
    expect(io.in16(0xcfe)).toBe(0x2211);
    expect(io.in8(0xcfd)).toBe(0x15);
    io.out32(0xcf8, 0x80000000);
    io.out16(0xcfc, 0x1ffff);
    io.out8(0xcff, 0x1ab);
    expect(log).toEqual(['r4@0', 'r2@6', 'r1@5', 'w4@0=80000000', 'w2@4=ffff', 'w1@7=ab']);
  });

  it('unassigned in returns all-ones; out is dropped and traced', () => {
    const io = new IoBus();
    const events: BusEvent[] = [];
    io.setTracer((e) => events.push(e));
    expect(io.in8(0x80)).toBe(0xff);
    expect(io.in16(0x80)).toBe(0xffff);
    expect(io.in32(0x80)).toBe(0xffffffff);
    io.out8(0x80, 0x12);
    expect(events).toEqual([
      { kind: 'unassigned-read', space: 'io', addr: 0x80, size: 1 },
      { kind: 'unassigned-read', space: 'io', addr: 0x80, size: 2 },
      { kind: 'unassigned-read', space: 'io', addr: 0x80, size: 4 },
      { kind: 'unassigned-write', space: 'io', addr: 0x80, size: 1, value: 0x12 },
    ]);
  });

  it('splits accesses that leave a region into bytes', () => {
    const io = new IoBus();
    const { h, log } = recorder();
    io.addPio('kbd', 0x60, 1, h);
    expect(io.in16(0x60)).toBe(0xff10);
    io.out32(0x5f, 0x04030201);
    expect(log).toEqual(['r1@0', 'w1@0=2']);
  });

  it('masks ports to 16 bits and wraps bytes past 0xFFFF to 0x0000', () => {
    const io = new IoBus();
    const { h, log } = recorder();
    io.addPio('low', 0, 2, h);
    expect(io.in8(0x10000)).toBe(0x10);
    expect(io.in16(0xffff)).toBe(0x10ff);
    io.out16(0x1ffff, 0xbbaa);
    expect(log).toEqual(['r1@0', 'r1@0', 'w1@0=bb']);
  });

  it('priorities, same-priority overlap errors, move/enable/remove', () => {
    const io = new IoBus();
    const a = recorder();
    const b = recorder();
    io.addPio('wide', 0x0, 0x100, a.h);
    expect(() => io.addPio('narrow', 0x80, 4, b.h)).toThrow(/"narrow".*overlaps region "wide"/);
    const n = io.addPio('narrow', 0x80, 4, b.h, { priority: 1 });
    expect(io.resolve(0x80)).toBe('narrow');
    expect(io.resolve(0x84)).toBe('wide');
    // a 32-bit access overlapping both regions is split
    io.in32(0x82);
    expect(b.log).toEqual(['r1@2', 'r1@3']);
    expect(a.log).toEqual(['r1@132', 'r1@133']);
    n.move(0x200);
    expect(io.resolve(0x80)).toBe('wide');
    expect(io.resolve(0x203)).toBe('narrow');
    n.setEnabled(false);
    expect(io.resolve(0x200)).toBe(null);
    expect(n.enabled).toBe(false);
    n.setEnabled(true);
    n.remove();
    expect(io.resolve(0x200)).toBe(null);
    expect(() => io.addPio('x', 0xfff0, 0x20, a.h)).toThrow(/extends past 0x10000/);
    expect(() => n.setEnabled(true)).toThrow(/region was removed/);
  });
});
