// The device packages the test rig ships (the machine names none; it adds its own isa-debugcon and
// pci-stub). The qtest shim's -device, the matrix's IGD and `rig conformance` resolve through it.
import { type AnyDeviceType, DeviceRegistry } from '@vmkit/device';
import { eduDeviceType } from '@vmkit/edu';
import { catalogueSource, igdDeviceType } from '@vmkit/vfio-igd';

/** Device types by the package that provides them (`rig conformance <package>` selects by these). */
export const devicePackages: Readonly<Record<string, readonly AnyDeviceType[]>> = {
  '@vmkit/vfio-igd': [igdDeviceType],
  '@vmkit/edu': [eduDeviceType],
};

export const registry = new DeviceRegistry(Object.values(devicePackages).flat());

/** Values `rig conformance` gives required props that have no default (the IGD needs a host). */
export const conformanceRequiredProps: Record<string, Record<string, unknown>> = {
  'vfio-igd': { source: catalogueSource('kbl') },
};
