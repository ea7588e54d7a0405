// Producer side: the shapes and ordering rules of QEMU hw/acpi/bios-linker-loader.c
// (bios_linker_loader_alloc / _add_pointer / _add_checksum / _write_pointer), plus WRITE_PCI_CONFIG.
import { encodeLoader } from './codec.js';
import {
  type AllocateCommand,
  isPointerSize,
  type LinkerCommand,
  MAX_FILE_NAME,
  pciTargetProblem,
  RESERVE_FLAG_ZERO,
  reservationProblem,
  type ZoneName,
  zoneNumber,
} from './types.js';

interface FileInfo {
  blob: Uint8Array | undefined;
}

function checkName(api: string, field: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_FILE_NAME) {
    throw new Error(
      `LinkerBuilder.${api}: ${field} must be a 1..${MAX_FILE_NAME}-byte name (got ${JSON.stringify(name)})`,
    );
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0 || c > 0xff)
      throw new Error(`LinkerBuilder.${api}: ${field} character ${i} is not a non-NUL byte`);
  }
}

function checkU(api: string, field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new Error(`LinkerBuilder.${api}: ${field} ${v} is not an integer in 0..${max}`);
}

export interface WritePciConfigArgs {
  file: string;
  /** bus << 8 | dev << 3 | fn */
  bdf: number;
  configOffset: number;
  width: 1 | 2 | 4 | 8;
  srcOffset?: number;
  segment?: number;
}

export interface ReservePciMemoryArgs {
  /** Bytes to reserve (> 0). */
  size: number | bigint;
  /** A non-zero power of two. */
  align: number;
  /** bus << 8 | dev << 3 | fn */
  bdf: number;
  configOffset: number;
  width: 1 | 2 | 4 | 8;
  /** Fill with zeros (default false: contents untouched, as SeaBIOS leaves stolen memory). */
  zero?: boolean;
  segment?: number;
}

/**
 * Builds a table-loader script. Like QEMU, ALLOCATE entries are *prepended* (so the last allocate()
 * call comes first in the blob and every ALLOCATE precedes every other command), a file may be
 * allocated once, and every other command must name files already allocated (WRITE_POINTER's
 * destination is a writable fw_cfg file and is not allocated). Host-side misuse throws.
 */
export class LinkerBuilder {
  private readonly allocs: AllocateCommand[] = [];
  private readonly rest: LinkerCommand[] = [];
  private readonly files = new Map<string, FileInfo>();

  /**
   * bios_linker_loader_alloc(). `blob` is the file's contents as the producer will publish them:
   * addPointer() patches its pointer fields and addChecksum() zeroes its checksum byte in place,
   * exactly as QEMU does with the GArray it was given.
   */
  allocate(file: string, align: number, zone: ZoneName | 1 | 2, blob?: Uint8Array): this {
    checkName('allocate', 'file', file);
    checkU('allocate', 'align', align, 0xffffffff);
    if (align & (align - 1)) throw new Error(`LinkerBuilder.allocate: align ${align} is not a power of two`);
    const z = zoneNumber(zone);
    if (z !== 1 && z !== 2)
      throw new Error(`LinkerBuilder.allocate: zone ${String(zone)} is not 'high' or 'fseg'`);
    if (this.files.has(file))
      throw new Error(`LinkerBuilder.allocate: file ${JSON.stringify(file)} is already allocated`);
    this.files.set(file, { blob });
    // QEMU: "Alloc entries must come first, so prepend them" (g_array_prepend_vals).
    this.allocs.unshift({ kind: 'allocate', file, align, zone: z });
    return this;
  }

  private need(api: string, field: string, file: string): FileInfo {
    checkName(api, field, file);
    const f = this.files.get(file);
    if (!f) throw new Error(`LinkerBuilder.${api}: ${field} ${JSON.stringify(file)} has not been allocated`);
    return f;
  }

