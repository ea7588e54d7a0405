export const PACKAGE_NAME = '@vmkit/edu';
export * from './device-type.js';
export { type EduSavedState, type EduState, powerOnState } from './edu.js';
export * from './registers.js';
