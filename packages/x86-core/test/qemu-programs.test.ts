// Differential run of the oracle programs: QEMU TCG (qemu-system-i386) is the reference. QEMU must
// pass every check (this confirms the hand-derived expected values), and the core's report must
// equal QEMU's line by line (undefined flags are already masked by each check).
// Known limit of this oracle: QEMU TCG does not enforce segment limits on data accesses, so limit
// faults (#GP/#SS) are only covered by the core-only tests.
import { describe, expect, it } from 'vitest';
import { runImage } from './harness/machine.js';
import { judge, PROGRAMS, qemuProblems, splitQemuWrong } from './harness/programs.js';
import { runQemu } from './harness/qemu.js';
import { assembleProgram, toolGate } from './harness/tools.js';

const gate = toolGate('nasm', 'qemu-system-i386');

describe.skipIf(gate.skip)('oracle programs: core vs QEMU TCG', () => {
  for (const p of PROGRAMS) {
    const image = () => assembleProgram(p.name);
    it(`${p.name}: QEMU confirms the expected values`, () => {
      const q = runQemu(image());
      expect(q.timedOut, 'QEMU timed out').toBe(false);
      expect(qemuProblems(p, q.lines), 'QEMU disagrees with the expected values').toEqual([]);
      expect(judge(q.lines).passed).toBeGreaterThan(10);
      // Where QEMU is known to be wrong (p.qemuWrong), it still is: every such check fails there.
      const wrong = splitQemuWrong(p, q.lines).wrong.filter((l) => !l.startsWith('DONE'));
      expect(
        wrong.filter((l) => l.endsWith(' ok')),
        p.qemuWrong?.why,
      ).toEqual([]);
      expect(wrong.length).toBe(p.qemuWrong?.ids.length ?? 0);
    });
    // A program exposing a known core bug is `it.fails` (see p.knownBug) so it flips when fixed.
    const test = p.knownBug === undefined ? it : it.fails;
    test(`${p.name}: core report equals QEMU's`, () => {
      const q = runQemu(image());
      const r = runImage(image());
      expect(splitQemuWrong(p, r.lines).trusted).toEqual(splitQemuWrong(p, q.lines).trusted);
    });
  }
});
