export const PACKAGE_NAME = '@vmkit/machine';
export { CheckedGuestMemory, RAM_REGIONS } from './board.js';
export { BUILTIN_DEVICE_TYPES, isaDebugconType, pciStubType, withBuiltins } from './builtin-devices.js';
export * from './config.js';
export { type PlannedDevice, parsePciAddr, planDevices } from './devices-config.js';
export * from './e820.js';
export * from './events.js';
export { e820FromSeabiosLog, mapBiosImage } from './firmware-image.js';
export { formatReport } from './format.js';
export {
  type LinuxLoadInput,
  type LinuxLoadPlan,
  PC_ACPI_DATA_SIZE,
  planLinuxLoad,
} from './linux-load.js';
export {
  BOOT_FAIL_TEXT,
  type BootOptions,
  createMachine,
  DEFAULT_BUDGET,
  Machine,
  type MachineOptions,
  type MachineSinks,
  type RunOptions,
} from './machine.js';
export * from './numbers.js';
export type * from './report.js';
export * from './report-schema.js';
export { SerialConsole, type SerialState } from './serial.js';
export { formatSize, parseSize } from './size.js';
export {
  crc32,
  decodeSnapshot,
  encodeSnapshot,
  type MachineSnapshot,
  type RamImage,
  SNAPSHOT_VERSION,
  SnapshotError,
} from './snapshot.js';
export { BoundedWindow } from './window.js';
