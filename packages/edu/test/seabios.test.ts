// edu under Debian's SeaBIOS on vmkit's x86 core, against QEMU 7.2 with the same command line:
// the same BAR (SeaBIOS's "PCI: map device" line and the function's BAR register), and the DSDT
// lists the function.
import { existsSync, readFileSync } from 'node:fs';
import { createMachine } from '@vmkit/machine';
import { describe, expect, it } from 'vitest';
import { eduFunction, registry } from './helpers.js';
import { gate, onPath, qemuSeabiosLog, SEABIOS } from './tools.js';

const noBios = gate('Debian SeaBIOS', existsSync(SEABIOS), 'apt-get install seabios');
const noQemu =
  noBios || gate('qemu-system-x86_64', onPath('qemu-system-x86_64'), 'apt-get install qemu-system-x86');
const mapLine = (log: readonly string[]) => log.find((l) => l.startsWith('PCI: map device bdf=00:03.0'));

describe.skipIf(noBios)('edu with real SeaBIOS', () => {
  const boot = (devices = [{ driver: 'edu', addr: '03.0' }]) => {
    const m = createMachine(
      { firmware: { kind: 'image', image: new Uint8Array(readFileSync(SEABIOS)), name: SEABIOS }, devices },
      { registry },
    );
    const report = m.boot();
    return { m, report };
  };
  const { m, report } = boot();

  it('SeaBIOS maps BAR0 at 0xfeb00000 and enables memory decode', () => {
    expect(mapLine(report.log)).toBe(
      'PCI: map device bdf=00:03.0  bar 0, addr feb00000, size 00100000 [mem]',
    );
    expect(eduFunction(m).readl(0x10)).toBe(0xfeb00000);
    expect(eduFunction(m).readl(0x04) & 2).toBe(2);
    expect(m.memory.read32(0xfeb00000) >>> 0).toBe(0x010000ed);
    const pci = report.pci.find((p) => p.bdf === '00:03.0')!;
    expect(pci).toMatchObject({ vendor: '1234', device: '11e8', class: '00ff00' });
    expect(pci.bars).toEqual([
      { index: 0, kind: 'mem32', prefetchable: false, address: 0xfeb00000, size: 1 << 20 },
    ]);
  });

  it('the DSDT lists the function (slot 3: S18_), as it lists every plugged PCI function', () => {
    const dsdt = (x: ReturnType<typeof boot>['m']) =>
      new TextDecoder('latin1').decode(x.fwCfg.getFile('etc/acpi/tables')!);
    expect(dsdt(m)).toContain('S18_');
    expect(dsdt(boot([]).m)).not.toContain('S18_');
  });

  it.skipIf(noQemu)('QEMU 7.2 with the same command line maps it at the same address', async () => {
    const qemu = await qemuSeabiosLog();
    expect(mapLine(qemu)).toBe(mapLine(report.log));
    const init = (log: readonly string[]) =>
      log.filter((l) => /^PCI: (map|init) device|^PCI: init bdf/.test(l));
    expect(init(report.log)).toEqual(init(qemu));
  });
});
