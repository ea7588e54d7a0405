// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/pc-platform';

if (PACKAGE_NAME !== '@vmkit/pc-platform') throw new Error('unexpected export');
