// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { checkDeviceSpecs, DeviceRegistry } from '@vmkit/device';
import { eduDeviceType, factorial32 } from '@vmkit/edu';

const r = checkDeviceSpecs(new DeviceRegistry([eduDeviceType]), [{ driver: 'edu', dma_mask: '-1' }]);
if (r.problems.length !== 1) throw new Error(`unexpected problems: ${JSON.stringify(r.problems)}`);
if (factorial32(10).value !== 3628800) throw new Error('factorial32(10) is not 3628800');
