// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/bios-linker';

if (PACKAGE_NAME !== '@vmkit/bios-linker') throw new Error('unexpected export');
