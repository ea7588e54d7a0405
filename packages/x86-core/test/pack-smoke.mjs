// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/x86-core';

if (PACKAGE_NAME !== '@vmkit/x86-core') throw new Error('unexpected export');
