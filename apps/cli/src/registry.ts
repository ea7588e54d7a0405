// The device packages this app ships (the machine names none; it adds its own isa-debugcon and
// pci-stub). A new device package registers its DeviceType here.
import { DeviceRegistry } from '@vmkit/device';
import { igdDeviceType } from '@vmkit/vfio-igd';

export const registry = new DeviceRegistry([igdDeviceType]);
