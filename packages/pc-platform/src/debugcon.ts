// Bochs/QEMU debug console port (0x402 for SeaBIOS, 0xE9 for Bochs). Follows QEMU
// hw/char/debugcon.c: reads return the readback value (0xE9), which SeaBIOS checks before it
// logs; every written byte goes to the output. Bytes are also assembled into lines.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';

export interface DebugconState {
  partial: number[];
}

export class Debugcon implements IoHandler {
  private partial: number[] = [];
  private readonly readback: number;
  /** Every byte written. */
  onByte: ((byte: number) => void) | null;
  /** Every completed line (without the newline; a trailing CR is dropped; Latin-1 decoded). */
  onLine: ((line: string) => void) | null;

  constructor(
    opts: { readback?: number; onByte?: (byte: number) => void; onLine?: (line: string) => void } = {},
  ) {
    this.readback = (opts.readback ?? 0xe9) & 0xff;
    this.onByte = opts.onByte ?? null;
    this.onLine = opts.onLine ?? null;
  }

  read(_offset: number, _size: AccessSize): number {
    // QEMU debugcon_ioport_read returns the readback byte for any access width.
    return this.readback;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    // Only the low byte is written (QEMU debugcon_ioport_write: `unsigned char ch = val`).
    const b = value & 0xff;
    this.onByte?.(b);
    if (b === 0x0a) {
      this.flush();
      return;
    }
    if (this.partial.length < 65536) this.partial.push(b);
  }

  /** Emit any partial line now (e.g. at the end of a run). */
  flush(): void {
    let n = this.partial.length;
    if (n > 0 && this.partial[n - 1] === 0x0d) n--;
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.partial[i]);
    this.partial = [];
    this.onLine?.(s);
  }

  /** The unterminated tail of the output. */
  get pending(): string {
    return String.fromCharCode(...this.partial);
  }

  /** Reset drops the unterminated line. */
  reset(): void {
    this.partial = [];
  }

  getState(): DebugconState {
    return { partial: [...this.partial] };
  }

  setState(s: DebugconState): void {
    this.partial = s.partial.map((b) => b & 0xff);
  }
}
