import { type BarDefinition, PciDevice, type PciDeviceOptions } from '../src/index.js';
import { RecordingHandler } from './fakes.js';

export function simpleDevice(name: string, extra: Partial<PciDeviceOptions> = {}): PciDevice {
  return new PciDevice({
    name,
    vendorId: 0x8086,
    deviceId: 0x1234,
    classCode: 0x020000,
    revision: 3,
    ...extra,
  });
}

export function mmioBar(
  size: number,
  kind: BarDefinition['kind'] = 'mem32',
  prefetchable = false,
): BarDefinition {
  return { kind, size, prefetchable, handler: new RecordingHandler() };
}
