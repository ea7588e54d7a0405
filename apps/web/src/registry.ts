// The device packages this app ships (the machine names none and adds its own isa-debugcon and
// pci-stub). A new device package registers its DeviceType here, as in apps/cli/src/registry.ts.
import { DeviceRegistry } from '@vmkit/device';
import { eduDeviceType } from '@vmkit/edu';
import { igdDeviceType } from '@vmkit/vfio-igd';

export const registry = new DeviceRegistry([igdDeviceType, eduDeviceType]);
