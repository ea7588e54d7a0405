import { describe, expect, it } from 'vitest';
import {
  bdf,
  formatBdf,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_MULTI_FUNCTION,
  PciBridge,
  PciBus,
  type PciEvent,
  PciHost,
} from '../src/index.js';
import { fakeSpaces } from './fakes.js';
import { simpleDevice } from './helpers.js';

/** The scan SeaBIOS (src/hw/pci.c pci_next) and Linux do: function 0 first, functions 1..7 only if
 * its header type has bit 7; a vendor id of 0xffff means "absent". */
function scan(host: PciHost, bus = 0): string[] {
  const out: string[] = [];
  for (let dev = 0; dev < 32; dev++) {
    const v0 = host.configRead(bdf(bus, dev, 0), 0, 2);
    if (v0 === 0xffff) continue;
    out.push(formatBdf(bdf(bus, dev, 0)));
    const multi = host.configRead(bdf(bus, dev, 0), PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MULTI_FUNCTION;
    if (!multi) continue;
    for (let fn = 1; fn < 8; fn++) {
      if (host.configRead(bdf(bus, dev, fn), 0, 2) !== 0xffff) out.push(formatBdf(bdf(bus, dev, fn)));
    }
  }
  return out;
}

describe('buses and multifunction devices', () => {
  it('scans like firmware: multifunction bit gates functions 1..7', () => {
    const host = new PciHost();
    host.addDevice(simpleDevice('host-bridge'), 0);
    host.addDevice(simpleDevice('isa', { multifunction: true }), 1, 0);
    host.addDevice(simpleDevice('ide'), 1, 1);
    host.addDevice(simpleDevice('acpi'), 1, 3);
    host.addDevice(simpleDevice('vga'), 2);
    expect(scan(host)).toEqual(['00:00.0', '00:01.0', '00:01.1', '00:01.3', '00:02.0']);
    expect(host.configRead(bdf(0, 1, 0), PCI_HEADER_TYPE, 1)).toBe(0x80);
    expect(host.configRead(bdf(0, 1, 2), 0, 4)).toBe(0xffffffff);
  });
  it('functions 1..7 are invisible when function 0 is absent', () => {
    const host = new PciHost();
    host.addDevice(simpleDevice('f0', { multifunction: true }), 3, 0);
    host.addDevice(simpleDevice('f5'), 3, 5);
    expect(host.configRead(bdf(0, 3, 5), 0, 2)).toBe(0x8086);
    const f0 = host.bus.removeDevice(bdf(0, 3, 0) & 0xff);
    expect(f0?.name).toBe('f0');
    expect(host.configRead(bdf(0, 3, 5), 0, 2)).toBe(0xffff);
    expect(host.findDevice(bdf(0, 3, 5))).toBeNull();
    expect(host.bus.deviceAt(bdf(0, 3, 5) & 0xff)?.name).toBe('f5');
  });
  it('registration rules (QEMU do_pci_register_device) throw clear errors', () => {
    const bus = new PciBus();
    bus.addDevice(simpleDevice('single'), 1);
    expect(() => bus.addDevice(simpleDevice('x'), 1, 1)).toThrow(/single-function/);
    expect(() => bus.addDevice(simpleDevice('y'), 1)).toThrow(/taken by single/);
    bus.addDevice(simpleDevice('f2'), 2, 2);
    expect(() => bus.addDevice(simpleDevice('f0'), 2, 0)).toThrow(/must set multifunction/);
    expect(() => bus.addDevice(simpleDevice('z'), 32)).toThrow(/0..31/);
    const d = simpleDevice('twice');
    bus.addDevice(d, 5);
    expect(() => bus.addDevice(d, 6)).toThrow(/already on a bus/);
    expect(() => new PciBridge({ name: 'b', vendorId: 1, deviceId: 2 }).secondaryBus).toThrow(/not attached/);
    expect(() => simpleDevice('', {})).toThrow(/name/);
    expect(() => simpleDevice('bad', { vendorId: 0x10000 })).toThrow(/vendorId/);
    expect(() => simpleDevice('bad', { classCode: -1 })).toThrow(/classCode/);
  });
  it('type 1 header: bus numbers writable, windows granular, bridge found by scan', () => {
    const host = new PciHost();
    const br = new PciBridge({ name: 'pcibr', vendorId: 0x8086, deviceId: 0x244e });
    host.addDevice(br, 0x1e);
    const b = bdf(0, 0x1e, 0);
    expect(host.configRead(b, PCI_HEADER_TYPE, 1)).toBe(1);
    expect(host.configRead(b, 0x08, 4) >>> 8).toBe(0x060400);
    host.configWrite(b, 0x18, 4, 0xffffffff);
    expect(host.configRead(b, 0x18, 4)).toBe(0xffffffff);
    host.configWrite(b, 0x1c, 2, 0xffff);
    expect(host.configRead(b, 0x1c, 2)).toBe(0xf0f0); // 4 KiB granularity, 16-bit decode
    host.configWrite(b, 0x20, 4, 0xffffffff);
    expect(host.configRead(b, 0x20, 4)).toBe(0xfff0fff0);
    host.configWrite(b, 0x24, 4, 0xffffffff);
    expect(host.configRead(b, 0x24, 4)).toBe(0xfff1fff1); // 64-bit prefetchable type bits
    expect(host.configRead(b, 0x10, 4)).toBe(0); // no BARs defined
    expect(br.ioWindow()).toEqual({ base: 0xf000, limit: 0xffff });
    host.configWrite(b, 0x1c, 2, 0x0010); // base 0x1000 > limit 0x0fff
    expect(br.ioWindow()).toBeNull();
    // Secondary status W1C.
    br.config.set16(0x1e, 0xf800);
    host.configWrite(b, 0x1e, 2, 0x8000);
    expect(host.configRead(b, 0x1e, 2)).toBe(0x7800);
  });
  it('reports config events for absent functions with device null', () => {
    const events: PciEvent[] = [];
    const host = new PciHost({ onEvent: (e) => events.push(e) });
    host.configRead(bdf(0, 7, 0), 0, 4);
    host.configWrite(bdf(0, 7, 0), 4, 2, 7);
    expect(events).toEqual([
      { kind: 'pci-config-read', bdf: 0x38, offset: 0, size: 4, value: 0xffffffff, device: null },
      { kind: 'pci-config-write', bdf: 0x38, offset: 4, size: 2, value: 7, device: null },
    ]);
    host.setListener(null);
    host.configRead(bdf(0, 7, 0), 0, 4);
    expect(events.length).toBe(2);
  });
  it('host-side configRead/configWrite: bad sizes throw; out-of-range offsets read all-ones', () => {
    const host = new PciHost();
    host.addDevice(simpleDevice('d'), 1);
    expect(() => host.configRead(bdf(0, 1, 0), 0, 3 as 4)).toThrow(/size 3/);
    expect(host.configRead(bdf(0, 1, 0), 0x1000, 4)).toBe(0xffffffff);
    expect(host.configRead(bdf(0, 1, 0), -4, 2)).toBe(0xffff);
    // Unaligned: split into bytes.
    expect(host.configRead(bdf(0, 1, 0), 1, 2)).toBe(0x3480);
    host.configWrite(bdf(0, 1, 0), 0x3b, 2, 0x5a5a); // 0x3b read-only, 0x3c interrupt line writable
    expect(host.configRead(bdf(0, 1, 0), 0x3c, 1)).toBe(0x5a);
    expect(host.configRead(bdf(0, 1, 0), 0x3b, 1)).toBe(0);
  });
  it('reset clears command, status W1C bits, BAR addresses and unmaps', () => {
    const s = fakeSpaces();
    const host = new PciHost({ memory: s.memory, io: s.ioApi });
    const d = simpleDevice('d', {
      bars: [{ kind: 'mem32', size: 0x1000, prefetchable: true, backing: new Uint8Array(0x1000) }],
    });
    host.addDevice(d, 1);
    host.configWrite(0x08, 0x10, 4, 0xfe000000);
    host.configWrite(0x08, 0x04, 2, 6);
    host.configWrite(0x08, 0x3c, 1, 11);
    d.config.set16(0x06, 0x8000);
    expect(s.mem.enabledRegions().length).toBe(1);
    d.reset();
    expect(host.configRead(0x08, 0x04, 4)).toBe(0);
    expect(host.configRead(0x08, 0x10, 4)).toBe(0x8);
    expect(host.configRead(0x08, 0x3c, 1)).toBe(0);
    expect(s.mem.enabledRegions()).toEqual([]);
  });
});
