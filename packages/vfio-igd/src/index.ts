export const PACKAGE_NAME = '@vmkit/vfio-igd';
export * from './bytes.js';
export * from './generation.js';
export * from './opregion.js';
export * from './vbt.js';
