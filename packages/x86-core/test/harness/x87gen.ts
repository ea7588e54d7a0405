// Seeded random x87 sequences for the differential test against QEMU (x87-random.test.ts). Values
// stay exact in float64 and in the x87's 64-bit significand (small integers and halves, at most a
// dozen multiplications between FNINITs, divisions by powers of two only), and the stack depth is
// tracked so no step overflows or underflows it (QEMU 7.2 does not model x87 stack faults): every
// difference is then a real disagreement, not the float64 model's precision.
import { Rng } from './randgen.js';

const CONSTS = ['0.0', '1.0', '-1.0', '0.5', '2.0', '3.0', '-2.5', '0.25', '7.0', '10.0', '-0.0', '1.5'];
const INTS = [0, 1, -1, 2, -3, 5, 9, -12, 100];
const ARITH = ['fadd', 'fsub', 'fsubr', 'fmul'];
const ARITH_P = ['faddp', 'fsubp', 'fsubrp', 'fmulp'];

export interface X87Program {
  source: string;
  /** The instruction text of each step (index = DUMP id). */
  steps: string[];
}

/** One step: its instruction text given the current depth, and the depth change. */
function step(r: Rng, depth: number): { insn: string; delta: number } {
  const push = depth < 7;
  const choices: (() => { insn: string; delta: number })[] = [];
  if (push) {
    choices.push(() => ({ insn: `fld qword [k + ${8 * r.below(CONSTS.length)}]`, delta: 1 }));
    choices.push(() => ({ insn: `fild dword [n + ${4 * r.below(INTS.length)}]`, delta: 1 }));
    choices.push(() => ({ insn: r.pick(['fld1', 'fldz']), delta: 1 }));
  }
  if (depth >= 1) {
    choices.push(() => ({ insn: r.pick(['fchs', 'fabs', 'frndint', 'ftst', 'fxam']), delta: 0 }));
    choices.push(() => ({ insn: `${r.pick(ARITH)} qword [k + ${8 * r.below(CONSTS.length)}]`, delta: 0 }));
    choices.push(() => ({
      insn: `${r.pick(ARITH)} dword [n + ${4 * r.below(INTS.length)}]`.replace('f', 'fi'),
      delta: 0,
    }));
    choices.push(() => ({ insn: `${r.pick(['fdiv', 'fmul'])} qword [p2 + ${8 * r.below(4)}]`, delta: 0 }));
    choices.push(() => ({ insn: `fcom qword [k + ${8 * r.below(CONSTS.length)}]`, delta: 0 }));
    choices.push(() => ({ insn: 'fstp qword [RES + 64]', delta: -1 }));
    if (push) choices.push(() => ({ insn: `fld st${r.below(depth)}`, delta: 1 }));
  }
  if (depth >= 2) {
    const i = 1 + r.below(depth - 1);
    choices.push(() => ({ insn: `${r.pick(ARITH)} st0, st${i}`, delta: 0 }));
    choices.push(() => ({ insn: `${r.pick(ARITH)} st${i}, st0`, delta: 0 }));
    choices.push(() => ({ insn: `${r.pick(ARITH_P)} st${i}, st0`, delta: -1 }));
    choices.push(() => ({ insn: `${r.pick(['fcom', 'fucom', 'fcomp', 'fucomp'])} st${i}`, delta: 0 }));
    choices.push(() => ({ insn: `${r.pick(['fcomi', 'fucomi'])} st0, st${i}`, delta: 0 }));
    choices.push(() => ({ insn: `fxch st${i}`, delta: 0 }));
    choices.push(() => ({
      insn: `${r.pick(['fcmovb', 'fcmove', 'fcmovnbe', 'fcmovnu'])} st0, st${i}`,
      delta: 0,
    }));
    choices.push(() => ({ insn: r.pick(['fcompp', 'fucompp']), delta: -2 }));
  }
  const c = r.pick(choices)();
  // fcomp/fucomp pop one.
  if (/^fu?comp st/.test(c.insn)) c.delta = -1;
  return c;
}

/** A program of `count` steps; after each one the status word (C1 masked: QEMU 7.2 leaves C1 alone
 * where the SDM clears it), ST(0) as m64 and ZF/PF/CF are dumped. FNINIT every 12 steps bounds the
 * magnitudes. */
export function randomX87Program(seed: number, count: number): X87Program {
  const r = new Rng(seed);
  const steps: string[] = [];
  const body: string[] = [];
  let depth = 0;
  for (let s = 0; s < count; s++) {
    if (s % 12 === 0) {
      body.push('    fninit');
      depth = 0;
    }
    const { insn, delta } = step(r, depth);
    depth += delta;
    steps.push(insn);
    body.push(`    ${insn}`);
    body.push('    fnstsw ax');
    body.push('    and eax, 0xFDFF');
    if (depth > 0) body.push('    fst qword [RES]', '    mov ebx, [RES]', '    mov ecx, [RES + 4]');
    else body.push('    xor ebx, ebx', '    xor ecx, ecx');
    body.push(`    DUMP 0x${s.toString(16).padStart(4, '0')}, 0x45`);
  }
  const consts = CONSTS.map((c) => `    dq ${c}`).join('\n');
  const ints = INTS.map((n) => `    dd ${n}`).join('\n');
  const source = `%include "inc/pm32-only.inc"
%include "inc/x87-lib.inc"
tests32:
    xor edx, edx
    xor esi, esi
    xor edi, edi
${body.join('\n')}
    fninit
    ret
align 8
k:
${consts}
p2:
    dq 2.0
    dq 0.5
    dq 4.0
    dq 0.125
n:
${ints}
`;
  return { source, steps };
}
