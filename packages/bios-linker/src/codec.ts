// Encoder / decoder / pretty-printer for etc/table-loader blobs.
// Field offsets: QEMU hw/acpi/bios-linker-loader.c struct BiosLinkerLoaderEntry (packed),
// SeaBIOS src/fw/romfile_loader.h struct romfile_loader_entry_s; WRITE_PCI_CONFIG: README spec.
import {
  CMD_ADD_CHECKSUM,
  CMD_ADD_POINTER,
  CMD_ALLOCATE,
  CMD_RESERVE_PCI_MEMORY,
  CMD_WRITE_PCI_CONFIG,
  CMD_WRITE_POINTER,
  commandName,
  commandNumber,
  ENTRY_SIZE,
  FILE_NAME_FIELD,
  formatBdf,
  isKnownCommandNumber,
  isPaddingCommand,
  type LinkerCommand,
  type LoaderIssue,
  MAX_FILE_NAME,
  pciTargetProblem,
  RESERVE_FLAGS_KNOWN,
  zoneName,
} from './types.js';

/** Body offsets (from the start of the 128-byte entry). */
export const LAYOUT = {
  command: 0,
  allocate: { file: 4, align: 60, zone: 64, end: 65 },
  addPointer: { destFile: 4, srcFile: 60, offset: 116, size: 120, end: 121 },
  addChecksum: { file: 4, resultOffset: 60, start: 64, length: 68, end: 72 },
  writePointer: { destFile: 4, srcFile: 60, dstOffset: 116, srcOffset: 120, size: 124, end: 125 },
  writePciConfig: {
    file: 4,
    srcOffset: 60,
    bdf: 64,
    configOffset: 66,
    width: 68,
    reserved0: 69,
    segment: 70,
    end: 72,
  },
  // The PCI target fields (bdf..segment) sit where WRITE_PCI_CONFIG has them.
  reservePciMemory: {
    size: 4,
    align: 12,
    flags: 16,
    reserved0: 17,
    bdf: 64,
    configOffset: 66,
    width: 68,
    reserved1: 69,
    segment: 70,
    end: 72,
  },
} as const;

/** Default upper bound on entries accepted by decodeLoader / executeLoader (64 Ki entries = 8 MiB). */
export const DEFAULT_MAX_ENTRIES = 65536;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function checkUint(value: number, bits: 8 | 16 | 32, what: string, index: number): void {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(
      `encodeLoader: entry ${index} (offset ${hex(index * ENTRY_SIZE)}) field ${what}: ${value} is not a u${bits}`,
    );
  }
}

function writeName(out: Uint8Array, at: number, name: string, what: string, index: number): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_FILE_NAME) {
    throw new Error(
      `encodeLoader: entry ${index} (offset ${hex(index * ENTRY_SIZE)}) field ${what}: name must be 1..${MAX_FILE_NAME} bytes (got ${typeof name === 'string' ? name.length : typeof name})`,
    );
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0 || c > 0xff) {
      throw new Error(
        `encodeLoader: entry ${index} (offset ${hex(index * ENTRY_SIZE)}) field ${what}: character ${i} (U+${c.toString(16).padStart(4, '0')}) is not a non-NUL byte`,
      );
    }
    out[at + i] = c;
  }
  // Remaining bytes (incl. the terminator) stay zero, like QEMU's memset + strncpy.
}

/** The PCI target fields both vmkit commands carry at entry bytes 64..71 (README spec). */
function encodePciTarget(
  out: Uint8Array,
  dv: DataView,
  base: number,
  cmd: { bdf: number; configOffset: number; width: number; segment: number },
  i: number,
): void {
  const L = LAYOUT.writePciConfig;
  checkUint(cmd.bdf, 16, 'bdf', i);
  checkUint(cmd.configOffset, 16, 'configOffset', i);
  checkUint(cmd.width, 8, 'width', i);
  checkUint(cmd.segment, 16, 'segment', i);
  dv.setUint16(base + L.bdf, cmd.bdf, true);
  dv.setUint16(base + L.configOffset, cmd.configOffset, true);
  out[base + L.width] = cmd.width;
  dv.setUint16(base + L.segment, cmd.segment, true);
}

