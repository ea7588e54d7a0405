// Static checks of a script against the fw_cfg files it will run with. Rules: QEMU's producer
// asserts (hw/acpi/bios-linker-loader.c) and SeaBIOS's runtime checks (src/fw/romfile_loader.c),
// plus the WRITE_PCI_CONFIG rules of the README specification.
import {
  commandName,
  commandNumber,
  ENTRY_SIZE,
  formatBdf,
  isPaddingCommand,
  isPointerSize,
  type LinkerCommand,
  type LoaderIssue,
  MAX_FILE_NAME,
  pciTargetProblem,
  RESERVE_FLAGS_KNOWN,
  reservationProblem,
  zoneName,
} from './types.js';

/** A file's size, or its size and whether the fw_cfg item accepts DMA writes (WRITE_POINTER target). */
export type LoaderFileInfo = number | { size: number; writable?: boolean };

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

export interface ValidateOptions {
  /**
   * BDFs (bus << 8 | dev << 3 | fn, segment 0) of the functions the machine has. When given, a
   * vmkit PCI command naming any other function is an error ("unknown device").
   */
  pciDevices?: Iterable<number>;
}

/**
 * Check a script. Returns every problem found (empty array = valid); never throws on any input.
 * Errors: things SeaBIOS would reject or that corrupt tables. Warnings: QEMU-convention breaches
 * that SeaBIOS tolerates.
 */
