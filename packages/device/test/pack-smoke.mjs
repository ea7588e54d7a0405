// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { checkDeviceSpecs, DeviceRegistry } from '@vmkit/device';

const reg = new DeviceRegistry([
  {
    driver: 'probe',
    bus: 'isa',
    description: 'test',
    props: { port: { type: 'int', doc: 'port', min: 0, max: 0xffff, default: 0x402 } },
    realize: () => ({ reset() {}, getState: () => ({}), setState() {} }),
  },
]);
const r = checkDeviceSpecs(reg, [{ driver: 'probe', port: '0x10000' }, { driver: 'nope' }]);
if (r.problems.length !== 2) throw new Error(`unexpected problems: ${JSON.stringify(r.problems)}`);
