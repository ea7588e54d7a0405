import { describe, expect, it } from 'vitest';
import {
  addCapability,
  describeFunction,
  lspci,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_PM,
  PciBridge,
  PciHost,
} from '../src/index.js';
import { RecordingHandler } from './fakes.js';
import { simpleDevice } from './helpers.js';

describe('lspci-style description', () => {
  it('prints -nn lines and -v details', () => {
    const host = new PciHost();
    host.addDevice(simpleDevice('host', { classCode: 0x060000, revision: 2, deviceId: 0x1237 }), 0);
    const vga = simpleDevice('igd', {
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
