export const PACKAGE_NAME = '@vmkit/machine';
