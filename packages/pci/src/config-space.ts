// A PCI function's configuration space: the emulated bytes plus three per-bit masks.
//
//  - wmask: bits the guest may write (everything else is read-only to the guest);
//  - w1cmask: bits that a guest write of 1 clears (status-register error bits);
//  - backedMask: bits whose value comes from a backing source (a host device's config image,
//    the vfio model) instead of the emulated bytes.
//
// Semantics follow QEMU: hw/pci/pci.c pci_default_write_config (per-byte wmask/w1cmask merge) and
// hw/vfio/pci.c vfio_pci_read_config / vfio_pci_write_config (emulated_config_bits: a read combines
// emulated bits with bits read from the device; a write is passed to the device and also merged
// into the emulated copy).

import { PCI_CONFIG_SPACE_SIZE, PCIE_CONFIG_SPACE_SIZE } from './constants.js';

/** A source of config bits outside the emulator (a host device's config image, a dump, sysfs). */
export interface ConfigBacking {
  /** Read `size` bytes (1, 2 or 4; little-endian) at `offset`. Must not throw. */
  read(offset: number, size: number): number;
  /** A guest wrote `value` (size bytes at offset). `backedMask` says which bits of the access are
   * backed; vfio passes the whole value to the device, and so do we. Must not throw. */
  write(offset: number, size: number, value: number, backedMask: number): void;
}

export type ConfigSpaceSize = 256 | 4096;

function checkRange(what: string, offset: number, size: number, limit: number): void {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(size) ||
    size < 1 ||
    offset < 0 ||
    offset + size > limit
  ) {
    throw new Error(
      `ConfigSpace.${what}: range offset 0x${offset.toString(16)} size ${size} is outside 0..0x${limit.toString(16)}`,
    );
  }
}

export class ConfigSpace {
  readonly size: ConfigSpaceSize;
  /** The emulated values. */
  readonly bytes: Uint8Array;
  /** 1 = guest-writable bit. */
  readonly wmask: Uint8Array;
  /** 1 = write-1-to-clear bit. */
  readonly w1cmask: Uint8Array;
  /** 1 = value comes from `backing` (reads) and writes are forwarded to it. */
  readonly backedMask: Uint8Array;
  /** 1 = byte belongs to a capability added through the capability builder (allocation map). */
  readonly capabilityBytes: Uint8Array;
  backing: ConfigBacking | null = null;

  constructor(size: ConfigSpaceSize = PCI_CONFIG_SPACE_SIZE) {
    if (size !== PCI_CONFIG_SPACE_SIZE && size !== PCIE_CONFIG_SPACE_SIZE) {
      throw new Error(`ConfigSpace: size must be 256 or 4096, got ${size}`);
    }
    this.size = size;
    this.bytes = new Uint8Array(size);
    this.wmask = new Uint8Array(size);
    this.w1cmask = new Uint8Array(size);
    this.backedMask = new Uint8Array(size);
    this.capabilityBytes = new Uint8Array(size);
  }

  // ---- guest-visible access -------------------------------------------------------------------

