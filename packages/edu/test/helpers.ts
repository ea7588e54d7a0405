// A machine with edu plugged at 00:03.0 (hle firmware assigns its BAR), driven through @vmkit/qos:
// config space by mechanism #1, the BAR through the memory bus, the virtual clock as qtest's.
import { DeviceRegistry } from '@vmkit/device';
import { createMachine, type MachineConfigInput } from '@vmkit/machine';
import { machineTarget, QPciBus, type QPciDevice } from '@vmkit/qos';
import { eduDeviceType } from '../src/index.js';

export const registry = new DeviceRegistry([eduDeviceType]);
export type M = ReturnType<typeof createMachine>;

export const EDU_DEVFN = 3 << 3;

/** edu's function at 03.0, through configuration mechanism #1 on the machine's ports (@vmkit/qos). */
export function eduFunction(m: M): QPciDevice {
  const d = new QPciBus(machineTarget(m)).device(EDU_DEVFN);
  if (!d) throw new Error('edu is not at 00:03.0');
  return d;
}

/** A booted machine with edu at 03.0 and BAR0's address. */
export function eduMachine(more: MachineConfigInput = {}, props: Record<string, unknown> = {}) {
  const m = createMachine(
    { firmware: { kind: 'hle' }, devices: [{ driver: 'edu', addr: '03.0', ...props }], ...more },
    { registry },
  );
  m.boot();
  const t = machineTarget(m);
  const bar = eduFunction(m).barAddress(0);
  const r = (off: number) => Number(t.read(bar + off, 4));
  const w = (off: number, v: number) => t.write(bar + off, 4, BigInt(v >>> 0));
  /** Let `ns` of virtual time pass, firing due timers on the way (qtest clock_step). */
  const advance = (ns: number) => t.clock.step(ns);
  return { m, bar, r, w, advance };
}
