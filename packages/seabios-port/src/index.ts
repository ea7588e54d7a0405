export const PACKAGE_NAME = '@vmkit/seabios-port';

export type { E820Entry } from './e820.js';
export {
  E820_ACPI,
  E820_NVS,
  E820_RAM,
  E820_RESERVED,
  E820_UNUSABLE,
  E820Map,
  e820TypeName,
} from './e820.js';
export { formatBdf } from './format.js';
export { PciConfigIo, rtcRead } from './hw.js';
export type { ZoneName, ZoneSummary } from './malloc.js';
export { BUILD_MAX_HIGHTABLE, BUILD_MIN_HIGHTABLE, SeabiosMalloc } from './malloc.js';
export type { PciBarInfo, PciRegionType } from './pciinit.js';
export { BUILD_PCIMEM_END, BUILD_PCIMEM_START, PCI_IRQS } from './pciinit.js';
export type {
  IgdReport,
  PciDeviceReport,
  RunSeabiosPortArgs,
  SeabiosPortEvent,
  SeabiosPortOptions,
  SeabiosPortResult,
} from './post.js';
export { runSeabiosPort } from './post.js';
