import type { AccessSize, IoHandler } from '@vmkit/memory-bus';

/** An IoHandler over a byte array (little-endian); used for BARs backed by plain storage (VRAM,
 * a shadow of a host BAR). Out-of-range bytes read 0xff and writes to them are dropped. */
export class ByteArrayHandler implements IoHandler {
  constructor(
    readonly data: Uint8Array,
    readonly writable = true,
  ) {}

  read(offset: number, size: AccessSize): number {
    const d = this.data;
    if (offset >= 0 && offset + size <= d.length) {
      if (size === 1) return d[offset];
      if (size === 2) return d[offset] | (d[offset + 1] << 8);
      return (d[offset] | (d[offset + 1] << 8) | (d[offset + 2] << 16) | (d[offset + 3] << 24)) >>> 0;
    }
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      v |= (o >= 0 && o < d.length ? d[o] : 0xff) << (i * 8);
    }
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (!this.writable) return;
    const d = this.data;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= 0 && o < d.length) d[o] = value >>> (i * 8);
    }
  }
}
