import { describe, expect, it } from 'vitest';
import {
  addCapability,
  classNamesAsPciIds,
  describeFunction,
  lspci,
  lspciText,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_PM,
  PciBridge,
  PciHost,
} from '../src/index.js';
import { RecordingHandler } from './fakes.js';
import { simpleDevice } from './helpers.js';

/** A VGA-class function with the IGD's BAR layout (64-bit BAR0, prefetchable 64-bit BAR2, I/O BAR4)
 * and a 64 KiB ROM. */
function vgaDevice() {
  return simpleDevice('igd', {
    classCode: 0x030000,
    deviceId: 0x5916,
    revision: 2,
    interruptPin: 1,
    bars: [
      { kind: 'mem64', size: 16 * 2 ** 20, handler: new RecordingHandler() },
      undefined,
      { kind: 'mem64', size: 256 * 2 ** 20, prefetchable: true, handler: new RecordingHandler() },
      undefined,
      { kind: 'io', size: 64, handler: new RecordingHandler() },
    ],
    rom: { data: new Uint8Array(64 * 1024) },
  });
}

describe('lspci-style description', () => {
  it('prints -nn lines and -v details', () => {
    const host = new PciHost();
    host.addDevice(simpleDevice('host', { classCode: 0x060000, revision: 2, deviceId: 0x1237 }), 0);
    const vga = vgaDevice();
    addCapability(vga.config, PCI_CAP_ID_PM, 8, 0xd0);
    addCapability(vga.config, PCI_CAP_ID_MSI, 10, 0xac);
    host.addDevice(vga, 2);
    host.configWrite(0x10, 0x10, 4, 0xf6000004);
    host.configWrite(0x10, 0x04, 2, 2);
    host.configWrite(0x10, 0x3c, 1, 11);
    host.addDevice(new PciBridge({ name: 'br', vendorId: 0x1b36, deviceId: 1 }), 0x1e);
    expect(lspci(host.bus)).toEqual([
      '00:00.0 Host bridge [0600]: Device [8086:1237] (rev 02)',
      '00:02.0 VGA compatible controller [0300]: Device [8086:5916] (rev 02)',
      '00:1e.0 PCI bridge [0604]: Device [1b36:0001]',
    ]);
    expect(describeFunction(vga, true)).toEqual([
      '00:02.0 VGA compatible controller [0300]: Device [8086:5916] (rev 02)',
      '\tName: igd',
      '\tInterrupt: pin A routed to IRQ 11',
      '\tRegion 0: Memory at f6000000 (64-bit, non-prefetchable) [size=16M]',
      '\tRegion 2: Memory at <unassigned> (64-bit, prefetchable) [disabled] [size=256M]',
      '\tRegion 4: I/O ports at <unassigned> [disabled] [size=64]',
      '\tExpansion ROM at <unassigned> [disabled] [size=64K]',
      '\tCapabilities: [d0] Power Management',
      '\tCapabilities: [ac] MSI',
    ]);
  });
});

// lspciText: pciutils 3.9 lspci's formats. The expected text below is what Debian's
// `lspci -O hwdb.disable=1 -F <this bus's -xxx dump> -i <classNamesAsPciIds()> -v` printed for it
// (BAR sizes added: a dump has none, a live host prints them). apps/cli/test/lspci.test.ts runs
// lspci itself against a whole machine.
function machine() {
  const host = new PciHost();
  const vga = vgaDevice();
  addCapability(vga.config, PCI_CAP_ID_PM, 8, 0xd0);
  addCapability(vga.config, 0x11, 12, 0xc0); // MSI-X
  addCapability(vga.config, PCI_CAP_ID_MSI, 14, 0xac);
  vga.config.set16(0xae, 0x0085); // MSI: enabled, 64-bit, 4 vectors capable
  vga.config.set16(0xc2, 0x8007); // MSI-X: enabled, 8 entries
  host.addDevice(vga, 2);
  host.configWrite(0x10, 0x10, 4, 0xf6000004);
  host.configWrite(0x10, 0x30, 4, 0xfffe0001);
  host.configWrite(0x10, 0x04, 2, 0x0006);
  host.configWrite(0x10, 0x3c, 1, 11);
  host.addDevice(simpleDevice('ide', { classCode: 0x01018a, deviceId: 0x7010 }), 1, 1);
  return host;
}

describe('lspciText', () => {
  it('-v: flags, unassigned and disabled BARs, ROM, capabilities as pciutils prints them', () => {
    expect(lspciText(machine().bus, { verbose: true })).toBe(
      [
        '00:01.1 IDE interface: Device 8086:7010 (rev 03) (prog-if 8a [Master SecP PriP])',
        '\tFlags: fast devsel',
        '',
        '00:02.0 VGA compatible controller: Device 8086:5916 (rev 02)',
        '\tFlags: bus master, fast devsel, latency 0, IRQ 11',
        '\tMemory at f6000000 (64-bit, non-prefetchable) [size=16M]',
        '\tMemory at <unassigned> (64-bit, prefetchable) [size=256M]',
        '\tI/O ports at <unassigned> [disabled] [size=64]',
        '\tExpansion ROM at fffe0000 [size=64K]',
        '\tCapabilities: [d0] Power Management version 0',
        '\tCapabilities: [c0] MSI-X: Enable+ Count=8 Masked-',
        '\tCapabilities: [ac] MSI: Enable+ Count=1/4 Maskable- 64bit+',
        '',
      ].join('\n') + '\n',
    );
  });

  it('-n / -nn terse lines and the -x dump layout', () => {
    const bus = machine().bus;
    expect(lspciText(bus, { numeric: 1 }).split('\n')[1]).toBe('00:02.0 0300: 8086:5916 (rev 02)');
    expect(lspciText(bus, { numeric: 2 }).split('\n')[1]).toBe(
      '00:02.0 VGA compatible controller [0300]: Device [8086:5916] (rev 02)',
    );
    const x = lspciText(bus, { hex: 1 }).split('\n');
    expect(x.slice(0, 6)).toEqual([
      '00:01.1 IDE interface: Device 8086:7010 (rev 03)',
      '00: 86 80 10 70 00 00 00 00 03 8a 01 01 00 00 00 00',
      '10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '',
    ]);
    expect(classNamesAsPciIds()).toMatch(/^C 03 {2}Display controller\n\t00 {2}VGA compatible controller$/m);
  });
});