/** Encode commands into a table-loader blob. Throws a clear Error (entry index, offset, field) on values that do not fit. */
export function encodeLoader(cmds: readonly LinkerCommand[]): Uint8Array {
  const out = new Uint8Array(cmds.length * ENTRY_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < cmds.length; i++) {
    const cmd = cmds[i] as LinkerCommand;
    const base = i * ENTRY_SIZE;
    const num = commandNumber(cmd);
    checkUint(num, 32, 'command', i);
    dv.setUint32(base, num, true);
    switch (cmd.kind) {
      case 'allocate': {
        const L = LAYOUT.allocate;
        writeName(out, base + L.file, cmd.file, 'file', i);
        checkUint(cmd.align, 32, 'align', i);
        checkUint(cmd.zone, 8, 'zone', i);
        dv.setUint32(base + L.align, cmd.align, true);
        out[base + L.zone] = cmd.zone;
        break;
      }
      case 'add-pointer': {
        const L = LAYOUT.addPointer;
        writeName(out, base + L.destFile, cmd.destFile, 'destFile', i);
        writeName(out, base + L.srcFile, cmd.srcFile, 'srcFile', i);
        checkUint(cmd.offset, 32, 'offset', i);
        checkUint(cmd.size, 8, 'size', i);
        dv.setUint32(base + L.offset, cmd.offset, true);
        out[base + L.size] = cmd.size;
        break;
      }
      case 'add-checksum': {
        const L = LAYOUT.addChecksum;
        writeName(out, base + L.file, cmd.file, 'file', i);
        checkUint(cmd.resultOffset, 32, 'resultOffset', i);
        checkUint(cmd.start, 32, 'start', i);
        checkUint(cmd.length, 32, 'length', i);
        dv.setUint32(base + L.resultOffset, cmd.resultOffset, true);
        dv.setUint32(base + L.start, cmd.start, true);
        dv.setUint32(base + L.length, cmd.length, true);
        break;
      }
      case 'write-pointer': {
        const L = LAYOUT.writePointer;
        writeName(out, base + L.destFile, cmd.destFile, 'destFile', i);
        writeName(out, base + L.srcFile, cmd.srcFile, 'srcFile', i);
        checkUint(cmd.dstOffset, 32, 'dstOffset', i);
        checkUint(cmd.srcOffset, 32, 'srcOffset', i);
        checkUint(cmd.size, 8, 'size', i);
        dv.setUint32(base + L.dstOffset, cmd.dstOffset, true);
        dv.setUint32(base + L.srcOffset, cmd.srcOffset, true);
        out[base + L.size] = cmd.size;
        break;
      }
      case 'write-pci-config': {
        const L = LAYOUT.writePciConfig;
        writeName(out, base + L.file, cmd.file, 'file', i);
        checkUint(cmd.srcOffset, 32, 'srcOffset', i);
        dv.setUint32(base + L.srcOffset, cmd.srcOffset, true);
        encodePciTarget(out, dv, base, cmd, i);
        // Reserved bytes 69 and 72..127 stay zero.
        break;
      }
      case 'reserve-pci-memory': {
        const L = LAYOUT.reservePciMemory;
        if (typeof cmd.size !== 'bigint' || cmd.size < 0n || cmd.size > 0xffffffffffffffffn)
          throw new Error(
            `encodeLoader: entry ${i} (offset ${hex(base)}) field size: ${String(cmd.size)} is not a u64 bigint`,
          );
        checkUint(cmd.align, 32, 'align', i);
        checkUint(cmd.flags, 8, 'flags', i);
        dv.setBigUint64(base + L.size, cmd.size, true);
        dv.setUint32(base + L.align, cmd.align, true);
        out[base + L.flags] = cmd.flags;
        encodePciTarget(out, dv, base, cmd, i);
        // Reserved bytes 17..63, 69 and 72..127 stay zero.
        break;
      }
      case 'unknown': {
        if (!(cmd.body instanceof Uint8Array) || cmd.body.length !== ENTRY_SIZE - 4) {
          throw new Error(
            `encodeLoader: entry ${i} (offset ${hex(base)}) field body: unknown command body must be a ${ENTRY_SIZE - 4}-byte Uint8Array`,
          );
        }
        if (isKnownCommandNumber(num)) {
          throw new Error(
            `encodeLoader: entry ${i} (offset ${hex(base)}) field command: ${hex(num)} is a known command; use its own kind`,
          );
        }
        out.set(cmd.body, base + 4);
        break;
      }
    }
  }
  return out;
}

export interface DecodedName {
  name: string;
  /** false when byte 55 is not NUL (SeaBIOS romfile_loader_find rejects such names). */
  terminated: boolean;
  /** true when a non-zero byte follows the terminator. */
  trailingGarbage: boolean;
}

