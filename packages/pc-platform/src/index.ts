export const PACKAGE_NAME = '@vmkit/pc-platform';

export * from './acpi-pm.js';
export * from './apic.js';
export * from './apm.js';
export * from './chipset.js';
export * from './debugcon.js';
export * from './dma.js';
export * from './i8042.js';
export * from './ide.js';
export * from './pic.js';
export * from './pit.js';
export * from './platform.js';
export * from './port92.js';
export * from './rtc.js';
export { fromBcd, nsToTicks, ticksToNs, toBcd } from './time.js';
export type * from './types.js';
export * from './uart.js';
