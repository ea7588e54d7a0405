// Executor: runs an etc/table-loader blob against an abstract firmware environment with the
// semantics of SeaBIOS rel-1.16.2 src/fw/romfile_loader.c (romfile_loader_execute and helpers),
// plus the vmkit WRITE_PCI_CONFIG command (README "Specification").
//
// Error model (read from romfile_loader.c, rel-1.16.2):
// - Blob size not a multiple of 128 -> warn_internalerror, return -1: NOTHING is executed.
// - The per-file table cannot be allocated (malloc_tmp fails) -> same; we model this with
//   opts.maxEntries (default 65536).
// - Every per-command failure (bad align/zone/size, out of bounds, unknown file, failed DMA write)
//   -> warn_internalerror() and `return` from that command's helper; the loop goes on with the
//   next entry and earlier allocations stay in place (only the buffer of an ALLOCATE whose copy
//   failed is freed). SeaBIOS does NOT stop at the first error and does NOT free earlier
//   allocations. executeLoader reproduces that by default; opts.stopOnError stops at the first
//   failing entry instead (allocations already made are kept: LoaderEnv has no free()).
// - ALLOCATE of a file that is missing or empty is silently ignored (no warning in SeaBIOS);
//   we record a warning. Any later command that names the file then fails.
import { DEFAULT_MAX_ENTRIES, LAYOUT, readName } from './codec.js';
import {
  EntryError,
  execReservePciMemory,
  execWritePciConfig,
  type PciCommandEnv,
  type Reservation,
} from './execute-pci.js';
import {
  CMD_ADD_CHECKSUM,
  CMD_ADD_POINTER,
  CMD_ALLOCATE,
  CMD_RESERVE_PCI_MEMORY,
  CMD_WRITE_PCI_CONFIG,
  CMD_WRITE_POINTER,
  commandName,
  ENTRY_SIZE,
  formatBdf,
  type ZoneName,
  zoneName,
} from './types.js';

/** The firmware as the executor sees it; the PCI members are documented on PciCommandEnv. */
export interface LoaderEnv extends PciCommandEnv {
  /** fw_cfg file contents (undefined when the file does not exist). */
  readFile(name: string): Uint8Array | undefined;
  /** Allocate from a firmware zone; undefined when out of space. */
  allocate(zone: 'high' | 'fseg', size: number, align: number): number | undefined;
  memory: PciCommandEnv['memory'] & { readBytes(addr: number, len: number): Uint8Array };
  /** fw_cfg DMA write (WRITE_POINTER); false when the device refuses it. */
  writeFile(name: string, offset: number, data: Uint8Array): boolean;
  log?(line: string): void;
}

export interface ExecuteOptions {
  /** 'seabios-1.16': commands 1..4 only (the vmkit commands are skipped like any unknown number). 'all' (default): also WRITE_PCI_CONFIG and, when the env has `reserve`, RESERVE_PCI_MEMORY. */
  knownCommands?: 'seabios-1.16' | 'all';
  /** Stop at the first failing entry (SeaBIOS continues; default false). */
  stopOnError?: boolean;
  /** Reject blobs with more entries than this (models SeaBIOS's malloc_tmp failure). Default 65536. */
  maxEntries?: number;
  /** SeaBIOS MALLOC_MIN_ALIGN (src/malloc.h): smaller alignments are raised to it. Default 16. */
  minAlign?: number;
}

export interface LoaderAllocation {
  file: string;
  zone: ZoneName;
  addr: number;
  size: number;
}

export interface ExecuteResult {
  /** true when no entry failed and the blob was accepted. */
  ok: boolean;
  /** true when the blob was rejected as a whole (nothing executed) or execution stopped early. */
  aborted: boolean;
  allocations: LoaderAllocation[];
  /** RESERVE_PCI_MEMORY reservations made (and written to their register). */
  reservations: Reservation[];
  /** Entries with an unknown command number, skipped (all-zero padding entries are only counted in `padding`). */
  skipped: Array<{ index: number; command: number }>;
  /** All-zero entries (QEMU pads etc/table-loader to a 4 KiB multiple); skipped like any unknown command. */
  padding: number;
  /** One message per failing entry: "entry N (offset 0x...) COMMAND field F: reason". */
  errors: string[];
  /** Things SeaBIOS tolerates silently (ALLOCATE of a missing/empty file, duplicate ALLOCATE). */
  warnings: string[];
}

const MALLOC_MIN_ALIGN = 16; // SeaBIOS src/malloc.h

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

