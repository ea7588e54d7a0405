// Lockstep runs of the trace compiler against the interpreter (test/jit-*.test.ts): the same image on
// a core with `jit: true` (threshold 8) and one with `jit: false`, in slices of odd sizes, comparing
// the instruction count, every register and flag after each slice and RAM at the end.
import { expect } from 'vitest';
import type { Cpu } from '../../src/index.js';
import { createMachine } from './machine.js';
import { Rng } from './randgen.js';
import { pm32Source } from './tools.js';

/** PTE address of a linear page under bench/paging.inc's identity map (its page tables are contiguous). */
export const PTE = (lin: number): string => `PG_PT + ${(lin >>> 12) * 4}`;

/** A 32-bit flat protected-mode test body in the oracle skeleton, interrupts off (traces run only
 * on the Cpu's fast path). */
export function pm32(body: string): string {
  return pm32Source(`%include "bench/paging.inc"\n    cli\n${body}`);
}

export function state(cpu: Cpu): string {
  return JSON.stringify({ n: cpu.instructionCount, ...cpu.getRegisters() });
}

/** Run the image on both cores in lockstep; returns the compiled core for further checks. */
export function lockstep(
  image: Uint8Array,
  seed: number,
  budget = 5_000_000,
  ramChunk?: number,
): { jit: Cpu; ram: [Uint8Array, Uint8Array] } {
  const a = createMachine(image, { jit: true, jitThreshold: 8, ramChunk });
  const b = createMachine(image, { jit: false, ramChunk });
  const r = new Rng(seed ^ 0x51ce);
  let total = 0;
  for (;;) {
    // Slices of odd sizes, some tiny, so budgets end inside traces and around their entries.
    const slice = r.chance(0.2) ? 1 + r.below(7) : 1 + r.below(20_000);
    const ea = a.cpu.run(slice);
    const eb = b.cpu.run(slice);
    expect(ea.reason, `run() reason after ${total} instructions`).toBe(eb.reason);
    expect(ea.instructions).toBe(eb.instructions);
    const sa = state(a.cpu);
    const sb = state(b.cpu);
    if (sa !== sb) expect.fail(`after ${total + ea.instructions} instructions:\n jit  ${sa}\n interp ${sb}`);
    total += ea.instructions;
    if (ea.reason !== 'budget' || total >= budget) break;
  }
  return { jit: a.cpu, ram: [a.memory.readBytes(0, 0x200000), b.memory.readBytes(0, 0x200000)] };
}
