// How a new trace is first entered (jit.ts TRACE_WARM_ENTRIES): its first entries leave after a few
// loop iterations, so V8 has run the trace's exit path with type feedback before it compiles the
// loop (docs/performance.md, "Steady tier-up"). The budget of an entry is the only thing that
// differs: the lockstep run against the interpreter checks that counts, registers and RAM stay the
// interpreter's.
import { describe, expect, it } from 'vitest';
import { TRACE_WARM_ENTRIES, TRACE_WARM_ITERATIONS } from '../src/jit.js';
import { lockstep, pm32 } from './harness/lockstep.js';
import { createMachine } from './harness/machine.js';
import { assemble, toolGate } from './harness/tools.js';

const gate = toolGate('nasm');

/** A three-instruction loop of `n` iterations, paging on or off, storing its sum at 0x30000. */
function loop(n: number, paging: boolean): Uint8Array {
  return assemble(
    pm32(`${paging ? '    PAGING_ON\n' : ''}    mov ecx, ${n}
    xor eax, eax
.l: add eax, ecx
    dec ecx
    jnz .l
    mov [0x30000], eax
    ret
`),
  );
}

describe.skipIf(gate.skip)('a new trace is entered with a short budget first', () => {
  for (const paging of [false, true]) {
    it(`paging ${paging ? 'on' : 'off'}: the first entries end after a few iterations, then one entry runs the loop out`, () => {
      // The loop's own entries: those of a run whose loop never gets hot (one iteration) subtracted.
      const stats = (n: number) => {
        const m = createMachine(loop(n, paging), { jit: true, jitThreshold: 8 });
        m.cpu.run(5_000_000);
        return { ...m.cpu.jitStats, sum: m.memory.read32(0x30000) };
      };
      const base = stats(1);
      const s = stats(100_000);
      expect(s.sum).toBe(((100_000 * 100_001) / 2) % 2 ** 32);
      // One trace more (the loop): its warm entries, each ending at a loop-back, then one entry to the
      // end of the loop (the budget is far larger than the loop).
      expect(s.compiled - base.compiled).toBe(1);
      expect(s.entries - base.entries).toBe(TRACE_WARM_ENTRIES + 1);
      // Nearly every iteration ran compiled, the warm entries' included.
      const compiled = s.instructions - base.instructions;
      expect(compiled).toBeGreaterThan(3 * (100_000 - 16 - TRACE_WARM_ENTRIES * TRACE_WARM_ITERATIONS));
    });

    it(`paging ${paging ? 'on' : 'off'}: the same counts, registers and RAM as the interpreter in lockstep`, () => {
      const { jit, ram } = lockstep(loop(3_000, paging), 41);
      expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
      expect(jit.jitStats.entries).toBeGreaterThan(TRACE_WARM_ENTRIES);
    });
  }
});
