// Execution of the two vmkit PCI commands (README "Specification"): WRITE_PCI_CONFIG and
// RESERVE_PCI_MEMORY. Shared rules: the PCI target checks, "no device at bdf" (vendor id reads
// 0xFFFF, as SeaBIOS's pci_probe_devices tests it in src/hw/pcidevice.c), config offsets ≥ 256
// only with extended config space, and a read-back after the write ("register not writable").
import { LAYOUT, readName, reserveReservedByte } from './codec.js';
import {
  ENTRY_SIZE,
  formatBdf,
  PCI_CONFIG_LEGACY_SIZE,
  pciTargetProblem,
  RESERVE_FLAG_ZERO,
  RESERVE_FLAGS_KNOWN,
  reservationProblem,
} from './types.js';

/** The part of LoaderEnv (execute.ts) the vmkit PCI commands use. */
export interface PciCommandEnv {
  /** The vmkit PCI commands' write (width 8: two dwords, low first, is the env's business). */
  writePciConfig(bdf: number, offset: number, width: 1 | 2 | 4 | 8, value: bigint): void;
  /**
   * Config read: vendor id 0xFFFF = no device (entry skipped), and the read-back after the write
   * (a register that does not hold the value fails the entry). Without it neither check is made.
   */
  readPciConfig?(bdf: number, offset: number, width: 1 | 2 | 4): number;
  /** Config offsets 256..4095 reachable (MMCONFIG); false rejects them. Default true. */
  pciExtendedConfig?: boolean;
  /**
   * RESERVE_PCI_MEMORY support: `alloc` below 4 GiB (undefined when impossible), `free` (the
   * register refused the address), `markReserved` (e820). Without it the command is skipped as
   * unknown, exactly what firmware that lacks it does.
   */
  reserve?: {
    alloc(size: number, align: number): number | undefined;
    free(addr: number): void;
    markReserved(addr: number, size: number): void;
  };
  memory: { writeBytes(addr: number, data: Uint8Array): void };
}

/** A failing entry: its message names entry, command and field. */
export class EntryError extends Error {}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

interface PciTarget {
  bdf: number;
  segment: number;
  configOffset: number;
  width: 1 | 2 | 4 | 8;
}

/** Reads the target fields at LAYOUT.writePciConfig's offsets (RESERVE_PCI_MEMORY shares them). */
function readTarget(script: Uint8Array, dv: DataView, base: number, env: PciCommandEnv, prefix: string) {
  const L = LAYOUT.writePciConfig;
  const bdf = dv.getUint16(base + L.bdf, true);
  const configOffset = dv.getUint16(base + L.configOffset, true);
  const width = script[base + L.width] as number;
  const segment = dv.getUint16(base + L.segment, true);
  const problem = pciTargetProblem(configOffset, width);
  if (problem) throw new EntryError(`${prefix} field ${problem[0]}: ${problem[1]}`);
  if (segment !== 0)
    throw new EntryError(
      `${prefix} field segment: segment ${hex(segment)} is not supported (LoaderEnv addresses segment 0 only)`,
    );
  if (configOffset >= PCI_CONFIG_LEGACY_SIZE && env.pciExtendedConfig === false)
    throw new EntryError(
      `${prefix} field configOffset: ${hex(configOffset)} needs extended config space, which this firmware cannot reach`,
    );
  return { bdf, segment, configOffset, width: width as 1 | 2 | 4 | 8 };
}

function checkPresent(env: PciCommandEnv, t: PciTarget, prefix: string): void {
  if (env.readPciConfig && env.readPciConfig(t.bdf, 0, 2) === 0xffff)
    throw new EntryError(`${prefix} field bdf: no device at ${formatBdf(t.bdf)}`);
}

function readBack(env: PciCommandEnv, t: PciTarget): bigint | undefined {
  const rd = env.readPciConfig;
  if (!rd) return undefined;
  if (t.width === 8)
    return (
      BigInt(rd(t.bdf, t.configOffset, 4) >>> 0) | (BigInt(rd(t.bdf, t.configOffset + 4, 4) >>> 0) << 32n)
    );
  return BigInt(rd(t.bdf, t.configOffset, t.width) >>> 0);
}

/** Write, then read back: a register that does not hold the value is reported (and not retried). */
function writeVerified(env: PciCommandEnv, t: PciTarget, value: bigint, prefix: string): void {
  env.writePciConfig(t.bdf, t.configOffset, t.width, value);
  const got = readBack(env, t);
  if (got !== undefined && got !== value)
    throw new EntryError(
      `${prefix} field configOffset: ${formatBdf(t.bdf)} cfg[${hex(t.configOffset)}] is not writable (wrote ${hex(value)}, reads ${hex(got)})`,
    );
}