function readLe(bytes: Uint8Array, len: number): bigint {
  let v = 0n;
  for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

function writeLe(value: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let v = value;
  for (let i = 0; i < len; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Execute a table-loader blob. Never throws because of blob content; LoaderEnv exceptions propagate. */
export function executeLoader(script: Uint8Array, env: LoaderEnv, opts: ExecuteOptions = {}): ExecuteResult {
  const known = opts.knownCommands ?? 'all';
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const minAlign = opts.minAlign ?? MALLOC_MIN_ALIGN;
  const result: ExecuteResult = {
    ok: true,
    aborted: false,
    allocations: [],
    reservations: [],
    skipped: [],
    padding: 0,
    errors: [],
    warnings: [],
  };
  const log = (line: string) => env.log?.(line);
  const fail = (message: string) => {
    result.ok = false;
    result.errors.push(message);
    log(`table-loader: ${message}`);
  };

  if (script.length % ENTRY_SIZE !== 0) {
    // romfile_loader_execute: `if (size % sizeof(*entry)) { warn_internalerror(); goto err; }`
    fail(
      `blob length ${script.length} is not a multiple of ${ENTRY_SIZE} (truncated entry at offset ${hex(script.length - (script.length % ENTRY_SIZE))}); whole blob rejected, nothing executed`,
    );
    result.aborted = true;
    return result;
  }
  const count = script.length / ENTRY_SIZE;
  if (count > maxEntries) {
    fail(
      `blob has ${count} entries, more than maxEntries ${maxEntries} (oversized); whole blob rejected, nothing executed`,
    );
    result.aborted = true;
    return result;
  }

  // Allocated files in order; lookups return the first match (romfile_loader_find).
  const files: Array<{ name: string; addr: number; size: number }> = [];
  const dv = new DataView(script.buffer, script.byteOffset, script.byteLength);

  const find = (base: number, at: number, field: string, prefix: string) => {
    const n = readName(script, base + at);
    // romfile_loader_find: `if (name[ROMFILE_LOADER_FILESZ - 1]) return NULL;`
    if (!n.terminated) throw new EntryError(`${prefix} field ${field}: name is not NUL-terminated`);
    for (const f of files) if (f.name === n.name) return f;
    throw new EntryError(`${prefix} field ${field}: file ${JSON.stringify(n.name)} is not allocated`);
  };

  for (let index = 0; index < count; index++) {
    const base = index * ENTRY_SIZE;
    const command = dv.getUint32(base, true);
    const prefix = `entry ${index} (offset ${hex(base)}) ${commandName(command)}`;
    const isKnown =
      command === CMD_ALLOCATE ||
      command === CMD_ADD_POINTER ||
      command === CMD_ADD_CHECKSUM ||
      command === CMD_WRITE_POINTER ||
      (command === CMD_WRITE_PCI_CONFIG && known === 'all') ||
      (command === CMD_RESERVE_PCI_MEMORY && known === 'all' && env.reserve !== undefined);
    if (!isKnown) {
      // romfile_loader_execute: `default: /* Skip commands that we don't recognize. */`
      if (command === 0 && script.subarray(base, base + ENTRY_SIZE).every((b) => b === 0)) {
        result.padding++; // QEMU pads the blob to 4 KiB with all-zero entries
        continue;
      }
      result.skipped.push({ index, command });
      log(`table-loader: ${prefix}: skipped (unknown command)`);
      continue;
    }
    try {
      switch (command) {
        case CMD_ALLOCATE: {
          const L = LAYOUT.allocate;
          let align = dv.getUint32(base + L.align, true);
          if (align & (align - 1))
            throw new EntryError(`${prefix} field align: ${align} is not a power of two`);
          const zone = zoneName(script[base + L.zone] as number);
          if (!zone)
            throw new EntryError(
              `${prefix} field zone: ${script[base + L.zone]} is neither 1 (HIGH) nor 2 (FSEG)`,
            );
          if (align < minAlign) align = minAlign;
          const n = readName(script, base + L.file);
          if (!n.terminated) throw new EntryError(`${prefix} field file: name is not NUL-terminated`);
          const data = env.readFile(n.name);
          if (!data || data.length === 0) {
            // `if (!file->file || !file->file->size) return;` -- silent in SeaBIOS.
            const w = `${prefix} field file: ${JSON.stringify(n.name)} is ${data ? 'empty' : 'not in fw_cfg'}; ignored (as SeaBIOS does)`;
            result.warnings.push(w);
            log(`table-loader: ${w}`);
            break;
          }
          if (files.some((f) => f.name === n.name)) {
            const w = `${prefix} field file: ${JSON.stringify(n.name)} allocated again; later commands use the first copy (as SeaBIOS does)`;
            result.warnings.push(w);
            log(`table-loader: ${w}`);
          }
          const addr = env.allocate(zone, data.length, align);
          if (addr === undefined) {
            // warn_noalloc(); return;
            throw new EntryError(
              `${prefix} field file: cannot allocate ${data.length} bytes (align ${align}) in zone ${zone.toUpperCase()}`,
            );
          }
          env.memory.writeBytes(addr, data);
          files.push({ name: n.name, addr, size: data.length });
          result.allocations.push({ file: n.name, zone, addr, size: data.length });
          log(
            `table-loader: ${prefix}: ${JSON.stringify(n.name)} -> ${hex(addr)} (${data.length} bytes, ${zone})`,
          );
          break;
        }
        case CMD_ADD_POINTER: {
          const L = LAYOUT.addPointer;
          const dest = find(base, L.destFile, 'destFile', prefix);
          const src = find(base, L.srcFile, 'srcFile', prefix);
          const offset = dv.getUint32(base + L.offset, true);
          const size = script[base + L.size] as number;
          if (!(size === 1 || size === 2 || size === 4 || size === 8))
            throw new EntryError(`${prefix} field size: ${size} is not 1, 2, 4 or 8`);
          if (offset + size > dest.size)
            throw new EntryError(
              `${prefix} field offset: ${hex(offset)}+${size} is beyond ${JSON.stringify(dest.name)} (size ${hex(dest.size)})`,
            );
          const cur = readLe(env.memory.readBytes(dest.addr + offset, size), size);
          // pointer += (unsigned long)src_file->data; then the low `size` bytes are written back.
          env.memory.writeBytes(dest.addr + offset, writeLe(cur + BigInt(src.addr), size));
          break;
        }
        case CMD_ADD_CHECKSUM: {
          const L = LAYOUT.addChecksum;
          const file = find(base, L.file, 'file', prefix);
          const resultOffset = dv.getUint32(base + L.resultOffset, true);
          const start = dv.getUint32(base + L.start, true);
          const length = dv.getUint32(base + L.length, true);
          if (resultOffset >= file.size)
            throw new EntryError(
              `${prefix} field resultOffset: ${hex(resultOffset)} is beyond ${JSON.stringify(file.name)} (size ${hex(file.size)})`,
            );
          if (start + length > file.size)
            throw new EntryError(
              `${prefix} field length: ${hex(start)}+${hex(length)} is beyond ${JSON.stringify(file.name)} (size ${hex(file.size)})`,
            );
          const range = env.memory.readBytes(file.addr + start, length);
          let sum = 0;
          for (let k = 0; k < range.length; k++) sum = (sum + (range[k] as number)) & 0xff;
          const cur = env.memory.readBytes(file.addr + resultOffset, 1)[0] as number;
          env.memory.writeBytes(file.addr + resultOffset, Uint8Array.of((cur - sum) & 0xff));
          break;
        }
        case CMD_WRITE_POINTER: {
          const L = LAYOUT.writePointer;
          // The destination is any fw_cfg file (romfile_find), not an allocated one.
          const dn = readName(script, base + L.destFile);
          if (!dn.terminated) throw new EntryError(`${prefix} field destFile: name is not NUL-terminated`);
          const destData = env.readFile(dn.name);
          if (!destData)
            throw new EntryError(`${prefix} field destFile: ${JSON.stringify(dn.name)} is not in fw_cfg`);
          const src = find(base, L.srcFile, 'srcFile', prefix);
          const dstOffset = dv.getUint32(base + L.dstOffset, true);
          const srcOffset = dv.getUint32(base + L.srcOffset, true);
          const size = script[base + L.size] as number;
          if (!(size === 1 || size === 2 || size === 4 || size === 8))
            throw new EntryError(`${prefix} field size: ${size} is not 1, 2, 4 or 8`);
          if (dstOffset + size > destData.length)
            throw new EntryError(
              `${prefix} field dstOffset: ${hex(dstOffset)}+${size} is beyond ${JSON.stringify(dn.name)} (size ${hex(destData.length)})`,
            );
          if (srcOffset >= src.size)
            throw new EntryError(
              `${prefix} field srcOffset: ${hex(srcOffset)} is beyond ${JSON.stringify(src.name)} (size ${hex(src.size)})`,
            );
          const pointer = BigInt(src.addr) + BigInt(srcOffset);
          if (size !== 8 && pointer >> BigInt(size * 8) !== 0n)
            throw new EntryError(
              `${prefix} field size: address ${hex(pointer)} does not fit in ${size} bytes`,
            );
          if (!env.writeFile(dn.name, dstOffset, writeLe(pointer, size)))
            throw new EntryError(
              `${prefix} field destFile: fw_cfg DMA write to ${JSON.stringify(dn.name)} failed`,
            );
          break;
        }
        case CMD_WRITE_PCI_CONFIG: {
          const line = execWritePciConfig(script, base, env, prefix, (at, field) =>
            find(base, at, field, prefix),
          );
          log(`table-loader: ${prefix}: ${line}`);
          break;
        }
        case CMD_RESERVE_PCI_MEMORY: {
          const r = execReservePciMemory(script, base, { ...env, reserve: env.reserve! }, prefix);
          result.reservations.push(r);
          log(
            `table-loader: ${prefix}: reserved ${hex(r.addr)} (${r.size} bytes${r.zeroed ? ', zeroed' : ''}), ${formatBdf(r.bdf)} cfg[${hex(r.configOffset)}] (${r.width} bytes) := ${hex(r.addr)}`,
          );
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof EntryError)) throw e;
      fail(e.message);
      if (opts.stopOnError) {
        result.aborted = true;
        return result;
      }
    }
  }
  return result;
}
