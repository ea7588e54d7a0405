// Data model of the QEMU BIOS linker/loader ("etc/table-loader").
// Layout: QEMU include/hw/acpi/bios-linker-loader.h / hw/acpi/bios-linker-loader.c
// (struct BiosLinkerLoaderEntry) and SeaBIOS src/fw/romfile_loader.h (struct romfile_loader_entry_s).

/** Every entry is 128 bytes: u32 command (LE) + 124-byte body. */
export const ENTRY_SIZE = 128;
/** Name fields are char[56] and must be NUL-terminated (ROMFILE_LOADER_FILESZ / FW_CFG_MAX_FILE_PATH). */
export const FILE_NAME_FIELD = 56;
/** Longest name that fits: 55 bytes + NUL. */
export const MAX_FILE_NAME = FILE_NAME_FIELD - 1;

// Command numbers: QEMU BIOS_LINKER_LOADER_COMMAND_*, SeaBIOS ROMFILE_LOADER_COMMAND_*.
export const CMD_ALLOCATE = 1;
export const CMD_ADD_POINTER = 2;
export const CMD_ADD_CHECKSUM = 3;
export const CMD_WRITE_POINTER = 4;
/**
 * vmkit extension: program a PCI config register with the address of an allocated file.
 * 0x014B4D56 is stored little-endian as the bytes "VMK\x01" (vendor tag "VMK", sub-command 1),
 * far away from the dense 1, 2, 3, 4, ... sequence QEMU allocates from. See README "Choice of
 * the command number".
 */
export const CMD_WRITE_PCI_CONFIG = 0x014b4d56;
/**
 * vmkit extension 2: reserve N bytes of RAM below 4 GiB (aligned, optionally zeroed), mark them
 * reserved in e820 and write their address into a PCI config register ("VMK\x02"). Used for the
 * IGD's stolen memory (BDSM 0x5C, 32-bit, or 0xC0, 64-bit on Gen11+). See README specification.
 */
export const CMD_RESERVE_PCI_MEMORY = 0x024b4d56;
/** RESERVE_PCI_MEMORY flags: bit 0 = fill the reservation with zeros (else its contents are untouched). */
export const RESERVE_FLAG_ZERO = 0x01;
/** Every flag this version defines; other bits are reserved (must be 0). */
export const RESERVE_FLAGS_KNOWN = RESERVE_FLAG_ZERO;
/** Config offsets a firmware reaches through ports 0xCF8/0xCFC (no MMCONFIG). */
export const PCI_CONFIG_LEGACY_SIZE = 256;

// Zones: QEMU BIOS_LINKER_LOADER_ALLOC_ZONE_*, SeaBIOS ROMFILE_LOADER_ALLOC_ZONE_*.
export const ZONE_HIGH = 1;
export const ZONE_FSEG = 2;

/** Size of PCI Express extended configuration space. */
export const PCI_CONFIG_SPACE_SIZE = 4096;

export type ZoneName = 'high' | 'fseg';

export interface AllocateCommand {
  kind: 'allocate';
  file: string;
  /** Required alignment; must be a power of two (0 is accepted by SeaBIOS as "default"). */
  align: number;
  /** Raw zone byte: 1 = HIGH, 2 = FSEG; anything else is invalid (kept so bad input can be represented). */
  zone: number;
}

export interface AddPointerCommand {
  kind: 'add-pointer';
  destFile: string;
  srcFile: string;
  /** Offset of the pointer field inside destFile. */
  offset: number;
  /** Field width in bytes: 1, 2, 4 or 8 (other values are invalid but representable). */
  size: number;
}

export interface AddChecksumCommand {
  kind: 'add-checksum';
  file: string;
  /** Offset of the checksum byte. */
  resultOffset: number;
  start: number;
  length: number;
}

export interface WritePointerCommand {
  kind: 'write-pointer';
  /** A writable fw_cfg file (not allocated into guest memory). */
  destFile: string;
  srcFile: string;
  dstOffset: number;
  srcOffset: number;
  size: number;
}

