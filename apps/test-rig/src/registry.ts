// The device packages the test rig ships (the machine names none; it adds its own isa-debugcon and
// pci-stub). The qtest shim's -device and the matrix's IGD resolve through it.
import { DeviceRegistry } from '@vmkit/device';
import { igdDeviceType } from '@vmkit/vfio-igd';

export const registry = new DeviceRegistry([igdDeviceType]);
