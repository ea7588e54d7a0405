export const PACKAGE_NAME = '@vmkit/acpi';
