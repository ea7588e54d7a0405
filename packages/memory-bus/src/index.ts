export const PACKAGE_NAME = '@vmkit/memory-bus';
export { IoBus, PORT_COUNT } from './io-bus.js';
export { ADDRESS_LIMIT, MemoryBus, PAGE_COUNT, PAGE_SHIFT, PAGE_SIZE } from './memory-bus.js';
export type { RamOptions, RegionOptions } from './region.js';
export type * from './types.js';
