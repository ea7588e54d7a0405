export const PACKAGE_NAME = '@vmkit/cli';
