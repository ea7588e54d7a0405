export const PACKAGE_NAME = '@vmkit/pc-platform';

export * from './pic.js';
export * from './pit.js';
export * from './rtc.js';
export { fromBcd, nsToTicks, ticksToNs, toBcd } from './time.js';
export type * from './types.js';
