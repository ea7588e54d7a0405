export const PACKAGE_NAME = '@vmkit/memory-bus';
export type * from './types.js';