/** Read a char[56] name field; never throws. The name stops at the first NUL (C strcmp semantics). */
export function readName(bytes: Uint8Array, at: number): DecodedName {
  let name = '';
  let i = 0;
  for (; i < FILE_NAME_FIELD; i++) {
    const c = bytes[at + i] as number;
    if (c === 0) break;
    name += String.fromCharCode(c);
  }
  const terminated = (bytes[at + FILE_NAME_FIELD - 1] as number) === 0;
  let trailingGarbage = false;
  for (let j = i + 1; j < FILE_NAME_FIELD; j++) {
    if ((bytes[at + j] as number) !== 0) {
      trailingGarbage = true;
      break;
    }
  }
  return { name, terminated, trailingGarbage };
}

export interface DecodeOptions {
  /** Entries beyond this count are not decoded (an error is reported). Default 65536. */
  maxEntries?: number;
}

export interface DecodeResult {
  commands: LinkerCommand[];
  /** Problems that make an entry (or the blob) invalid. */
  errors: LoaderIssue[];
  /** Oddities that SeaBIOS tolerates (non-zero padding in QEMU commands, bytes after a name's NUL). */
  warnings: LoaderIssue[];
}

/** Decode a table-loader blob. Never throws on any byte content. */
export function decodeLoader(bytes: Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  const errors: LoaderIssue[] = [];
  const warnings: LoaderIssue[] = [];
  const commands: LinkerCommand[] = [];
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const len = bytes.length;
  const whole = Math.floor(len / ENTRY_SIZE);
  if (len % ENTRY_SIZE !== 0) {
    errors.push({
      severity: 'error',
      index: -1,
      offset: whole * ENTRY_SIZE,
      field: 'length',
      message: `blob length ${len} is not a multiple of ${ENTRY_SIZE}: ${len % ENTRY_SIZE} trailing bytes at offset ${hex(whole * ENTRY_SIZE)} (truncated entry); SeaBIOS rejects the whole blob`,
    });
  }
  let count = whole;
  if (whole > maxEntries) {
    errors.push({
      severity: 'error',
      index: -1,
      offset: maxEntries * ENTRY_SIZE,
      field: 'length',
      message: `blob has ${whole} entries, more than the limit of ${maxEntries} (oversized); entries from offset ${hex(maxEntries * ENTRY_SIZE)} on were not decoded`,
    });
    count = maxEntries;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const base = i * ENTRY_SIZE;
    const issue = (severity: 'error' | 'warning', field: string, message: string) => {
      const cmdName = commandName(dv.getUint32(base, true));
      (severity === 'error' ? errors : warnings).push({
        severity,
        index: i,
        offset: base,
        field,
        message: `entry ${i} (offset ${hex(base)}) ${cmdName} field ${field}: ${message}`,
      });
    };
    const name = (at: number, field: string, strictTail: boolean): string => {
      const n = readName(bytes, base + at);
      if (!n.terminated) issue('error', field, `name is not NUL-terminated within ${FILE_NAME_FIELD} bytes`);
      else if (n.name.length === 0) issue('error', field, 'name is empty');
      if (n.trailingGarbage)
        issue(strictTail ? 'error' : 'warning', field, 'non-zero bytes after the terminating NUL');
      return n.name;
    };
    const padding = (from: number, strict: boolean, field = 'padding') => {
      for (let k = from; k < ENTRY_SIZE; k++) {
        if ((bytes[base + k] as number) !== 0) {
          issue(
            strict ? 'error' : 'warning',
            field,
            `non-zero byte 0x${(bytes[base + k] as number).toString(16)} at entry byte ${k} (offset ${hex(base + k)})`,
          );
          return;
        }
      }
    };
    const command = dv.getUint32(base, true);
    switch (command) {
      case CMD_ALLOCATE: {
        const L = LAYOUT.allocate;
        const file = name(L.file, 'file', false);
        const align = dv.getUint32(base + L.align, true);
        const zone = bytes[base + L.zone] as number;
        if (align & (align - 1)) issue('error', 'align', `${align} is not a power of two`);
        if (!zoneName(zone)) issue('error', 'zone', `${zone} is neither 1 (HIGH) nor 2 (FSEG)`);
        padding(L.end, false);
        commands.push({ kind: 'allocate', file, align, zone });
        break;
      }
      case CMD_ADD_POINTER: {
        const L = LAYOUT.addPointer;
        const destFile = name(L.destFile, 'destFile', false);
        const srcFile = name(L.srcFile, 'srcFile', false);
        const offset = dv.getUint32(base + L.offset, true);
        const size = bytes[base + L.size] as number;
        if (!(size === 1 || size === 2 || size === 4 || size === 8))
          issue('error', 'size', `${size} is not 1, 2, 4 or 8`);
        padding(L.end, false);
        commands.push({ kind: 'add-pointer', destFile, srcFile, offset, size });
        break;
      }
      case CMD_ADD_CHECKSUM: {
        const L = LAYOUT.addChecksum;
        const file = name(L.file, 'file', false);
        const resultOffset = dv.getUint32(base + L.resultOffset, true);
        const start = dv.getUint32(base + L.start, true);
        const length = dv.getUint32(base + L.length, true);
        if (start + length > 0xffffffff)
          issue('error', 'length', `start ${hex(start)} + length ${hex(length)} overflows 32 bits`);
        padding(L.end, false);
        commands.push({ kind: 'add-checksum', file, resultOffset, start, length });
        break;
      }
      case CMD_WRITE_POINTER: {
        const L = LAYOUT.writePointer;
        const destFile = name(L.destFile, 'destFile', false);
        const srcFile = name(L.srcFile, 'srcFile', false);
        const dstOffset = dv.getUint32(base + L.dstOffset, true);
        const srcOffset = dv.getUint32(base + L.srcOffset, true);
        const size = bytes[base + L.size] as number;
        if (!(size === 1 || size === 2 || size === 4 || size === 8))
          issue('error', 'size', `${size} is not 1, 2, 4 or 8`);
        padding(L.end, false);
        commands.push({ kind: 'write-pointer', destFile, srcFile, dstOffset, srcOffset, size });
        break;
      }
      case CMD_WRITE_PCI_CONFIG: {
        const L = LAYOUT.writePciConfig;
        const file = name(L.file, 'file', true);
        const srcOffset = dv.getUint32(base + L.srcOffset, true);
        const bdf = dv.getUint16(base + L.bdf, true);
        const configOffset = dv.getUint16(base + L.configOffset, true);
        const width = bytes[base + L.width] as number;
        const segment = dv.getUint16(base + L.segment, true);
        const target = pciTargetProblem(configOffset, width);
        if (target) issue('error', target[0], target[1]);
        if ((bytes[base + L.reserved0] as number) !== 0)
          issue(
            'error',
            'reserved',
            `non-zero reserved byte at entry byte ${L.reserved0} (offset ${hex(base + L.reserved0)})`,
          );
        padding(L.end, true, 'reserved');
        commands.push({ kind: 'write-pci-config', file, srcOffset, segment, bdf, configOffset, width });
        break;
      }
      case CMD_RESERVE_PCI_MEMORY:
        commands.push(decodeReserve(bytes, dv, base, issue));
        break;
      default:
        commands.push({ kind: 'unknown', command, body: bytes.slice(base + 4, base + ENTRY_SIZE) });
        break;
    }
  }
  return { commands, errors, warnings };
}

