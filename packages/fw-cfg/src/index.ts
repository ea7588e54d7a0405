export const PACKAGE_NAME = '@vmkit/fw-cfg';
