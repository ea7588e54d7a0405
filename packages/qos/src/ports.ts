// Port-level helpers: observing the port accesses a firmware or driver makes (a PortIo wrapper, the
// way qtest's -qtest-log shows them), and the CMOS/RTC index-data pair (QEMU tests/qtest/rtc-test.c
// cmos_read / cmos_write).

import type { PortIo } from '@vmkit/fw-cfg';
import type { QosTarget } from './target.js';

export interface PortAccess {
  dir: 'in' | 'out';
  port: number;
  size: 1 | 2 | 4;
  value: number;
}

/** A PortIo that forwards to `ports` and reports every access (after it completed, with the value
 * read or written). */
export function tracePorts(ports: PortIo, onAccess: (a: PortAccess) => void): PortIo {
  const rd =
    (size: 1 | 2 | 4, f: (p: number) => number) =>
    (port: number): number => {
      const value = f(port);
      onAccess({ dir: 'in', port, size, value });
      return value;
    };
  const wr =
    (size: 1 | 2 | 4, f: (p: number, v: number) => void) =>
    (port: number, value: number): void => {
      f(port, value);
      onAccess({ dir: 'out', port, size, value });
    };
  return {
    in8: rd(1, (p) => ports.in8(p)),
    in16: rd(2, (p) => ports.in16(p)),
    in32: rd(4, (p) => ports.in32(p)),
    out8: wr(1, (p, v) => ports.out8(p, v)),
    out16: wr(2, (p, v) => ports.out16(p, v)),
    out32: wr(4, (p, v) => ports.out32(p, v)),
  };
}

/** The CMOS registers read through 0x70/0x71 in an access stream: the index last written to 0x70
 * (NMI bit masked) at every read of 0x71. */
export function cmosReadsOf(): { onAccess: (a: PortAccess) => void; reads: number[] } {
  let index = 0;
  const reads: number[] = [];
  return {
    reads,
    onAccess: (a) => {
      if (a.dir === 'out' && a.port === 0x70) index = a.value & 0x7f;
      else if (a.dir === 'in' && a.port === 0x71) reads.push(index);
    },
  };
}

/** rtc-test.c cmos_read: select the register at 0x70, read 0x71. */
export function cmosRead(t: QosTarget, reg: number): number {
  t.out(0x70, 1, reg & 0x7f);
  return t.in(0x71, 1);
}

/** rtc-test.c cmos_write. */
export function cmosWrite(t: QosTarget, reg: number, value: number): void {
  t.out(0x70, 1, reg & 0x7f);
  t.out(0x71, 1, value & 0xff);
}