type IssueFn = (severity: 'error' | 'warning', field: string, message: string) => void;

/** Reserved byte ranges of a RESERVE_PCI_MEMORY entry (README spec: all must be zero). */
export const RESERVE_RESERVED_RANGES: ReadonlyArray<readonly [number, number]> = [
  [LAYOUT.reservePciMemory.reserved0, LAYOUT.reservePciMemory.bdf],
  [LAYOUT.reservePciMemory.reserved1, LAYOUT.reservePciMemory.segment],
  [LAYOUT.reservePciMemory.end, ENTRY_SIZE],
];

/** First non-zero reserved byte of a RESERVE_PCI_MEMORY entry (entry-relative), or -1. */
export function reserveReservedByte(bytes: Uint8Array, base: number): number {
  for (const [from, to] of RESERVE_RESERVED_RANGES)
    for (let k = from; k < to; k++) if ((bytes[base + k] as number) !== 0) return k;
  return -1;
}

function decodeReserve(bytes: Uint8Array, dv: DataView, base: number, issue: IssueFn): LinkerCommand {
  const L = LAYOUT.reservePciMemory;
  const size = dv.getBigUint64(base + L.size, true);
  const align = dv.getUint32(base + L.align, true);
  const flags = bytes[base + L.flags] as number;
  const bdf = dv.getUint16(base + L.bdf, true);
  const configOffset = dv.getUint16(base + L.configOffset, true);
  const width = bytes[base + L.width] as number;
  const segment = dv.getUint16(base + L.segment, true);
  if (size === 0n) issue('error', 'size', 'size is 0');
  if (align === 0 || align & (align - 1)) issue('error', 'align', `${align} is not a non-zero power of two`);
  if (flags & ~RESERVE_FLAGS_KNOWN) issue('error', 'flags', `unknown flag bits 0x${flags.toString(16)}`);
  const target = pciTargetProblem(configOffset, width);
  if (target) issue('error', target[0], target[1]);
  const k = reserveReservedByte(bytes, base);
  if (k >= 0)
    issue(
      'error',
      'reserved',
      `non-zero byte 0x${(bytes[base + k] as number).toString(16)} at entry byte ${k} (offset ${hex(base + k)})`,
    );
  return { kind: 'reserve-pci-memory', size, align, flags, segment, bdf, configOffset, width };
}

