// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/seabios-port';

if (PACKAGE_NAME !== '@vmkit/seabios-port') throw new Error('unexpected export');
