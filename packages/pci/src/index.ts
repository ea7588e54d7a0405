export const PACKAGE_NAME = '@vmkit/pci';

export { bdf, bdfBus, bdfDevfn, bdfDevice, bdfFunction, devfn, formatBdf, parseBdf } from './bdf.js';
export { type BridgeWindow, PciBridge, type PciBridgeOptions, PciBus, type PciBusOptions } from './bus.js';
export { ByteArrayHandler } from './byte-array-handler.js';
export {
  addCapability,
  addExtendedCapability,
  type CapabilityInfo,
  type ConfigReader,
  type ExtendedCapabilityInfo,
  findCapability,
  findExtendedCapability,
  listCapabilities,
  listExtendedCapabilities,
} from './capabilities.js';
export * from './class-code.js';
export { type ConfigBacking, ConfigSpace, type ConfigSpaceSize } from './config-space.js';
export * from './constants.js';
export {
  type BarDefinition,
  type BarKind,
  type BarState,
  PciDevice,
  type PciDeviceOptions,
  type PciDeviceState,
  pciBarAddress,
  type RomDefinition,
} from './device.js';
export type { PciEvent, PciEventListener, PciIntxEvent } from './events.js';
export { PciHost, type PciHostState } from './host.js';
export { describeFunction, type LspciOptions, lspci, lspciText } from './lspci.js';
