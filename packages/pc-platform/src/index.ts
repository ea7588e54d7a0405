export const PACKAGE_NAME = '@vmkit/pc-platform';
