export const PACKAGE_NAME = '@vmkit/fw-cfg';

export { bswap16, bswap32, u16, u32, u64, utf8Decode, utf8Encode } from './bytes.js';
export type { FwCfgClientFile, FwCfgClientOptions, PhysMem, PortIo } from './client.js';
export { DEFAULT_DMA_DESCRIPTOR_ADDR, FwCfgClient } from './client.js';
export {
  E820Type,
  FW_CFG_DMA_SIGNATURE,
  FW_CFG_FILE_SLOTS_DEFAULT,
  FW_CFG_INVALID,
  FW_CFG_IO_BASE,
  FW_CFG_MMIO_DATA,
  FW_CFG_MMIO_DMA,
  FW_CFG_MMIO_SELECTOR,
  FW_CFG_MMIO_SIZE,
  FW_CFG_VERSION,
  FW_CFG_VERSION_DMA,
  FwCfgDmaCtl,
  FwCfgKey,
  fwCfgKeyName,
} from './constants.js';
export type {
  FwCfgDmaError,
  FwCfgEvent,
  FwCfgFileInfo,
  FwCfgFileOptions,
  FwCfgIoHandlers,
  FwCfgItemData,
  FwCfgItemOptions,
  FwCfgOptions,
  FwCfgState,
  FwCfgVia,
  FwCfgWriteCallback,
} from './device.js';
export { FwCfg } from './device.js';
export type { E820Entry, HpetBlock, LinuxBootItems, NumaConfig, StandardItems } from './items.js';
export {
  addLinuxBootItems,
  addStandardItems,
  decodeE820,
  encodeBootOrder,
  encodeE820,
  encodeHpet,
  encodeNuma,
  encodeUuid,
} from './items.js';