  /**
   * bios_linker_loader_add_pointer(dest, dst_patched_offset, dst_patched_size, src, src_offset):
   * writes srcOffset (LE, `size` bytes) into dest's blob at `offset`; the firmware later adds the
   * guest address of src. dest must have been allocated with a blob.
   */
  addPointer(
    destFile: string,
    offset: number,
    size: 1 | 2 | 4 | 8,
    srcFile: string,
    srcOffset: number,
  ): this {
    const dest = this.need('addPointer', 'destFile', destFile);
    const src = this.need('addPointer', 'srcFile', srcFile);
    if (!isPointerSize(size)) throw new Error(`LinkerBuilder.addPointer: size ${size} is not 1, 2, 4 or 8`);
    checkU('addPointer', 'offset', offset, 0xffffffff);
    checkU('addPointer', 'srcOffset', srcOffset, 0xffffffff);
    if (!dest.blob)
      throw new Error(
        `LinkerBuilder.addPointer: destFile ${JSON.stringify(destFile)} was allocated without a blob; pass it to allocate() so the field can be patched`,
      );
    if (offset + size > dest.blob.length)
      throw new Error(
        `LinkerBuilder.addPointer: offset 0x${offset.toString(16)}+${size} is beyond ${JSON.stringify(destFile)} (size 0x${dest.blob.length.toString(16)})`,
      );
    if (src.blob && srcOffset >= src.blob.length)
      throw new Error(
        `LinkerBuilder.addPointer: srcOffset 0x${srcOffset.toString(16)} is beyond ${JSON.stringify(srcFile)} (size 0x${src.blob.length.toString(16)})`,
      );
    if (size < 8 && srcOffset >= 2 ** (size * 8))
      throw new Error(
        `LinkerBuilder.addPointer: srcOffset 0x${srcOffset.toString(16)} does not fit in ${size} bytes`,
      );
    let v = srcOffset;
    for (let i = 0; i < size; i++) {
      dest.blob[offset + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    this.rest.push({ kind: 'add-pointer', destFile, srcFile, offset, size });
    return this;
  }

  /** bios_linker_loader_add_checksum(file, start_offset, size, checksum_offset); zeroes the checksum byte in the blob. */
  addChecksum(file: string, start: number, length: number, resultOffset: number): this {
    const f = this.need('addChecksum', 'file', file);
    checkU('addChecksum', 'start', start, 0xffffffff);
    checkU('addChecksum', 'length', length, 0xffffffff);
    checkU('addChecksum', 'resultOffset', resultOffset, 0xffffffff);
    if (start + length > 0xffffffff)
      throw new Error('LinkerBuilder.addChecksum: start + length overflows 32 bits');
    // QEMU asserts checksum_offset in [start, start + size).
    if (resultOffset < start || resultOffset >= start + length)
      throw new Error(
        `LinkerBuilder.addChecksum: resultOffset 0x${resultOffset.toString(16)} is outside the checksummed range`,
      );
    if (f.blob) {
      if (start + length > f.blob.length)
        throw new Error(
          `LinkerBuilder.addChecksum: range 0x${start.toString(16)}+0x${length.toString(16)} is beyond ${JSON.stringify(file)} (size 0x${f.blob.length.toString(16)})`,
        );
      f.blob[resultOffset] = 0;
    }
    this.rest.push({ kind: 'add-checksum', file, resultOffset, start, length });
    return this;
  }

  /** bios_linker_loader_write_pointer(dest, dst_patched_offset, dst_patched_size, src, src_offset). */
  writePointer(
    destFile: string,
    dstOffset: number,
    size: 1 | 2 | 4 | 8,
    srcFile: string,
    srcOffset: number,
  ): this {
    checkName('writePointer', 'destFile', destFile);
    const src = this.need('writePointer', 'srcFile', srcFile);
    if (!isPointerSize(size)) throw new Error(`LinkerBuilder.writePointer: size ${size} is not 1, 2, 4 or 8`);
    checkU('writePointer', 'dstOffset', dstOffset, 0xffffffff);
    checkU('writePointer', 'srcOffset', srcOffset, 0xffffffff);
    if (src.blob && srcOffset >= src.blob.length)
      throw new Error(
        `LinkerBuilder.writePointer: srcOffset 0x${srcOffset.toString(16)} is beyond ${JSON.stringify(srcFile)} (size 0x${src.blob.length.toString(16)})`,
      );
    this.rest.push({ kind: 'write-pointer', destFile, srcFile, dstOffset, srcOffset, size });
    return this;
  }

  /** vmkit WRITE_PCI_CONFIG: program cfg[configOffset] of bdf with (address of file + srcOffset). */
  writePciConfig(args: WritePciConfigArgs): this {
    const { file, bdf, configOffset, width } = args;
    const srcOffset = args.srcOffset ?? 0;
    const segment = args.segment ?? 0;
    const f = this.need('writePciConfig', 'file', file);
    checkU('writePciConfig', 'bdf', bdf, 0xffff);
    checkU('writePciConfig', 'segment', segment, 0xffff);
    checkU('writePciConfig', 'srcOffset', srcOffset, 0xffffffff);
    const target = pciTargetProblem(configOffset, width);
    if (target) throw new Error(`LinkerBuilder.writePciConfig: ${target[0]} ${target[1]}`);
    if (f.blob && srcOffset >= f.blob.length)
      throw new Error(
        `LinkerBuilder.writePciConfig: srcOffset 0x${srcOffset.toString(16)} is beyond ${JSON.stringify(file)} (size 0x${f.blob.length.toString(16)})`,
      );
    this.rest.push({ kind: 'write-pci-config', file, srcOffset, segment, bdf, configOffset, width });
    return this;
  }

  /**
   * vmkit RESERVE_PCI_MEMORY: reserve `size` bytes below 4 GiB (aligned, e820 reserved) and write
   * their address into cfg[configOffset] of bdf. Needs no fw_cfg file, so it may come anywhere
   * after the ALLOCATEs.
   */
  reservePciMemory(args: ReservePciMemoryArgs): this {
    const api = 'LinkerBuilder.reservePciMemory';
    const size = BigInt(args.size);
    const segment = args.segment ?? 0;
    checkU('reservePciMemory', 'bdf', args.bdf, 0xffff);
    checkU('reservePciMemory', 'segment', segment, 0xffff);
    checkU('reservePciMemory', 'align', args.align, 0xffffffff);
    if (args.align === 0 || args.align & (args.align - 1))
      throw new Error(`${api}: align ${args.align} is not a non-zero power of two`);
    if (size > 0xffffffffffffffffn) throw new Error(`${api}: size ${size} is not a u64`);
    const target = pciTargetProblem(args.configOffset, args.width);
    if (target) throw new Error(`${api}: ${target[0]} ${target[1]}`);
    const r = reservationProblem(size, args.align, args.width);
    if (r) throw new Error(`${api}: ${r}`);
    this.rest.push({
      kind: 'reserve-pci-memory',
      size,
      align: args.align,
      flags: args.zero ? RESERVE_FLAG_ZERO : 0,
      segment,
      bdf: args.bdf,
      configOffset: args.configOffset,
      width: args.width,
    });
    return this;
  }

  /** True when `file` has been allocated in this builder. */
  has(file: string): boolean {
    return this.files.has(file);
  }

  /** The script: every ALLOCATE first (QEMU prepend order), then the other commands in call order. */
  commands(): LinkerCommand[] {
    return [...this.allocs.map((c) => ({ ...c })), ...this.rest.map((c) => ({ ...c }))];
  }

  /** encodeLoader(commands()). */
  encode(): Uint8Array {
    return encodeLoader(this.commands());
  }
}
