// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/fw-cfg';

if (PACKAGE_NAME !== '@vmkit/fw-cfg') throw new Error('unexpected export');