export interface WritePciConfigCommand {
  kind: 'write-pci-config';
  /** An ALLOCATEd file whose guest address (+ srcOffset) is written. */
  file: string;
  srcOffset: number;
  /** PCI segment group; 0 on single-segment machines. */
  segment: number;
  /** bus << 8 | device << 3 | function. */
  bdf: number;
  configOffset: number;
  /** 1, 2, 4 or 8 (other values are invalid but representable). */
  width: number;
}

export interface ReservePciMemoryCommand {
  kind: 'reserve-pci-memory';
  /** Bytes to reserve (u64 in the entry; this version places reservations below 4 GiB). */
  size: bigint;
  /** Alignment: a non-zero power of two (u32). */
  align: number;
  /** RESERVE_FLAG_ZERO or 0 (other bits are invalid but representable). */
  flags: number;
  /** PCI segment group; 0 on single-segment machines. */
  segment: number;
  /** bus << 8 | device << 3 | function. */
  bdf: number;
  configOffset: number;
  /** 1, 2, 4 or 8 (other values are invalid but representable). */
  width: number;
}

export interface UnknownCommand {
  kind: 'unknown';
  command: number;
  /** The 124-byte body, verbatim. */
  body: Uint8Array;
}

export type LinkerCommand =
  | AllocateCommand
  | AddPointerCommand
  | AddChecksumCommand
  | WritePointerCommand
  | WritePciConfigCommand
  | ReservePciMemoryCommand
  | UnknownCommand;

/** A problem found in a script, tied to an entry. */
export interface LoaderIssue {
  severity: 'error' | 'warning';
  /** Entry index (0-based), or -1 for the blob as a whole. */
  index: number;
  /** Byte offset of the entry in the encoded blob (index * 128), or of the problem for blob-level issues. */
  offset: number;
  /** Field name, e.g. 'file', 'align', 'reserved', 'length'. */
  field: string;
  message: string;
}

/** An all-zero entry (command 0, zero body): QEMU pads etc/table-loader with these to a 4 KiB multiple. */
export function isPaddingCommand(cmd: LinkerCommand): boolean {
  if (cmd.kind !== 'unknown' || cmd.command !== 0) return false;
  for (let i = 0; i < cmd.body.length; i++) if (cmd.body[i] !== 0) return false;
  return true;
}

export function commandNumber(cmd: LinkerCommand): number {
  switch (cmd.kind) {
    case 'allocate':
      return CMD_ALLOCATE;
    case 'add-pointer':
      return CMD_ADD_POINTER;
    case 'add-checksum':
      return CMD_ADD_CHECKSUM;
    case 'write-pointer':
      return CMD_WRITE_POINTER;
    case 'write-pci-config':
      return CMD_WRITE_PCI_CONFIG;
    case 'reserve-pci-memory':
      return CMD_RESERVE_PCI_MEMORY;
    case 'unknown':
      return cmd.command;
  }
}

export function commandName(command: number): string {
  switch (command) {
    case CMD_ALLOCATE:
      return 'ALLOCATE';
    case CMD_ADD_POINTER:
      return 'ADD_POINTER';
    case CMD_ADD_CHECKSUM:
      return 'ADD_CHECKSUM';
    case CMD_WRITE_POINTER:
      return 'WRITE_POINTER';
    case CMD_WRITE_PCI_CONFIG:
      return 'WRITE_PCI_CONFIG';
    case CMD_RESERVE_PCI_MEMORY:
      return 'RESERVE_PCI_MEMORY';
    default:
      return `UNKNOWN(0x${(command >>> 0).toString(16)})`;
  }
}

export function zoneNumber(zone: ZoneName | number): number {
  if (zone === 'high') return ZONE_HIGH;
  if (zone === 'fseg') return ZONE_FSEG;
  return zone;
}

export function zoneName(zone: number): ZoneName | undefined {
  if (zone === ZONE_HIGH) return 'high';
  if (zone === ZONE_FSEG) return 'fseg';
  return undefined;
}

export function isPointerSize(n: number): boolean {
  return n === 1 || n === 2 || n === 4 || n === 8;
}

