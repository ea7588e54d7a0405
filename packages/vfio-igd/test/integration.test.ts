import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { PciDevice } from '@vmkit/pci';
import { devfn, qosPc } from '@vmkit/qos';
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

describe('on the i440FX board through mechanism #1 (@vmkit/qos)', () => {
  it('firmware-style probing, BAR programming and ASLS through 0xCF8/0xCFC', () => {
    const pc = qosPc({ fwCfg: false });
    const igd = new IgdPciDevice({ source: catalogueSource('cml') });
    pc.pci.addDevice(igd, 2);
    const f = pc.bus.find(0x8086, 0x9b41)!;
    expect(f.bdf).toBe('00:02.0');
    expect(f.readl(0)).toBe(0x9b418086);
    expect(f.readl(0x08) >>> 16).toBe(0x0300); // SeaBIOS intel_igd_setup's class test
    // Size and place GMADR (BAR2, 64-bit prefetchable) and enable memory decoding.
    f.writel(0x18, 0xffffffff);
    expect(f.readl(0x18)).toBe(0xf000000c);
    f.writel(0x18, 0xc0000000);
    f.writew(0x04, 0x0006);
    expect(igd.barInfo(2)?.address).toBe(0xc0000000);
    expect(f.probeBar(2)).toEqual({ kind: 'mem64', prefetchable: true, size: 0x10000000 });
    expect(f.barAddress(2)).toBe(0xc0000000);
    f.writel(0xfc, 0x7f000000);
    expect(f.readl(0xfc)).toBe(0x7f000000);
    expect(igd.regs.asls).toBe(0x7f000000);
    // Byte access to GMCH's high byte (GMS on gen9) through lane 1 is read-only.
    const before = f.readw(0x50);
    f.writeb(0x51, 0xff);
    expect(f.readw(0x50)).toBe(before);
  });
  it('legacy mode: the 1f.0 check against what the bus holds', () => {
    const src = catalogueSource('kbl');
    const pc = qosPc({ fwCfg: false });
    pc.pci.addDevice(new IgdPciDevice({ source: src }), 2);
    const occupant = () => pc.pci.bus.deviceAt(devfn(0x1f, 0))?.name;
    const plan = planLegacyMode({ source: src, guestAddress: '00:02.0', occupantAt1f: occupant() });
    expect(plan.ok).toBe(true);
    pc.pci.addDevice(createLegacyLpcBridge(plan), 0x1f);
    expect(pc.bus.device(devfn(0x1f, 0))!.readl(0)).toBe(0x9d588086);
    // A q35-like machine already has its LPC at 1f.0.
    const q35 = qosPc({ chipset: 'none', fwCfg: false });
    q35.pci.addDevice(
      new PciDevice({ name: 'ICH9-LPC', vendorId: 0x8086, deviceId: 0x2918, classCode: 0x060100 }),
      0x1f,
    );
    const bad = planLegacyMode({
      source: src,
      guestAddress: '00:02.0',
      occupantAt1f: q35.pci.bus.deviceAt(devfn(0x1f, 0))?.name,
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
