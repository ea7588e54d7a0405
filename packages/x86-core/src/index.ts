export const PACKAGE_NAME = '@vmkit/x86-core';
