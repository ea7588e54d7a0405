// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/pci';

if (PACKAGE_NAME !== '@vmkit/pci') throw new Error('unexpected export');
