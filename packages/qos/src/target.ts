// What a test drives: port I/O, physical memory and (optionally) the virtual clock of a machine.
// This is the surface QEMU's qtest protocol offers (softmmu/qtest.c: in/out, read/write,
// clock_step/clock_set); every helper in this package is written against it, so the same helper
// works on a full vmkit machine, on a bare MemoryBus + IoBus, or on a remote qtest connection.

import type { IoBusApi, MemoryBusApi } from '@vmkit/memory-bus';
import { timerClock } from './clock.js';

export type PortSize = 1 | 2 | 4;
export type MemSize = 1 | 2 | 4 | 8;

export interface QosClock {
  /** Virtual nanoseconds. */
  now(): number;
  /** Advance by `ns`, or to the next timer deadline when omitted; returns the new time. */
  step(ns?: number): number;
  /** Advance to absolute `ns` (never backwards); returns the new time. */
  set(ns: number): number;
}

export interface QosTarget {
  in(port: number, size: PortSize): number;
  out(port: number, size: PortSize, value: number): void;
  /** Read `size` bytes little-endian at `addr` (bigint: 8-byte reads do not fit a number). */
  read(addr: number, size: MemSize): bigint;
  write(addr: number, size: MemSize, value: bigint): void;
  readBytes(addr: number, length: number): Uint8Array;
  writeBytes(addr: number, data: Uint8Array): void;
  clock?: QosClock;
}

/** A target over a vmkit MemoryBus and IoBus (accesses go through the buses exactly as the CPU's). */
export function busTarget(memory: MemoryBusApi, io: IoBusApi, clock?: QosClock): QosTarget {
  return {
    in: (port, size) => (size === 1 ? io.in8(port) : size === 2 ? io.in16(port) : io.in32(port) >>> 0),
    out: (port, size, value) => {
      if (size === 1) io.out8(port, value & 0xff);
      else if (size === 2) io.out16(port, value & 0xffff);
      else io.out32(port, value >>> 0);
    },
    read: (addr, size) => {
      if (size === 8) return BigInt.asUintN(64, memory.read64(addr));
      const v = size === 1 ? memory.read8(addr) : size === 2 ? memory.read16(addr) : memory.read32(addr);
      return BigInt(v >>> 0);
    },
    write: (addr, size, value) => {
      if (size === 8) memory.write64(addr, BigInt.asUintN(64, value));
      else {
        const v = Number(BigInt.asUintN(8 * size, value));
        if (size === 1) memory.write8(addr, v);
        else if (size === 2) memory.write16(addr, v);
        else memory.write32(addr, v);
      }
    },
    readBytes: (addr, length) => memory.readBytes(addr, length),
    writeBytes: (addr, data) => memory.writeBytes(addr, data),
    clock,
  };
}

/** What a vmkit Machine offers a test (structurally: qos does not depend on @vmkit/machine). */
export interface QosMachineLike {
  memory: MemoryBusApi;
  io: IoBusApi;
  now(): number;
  warpTo(t: number): void;
  /** Earliest deadline of the board's and the plugged devices' timers. */
  nextDeadline(): number | null;
  /** Fire every timer (board and devices) due at `now`. */
  updateTimers(now: number): void;
}

/** A target over a machine: its buses, and its virtual clock stepped as qtest's clock_step (the
 * board's and the devices' timers fire at their deadlines on the way). */
export function machineTarget(m: QosMachineLike): QosTarget & { clock: QosClock } {
  const clock = timerClock({
    now: () => m.now(),
    warpTo: (t) => m.warpTo(t),
    nextDeadline: () => m.nextDeadline(),
    update: (t) => m.updateTimers(t),
  });
  return { ...busTarget(m.memory, m.io, clock), clock };
}