export function validateLoader(
  cmds: readonly LinkerCommand[],
  files: ReadonlyMap<string, LoaderFileInfo>,
  opts: ValidateOptions = {},
): LoaderIssue[] {
  const issues: LoaderIssue[] = [];
  const devices = opts.pciDevices ? new Set(opts.pciDevices) : undefined;
  const allocated = new Map<string, number>(); // name -> entry index of its ALLOCATE
  const used = new Map<string, number>(); // name -> first entry index that used it
  const pointerFields = new Map<string, Array<{ start: number; end: number; index: number }>>();
  const checksums = new Map<string, Array<{ start: number; end: number; index: number }>>();
  let seenNonAllocate = -1;

  const sizeOf = (name: string): number | undefined => {
    const f = files.get(name);
    if (f === undefined) return undefined;
    return typeof f === 'number' ? f : f.size;
  };

  for (let i = 0; i < cmds.length; i++) {
    const cmd = cmds[i] as LinkerCommand;
    const offset = i * ENTRY_SIZE;
    let cname: string;
    try {
      cname = commandName(commandNumber(cmd));
    } catch {
      cname = 'INVALID';
    }
    const add = (severity: 'error' | 'warning', field: string, message: string) =>
      issues.push({
        severity,
        index: i,
        offset,
        field,
        message: `entry ${i} (offset ${hex(offset)}) ${cname} field ${field}: ${message}`,
      });

    const nameOk = (field: string, name: unknown): name is string => {
      if (typeof name !== 'string' || name.length === 0) {
        add('error', field, 'name is missing or empty');
        return false;
      }
      if (name.length > MAX_FILE_NAME) {
        add(
          'error',
          field,
          `name is ${name.length} bytes; at most ${MAX_FILE_NAME} fit with the terminating NUL`,
        );
        return false;
      }
      for (let k = 0; k < name.length; k++) {
        const c = name.charCodeAt(k);
        if (c === 0) {
          add('error', field, `name contains a NUL at byte ${k}`);
          return false;
        }
        if (c > 0xff) {
          add('error', field, `name character ${k} is not a byte`);
          return false;
        }
      }
      return true;
    };
    const knownFile = (field: string, name: string): number | undefined => {
      const s = sizeOf(name);
      if (s === undefined) add('error', field, `unknown file ${JSON.stringify(name)} (not in fw_cfg)`);
      return s;
    };
    const allocatedFile = (field: string, name: unknown): number | undefined => {
      if (!nameOk(field, name)) return undefined;
      const s = knownFile(field, name);
      if (!used.has(name)) used.set(name, i);
      if (!allocated.has(name)) {
        add('error', field, `file ${JSON.stringify(name)} is used before (or without) its ALLOCATE`);
        return undefined;
      }
      return s;
    };
    const u32 = (field: string, v: unknown): v is number => {
      if (!isU32(v)) {
        add('error', field, `${String(v)} is not a u32`);
        return false;
      }
      return true;
    };

    /** The vmkit PCI target rules (README spec rule 4) + unknown device; true when usable. */
    const pciTarget = (c: { bdf: number; segment: number; configOffset: number; width: number }) => {
      let ok = true;
      if (!Number.isInteger(c.bdf) || c.bdf < 0 || c.bdf > 0xffff) {
        add('error', 'bdf', `${c.bdf} is not a u16`);
        ok = false;
      }
      if (!Number.isInteger(c.segment) || c.segment < 0 || c.segment > 0xffff) {
        add('error', 'segment', `${c.segment} is not a u16`);
        ok = false;
      } else if (c.segment !== 0)
        add(
          'warning',
          'segment',
          `segment ${c.segment}: firmware with a single PCI segment rejects this command`,
        );
      else if (ok && devices && !devices.has(c.bdf))
        add('error', 'bdf', `unknown device ${formatBdf(c.bdf)}: the machine has no function there`);
      const t = pciTargetProblem(c.configOffset, c.width);
      if (t) add('error', t[0], t[1]);
      return ok && !t;
    };

    if (cmd === null || typeof cmd !== 'object') {
      add('error', 'command', 'not a command object');
      continue;
    }
    if (cmd.kind !== 'allocate' && cmd.kind !== 'unknown' && seenNonAllocate < 0) seenNonAllocate = i;

    switch (cmd.kind) {
      case 'allocate': {
        if (seenNonAllocate >= 0)
          add(
            'warning',
            'file',
            `ALLOCATE after other commands (entry ${seenNonAllocate}); QEMU emits every ALLOCATE first`,
          );
        if (!u32('align', cmd.align)) break;
        if (cmd.align & (cmd.align - 1)) add('error', 'align', `${cmd.align} is not a power of two`);
        if (!zoneName(cmd.zone)) add('error', 'zone', `${cmd.zone} is neither 1 (HIGH) nor 2 (FSEG)`);
        if (!nameOk('file', cmd.file)) break;
        const s = knownFile('file', cmd.file);
        if (s === 0)
          add('warning', 'file', `file ${JSON.stringify(cmd.file)} is empty; SeaBIOS ignores this ALLOCATE`);
        if (allocated.has(cmd.file))
          add(
            'error',
            'file',
            `duplicate ALLOCATE of ${JSON.stringify(cmd.file)} (first at entry ${allocated.get(cmd.file)})`,
          );
        else if (used.has(cmd.file))
          add(
            'error',
            'file',
            `ALLOCATE after use: ${JSON.stringify(cmd.file)} was used at entry ${used.get(cmd.file)}`,
          );
        if (!allocated.has(cmd.file)) allocated.set(cmd.file, i);
        break;
      }
      case 'add-pointer': {
        const ds = allocatedFile('destFile', cmd.destFile);
        allocatedFile('srcFile', cmd.srcFile);
        if (!isPointerSize(cmd.size)) {
          add('error', 'size', `${cmd.size} is not 1, 2, 4 or 8`);
          break;
        }
        if (!u32('offset', cmd.offset)) break;
        if (ds !== undefined && cmd.offset + cmd.size > ds) {
          add(
            'error',
            'offset',
            `pointer ${hex(cmd.offset)}+${cmd.size} is out of bounds of ${JSON.stringify(cmd.destFile)} (size ${hex(ds)})`,
          );
          break;
        }
        const range = { start: cmd.offset, end: cmd.offset + cmd.size, index: i };
        const list = pointerFields.get(cmd.destFile) ?? [];
        for (const r of list) {
          if (r.start < range.end && range.start < r.end)
            add(
              'error',
              'offset',
              `pointer ${hex(range.start)}+${cmd.size} overlaps the pointer patched by entry ${r.index} (${hex(r.start)}..${hex(r.end)})`,
            );
        }
        list.push(range);
        pointerFields.set(cmd.destFile, list);
        for (const c of checksums.get(cmd.destFile) ?? []) {
          if (c.start < range.end && range.start < c.end)
            add(
              'warning',
              'offset',
              `pointer patched after the ADD_CHECKSUM of entry ${c.index} that covers it; that checksum will be wrong`,
            );
        }
        break;
      }
      case 'add-checksum': {
        const s = allocatedFile('file', cmd.file);
        if (!u32('resultOffset', cmd.resultOffset) || !u32('start', cmd.start) || !u32('length', cmd.length))
          break;
        if (s !== undefined && cmd.resultOffset >= s)
          add(
            'error',
            'resultOffset',
            `${hex(cmd.resultOffset)} is out of bounds of ${JSON.stringify(cmd.file)} (size ${hex(s)})`,
          );
        if (s !== undefined && cmd.start + cmd.length > s)
          add(
            'error',
            'length',
            `range ${hex(cmd.start)}+${hex(cmd.length)} is out of bounds of ${JSON.stringify(cmd.file)} (size ${hex(s)})`,
          );
        if (cmd.resultOffset < cmd.start || cmd.resultOffset >= cmd.start + cmd.length)
          add(
            'warning',
            'resultOffset',
            `checksum byte ${hex(cmd.resultOffset)} lies outside the summed range (QEMU asserts it inside)`,
          );
        for (const r of pointerFields.get(cmd.file) ?? []) {
          if (cmd.resultOffset >= r.start && cmd.resultOffset < r.end)
            add(
              'error',
              'resultOffset',
              `checksum byte ${hex(cmd.resultOffset)} lies inside the pointer patched by entry ${r.index}; the pointer would be corrupted`,
            );
        }
        const list = checksums.get(cmd.file) ?? [];
        list.push({ start: cmd.start, end: cmd.start + cmd.length, index: i });
        checksums.set(cmd.file, list);
        break;
      }
      case 'write-pointer': {
        let ds: number | undefined;
        if (nameOk('destFile', cmd.destFile)) {
          ds = knownFile('destFile', cmd.destFile);
          const f = files.get(cmd.destFile);
          if (f !== undefined && !(typeof f === 'object' && f.writable))
            add(
              'error',
              'destFile',
              `WRITE_POINTER into non-writable fw_cfg file ${JSON.stringify(cmd.destFile)}`,
            );
        }
        const ss = allocatedFile('srcFile', cmd.srcFile);
        if (!isPointerSize(cmd.size)) {
          add('error', 'size', `${cmd.size} is not 1, 2, 4 or 8`);
          break;
        }
        if (!u32('dstOffset', cmd.dstOffset) || !u32('srcOffset', cmd.srcOffset)) break;
        if (ds !== undefined && cmd.dstOffset + cmd.size > ds)
          add(
            'error',
            'dstOffset',
            `${hex(cmd.dstOffset)}+${cmd.size} is out of bounds of ${JSON.stringify(cmd.destFile)} (size ${hex(ds)})`,
          );
        if (ss !== undefined && cmd.srcOffset >= ss)
          add(
            'error',
            'srcOffset',
            `${hex(cmd.srcOffset)} is out of bounds of ${JSON.stringify(cmd.srcFile)} (size ${hex(ss)})`,
          );
        break;
      }
      case 'write-pci-config': {
        const s = allocatedFile('file', cmd.file);
        if (!u32('srcOffset', cmd.srcOffset)) break;
        if (s !== undefined && cmd.srcOffset >= s)
          add(
            'error',
            'srcOffset',
            `${hex(cmd.srcOffset)} is out of bounds of ${JSON.stringify(cmd.file)} (size ${hex(s)})`,
          );
        pciTarget(cmd);
        break;
      }
      case 'reserve-pci-memory': {
        if (typeof cmd.size !== 'bigint' || cmd.size < 0n || cmd.size > 0xffffffffffffffffn) {
          add('error', 'size', `${String(cmd.size)} is not a u64`);
          break;
        }
        if (!u32('align', cmd.align)) break;
        if (cmd.align === 0 || cmd.align & (cmd.align - 1))
          add('error', 'align', `${cmd.align} is not a non-zero power of two`);
        if (!Number.isInteger(cmd.flags) || cmd.flags < 0 || cmd.flags & ~RESERVE_FLAGS_KNOWN)
          add('error', 'flags', `unknown flag bits in ${String(cmd.flags)}`);
        if (!pciTarget(cmd)) break;
        const r = reservationProblem(cmd.size, cmd.align, cmd.width);
        if (r) add('error', 'size', r);
        break;
      }
      case 'unknown': {
        if (isPaddingCommand(cmd)) break; // QEMU's zero padding
        add('warning', 'command', `unknown command ${hex(cmd.command >>> 0)}; SeaBIOS skips it`);
        if (!(cmd.body instanceof Uint8Array) || cmd.body.length !== ENTRY_SIZE - 4)
          add('error', 'body', `body must be ${ENTRY_SIZE - 4} bytes`);
        break;
      }
      default:
        add('error', 'command', `unknown kind ${JSON.stringify((cmd as { kind: unknown }).kind)}`);
    }
  }
  return issues;
}
