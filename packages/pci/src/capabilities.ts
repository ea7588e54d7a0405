// Capability list builder and walker: the standard list (PCI 3.0 §6.7, pointer at 0x34, status
// bit 4) and the PCI Express extended list (PCIe Base Spec §7.6: starts at 0x100, header dword =
// id[15:0] | version[19:16] | next[31:20]).
//
// Builder behaviour follows QEMU hw/pci/pci.c pci_add_capability (explicit or first-fit offset,
// overlap rejected, the capability's bytes become read-only until the device opens bits up, status
// CAP_LIST set) and hw/pci/pcie.c pcie_add_capability, except that standard capabilities are linked
// at the tail of the list (so the list order is the order of addition; QEMU links at the head).
// Walkers are defensive: pointers are masked to dword alignment and a visited set stops loops, so a
// malformed host config image cannot hang the emulator.

import type { ConfigSpace } from './config-space.js';
import {
  PCI_CAP_LIST_NEXT,
  PCI_CAPABILITY_LIST,
  PCI_CONFIG_HEADER_SIZE,
  PCI_CONFIG_SPACE_SIZE,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
} from './constants.js';

export interface CapabilityInfo {
  id: number;
  offset: number;
  next: number;
}
export interface ExtendedCapabilityInfo extends CapabilityInfo {
  version: number;
}

/** Reader used by walkers: defaults to the guest-visible view (including backed bits). */
export type ConfigReader = (offset: number, size: number) => number;

function reserve(config: ConfigSpace, offset: number, size: number, what: string): void {
  for (let i = offset; i < offset + size; i++) {
    if (config.capabilityBytes[i]) {
      throw new Error(
        `${what}: capability at 0x${offset.toString(16)} size ${size} overlaps another capability at 0x${i.toString(16)}`,
      );
    }
  }
  config.capabilityBytes.fill(1, offset, offset + size);
  config.setReadOnly(offset, size);
}

function firstFit(config: ConfigSpace, start: number, end: number, size: number): number {
  for (let o = start; o + size <= end; o += 4) {
    let free = true;
    for (let i = o; i < o + size; i++) {
      if (config.capabilityBytes[i]) {
        free = false;
        o = i & ~3; // resume after the used byte (loop adds 4)
        break;
      }
    }
    if (free) return o;
  }
  return -1;
}

/**
 * Add a standard capability of `size` bytes (≥ 2) with capability `id`. Returns its offset.
 * `offset` (dword-aligned, 0x40..0xfc) is optional; without it the first free dword-aligned space
 * at or after 0x40 is used. Throws on overlap or when the space is full (host-side misuse).
 */
