// Differential fuzzing against QEMU TCG: seeded random arithmetic/logic/shift/bit/BCD sequences
// (test/harness/randgen.ts) in 16-bit real mode and 32-bit flat protected mode. Both machines dump
// the data registers and the defined flags after every instruction; the reports must be equal.
import { describe, expect, it } from 'vitest';
import { runImage } from './harness/machine.js';
import { runQemu } from './harness/qemu.js';
import { randomProgram } from './harness/randgen.js';
import { assemble, toolGate } from './harness/tools.js';

const gate = toolGate('nasm', 'qemu-system-i386');
const STEPS = 500;
// chain: flags set only at the start of runs of 1-4 instructions, so each instruction consumes the
// lazily computed flags of the previous one (undefined flags are followed through the run and never
// consumed). memory: a quarter of the steps use memory operands (16-bit addressing forms in real
// mode, base + index * scale + disp in 32-bit code).
const CASES: { seed: number; mode: 16 | 32; chain: boolean; memory: boolean }[] = [
  { seed: 0x5eed0001, mode: 16, chain: false, memory: false },
  { seed: 0x5eed0002, mode: 16, chain: true, memory: true },
  { seed: 0x5eed0003, mode: 32, chain: false, memory: false },
  { seed: 0x5eed0004, mode: 32, chain: true, memory: true },
];

describe.skipIf(gate.skip)('random instruction sequences: core vs QEMU TCG', () => {
  for (const c of CASES) {
    it(`seed ${c.seed.toString(16)}, ${c.mode}-bit, ${STEPS} instructions${c.chain ? ', chained flags' : ''}${c.memory ? ', memory operands' : ''}`, () => {
      const prog = randomProgram(c.seed, c.mode, STEPS, [], c.chain, c.memory);
      const image = assemble(prog.source);
      const q = runQemu(image);
      expect(q.timedOut, 'QEMU timed out').toBe(false);
      const dumps = q.lines.filter((l) => l.startsWith('D '));
      if (c.chain) expect(dumps.length, 'QEMU did not run every step').toBeGreaterThan(STEPS / 4);
      else expect(dumps.length, 'QEMU did not run every step').toBe(STEPS);
      expect(q.lines.at(-1)).toBe('DONE 0000 0000');
      const r = runImage(image);
      const mine = r.lines;
      // report the first divergence with the instruction that produced it
      const n = Math.max(mine.length, q.lines.length);
      for (let i = 0; i < n; i++) {
        if (mine[i] !== q.lines[i]) {
          const id = /^D ([0-9A-F]{4}) /.exec(q.lines[i] ?? '')?.[1];
          const step = id === undefined ? undefined : prog.steps[Number.parseInt(id, 16)];
          const before = i > 0 ? q.lines[i - 1] : '';
          expect.fail(
            `line ${i}: core "${mine[i]}" vs QEMU "${q.lines[i]}"\n` +
              `instruction: ${step?.insn ?? '?'} (mask ${step?.mask.toString(16) ?? '?'})\nsetup: ${step?.setup.join('; ')}\n` +
              `previous: ${before}`,
          );
        }
      }
      expect(mine.at(-1)).toBe('DONE 0000 0000');
    });
  }
});
