import { catalogueSource } from '@vmkit/vfio-igd';
import { createMachine, type MachineConfigInput } from '../src/index.js';

export const MiB = 1024 * 1024;

export function boot(input: MachineConfigInput) {
  const m = createMachine(input);
  const report = m.boot({ maxInstructions: 50_000_000 });
  return { m, report };
}

export function kbl() {
  return catalogueSource('kbl');
}
