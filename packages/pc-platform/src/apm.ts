// APM control/status ports 0xB2/0xB3 (PIIX4). Follows QEMU hw/isa/apm.c: both are plain
// read/write latches; a write to 0xB2 (APMC) calls the chipset callback, which on a machine with
// SMM raises an SMI. This model has no SMM: the callback only reports an event.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { PlatformEventListener } from './types.js';

export interface ApmState {
  cnt: number;
  sts: number;
}

export class Apm implements IoHandler {
  private cnt = 0;
  private sts = 0;
  private readonly onEvent: PlatformEventListener | undefined;
  /** Called on writes to 0xB2 with the value (the SMI trigger on real chipsets). */
  onControl: ((value: number) => void) | null;

  constructor(opts: { onEvent?: PlatformEventListener; onControl?: (value: number) => void } = {}) {
    this.onEvent = opts.onEvent;
    this.onControl = opts.onControl ?? null;
  }

  read(offset: number, _size: AccessSize): number {
    return (offset & 1) === 0 ? this.cnt : this.sts;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    if ((offset & 1) === 0) {
      this.cnt = v;
      this.onEvent?.({ kind: 'apm', port: 0xb2, value: v });
      this.onControl?.(v);
    } else {
      this.sts = v;
      this.onEvent?.({ kind: 'apm', port: 0xb3, value: v });
    }
  }

  /** Power-on state: both latches 0. */
  reset(): void {
    this.setState({ cnt: 0, sts: 0 });
  }

  getState(): ApmState {
    return { cnt: this.cnt, sts: this.sts };
  }

  setState(s: ApmState): void {
    this.cnt = s.cnt & 0xff;
    this.sts = s.sts & 0xff;
  }
}
