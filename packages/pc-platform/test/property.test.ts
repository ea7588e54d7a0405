// Property tests over the whole platform: arbitrary guest traffic never throws, and the state
// captured by getState() is complete — a platform restored from it (through JSON) answers a
// following random access sequence exactly like the original.
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPcPlatform } from '../src/platform.js';
import { ManualClock } from './helpers.js';

const PORTS = [
  0x00, 0x04, 0x05, 0x08, 0x0a, 0x0b, 0x0c, 0x0d, 0x0f, 0x20, 0x21, 0x40, 0x41, 0x42, 0x43, 0x60, 0x61, 0x64,
  0x70, 0x71, 0x80, 0x81, 0x87, 0x92, 0xa0, 0xa1, 0xb2, 0xb3, 0xc0, 0xd4, 0xd6, 0xda, 0x170, 0x177, 0x1f0,
  0x1f2, 0x1f6, 0x1f7, 0x376, 0x3f6, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x402, 0x4d0,
  0x4d1, 0x600, 0x602, 0x604, 0x608, 0x700, 0x702, 0xafe0, 0xafe2, 0xc000, 0xc002, 0xc004, 0xcf8, 0xcfc,
  0xcfd, 0xcfe,
];

type Op =
  | { k: 'out'; port: number; size: 1 | 2 | 4; value: number }
  | { k: 'in'; port: number; size: 1 | 2 | 4 }
  | { k: 'mmio-w'; addr: number; value: number }
  | { k: 'mmio-r'; addr: number }
  | { k: 'time'; ns: number }
  | { k: 'irq'; line: number; level: boolean } // lines no platform device drives
  | { k: 'intr' }
  | { k: 'key'; code: number; down: boolean };

const size = fc.constantFrom<1 | 2 | 4>(1, 1, 1, 2, 4);
const port = fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 0xffff }));
const mmioAddr = fc.oneof(
  fc.integer({ min: 0, max: 0x3ff }).map((o) => 0xfee00000 + o * 4),
  fc.constantFrom(0xfec00000, 0xfec00010, 0xfec00040),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('out' as const),
      port,
      size,
      value: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ k: fc.constant('in' as const), port, size }), weight: 6 },
  {
    arbitrary: fc.record({
      k: fc.constant('mmio-w' as const),
      addr: mmioAddr,
      value: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ k: fc.constant('mmio-r' as const), addr: mmioAddr }), weight: 2 },
  {
    arbitrary: fc.record({ k: fc.constant('time' as const), ns: fc.integer({ min: 0, max: 200_000_000 }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      k: fc.constant('irq' as const),
      line: fc.constantFrom(3, 5, 6, 7, 10, 11, 14, 15),
      level: fc.boolean(),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ k: fc.constant('intr' as const) }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant('key' as const),
      code: fc.integer({ min: 0, max: 0x7f }),
      down: fc.boolean(),
    }),
    weight: 1,
  },
);

function make() {
  const memory = new MemoryBus();
  const io = new IoBus();
  const clock = new ManualClock();
  const out: number[] = [];
  const p = createPcPlatform({
    memory,
    io,
    clock,
    ramSize: 64 * 1024 * 1024,
    sinks: {
      serial: (b) => out.push(b),
      debugcon: (b) => out.push(0x1000 | b),
      postCode: (c) => out.push(0x2000 | c),
    },
  });
  return { memory, io, clock, p, out };
}

function apply(m: ReturnType<typeof make>, o: Op): number | boolean | null {
  switch (o.k) {
    case 'out':
      if (o.size === 1) m.io.out8(o.port, o.value & 0xff);
      else if (o.size === 2) m.io.out16(o.port, o.value & 0xffff);
      else m.io.out32(o.port, o.value >>> 0);
      return null;
    case 'in':
      return o.size === 1 ? m.io.in8(o.port) : o.size === 2 ? m.io.in16(o.port) : m.io.in32(o.port);
    case 'mmio-w':
      m.memory.write32(o.addr, o.value >>> 0);
      return null;
    case 'mmio-r':
      return m.memory.read32(o.addr);
    case 'time':
      m.clock.t += o.ns;
      m.p.update(m.clock.t);
      return m.p.nextDeadline();
    case 'irq':
      m.p.irq.setIrq(o.line, o.level);
      return null;
    case 'intr':
      return m.p.interrupts.pending() ? m.p.interrupts.acknowledge() : false;
    case 'key':
      m.p.kbc.key(o.code, o.down);
      return null;
  }
}

describe('platform properties', () => {
  it('random guest traffic never throws and never returns out-of-width values', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const m = make();
        for (const o of ops) {
          const r = apply(m, o);
          if (typeof r === 'number' && (o.k === 'in' || o.k === 'mmio-r')) {
            const width = o.k === 'in' ? o.size : 4;
            expect(Number.isInteger(r) && r >= 0 && r < 2 ** (8 * width)).toBe(true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('getState/setState (through JSON) captures everything: restored and original behave identically', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.array(op, { maxLength: 150 }), (before, after) => {
        const a = make();
        for (const o of before) apply(a, o);
        const b = make();
        b.clock.t = a.clock.t;
        b.p.setState(JSON.parse(JSON.stringify(a.p.getState())));
        expect(b.p.getState()).toEqual(a.p.getState());
        a.out.length = 0;
        for (const o of after) expect(apply(b, o)).toEqual(apply(a, o));
        expect(b.out).toEqual(a.out);
      }),
      { numRuns: 150 },
    );
  });
});
