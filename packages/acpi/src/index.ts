export const PACKAGE_NAME = '@vmkit/acpi';

export * as aml from './aml.js';
export { type Aml, acpiTable, checksum8 } from './aml.js';
export {
  type AmlDecodeResult,
  type AmlDevice,
  type AmlIssue,
  type AmlObject,
  type AmlValue,
  decodeAml,
  decodeEisaId,
  formatAml,
} from './aml-decode.js';
export { buildDsdtBody, type DsdtOptions, type IsaDeviceDescription } from './dsdt.js';
export {
  ACPI_BUILD_TABLE_SIZE,
  ACPI_RSDP_FILE,
  ACPI_TABLES_FILE,
  type AcpiTableInfo,
  buildPcAcpi,
  type PcAcpiBlobs,
  type PcAcpiOptions,
} from './pc-acpi.js';
export { type AmlResource, decodeResources } from './resources.js';
export { buildSmbios, type SmbiosBlobs, type SmbiosOptions } from './smbios.js';
