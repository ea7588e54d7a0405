// The port against the real @vmkit/pci host and devices (BARs actually mapped on the buses).
import { addStandardItems, FwCfg } from '@vmkit/fw-cfg';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { PciDevice, PciHost } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import { runSeabiosPort } from '../src/index.js';
import { u64le } from './platform.js';

const quiet = { read: () => 0, write: () => {} };

function machine() {
  const memory = new MemoryBus();
  memory.addRam('ram', 0, 256 * 1024 * 1024);
  const io = new IoBus();
  const host = new PciHost({ memory, io });
  host.attachIo(io);
  host.addDevice(
    new PciDevice({
      name: 'i440fx',
      vendorId: 0x8086,
      deviceId: 0x1237,
      classCode: 0x060000,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x1100,
    }),
    0,
  );
  host.addDevice(
    new PciDevice({
      name: 'piix3',
      vendorId: 0x8086,
      deviceId: 0x7000,
      classCode: 0x060100,
      multifunction: true,
    }),
    1,
    0,
  );
  const vram = new Uint8Array(0x100000);
  const igd = host.addDevice(
    new PciDevice({
      name: 'igd',
      vendorId: 0x8086,
      deviceId: 0x5912,
      classCode: 0x030000,
      interruptPin: 1,
      bars: [
        { kind: 'mem64', size: 0x1000000, handler: quiet },
        null,
        { kind: 'mem64', size: 0x10000000, prefetchable: true, handler: quiet },
        null,
        { kind: 'io', size: 64, handler: quiet },
      ],
    }),
    2,
  );
  const nic = host.addDevice(
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
  const fw = new FwCfg({ memory });
  addStandardItems(fw, { ramSize: 256 * 1024 * 1024, e820: [{ addr: 0, len: 256 * 1024 * 1024, type: 1 }] });
  const opregion = new Uint8Array(8192).fill(0x5a);
  fw.addFile('etc/igd-opregion', opregion);
  fw.addFile('etc/igd-bdsm-size', u64le(32 * 1024 * 1024));
  fw.attachIo(io);
  return { memory, io, host, igd, nic, vram, opregion };
}

describe('with @vmkit/pci', () => {
  it('sizes and maps the BARs through the real config spaces, then sets up the IGD', () => {
    const m = machine();
    const r = runSeabiosPort({ io: m.io, memory: m.memory });
    expect(r.log).toContain('Found 4 PCI devices (max PCI bus is 00)');
    const igd = r.pciDevices.find((d) => d.name === '00:02.0')!;
    expect(igd.bars.map((b) => [b.bar, b.type, b.size])).toEqual([
      [0, 'mem', 0x1000000],
      [2, 'prefmem', 0x10000000],
      [4, 'io', 64],
    ]);
    // The NIC's memory BAR is live on the memory bus at the address the port chose (decode on).
    const nicBar = r.pciDevices.find((d) => d.name === '00:03.0')!.bars.find((b) => b.bar === 0)!;
    m.memory.write32(nicBar.addr! + 0x10, 0xdeadbeef);
    expect(m.vram[0x10]).toBe(0xef);
    // IGD handshake: ASLS at 0xFC and BDSM at 0x5C, read back through the device model.
    const asls = m.igd.configRead(0xfc, 4);
    expect(asls).toBe(r.igd[0].opregion!.addr);
    expect(m.memory.readBytes(asls, 8192)).toEqual(m.opregion);
    expect(m.igd.configRead(0x5c, 4)).toBe(r.igd[0].bdsm!.addr);
    expect(r.log).toContain(
      `Intel IGD BDSM enabled at 0x${r.igd[0].bdsm!.addr.toString(16).padStart(8, '0')}, size 32MB, dev 00:02.0`,
    );
    expect(m.igd.configRead(0x3c, 1)).toBe(10);
    expect(m.nic.configRead(0x3c, 1)).toBe(11);
  });
});
