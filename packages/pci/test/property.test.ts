// Properties over random guest input (seeded): nothing throws, mechanism #1 and ECAM agree, and
// read-only bytes never change.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCapability, PCI_CAP_ID_PM, PciBridge, PciHost } from '../src/index.js';
import { fakeSpaces, RecordingHandler } from './fakes.js';
import { simpleDevice } from './helpers.js';

const ECAM = 0xe0000000;

function build() {
  // Small fakes of the bus interfaces keep hundreds of fresh machines fast; the real buses are
  // exercised in real-bus.test.ts.
  const s = fakeSpaces();
  const memory = s.mem;
  const io = s.io;
  s.mem.addRam('ram', 0, 0x200000);
  const host = new PciHost({ memory: s.memory, io: s.ioApi, onEvent: () => {} });
  host.attachIo(s.ioApi);
  host.attachEcam(s.memory, ECAM, 4);
  const d = simpleDevice('d', {
    multifunction: true,
    extendedConfig: true,
    bars: [
      { kind: 'io', size: 64, handler: new RecordingHandler() },
      { kind: 'mem32', size: 0x1000, handler: new RecordingHandler() },
      { kind: 'mem64', size: 0x10000, prefetchable: true, handler: new RecordingHandler() },
    ],
    rom: { data: new Uint8Array(4096) },
  });
  addCapability(d.config, PCI_CAP_ID_PM, 8);
  host.addDevice(d, 1, 0);
  host.addDevice(
    simpleDevice('f1', { bars: [{ kind: 'mem32', size: 0x1000, handler: new RecordingHandler() }] }),
    1,
    1,
  );
  const br = new PciBridge({ name: 'br', vendorId: 0x1b36, deviceId: 1 });
  host.addDevice(br, 2);
  br.secondaryBus.addDevice(
    simpleDevice('c', { bars: [{ kind: 'mem32', size: 0x100000, handler: new RecordingHandler() }] }),
    0,
  );
  return { memory, io, host, d };
}

const op = fc.record({
  kind: fc.constantFrom('in', 'out', 'ecam-r', 'ecam-w'),
  port: fc.integer({ min: 0xcf6, max: 0xd01 }),
  size: fc.constantFrom(1, 2, 4),
  value: fc.integer({ min: 0, max: 0xffffffff }),
  addr: fc.integer({ min: 0, max: 0x3fffff }),
  select: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('random guest config traffic', () => {
  it('never throws and keeps read-only identity bytes intact', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const { memory, io, host, d } = build();
        const ids = d.config.get32(0);
        for (const o of ops) {
          if (o.kind === 'out' && o.size === 4 && o.select % 3 === 0)
            io.out32(0xcf8, (o.select | 0x80000000) & 0x8003ffff);
          if (o.kind === 'in') {
            const v = o.size === 1 ? io.in8(o.port) : o.size === 2 ? io.in16(o.port) : io.in32(o.port);
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(0xffffffff);
          } else if (o.kind === 'out') {
            if (o.size === 1) io.out8(o.port, o.value & 0xff);
            else if (o.size === 2) io.out16(o.port, o.value & 0xffff);
            else io.out32(o.port, o.value);
          } else if (o.kind === 'ecam-r') {
            memory.read32(ECAM + (o.addr & ~3));
          } else {
            memory.write8(ECAM + o.addr, o.value & 0xff);
          }
        }
        expect(d.config.get32(0)).toBe(ids);
        host.getState();
      }),
      { seed: 0x5eed, numRuns: 150 },
    );
  });

  it('aligned mechanism #1 and ECAM reads agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 63 }),
        fc.constantFrom(1, 2, 4),
        (bus, devfn, dword, size) => {
          const { memory, io } = build();
          const reg = dword * 4;
          io.out32(0xcf8, (0x80000000 | (bus << 16) | (devfn << 8) | reg) >>> 0);
          for (let lane = 0; lane < 4; lane += size) {
            const viaIo =
              size === 1 ? io.in8(0xcfc + lane) : size === 2 ? io.in16(0xcfc + lane) : io.in32(0xcfc);
            const a = ECAM + ((bus << 20) | (devfn << 12) | (reg + lane));
            const viaEcam = size === 1 ? memory.read8(a) : size === 2 ? memory.read16(a) : memory.read32(a);
            expect(viaIo).toBe(viaEcam);
          }
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
