export const PACKAGE_NAME = '@vmkit/bios-linker';
