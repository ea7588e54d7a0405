// A machine with edu plugged at 00:03.0 (hle firmware assigns its BAR), and guest-style access.
import { DeviceRegistry } from '@vmkit/device';
import { createMachine, type MachineConfigInput } from '@vmkit/machine';
import { eduDeviceType } from '../src/index.js';

export const registry = new DeviceRegistry([eduDeviceType]);
export type M = ReturnType<typeof createMachine>;

export const EDU_DEVFN = 3 << 3;

export function configRead(m: M, devfn: number, offset: number): number {
  m.io.out32(0xcf8, (0x80000000 | (devfn << 8) | offset) >>> 0);
  return m.io.in32(0xcfc) >>> 0;
}

export function configWrite(m: M, devfn: number, offset: number, value: number): void {
  m.io.out32(0xcf8, (0x80000000 | (devfn << 8) | offset) >>> 0);
  m.io.out32(0xcfc, value);
}

/** A booted machine with edu at 03.0 and BAR0's address. */
export function eduMachine(more: MachineConfigInput = {}, props: Record<string, unknown> = {}) {
  const m = createMachine(
    { firmware: { kind: 'hle' }, devices: [{ driver: 'edu', addr: '03.0', ...props }], ...more },
    { registry },
  );
  m.boot();
  const bar = (configRead(m, EDU_DEVFN, 0x10) & ~0xf) >>> 0;
  const r = (off: number) => m.memory.read32(bar + off) >>> 0;
  const w = (off: number, v: number) => m.memory.write32(bar + off, v);
  /** Let `ns` of virtual time pass, firing due timers. */
  const advance = (ns: number) => {
    const end = m.now() + ns;
    for (let d = m.nextDeadline(); d !== null && d <= end; d = m.nextDeadline()) {
      m.warpTo(d);
      m.updateTimers(m.now());
    }
    m.warpTo(end);
    m.updateTimers(m.now());
  };
  return { m, bar, r, w, advance };
}
