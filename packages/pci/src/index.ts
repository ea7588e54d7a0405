export const PACKAGE_NAME = '@vmkit/pci';
