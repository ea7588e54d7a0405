// Plugs the device into a machine through the registry, as an app does, and drives its BAR.
import { DeviceRegistry } from '@vmkit/device';
import { createMachine } from '@vmkit/machine';
import { describe, expect, it } from 'vitest';
import { eduDeviceType } from '../src/index.js';

const registry = new DeviceRegistry([eduDeviceType]);

/** PCI config read through the 0xcf8/0xcfc mechanism, as a guest does. */
function configRead(m: ReturnType<typeof createMachine>, devfn: number, offset: number): number {
  m.io.out32(0xcf8, (0x80000000 | (devfn << 8) | offset) >>> 0);
  return m.io.in32(0xcfc) >>> 0;
}

describe('edu', () => {
  it('is plugged by config, gets its BAR from the firmware and keeps its scratch register', () => {
    const m = createMachine(
      { firmware: { kind: 'hle' }, devices: [{ driver: 'edu', addr: '03.0', deviceId: 0x4242 }] },
      { registry },
    );
    m.boot();
    const devfn = 3 << 3;
    expect(configRead(m, devfn, 0x00)).toBe(0x42421234);
    const bar = (configRead(m, devfn, 0x10) & ~0xf) >>> 0;
    expect(bar).not.toBe(0);
    expect(m.memory.read32(bar) >>> 0).toBe(0x42421234);
    m.memory.write32(bar + 4, 0xcafef00d);
    expect(m.memory.read32(bar + 4) >>> 0).toBe(0xcafef00d);
    expect(m.memory.read32(bar + 8) >>> 0).toBe(0xffffffff);
    const dev = m.devices.find((d) => d.id === 'edu')!;
    expect(dev.device.getState()).toEqual({ scratch: 0xcafef00d });
  });

  it('refuses a property out of range', () => {
    expect(() => createMachine({ devices: [{ driver: 'edu', vendorId: 0x10000 }] }, { registry })).toThrow(
      /vendorId/,
    );
  });
});