function q(s: string): string {
  return JSON.stringify(s);
}

function formatSize(n: bigint): string {
  if (n > 0n && n % (1n << 20n) === 0n) return `${n >> 20n} MiB`;
  if (n > 0n && n % 1024n === 0n) return `${n >> 10n} KiB`;
  return `0x${n.toString(16)} bytes`;
}

/** One human-readable line for a command (no index prefix). */
export function formatCommand(cmd: LinkerCommand): string {
  switch (cmd.kind) {
    case 'allocate': {
      const z = zoneName(cmd.zone);
      return `ALLOCATE         ${q(cmd.file)} align=${hex(cmd.align)} zone=${z ? z.toUpperCase() : `INVALID(${cmd.zone})`}`;
    }
    case 'add-pointer':
      return `ADD_POINTER      ${q(cmd.destFile)}[${hex(cmd.offset)}..+${cmd.size}] += &${q(cmd.srcFile)}`;
    case 'add-checksum':
      return `ADD_CHECKSUM     ${q(cmd.file)}[${hex(cmd.resultOffset)}] -= sum8(${hex(cmd.start)}..+${hex(cmd.length)})`;
    case 'write-pointer':
      return `WRITE_POINTER    fw_cfg ${q(cmd.destFile)}[${hex(cmd.dstOffset)}..+${cmd.size}] := &${q(cmd.srcFile)} + ${hex(cmd.srcOffset)}`;
    case 'write-pci-config':
      return `WRITE_PCI_CONFIG pci ${formatBdf(cmd.bdf, cmd.segment)} cfg[${hex(cmd.configOffset)}..+${cmd.width}] := &${q(cmd.file)} + ${hex(cmd.srcOffset)}`;
    case 'reserve-pci-memory':
      return `RESERVE_PCI_MEMORY pci ${formatBdf(cmd.bdf, cmd.segment)} cfg[${hex(cmd.configOffset)}..+${cmd.width}] := &reserved(${formatSize(cmd.size)}, align=${hex(cmd.align)}${cmd.flags & 1 ? ', zeroed' : ''}${cmd.flags & ~1 ? `, flags=${hex(cmd.flags)}` : ''}) below 4 GiB, e820 reserved`;
    case 'unknown':
      return `UNKNOWN          command=${hex(cmd.command >>> 0)} (skipped by SeaBIOS)`;
  }
}

/**
 * Pretty-print a script: one line per command, `#index @offset TEXT`. Given raw bytes, the blob is
 * decoded first and decode problems are appended as `! ...` lines.
 */
export function formatLoader(input: readonly LinkerCommand[] | Uint8Array): string {
  let cmds: readonly LinkerCommand[];
  let problems: LoaderIssue[] = [];
  if (input instanceof Uint8Array) {
    const d = decodeLoader(input);
    cmds = d.commands;
    problems = [...d.errors, ...d.warnings];
  } else {
    cmds = input;
  }
  const lines: string[] = [];
  for (let i = 0; i < cmds.length; i++) {
    const prefix = `#${String(i).padStart(3, ' ')} @${hex(i * ENTRY_SIZE).padStart(7, ' ')}`;
    if (isPaddingCommand(cmds[i] as LinkerCommand)) {
      // Collapse a run of all-zero entries (QEMU pads etc/table-loader to 4 KiB; SeaBIOS skips them).
      let j = i;
      while (j + 1 < cmds.length && isPaddingCommand(cmds[j + 1] as LinkerCommand)) j++;
      lines.push(
        `${prefix} PADDING          ${j - i + 1} all-zero entr${j === i ? 'y' : 'ies'} (#${i}..#${j}, skipped)`,
      );
      i = j;
      continue;
    }
    lines.push(`${prefix} ${formatCommand(cmds[i] as LinkerCommand)}`);
  }
  for (const p of problems) lines.push(`! ${p.severity}: ${p.message}`);
  return lines.join('\n');
}
