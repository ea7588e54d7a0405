// Differential fuzzing of the x87 against QEMU 7.2 TCG: seeded random sequences (harness/x87gen.ts)
// of loads, stores, arithmetic, compares, FCOMI, FCMOV, FXCH, FXAM, FRNDINT on values that are
// exact in both float64 and the x87's 64-bit significand. After every step both machines dump the
// status word (C1 masked: QEMU does not compute it), ST(0) as m64 and ZF/PF/CF; the lines must be
// equal (the generator keeps every value within 53 bits, so the float64 model is exact here too).
import { describe, expect, it } from 'vitest';
import { runImage } from './harness/machine.js';
import { runQemu } from './harness/qemu.js';
import { assemble, toolGate } from './harness/tools.js';
import { randomX87Program } from './harness/x87gen.js';

const gate = toolGate('nasm', 'qemu-system-i386');
const STEPS = 600;

describe.skipIf(gate.skip)('random x87 sequences: core vs QEMU TCG', () => {
  for (const seed of [0x87870001, 0x87870002, 0x87870003]) {
    it(`seed ${seed.toString(16)}, ${STEPS} steps`, () => {
      const prog = randomX87Program(seed, STEPS);
      const image = assemble(prog.source);
      const q = runQemu(image);
      expect(q.timedOut, 'QEMU timed out').toBe(false);
      const r = runImage(image);
      const qd = q.lines.filter((l) => l.startsWith('D '));
      const rd = r.lines.filter((l) => l.startsWith('D '));
      expect(qd.length, 'QEMU did not run every step').toBe(STEPS);
      expect(rd.length).toBe(STEPS);
      for (let i = 0; i < STEPS; i++) {
        if (rd[i] === qd[i]) continue;
        const before = prog.steps.slice(Math.max(0, i - 6), i).join('; ');
        expect.fail(`step ${i}: ${prog.steps[i]}\n core "${rd[i]}"\n QEMU "${qd[i]}"\n before: ${before}`);
      }
    });
  }
});