  /** Guest read of `size` (1..4) bytes at `offset`. Bytes past the end read 0xff. Never throws. */
  read(offset: number, size: number): number {
    const b = this.bytes;
    const bm = this.backedMask;
    const lim = this.size;
    let val = 0;
    let backed = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= lim || o < 0) {
        val |= 0xff << (i * 8);
      } else {
        val |= b[o] << (i * 8);
        backed |= bm[o] << (i * 8);
      }
    }
    if (backed !== 0 && this.backing !== null) {
      const hostVal = this.backing.read(offset, size);
      val = (val & ~backed) | (hostVal & backed);
    }
    return val >>> 0;
  }

  /** Guest write: merges through wmask, applies w1cmask, forwards to the backing if any bit of
   * the access is backed. Bytes past the end are dropped. Never throws. */
  write(offset: number, size: number, value: number): void {
    const b = this.bytes;
    const wm = this.wmask;
    const w1c = this.w1cmask;
    const bm = this.backedMask;
    const lim = this.size;
    let backed = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= lim || o < 0) continue;
      const v = (value >>> (i * 8)) & 0xff;
      const m = wm[o];
      b[o] = ((b[o] & ~m) | (v & m)) & ~(v & w1c[o]);
      backed |= bm[o] << (i * 8);
    }
    if (backed !== 0 && this.backing !== null) this.backing.write(offset, size, value >>> 0, backed >>> 0);
  }

  // ---- host-side (device model) access: no masks ----------------------------------------------

  get8(offset: number): number {
    checkRange('get8', offset, 1, this.size);
    return this.bytes[offset];
  }
  get16(offset: number): number {
    checkRange('get16', offset, 2, this.size);
    return this.bytes[offset] | (this.bytes[offset + 1] << 8);
  }
  get32(offset: number): number {
    checkRange('get32', offset, 4, this.size);
    const b = this.bytes;
    return (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0;
  }
  set8(offset: number, value: number): void {
    checkRange('set8', offset, 1, this.size);
    this.bytes[offset] = value;
  }
  set16(offset: number, value: number): void {
    checkRange('set16', offset, 2, this.size);
    this.bytes[offset] = value;
    this.bytes[offset + 1] = value >>> 8;
  }
  set32(offset: number, value: number): void {
    checkRange('set32', offset, 4, this.size);
    setLe(this.bytes, offset, 4, value);
  }

  /** Set the guest-writable bits of `size` bytes at offset (LE mask). */
  setWritable(offset: number, size: number, mask: number): void {
    checkRange('setWritable', offset, size, this.size);
    setLe(this.wmask, offset, size, mask);
    clearLe(this.w1cmask, offset, size, mask);
  }
  /** Make bytes read-only to the guest (wmask and w1cmask cleared). */
  setReadOnly(offset: number, size: number): void {
    checkRange('setReadOnly', offset, size, this.size);
    this.wmask.fill(0, offset, offset + size);
    this.w1cmask.fill(0, offset, offset + size);
  }
  /** Mark bits write-1-to-clear (removes them from wmask: QEMU asserts the two never overlap). */
  setW1C(offset: number, size: number, mask: number): void {
    checkRange('setW1C', offset, size, this.size);
    setLe(this.w1cmask, offset, size, mask);
    clearLe(this.wmask, offset, size, mask);
  }
  /** Choose which bits come from the backing source (1) and which are emulated (0). */
  setBacked(offset: number, size: number, mask: number): void {
    checkRange('setBacked', offset, size, this.size);
    setLe(this.backedMask, offset, size, mask);
  }
  /** Mark a whole byte range as backed (mask all-ones) or emulated. */
  setBackedRange(offset: number, length: number, backed: boolean): void {
    checkRange('setBackedRange', offset, length, this.size);
    this.backedMask.fill(backed ? 0xff : 0, offset, offset + length);
  }

  /** Copy of the emulated bytes (state as data). */
  snapshot(): Uint8Array {
    return this.bytes.slice();
  }
  /** Restore emulated bytes captured by snapshot(). */
  restore(bytes: Uint8Array | readonly number[]): void {
    if (bytes.length !== this.size) {
      throw new Error(`ConfigSpace.restore: expected ${this.size} bytes, got ${bytes.length}`);
    }
    this.bytes.set(bytes);
  }
}

function setLe(arr: Uint8Array, offset: number, size: number, value: number): void {
  for (let i = 0; i < size; i++) arr[offset + i] = (value >>> (i * 8)) & 0xff;
}
function clearLe(arr: Uint8Array, offset: number, size: number, mask: number): void {
  for (let i = 0; i < size; i++) arr[offset + i] &= ~((mask >>> (i * 8)) & 0xff);
}
