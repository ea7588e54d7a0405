export const PACKAGE_NAME = '@vmkit/device';
export * from './props.js';
export * from './registry.js';
export type * from './types.js';
