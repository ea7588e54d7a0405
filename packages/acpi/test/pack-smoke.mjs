// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { PACKAGE_NAME } from '@vmkit/acpi';

if (PACKAGE_NAME !== '@vmkit/acpi') throw new Error('unexpected export');