export function addCapability(config: ConfigSpace, id: number, size: number, offset?: number): number {
  if (!Number.isInteger(size) || size < 2) throw new Error(`addCapability: size ${size} must be ≥ 2`);
  let off: number;
  if (offset === undefined) {
    off = firstFit(config, PCI_CONFIG_HEADER_SIZE, PCI_CONFIG_SPACE_SIZE, size);
    if (off < 0)
      throw new Error(`addCapability: no room for capability 0x${id.toString(16)} of size ${size}`);
  } else {
    if (
      !Number.isInteger(offset) ||
      offset & 3 ||
      offset < PCI_CONFIG_HEADER_SIZE ||
      offset + size > PCI_CONFIG_SPACE_SIZE
    ) {
      throw new Error(
        `addCapability: offset 0x${offset.toString(16)} (size ${size}) must be dword-aligned within 0x40..0xff`,
      );
    }
    off = offset;
  }
  reserve(config, off, size, 'addCapability');
  config.bytes[off] = id;
  config.bytes[off + PCI_CAP_LIST_NEXT] = 0;
  // Link at the tail.
  const caps = listCapabilities(config, rawReader(config));
  if (caps.length === 0) config.bytes[PCI_CAPABILITY_LIST] = off;
  else config.bytes[caps[caps.length - 1].offset + PCI_CAP_LIST_NEXT] = off;
  config.bytes[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
  return off;
}

/**
 * Add a PCI Express extended capability (config space must be 4 KiB). The first one goes at 0x100.
 * Returns its offset.
 */
export function addExtendedCapability(
  config: ConfigSpace,
  id: number,
  version: number,
  size: number,
  offset?: number,
): number {
  if (config.size !== 4096)
    throw new Error('addExtendedCapability: config space is 256 bytes; extended capabilities need 4096');
  if (!Number.isInteger(size) || size < 4) throw new Error(`addExtendedCapability: size ${size} must be ≥ 4`);
  const existing = listExtendedCapabilities(config, rawReader(config));
  let off: number;
  if (offset === undefined) {
    off = existing.length === 0 ? PCI_CONFIG_SPACE_SIZE : firstFit(config, PCI_CONFIG_SPACE_SIZE, 4096, size);
    if (off < 0)
      throw new Error(`addExtendedCapability: no room for capability 0x${id.toString(16)} of size ${size}`);
  } else {
    if (!Number.isInteger(offset) || offset & 3 || offset < PCI_CONFIG_SPACE_SIZE || offset + size > 4096) {
      throw new Error(
        `addExtendedCapability: offset 0x${offset.toString(16)} (size ${size}) must be dword-aligned within 0x100..0xfff`,
      );
    }
    if (existing.length === 0 && offset !== PCI_CONFIG_SPACE_SIZE) {
      throw new Error('addExtendedCapability: the first extended capability must be at 0x100');
    }
    off = offset;
  }
  reserve(config, off, size, 'addExtendedCapability');
  config.set32(off, (id & 0xffff) | ((version & 0xf) << 16));
  if (existing.length > 0) {
    const last = existing[existing.length - 1].offset;
    config.set32(last, (config.get32(last) & 0x000fffff) | (off << 20));
  }
  return off;
}

function rawReader(config: ConfigSpace): ConfigReader {
  return (offset, size) =>
    size === 1 ? config.bytes[offset] : size === 2 ? config.get16(offset) : config.get32(offset);
}

/** Walk the standard capability list. */
export function listCapabilities(config: ConfigSpace, read?: ConfigReader): CapabilityInfo[] {
  const rd = read ?? ((o: number, s: number) => config.read(o, s));
  const out: CapabilityInfo[] = [];
  if ((rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) === 0) return out;
  const seen = new Set<number>();
  let ptr = rd(PCI_CAPABILITY_LIST, 1) & 0xfc;
  while (ptr >= PCI_CONFIG_HEADER_SIZE && !seen.has(ptr)) {
    seen.add(ptr);
    const id = rd(ptr, 1);
    const next = rd(ptr + 1, 1) & 0xfc;
    out.push({ id, offset: ptr, next });
    ptr = next;
  }
  return out;
}

/** Walk the extended capability list (empty for a 256-byte space). */
export function listExtendedCapabilities(config: ConfigSpace, read?: ConfigReader): ExtendedCapabilityInfo[] {
  const out: ExtendedCapabilityInfo[] = [];
  if (config.size !== 4096) return out;
  const rd = read ?? ((o: number, s: number) => config.read(o, s));
  const seen = new Set<number>();
  let ptr = PCI_CONFIG_SPACE_SIZE;
  while (ptr >= PCI_CONFIG_SPACE_SIZE && ptr < 4096 && !seen.has(ptr)) {
    seen.add(ptr);
    const hdr = rd(ptr, 4) >>> 0;
    if (hdr === 0 || hdr === 0xffffffff) break;
    const next = (hdr >>> 20) & 0xffc;
    out.push({ id: hdr & 0xffff, version: (hdr >>> 16) & 0xf, offset: ptr, next });
    ptr = next;
  }
  return out;
}

/** Offset of the first standard capability with `id`, or 0. */
export function findCapability(config: ConfigSpace, id: number, read?: ConfigReader): number {
  for (const c of listCapabilities(config, read)) if (c.id === id) return c.offset;
  return 0;
}

/** Offset of the first extended capability with `id`, or 0. */
export function findExtendedCapability(config: ConfigSpace, id: number, read?: ConfigReader): number {
  for (const c of listExtendedCapabilities(config, read)) if (c.id === id) return c.offset;
  return 0;
}
