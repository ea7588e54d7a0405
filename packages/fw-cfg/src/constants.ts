// fw_cfg constants. Values from QEMU docs/specs/fw_cfg.rst, include/standard-headers/linux/qemu_fw_cfg.h
// and hw/nvram/fw_cfg.c; the x86 arch keys from hw/i386/fw_cfg.h.

/** Well-known selector keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
export const FwCfgKey = {
  SIGNATURE: 0x00,
  ID: 0x01,
  UUID: 0x02,
  RAM_SIZE: 0x03,
  NOGRAPHIC: 0x04,
  NB_CPUS: 0x05,
  MACHINE_ID: 0x06,
  KERNEL_ADDR: 0x07,
  KERNEL_SIZE: 0x08,
  KERNEL_CMDLINE: 0x09,
  INITRD_ADDR: 0x0a,
  INITRD_SIZE: 0x0b,
  BOOT_DEVICE: 0x0c,
  NUMA: 0x0d,
  BOOT_MENU: 0x0e,
  MAX_CPUS: 0x0f,
  KERNEL_ENTRY: 0x10,
  KERNEL_DATA: 0x11,
  INITRD_DATA: 0x12,
  CMDLINE_ADDR: 0x13,
  CMDLINE_SIZE: 0x14,
  CMDLINE_DATA: 0x15,
  SETUP_ADDR: 0x16,
  SETUP_SIZE: 0x17,
  SETUP_DATA: 0x18,
  FILE_DIR: 0x19,
  /** First file selector; files occupy FILE_FIRST + (index in the name-sorted directory). */
  FILE_FIRST: 0x20,
  /** Legacy "write channel" bit; QEMU masks it off (FW_CFG_ENTRY_MASK) and ignores it. */
  WRITE_CHANNEL: 0x4000,
  /** Arch-local bit: keys with it set live in a second table. */
  ARCH_LOCAL: 0x8000,
  // x86 arch-local keys (QEMU hw/i386/fw_cfg.h).
  ACPI_TABLES: 0x8000,
  SMBIOS_ENTRIES: 0x8001,
  IRQ0_OVERRIDE: 0x8002,
  E820_TABLE: 0x8003,
  HPET: 0x8004,
} as const;

/** Mask QEMU applies to a key to index its entry table (~(WRITE_CHANNEL | ARCH_LOCAL)). */
export const FW_CFG_ENTRY_MASK = 0x3fff;
/** QEMU's FW_CFG_INVALID current-entry marker. */
export const FW_CFG_INVALID = 0xffff;
/** QEMU FW_CFG_FILE_SLOTS_DFLT. */
export const FW_CFG_FILE_SLOTS_DEFAULT = 0x20;
/** Highest slot count QEMU permits: (0xffff & FW_CFG_ENTRY_MASK) - FW_CFG_FILE_FIRST + 1. */
export const FW_CFG_FILE_SLOTS_MAX = 0x3fe0;
/** Directory entry name field: char name[56], NUL-terminated, so at most 55 bytes of name. */
export const FW_CFG_MAX_FILE_PATH = 56;
/** Size of one directory entry {u32 size; u16 select; u16 reserved; char name[56]}. */
export const FW_CFG_FILE_ENTRY_SIZE = 64;

/** FW_CFG_ID bits. */
export const FW_CFG_VERSION = 0x01;
export const FW_CFG_VERSION_DMA = 0x02;

/** DMA control bits (QEMU hw/nvram/fw_cfg.c FW_CFG_DMA_CTL_*). */
export const FwCfgDmaCtl = {
  ERROR: 0x01,
  READ: 0x02,
  SKIP: 0x04,
  SELECT: 0x08,
  WRITE: 0x10,
} as const;
/** Control bits 5..15 have no meaning in any QEMU version. */
export const FW_CFG_DMA_CTL_UNKNOWN_MASK = 0xffe0;

/** "QEMU CFG", returned by reads of the DMA address register (FW_CFG_DMA_SIGNATURE). */
export const FW_CFG_DMA_SIGNATURE = 0x51454d5520434647n;
/** The same signature as the byte sequence the register presents, most significant byte first. */
export const FW_CFG_DMA_SIGNATURE_BYTES: readonly number[] = [0x51, 0x45, 0x4d, 0x55, 0x20, 0x43, 0x46, 0x47];

/** x86 I/O ports (QEMU FW_CFG_IO_BASE; DMA at FW_CFG_IO_BASE + 4). */
export const FW_CFG_IO_BASE = 0x510;
/** The combined selector/data I/O region is FW_CFG_CTL_SIZE (2) bytes; the DMA register is 8 bytes. */
export const FW_CFG_CTL_SIZE = 2;
export const FW_CFG_DMA_SIZE = 8;
/** MMIO layout (docs/specs/fw_cfg.rst, Arm virt): data at +0, selector at +8, DMA at +16. */
export const FW_CFG_MMIO_DATA = 0x00;
export const FW_CFG_MMIO_SELECTOR = 0x08;
export const FW_CFG_MMIO_DMA = 0x10;
export const FW_CFG_MMIO_SIZE = 0x18;

/** E820 types (Linux arch/x86/include/uapi/asm/e820.h, QEMU hw/i386/e820_memory_layout.h). */
export const E820Type = {
  RAM: 1,
  RESERVED: 2,
  ACPI: 3,
  NVS: 4,
  UNUSABLE: 5,
} as const;

const WELL_KNOWN_NAMES: readonly string[] = [
  'signature',
  'id',
  'uuid',
  'ram_size',
  'nographic',
  'nb_cpus',
  'machine_id',
  'kernel_addr',
  'kernel_size',
  'kernel_cmdline',
  'initrd_addr',
  'initrd_size',
  'boot_device',
  'numa',
  'boot_menu',
  'max_cpus',
  'kernel_entry',
  'kernel_data',
  'initrd_data',
  'cmdline_addr',
  'cmdline_size',
  'cmdline_data',
  'setup_addr',
  'setup_size',
  'setup_data',
  'file_dir',
];
const ARCH_NAMES: readonly string[] = [
  'acpi_tables',
  'smbios_entries',
  'irq0_override',
  'e820_table',
  'hpet',
];

/** Name of a well-known numbered key (as QEMU's trace key_name), or null. */
export function fwCfgKeyName(key: number): string | null {
  if (key & FwCfgKey.ARCH_LOCAL) {
    const i = key & FW_CFG_ENTRY_MASK;
    return i < ARCH_NAMES.length ? ARCH_NAMES[i] : null;
  }
  const i = key & FW_CFG_ENTRY_MASK;
  return i < WELL_KNOWN_NAMES.length ? WELL_KNOWN_NAMES[i] : null;
}
