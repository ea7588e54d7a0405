// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/machine';

if (PACKAGE_NAME !== '@vmkit/machine') throw new Error('unexpected export');
