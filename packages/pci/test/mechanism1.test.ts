import { describe, expect, it } from 'vitest';
import { bdf, type PciEvent, PciHost } from '../src/index.js';
import { fakeSpaces } from './fakes.js';
import { simpleDevice } from './helpers.js';

function setup() {
  const s = fakeSpaces();
  const events: PciEvent[] = [];
  const host = new PciHost({ memory: s.memory, io: s.ioApi, onEvent: (e) => events.push(e) });
  host.attachIo(s.ioApi);
  const dev = simpleDevice('nic');
  for (let i = 0x40; i < 0x100; i++) dev.config.bytes[i] = i; // recognisable pattern
  host.addDevice(dev, 3);
  return { ...s, host, dev, events };
}

const addr = (bus: number, dev: number, fn: number, reg: number) =>
  (0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) | reg) >>> 0;

describe('mechanism #1 (0xCF8/0xCFC)', () => {
  it('0xCF8 latches on a 32-bit write and reads back exactly what was written', () => {
    const { io, host } = setup();
    for (const v of [0x80001810, 0x00000000, 0xffffffff, 0x7f000003, 0x80ffff01]) {
      io.out32(0xcf8, v);
      expect(io.in32(0xcf8)).toBe(v >>> 0);
      expect(host.configAddress).toBe(v >>> 0);
    }
  });
  it('8- and 16-bit writes to 0xCF8..0xCFB do not latch (QEMU pci_host_config_write, i440FX)', () => {
    const { io } = setup();
    io.out32(0xcf8, 0x80001800);
    io.out8(0xcf8, 0x44);
    io.out8(0xcfb, 0x00);
    io.out16(0xcf8, 0x1234);
    io.out16(0xcfa, 0x0000);
    expect(io.in32(0xcf8)).toBe(0x80001800);
    // Narrower reads anywhere in 0xCF8..0xCFB return the low bytes of the latch (QEMU:
    // pci_host_config_read returns config_reg; the memory core masks it to the width).
    expect(io.in8(0xcfb)).toBe(0x00);
    expect(io.in8(0xcf8)).toBe(0x00);
    expect(io.in16(0xcf8)).toBe(0x1800);
    expect(io.in16(0xcfa)).toBe(0x1800);
  });
  it('reads every width at every data byte offset from the selected dword', () => {
    const { io } = setup();
    for (let reg = 0x40; reg < 0x100; reg += 4) {
      io.out32(0xcf8, addr(0, 3, 0, reg));
      const d = io.in32(0xcfc);
      expect(d).toBe((reg | ((reg + 1) << 8) | ((reg + 2) << 16) | ((reg + 3) << 24)) >>> 0);
      for (let b = 0; b < 4; b++) expect(io.in8(0xcfc + b)).toBe(reg + b);
      expect(io.in16(0xcfc)).toBe(d & 0xffff);
      expect(io.in16(0xcfe)).toBe(d >>> 16);
    }
  });
  it('writes every width at every data byte offset', () => {
    const { io, dev } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0x60));
    io.out32(0xcfc, 0x11223344);
    expect(dev.config.get32(0x60)).toBe(0x11223344);
    for (let b = 0; b < 4; b++) io.out8(0xcfc + b, 0xa0 + b);
    expect(dev.config.get32(0x60)).toBe(0xa3a2a1a0);
    io.out16(0xcfc, 0xbeef);
    io.out16(0xcfe, 0xdead);
    expect(dev.config.get32(0x60)).toBe(0xdeadbeef);
  });
  it('latched bits 1:0 are ORed into the register number (QEMU pci_host_data_read)', () => {
    const { io, events } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0x40) | 3);
    expect(io.in32(0xcf8)).toBe(addr(0, 3, 0, 0x43));
    expect(io.in8(0xcfc)).toBe(0x43);
    expect(io.in8(0xcfd)).toBe(0x43); // 3 | 1
    expect(io.in16(0xcfe)).toBe(0x4443); // 3 | 2 = 3: bytes 0x43, 0x44
    events.length = 0;
    expect(io.in32(0xcfc)).toBe(0x46454443); // 4 bytes from 0x43 (crosses the dword, as QEMU)
    expect(events[0]).toMatchObject({ offset: 0x43, size: 4 });
    // Running past 0xff: QEMU shortens the access to the bytes below the limit; the rest read 0.
    io.out32(0xcf8, addr(0, 3, 0, 0xfc) | 3);
    expect(io.in32(0xcfc)).toBe(0x000000ff);
  });
  it('with the enable bit clear, data reads are all-ones and writes are dropped', () => {
    const { io, dev } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0x60) & 0x7fffffff);
    expect(io.in32(0xcfc)).toBe(0xffffffff);
    expect(io.in16(0xcfe)).toBe(0xffff);
    expect(io.in8(0xcfd)).toBe(0xff);
    io.out32(0xcfc, 0x12345678);
    expect(dev.config.get32(0x60)).toBe(0x60 | (0x61 << 8) | (0x62 << 16) | (0x63 << 24));
  });
  it('absent slots, functions and buses read all-ones at every width; writes vanish', () => {
    const { io, events } = setup();
    for (const a of [addr(0, 4, 0, 0), addr(0, 3, 1, 0), addr(1, 3, 0, 0), addr(0xff, 0x1f, 7, 0xfc)]) {
      io.out32(0xcf8, a);
      expect(io.in32(0xcfc)).toBe(0xffffffff);
      expect(io.in16(0xcfe)).toBe(0xffff);
      expect(io.in8(0xcfd)).toBe(0xff);
      io.out32(0xcfc, 0);
      expect(io.in16(0xcfc)).toBe(0xffff);
    }
    const last = events.at(-1)!;
    expect(last).toMatchObject({ kind: 'pci-config-read', device: null, size: 2, value: 0xffff });
  });
  it('reports 32-bit write values unsigned (BAR sizing writes 0xffffffff, not -1)', () => {
    const { io, events } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0x10));
    io.out32(0xcfc, 0xffffffff);
    expect(events.at(-1)).toMatchObject({
      kind: 'pci-config-write',
      offset: 0x10,
      size: 4,
      value: 0xffffffff,
    });
  });
  it('reports typed events for reads and writes', () => {
    const { io, events } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0));
    io.in16(0xcfe);
    io.out8(0xcf8 + 4 + 0, 0); // vendor id is read-only
    expect(events).toEqual([
      { kind: 'pci-config-read', bdf: bdf(0, 3, 0), offset: 2, size: 2, value: 0x1234, device: 'nic' },
      { kind: 'pci-config-write', bdf: bdf(0, 3, 0), offset: 0, size: 1, value: 0, device: 'nic' },
    ]);
  });
  it('writes to read-only registers (ids, class, header type) are ignored', () => {
    const { io } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0));
    io.out32(0xcfc, 0);
    expect(io.in32(0xcfc)).toBe(0x12348086);
    io.out32(0xcf8, addr(0, 3, 0, 8));
    io.out32(0xcfc, 0xffffffff);
    expect(io.in32(0xcfc)).toBe(0x02000003);
    io.out32(0xcf8, addr(0, 3, 0, 0xc));
    io.out32(0xcfc, 0xffffffff);
    expect(io.in32(0xcfc)).toBe(0x000000ff); // cache line size only (latency, header type, BIST read-only)
  });
  it('status error bits are write-1-to-clear; other status bits read-only', () => {
    const { io, dev } = setup();
    dev.config.set16(0x06, 0xf910 | 0x0200);
    io.out32(0xcf8, addr(0, 3, 0, 4));
    io.out16(0xcfe, 0x0000);
    expect(io.in16(0xcfe)).toBe(0xfb10);
    io.out16(0xcfe, 0x0110); // clears parity (0x100); 0x10 is read-only
    expect(io.in16(0xcfe)).toBe(0xfa10);
    io.out32(0xcfc, 0xffff0000); // 32-bit write: command 0, clear every W1C bit
    expect(io.in16(0xcfe)).toBe(0x0210);
  });
  it('misaligned accesses are split as QEMU memory_access_size does (32-bit at 0xCFD, 16-bit at 0xCFF)', () => {
    const { io, host, events } = setup();
    io.out32(0xcf8, addr(0, 3, 0, 0x40));
    events.length = 0;
    // 0xCFD (1 byte, config 0x41), 0xCFE (2 bytes, 0x42..0x43); the 4th byte lies beyond 0xCFF.
    expect(host.mechanism1.read(5, 4)).toBe(0xff434241);
    expect(events.map((e) => e.kind === 'pci-config-read' && [e.offset, e.size])).toEqual([
      [0x41, 1],
      [0x42, 2],
    ]);
    expect(host.mechanism1.read(7, 2)).toBe(0xff43);
    // A 16-bit read at 0xCFD: lanes 1..2.
    expect(io.in16(0xcfd)).toBe(0x4241);
    // A 32-bit read at 0xCFA: a 16-bit read of CONFIG_ADDRESS (its low half) then config 0x40..0x41.
    expect(host.mechanism1.read(2, 4)).toBe(((0x4140 << 16) | 0x1840) >>> 0);
    // Straddling writes write the data lanes only and never latch 0xCF8.
    host.mechanism1.write(2, 4, 0xbbaa1234);
    expect(host.configAddress).toBe(addr(0, 3, 0, 0x40));
    expect(io.in32(0xcfc)).toBe(0x4342bbaa);
    host.mechanism1.write(7, 2, 0x77cc);
    expect(io.in32(0xcfc)).toBe(0xcc42bbaa);
  });
});
