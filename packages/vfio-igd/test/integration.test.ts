import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { devfn, PciDevice, PciHost } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import {
  catalogueSource,
  createLegacyLpcBridge,
  IgdPciDevice,
  identityFromConfig,
  parseSysfsResource,
  planLegacyMode,
  type ReadOnlyFs,
  readSysfsSource,
} from '../src/index.js';

describe('on a @vmkit/pci bus through mechanism #1', () => {
  function cfg(host: PciHost, dev: number, off: number) {
    host.mechanism1.write(0, 4, (0x80000000 | (dev << 11) | (off & 0xfc)) >>> 0);
  }
  it('firmware-style probing, BAR programming and ASLS through 0xCF8/0xCFC', () => {
    const host = new PciHost();
    const igd = new IgdPciDevice({ source: catalogueSource('cml') });
    host.addDevice(igd, 2);
    cfg(host, 2, 0);
    expect(host.mechanism1.read(4, 4)).toBe(0x9b418086);
    cfg(host, 2, 0x08);
    expect(host.mechanism1.read(4, 4) >>> 16).toBe(0x0300); // SeaBIOS intel_igd_setup's class test
    // Size and place GMADR (BAR2, 64-bit prefetchable) and enable memory decoding.
    cfg(host, 2, 0x18);
    host.mechanism1.write(4, 4, 0xffffffff);
    expect(host.mechanism1.read(4, 4)).toBe(0xf000000c);
    host.mechanism1.write(4, 4, 0xc0000000);
    cfg(host, 2, 0x04);
    host.mechanism1.write(4, 2, 0x0006);
    expect(igd.barInfo(2)?.address).toBe(0xc0000000);
    cfg(host, 2, 0xfc);
    host.mechanism1.write(4, 4, 0x7f000000);
    expect(host.mechanism1.read(4, 4)).toBe(0x7f000000);
    expect(igd.regs.asls).toBe(0x7f000000);
    // Byte access to GMCH's high byte (GMS on gen9) through lane 1 is read-only.
    cfg(host, 2, 0x50);
    const before = host.mechanism1.read(4, 2);
    host.mechanism1.write(5, 1, 0xff);
    expect(host.mechanism1.read(4, 2)).toBe(before);
  });
  it('legacy mode: the 1f.0 check against what the bus holds', () => {
    const src = catalogueSource('kbl');
    const host = new PciHost();
    host.addDevice(new IgdPciDevice({ source: src }), 2);
    const occupant = () => host.bus.deviceAt(devfn(0x1f, 0))?.name;
    const plan = planLegacyMode({ source: src, guestAddress: '00:02.0', occupantAt1f: occupant() });
    expect(plan.ok).toBe(true);
    host.addDevice(createLegacyLpcBridge(plan), 0x1f);
    cfg(host, 0x1f, 0);
    expect(host.mechanism1.read(4, 4)).toBe(0x9d588086);
    // A q35-like machine already has its LPC at 1f.0.
    const q35 = new PciHost();
    q35.addDevice(
      new PciDevice({ name: 'ICH9-LPC', vendorId: 0x8086, deviceId: 0x2918, classCode: 0x060100 }),
      0x1f,
    );
    const bad = planLegacyMode({
      source: src,
      guestAddress: '00:02.0',
      occupantAt1f: q35.bus.deviceAt(devfn(0x1f, 0))?.name,
    });
    expect(bad.errors[0]).toBe(
      'IGD device 0000:00:02.0 cannot support legacy mode due to existing devices at address 1f.0 (ICH9-LPC)',
    );
  });
});

// The machine running the tests is itself a VM with a real sysfs: exercise the reader against it.
const realSys = existsSync('/sys/bus/pci/devices');
describe.skipIf(!realSys)('real /sys tree of the test machine (read-only)', () => {
  const fs: ReadOnlyFs = {
    readFile(path) {
      try {
        if (!statSync(path).isFile()) return undefined;
        return new Uint8Array(readFileSync(path));
      } catch {
        return undefined;
      }
    },
  };
  const devs = realSys ? readdirSync('/sys/bus/pci/devices') : [];
  it('identities from config match the vendor/device files; resource files parse', () => {
    expect(devs.length).toBeGreaterThan(0);
    for (const d of devs) {
      const dir = `/sys/bus/pci/devices/${d}`;
      const id = identityFromConfig(fs.readFile(`${dir}/config`)!);
      expect(id.vendorId).toBe(Number.parseInt(readFileSync(`${dir}/vendor`, 'utf8'), 16));
      expect(id.deviceId).toBe(Number.parseInt(readFileSync(`${dir}/device`, 'utf8'), 16));
      expect(() => parseSysfsResource(readFileSync(`${dir}/resource`, 'utf8'))).not.toThrow();
    }
  });
  it('reading a device that is not an Intel IGD gives a clear error', () => {
    const d = devs.find(
      (x) => readFileSync(`/sys/bus/pci/devices/${x}/class`, 'utf8').trim().slice(0, 4) !== '0x03',
    );
    if (!d) return;
    expect(() => readSysfsSource(fs, { bdf: d })).toThrow(/IGD config: (vendor id|class code)/);
  });
});
