// PS/2 system control port A (0x92): bit 1 fast A20 gate, bit 0 fast reset (rising edge).
// Follows QEMU hw/i386/pc.c port92_read/port92_write (reads return the stored value with bit 0
// clear; a 0→1 transition of bit 0 requests a system reset).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { PlatformEventListener } from './types.js';

export interface Port92State {
  value: number;
}

export class Port92 implements IoHandler {
  private value = 0;
  onA20: ((enabled: boolean) => void) | null;
  onReset: (() => void) | null;
  private readonly onEvent: PlatformEventListener | undefined;

  constructor(
    opts: { onA20?: (enabled: boolean) => void; onReset?: () => void; onEvent?: PlatformEventListener } = {},
  ) {
    this.onA20 = opts.onA20 ?? null;
    this.onReset = opts.onReset ?? null;
    this.onEvent = opts.onEvent;
  }

  get a20(): boolean {
    return (this.value & 2) !== 0;
  }

  read(_offset: number, _size: AccessSize): number {
    return this.value;
  }

  write(_offset: number, _size: AccessSize, v: number): void {
    const old = this.value;
    this.value = v & 0xfe;
    if ((old ^ v) & 2) {
      const en = (v & 2) !== 0;
      this.onEvent?.({ kind: 'a20', enabled: en, source: 'port92' });
      this.onA20?.(en);
    }
    if (v & 1) {
      this.onEvent?.({ kind: 'reset-request', source: 'port92' });
      this.onReset?.();
    }
  }

  /** Power-on state (outport 0). */
  reset(): void {
    this.setState((port92PowerOn ??= new Port92().getState()));
  }

  getState(): Port92State {
    return { value: this.value };
  }

  setState(s: Port92State): void {
    this.value = s.value & 0xfe;
  }
}

/** Power-on state, made once (setState copies it). */
let port92PowerOn: Port92State | null = null;
