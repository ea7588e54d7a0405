// Oracle programs assembled with nasm and run on the core from the reset vector. Each program
// checks its own results against values worked out from the Intel SDM (and confirmed under QEMU by
// qemu-programs.test.ts) and reports "<id> <value> <flags> ok|BAD" lines on port 0xE9.
import { describe, expect, it } from 'vitest';
import { runImage } from './harness/machine.js';
import { describeRun, judge, PROGRAMS } from './harness/programs.js';
import { assemble, assembleProgram, toolGate } from './harness/tools.js';

const gate = toolGate('nasm');

describe.skipIf(gate.skip)('nasm oracle programs on the core', () => {
  for (const p of PROGRAMS) {
    // A program exposing a known core bug is `it.fails` (see p.knownBug) so it flips when fixed.
    const test = p.knownBug === undefined ? it : it.fails;
    test(`${p.name}: ${p.what}`, () => {
      const r = runImage(assembleProgram(p.name));
      const v = judge(r.lines);
      expect(v.problems, describeRun(r)).toEqual([]);
      expect(v.failed).toBe(0);
      expect(v.passed).toBeGreaterThan(10);
      expect(r.reason).toBe('stopped');
      expect(r.exitCode).toBe(0);
      expect(r.events.filter((e) => e.kind === 'internal-error')).toEqual([]);
    });
  }

  it('the report fails when a check is wrong (the oracle can fail)', () => {
    const src = `%define USE_PM32
%include "inc/lib.inc"
section .text16
tests16:
    mov eax, 1
    add eax, 1
    CHK 0x0001, eax, 3, ALLF, 0
    ret
section .text32
bits 32
tests32:
    ret
`;
    const r = runImage(assemble(src));
    const v = judge(r.lines);
    expect(v.failed).toBe(1);
    expect(v.problems).toEqual(['0001 00000002 0000 BAD want 00000003 0000']);
    expect(r.exitCode).toBe(1);
  });
});