export interface AllocatedFile {
  name: string;
  addr: number;
  size: number;
}

/** WRITE_PCI_CONFIG: cfg[off] := address(file) + src_offset. Returns the log line. */
export function execWritePciConfig(
  script: Uint8Array,
  base: number,
  env: PciCommandEnv,
  prefix: string,
  find: (at: number, field: string) => AllocatedFile,
): string {
  const L = LAYOUT.writePciConfig;
  const dv = new DataView(script.buffer, script.byteOffset, script.byteLength);
  const reserved =
    (script[base + L.reserved0] as number) !== 0 ||
    script.subarray(base + L.end, base + ENTRY_SIZE).some((b) => b !== 0);
  if (reserved) throw new EntryError(`${prefix} field reserved: reserved bytes are not zero`);
  if (readName(script, base + L.file).trailingGarbage)
    throw new EntryError(`${prefix} field file: non-zero bytes after the terminating NUL`);
  const file = find(L.file, 'file');
  const srcOffset = dv.getUint32(base + L.srcOffset, true);
  const t = readTarget(script, dv, base, env, prefix);
  if (srcOffset >= file.size)
    throw new EntryError(
      `${prefix} field srcOffset: ${hex(srcOffset)} is beyond ${JSON.stringify(file.name)} (size ${hex(file.size)})`,
    );
  const value = BigInt(file.addr) + BigInt(srcOffset);
  if (t.width !== 8 && value >> BigInt(t.width * 8) !== 0n)
    throw new EntryError(`${prefix} field width: address ${hex(value)} does not fit in ${t.width} bytes`);
  checkPresent(env, t, prefix);
  writeVerified(env, t, value, prefix);
  return `${formatBdf(t.bdf)} cfg[${hex(t.configOffset)}] (${t.width} bytes) := ${hex(value)}`;
}

export interface Reservation {
  addr: number;
  size: number;
  bdf: number;
  configOffset: number;
  width: number;
  zeroed: boolean;
}

/**
 * RESERVE_PCI_MEMORY: checks, device present, alloc below 4 GiB, zero if asked, write + read
 * back (on failure the memory is released), then e820-reserve. Throws EntryError.
 */
export function execReservePciMemory(
  script: Uint8Array,
  base: number,
  env: PciCommandEnv & { reserve: NonNullable<PciCommandEnv['reserve']> },
  prefix: string,
): Reservation {
  const L = LAYOUT.reservePciMemory;
  const dv = new DataView(script.buffer, script.byteOffset, script.byteLength);
  const k = reserveReservedByte(script, base);
  if (k >= 0) throw new EntryError(`${prefix} field reserved: reserved byte ${k} is not zero`);
  const size = dv.getBigUint64(base + L.size, true);
  const align = dv.getUint32(base + L.align, true);
  const flags = script[base + L.flags] as number;
  if (flags & ~RESERVE_FLAGS_KNOWN)
    throw new EntryError(`${prefix} field flags: unknown flag bits ${hex(flags)}`);
  if (align === 0 || align & (align - 1))
    throw new EntryError(`${prefix} field align: ${align} is not a non-zero power of two`);
  const t = readTarget(script, dv, base, env, prefix);
  const placement = reservationProblem(size, align, t.width);
  if (placement) throw new EntryError(`${prefix} field size: ${placement}`);
  checkPresent(env, t, prefix);
  const n = Number(size);
  const addr = env.reserve.alloc(n, align);
  if (addr === undefined)
    throw new EntryError(`${prefix} field size: cannot reserve ${n} bytes (align ${hex(align)}) below 4 GiB`);
  if (t.width !== 8 && BigInt(addr) >> BigInt(8 * t.width) !== 0n) {
    env.reserve.free(addr);
    throw new EntryError(`${prefix} field width: address ${hex(addr)} does not fit in ${t.width} bytes`);
  }
  const zeroed = (flags & RESERVE_FLAG_ZERO) !== 0;
  if (zeroed) zeroFill(env, addr, n);
  try {
    writeVerified(env, t, BigInt(addr), prefix);
  } catch (e) {
    env.reserve.free(addr);
    throw e;
  }
  env.reserve.markReserved(addr, n);
  return { addr, size: n, bdf: t.bdf, configOffset: t.configOffset, width: t.width, zeroed };
}

function zeroFill(env: PciCommandEnv, addr: number, size: number): void {
  const chunk = new Uint8Array(Math.min(size, 1 << 20));
  for (let off = 0; off < size; off += chunk.length)
    env.memory.writeBytes(addr + off, off + chunk.length <= size ? chunk : chunk.subarray(0, size - off));
}
