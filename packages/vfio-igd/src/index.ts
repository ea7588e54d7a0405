export const PACKAGE_NAME = '@vmkit/vfio-igd';
