// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/vfio-igd';

if (PACKAGE_NAME !== '@vmkit/vfio-igd') throw new Error('unexpected export');