/** True for the command numbers this library knows (1..4 and the vmkit extensions). */
export function isKnownCommandNumber(n: number): boolean {
  return (
    n === CMD_ALLOCATE ||
    n === CMD_ADD_POINTER ||
    n === CMD_ADD_CHECKSUM ||
    n === CMD_WRITE_POINTER ||
    n === CMD_WRITE_PCI_CONFIG ||
    n === CMD_RESERVE_PCI_MEMORY
  );
}

/**
 * The checks both vmkit PCI commands share on their target register (README spec, rule 4):
 * width 1/2/4/8, offset aligned to the width and inside 4 KiB of config space. Returns
 * [field, reason] for the first problem, or undefined.
 */
export function pciTargetProblem(configOffset: number, width: number): [string, string] | undefined {
  const h = (n: number) => `0x${n.toString(16)}`;
  if (!isPointerSize(width)) return ['width', `${width} is not 1, 2, 4 or 8`];
  if (!Number.isInteger(configOffset) || configOffset < 0)
    return ['configOffset', `${configOffset} is not a valid offset`];
  if (configOffset % width !== 0)
    return ['configOffset', `${h(configOffset)} is not aligned to width ${width}`];
  if (configOffset + width > PCI_CONFIG_SPACE_SIZE)
    return ['configOffset', `${h(configOffset)}+${width} is beyond the 4 KiB config space`];
  return undefined;
}

/**
 * RESERVE_PCI_MEMORY placement rule of this version: the reservation lies in RAM below 4 GiB and
 * its base must fit the register. Returns a reason when no aligned placement of `size` bytes can
 * (the lowest candidate base is `align`: address 0 is never free RAM), else undefined.
 */
export function reservationProblem(size: bigint, align: number, width: number): string | undefined {
  if (size <= 0n) return 'size is 0';
  const bits = Math.min(8 * width, 32);
  const limit = 1n << BigInt(bits);
  if (BigInt(align) + size <= limit) return undefined;
  const at = `${size} bytes aligned to 0x${align.toString(16)}`;
  if (width >= 8) return `${at} cannot be placed below 4 GiB (this version reserves below 4 GiB only)`;
  const text = bits === 32 ? '4 GiB' : bits === 16 ? '64 KiB' : '256 bytes';
  return `${at} overflow ${text} for a ${8 * width}-bit register`;
}

export function isPowerOfTwoOrZero(n: number): boolean {
  // SeaBIOS romfile_loader_allocate: `if (alloc_align & (alloc_align - 1)) goto err;` accepts 0.
  return (
    Number.isInteger(n) && n >= 0 && n <= 0xffffffff && (n === 0 || (n & (n - 1)) === 0 || n === 0x80000000)
  );
}

/** Format a BDF as "bb:dd.f" (with "ssss:" prefix when segment != 0). */
export function formatBdf(bdf: number, segment = 0): string {
  const bus = (bdf >> 8) & 0xff;
  const dev = (bdf >> 3) & 0x1f;
  const fn = bdf & 7;
  const h = (v: number, w: number) => v.toString(16).padStart(w, '0');
  const core = `${h(bus, 2)}:${h(dev, 2)}.${fn}`;
  return segment ? `${h(segment, 4)}:${core}` : core;
}

/** Parse "bb:dd.f" or "ssss:bb:dd.f" (hex) into { segment, bdf }; throws on malformed text. */
export function parseBdf(text: string): { segment: number; bdf: number } {
  const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim());
  if (!m) throw new Error(`bdf: cannot parse "${text}" (expected bb:dd.f or ssss:bb:dd.f, hex)`);
  const segment = m[1] ? Number.parseInt(m[1], 16) : 0;
  const bus = Number.parseInt(m[2] as string, 16);
  const dev = Number.parseInt(m[3] as string, 16);
  const fn = Number.parseInt(m[4] as string, 10);
  if (dev > 31) throw new Error(`bdf: device ${dev} > 31 in "${text}"`);
  return { segment, bdf: (bus << 8) | (dev << 3) | fn };
}
