// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { buildPcAcpi } from '@vmkit/acpi';

const r = buildPcAcpi({ ramSize: 128 << 20, below4g: 128 << 20, above4g: 0, cpus: 1 });
const tables = r.files.find((f) => f.name === 'etc/acpi/tables');
if (tables?.data.length !== 131072) throw new Error('etc/acpi/tables missing or not 128 KiB');
if (String.fromCharCode(...tables.data.subarray(0x40, 0x44)) !== 'DSDT') throw new Error('DSDT not at 0x40');
if (r.loader[0]?.kind !== 'allocate') throw new Error('loader must start with ALLOCATE');
