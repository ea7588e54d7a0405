// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { checkDeviceSpecs, DeviceRegistry } from '@vmkit/device';
import { eduDeviceType } from '@vmkit/edu';

const r = checkDeviceSpecs(new DeviceRegistry([eduDeviceType]), [{ driver: 'edu', deviceId: '0x10000' }]);
if (r.problems.length !== 1) throw new Error(`unexpected problems: ${JSON.stringify(r.problems)}`);
