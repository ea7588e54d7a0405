// The port on vmkit's real i440FX board (@vmkit/qos qosPc: @vmkit/pc-platform's chipset on
// @vmkit/pci's host) with an IGD-like function and a NIC whose BAR is backed by memory: BARs are
// sized through the devices' real config spaces and actually mapped on the buses.
import { PciDevice } from '@vmkit/pci';
import { qosPc } from '@vmkit/qos';
import { describe, expect, it } from 'vitest';
import { fn, pciFunction, quiet, runPort, u64le } from './pc.js';

function machine() {
  const ram = 256 * 1024 * 1024;
  const opregion = new Uint8Array(8192).fill(0x5a);
  const pc = qosPc({
    ramSize: ram,
    e820: [{ addr: 0, len: ram, type: 1 }],
    files: { 'etc/igd-opregion': opregion, 'etc/igd-bdsm-size': u64le(32 * 1024 * 1024) },
  });
  pc.pci.addDevice(
    pciFunction('igd', {
      vendorId: 0x8086,
      deviceId: 0x5912,
      classCode: 0x030000,
      interruptPin: 1,
      bars: [
        { kind: 'mem64', size: 0x1000000 },
        null,
        { kind: 'mem64', size: 0x10000000, prefetchable: true },
        null,
        { kind: 'io', size: 64 },
      ],
    }),
    2,
  );
  const vram = new Uint8Array(0x100000);
  pc.pci.addDevice(
    new PciDevice({
      name: 'nic',
      vendorId: 0x8086,
      deviceId: 0x100e,
      classCode: 0x020000,
      interruptPin: 1,
      bars: [
        { kind: 'mem32', size: 0x20000, backing: vram.subarray(0, 0x20000) },
        { kind: 'io', size: 64, handler: quiet },
      ],
    }),
    3,
  );
  return { pc, vram, opregion };
}

describe('with @vmkit/pci', () => {
  it('sizes and maps the BARs through the real config spaces, then sets up the IGD', () => {
    const m = machine();
    const r = runPort(m.pc);
    // The board's four functions (host bridge, PIIX3 ISA and IDE, PIIX4 PM) and the two plugged.
    expect(r.log).toContain('Found 6 PCI devices (max PCI bus is 00)');
    const igd = r.pciDevices.find((d) => d.name === '00:02.0')!;
    expect(igd.bars.map((b) => [b.bar, b.type, b.size])).toEqual([
      [0, 'mem', 0x1000000],
      [2, 'prefmem', 0x10000000],
      [4, 'io', 64],
    ]);
    // The NIC's memory BAR is live on the memory bus at the address the port chose (decode on).
    const nicBar = r.pciDevices.find((d) => d.name === '00:03.0')!.bars.find((b) => b.bar === 0)!;
    m.pc.target.write(nicBar.addr! + 0x10, 4, 0xdeadbeefn);
    expect(m.vram[0x10]).toBe(0xef);
    // IGD handshake: ASLS at 0xFC and BDSM at 0x5C, read back through configuration mechanism #1.
    const asls = fn(m.pc, 0, 2).readl(0xfc);
    expect(asls).toBe(r.igd[0].opregion!.addr);
    expect(m.pc.target.readBytes(asls, 8192)).toEqual(m.opregion);
    expect(fn(m.pc, 0, 2).readl(0x5c)).toBe(r.igd[0].bdsm!.addr);
    expect(r.log).toContain(
      `Intel IGD BDSM enabled at 0x${r.igd[0].bdsm!.addr.toString(16).padStart(8, '0')}, size 32MB, dev 00:02.0`,
    );
    expect(fn(m.pc, 0, 2).readb(0x3c)).toBe(10);
    expect(fn(m.pc, 0, 3).readb(0x3c)).toBe(11);
  });
});
