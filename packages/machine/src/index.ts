export const PACKAGE_NAME = '@vmkit/machine';
export * from './config.js';
export * from './e820.js';
export * from './events.js';
export { e820FromSeabiosLog, mapBiosImage } from './firmware-image.js';
export { formatReport } from './format.js';
export {
  BOOT_FAIL_TEXT,
  type BootOptions,
  createMachine,
  DEFAULT_BUDGET,
  Machine,
  type MachineSinks,
  type RunOptions,
} from './machine.js';
export type * from './report.js';
export { formatSize, parseSize } from './size.js';
export { BoundedWindow } from './window.js';
