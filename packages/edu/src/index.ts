export const PACKAGE_NAME = '@vmkit/edu';
export * from './device-type.js';
