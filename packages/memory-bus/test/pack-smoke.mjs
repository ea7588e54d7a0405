// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/memory-bus';

if (PACKAGE_NAME !== '@vmkit/memory-bus') throw new Error('unexpected export');
