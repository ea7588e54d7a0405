export const PACKAGE_NAME = '@vmkit/seabios-port';
