export const PACKAGE_NAME = '@vmkit/test-rig';
