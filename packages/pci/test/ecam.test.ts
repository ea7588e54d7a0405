import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import { addExtendedCapability, bdf, PCI_EXT_CAP_ID_DSN, type PciEvent, PciHost } from '../src/index.js';
import { simpleDevice } from './helpers.js';

const ECAM = 0xb0000000;
const ea = (bus: number, dev: number, fn: number, reg: number) =>
  ECAM + ((bus << 20) | (dev << 15) | (fn << 12) | reg);

function setup() {
  const memory = new MemoryBus();
  const io = new IoBus();
  const events: PciEvent[] = [];
  const host = new PciHost({ memory, io, onEvent: (e) => events.push(e) });
  host.attachIo(io);
  host.attachEcam(memory, ECAM, 256);
  const conv = simpleDevice('conventional');
  const pcie = simpleDevice('express', { extendedConfig: true });
  addExtendedCapability(pcie.config, PCI_EXT_CAP_ID_DSN, 1, 12);
  pcie.config.set32(0x104, 0x11223344);
  host.addDevice(conv, 1);
  host.addDevice(pcie, 2);
  return { memory, io, host, conv, pcie, events };
}

describe('ECAM / MMCONFIG', () => {
  it('decodes bus << 20 | devfn << 12 | offset at every width', () => {
    const { memory } = setup();
    expect(memory.read32(ea(0, 1, 0, 0))).toBe(0x12348086);
    expect(memory.read16(ea(0, 1, 0, 2))).toBe(0x1234);
    expect(memory.read8(ea(0, 1, 0, 1))).toBe(0x80);
    expect(memory.read32(ea(0, 2, 0, 0x100))).toBe(0x00010003);
    expect(memory.read32(ea(0, 2, 0, 0x104))).toBe(0x11223344);
    expect(memory.read32(ea(0, 3, 0, 0))).toBe(0xffffffff);
    expect(memory.read32(ea(5, 0, 0, 0))).toBe(0xffffffff);
    memory.write16(ea(0, 1, 0, 0x3c), 0x010b);
    expect(memory.read8(ea(0, 1, 0, 0x3c))).toBe(0x0b);
  });
  it('a conventional function reads all-ones at 0x100..0xfff and drops writes (QEMU pcie_mmcfg_data_read)', () => {
    const { memory, conv, events } = setup();
    for (const o of [0x100, 0x104, 0x800, 0xffc]) expect(memory.read32(ea(0, 1, 0, o))).toBe(0xffffffff);
    expect(memory.read8(ea(0, 1, 0, 0x100))).toBe(0xff);
    memory.write32(ea(0, 1, 0, 0x100), 0);
    expect(conv.config.size).toBe(256);
    expect(events.at(-1)).toMatchObject({ kind: 'pci-config-write', offset: 0x100, device: 'conventional' });
  });
  it('mechanism #1 reaches only the first 256 bytes of an express function', () => {
    const { io } = setup();
    io.out32(0xcf8, 0x80001000 | 0xfc);
    expect(io.in32(0xcfc)).toBe(0);
  });
  it('ECAM and mechanism #1 see the same registers', () => {
    const { memory, io, host } = setup();
    host.configWrite(bdf(0, 2, 0), 0x40, 4, 0xa5a5a5a5);
    io.out32(0xcf8, 0x80001040);
    expect(io.in32(0xcfc)).toBe(memory.read32(ea(0, 2, 0, 0x40)));
  });
  it('misaligned ECAM accesses are split per byte (and may cross into the next function)', () => {
    const { host } = setup();
    const h = host.ecamHandler(1);
    expect(h.read(0x8001, 2)).toBe(0x3480);
    // Last byte of 02.0 (express: 0) plus the first byte of 02.1 (absent: 0xff).
    expect(h.read(0x10fff, 2)).toBe(0xff00);
    // A conventional function's byte 0xfff is beyond its 256 bytes: 0xff too.
    expect(h.read(0x8fff, 2)).toBe(0xffff);
    // Beyond the decoded buses: all-ones.
    expect(h.read(0x100000, 4)).toBe(0xffffffff);
    expect(() => host.ecamHandler(0)).toThrow(/buses/);
  });
});
