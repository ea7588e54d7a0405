export const PACKAGE_NAME = '@vmkit/bios-linker';
export type { ReservePciMemoryArgs, WritePciConfigArgs } from './builder.js';
export { LinkerBuilder } from './builder.js';
export type { DecodedName, DecodeOptions, DecodeResult } from './codec.js';
export {
  DEFAULT_MAX_ENTRIES,
  decodeLoader,
  encodeLoader,
  formatCommand,
  formatLoader,
  LAYOUT,
  readName,
} from './codec.js';
export type { ExecuteOptions, ExecuteResult, LoaderAllocation, LoaderEnv } from './execute.js';
export { executeLoader } from './execute.js';
export type { PciCommandEnv, Reservation } from './execute-pci.js';
export type { IgdOpRegionFragmentOptions } from './igd.js';
export { igdOpRegionLoaderFragment } from './igd.js';
export * from './types.js';
export type { LoaderFileInfo, ValidateOptions } from './validate.js';
export { validateLoader } from './validate.js';
