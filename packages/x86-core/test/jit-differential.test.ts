// The trace compiler (src/jit.ts) against the interpreter it accelerates. The interpreter is the
// reference (it is itself checked against QEMU by qemu-random/qemu-programs); here the same programs
// run twice, with `jit: true` and `jit: false`, in lockstep slices of odd sizes, and after every
// slice the two cores must agree on the instruction count, every register and flag; at the end on
// RAM too. The programs are loops (so their code gets hot and compiled) made of seeded random
// steps (test/harness/randgen.ts) plus forward conditional branches, calls, pushes and pops — the
// shapes the compiler turns into `if`s, inlined calls and loops — and targeted cases: code that
// rewrites itself inside a compiled loop, a fault in the middle of a compiled loop, and budgets
// that end inside a trace.
import { describe, expect, it } from 'vitest';
import type { Cpu } from '../src/index.js';
import { createMachine } from './harness/machine.js';
import { Rng, randomStep } from './harness/randgen.js';
import { assemble, pm32Source, toolGate } from './harness/tools.js';

const gate = toolGate('nasm');
const CC = [
  'jo',
  'jno',
  'jb',
  'jae',
  'je',
  'jne',
  'jbe',
  'ja',
  'js',
  'jns',
  'jp',
  'jnp',
  'jl',
  'jge',
  'jle',
  'jg',
];
const REGS32 = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi'];
const EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** A loop of `steps` random steps, run `iterations` times (EBP counts), with control flow mixed in. */
function loopProgram(seed: number, mode: 16 | 32, steps: number, iterations: number): string {
  const r = new Rng(seed);
  const body: string[] = [];
  const funcs: string[] = [];
  let label = 0;
  let open: { name: string; left: number } | null = null;
  for (let i = 0; i < steps; i++) {
    const roll = r.below(16);
    if (roll <= 3 && open === null) {
      // A compare (or the last step's flags) feeding a forward branch over 1-3 steps.
      const name = `.f${label++}`;
      if (roll <= 2) {
        // Operands from boundary values so equal, signed and unsigned edges all occur.
        const x = r.pick(REGS32);
        const y = r.pick(REGS32.filter((q) => q !== x));
        const op = r.pick(['cmp', 'sub', 'add', 'test', 'and', 'or', 'xor']);
        body.push(`    mov ${x}, 0x${r.pick(EDGES).toString(16)}`);
        if (roll === 0) body.push(`    ${op} ${x}, 0x${r.pick(EDGES).toString(16)}`);
        else body.push(`    mov ${y}, 0x${r.pick(EDGES).toString(16)}`, `    ${op} ${x}, ${y}`);
      }
      body.push(`    ${r.pick(CC)} ${name}`);
      open = { name, left: 1 + r.below(3) };
    } else if (roll === 4) {
      const name = `.g${label++}`;
      body.push(`    call ${name}`);
      const s = randomStep(r, mode, true);
      funcs.push(`${name}:`, ...s.setup.map((l) => `    ${l}`), `    ${s.insn}`, '    ret');
    } else if (roll === 5) {
      body.push(`    push ${r.pick(REGS32)}`, `    pop ${r.pick(REGS32)}`);
    } else if (roll === 6) {
      body.push(
        `    ${r.pick(['inc', 'dec'])} ${r.pick(REGS32)}`,
        `    ${r.pick(CC)} .f${label}`,
        `.f${label}:`,
      );
      body.push(`    ${r.pick(['adc', 'sbb'])} ${r.pick(REGS32)}, ${r.pick(REGS32)}`);
      label++;
    } else if (roll === 7) {
      body.push(`    set${r.pick(CC).slice(1)} ${r.pick(['al', 'bl', 'ch', 'dh'])}`);
    } else if (roll === 8) {
      body.push(`    cmov${r.pick(CC).slice(1)} ${r.pick(REGS32)}, ${r.pick(REGS32)}`);
    } else {
      const s = randomStep(r, mode, true);
      for (const l of s.setup) body.push(`    ${l}`);
      body.push(`    ${s.insn}`);
    }
    if (open !== null && --open.left === 0) {
      body.push(`${open.name}:`);
      open = null;
    }
  }
  if (open !== null) body.push(`${open.name}:`);
  const init = REGS32.map((x) => `    mov ${x}, 0x${r.u32().toString(16)}`);
  const loop = ['    mov ebp, ' + iterations, '.top:', ...body, '    dec ebp', '    jnz .top'];
  if (mode === 16) {
    return [
      '%include "inc/lib.inc"',
      'section .text16',
      'tests16:',
      '    cli', // traces run only while IF=0 (the Cpu's fast path)
      '    mov ax, 0x1000',
      '    mov ds, ax',
      '    mov es, ax',
      ...init,
      ...loop,
      '    xor ax, ax',
      '    mov ds, ax',
      '    mov es, ax',
      '    ret',
      ...funcs,
      '',
    ].join('\n');
  }
  return pm32([...init, ...loop, '    ret', ...funcs, ''].join('\n'));
}

/** A 32-bit flat protected-mode test body in the oracle skeleton, interrupts off (traces run only
 * on the Cpu's fast path). */
function pm32(body: string): string {
  return pm32Source(`    cli\n${body}`);
}

function state(cpu: Cpu): string {
  return JSON.stringify({ n: cpu.instructionCount, ...cpu.getRegisters() });
}

/** Run the image on both cores in lockstep; returns the compiled core for further checks. */
function lockstep(
  image: Uint8Array,
  seed: number,
  budget = 5_000_000,
): { jit: Cpu; ram: [Uint8Array, Uint8Array] } {
  const a = createMachine(image, { jit: true, jitThreshold: 8 });
  const b = createMachine(image, { jit: false });
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

describe.skipIf(gate.skip)('trace compiler vs interpreter', () => {
  const cases: { seed: number; mode: 16 | 32 }[] = [
    { seed: 0x71c0001, mode: 32 },
    { seed: 0x71c0002, mode: 32 },
    { seed: 0x71c0003, mode: 32 },
    { seed: 0x71c0004, mode: 16 },
    { seed: 0x71c0005, mode: 16 },
    { seed: 0x71c0006, mode: 16 },
  ];
  for (const c of cases) {
    it(`random loop, seed ${c.seed.toString(16)}, ${c.mode}-bit: same state after every slice`, () => {
      const image = assemble(loopProgram(c.seed, c.mode, 60, 300));
      const { jit, ram } = lockstep(image, c.seed);
      expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
      // The compiled core really compiled and ran traces (otherwise this test proves nothing).
      expect(jit.jitStats.compiled).toBeGreaterThan(0);
      expect(jit.jitStats.instructions).toBeGreaterThan(100_000);
    });
  }

  it('every condition after every inline flag producer, at edge operands, in all sizes', () => {
    // 144 operand pairs from EDGES (a table at 0x40000), one per loop iteration; each iteration runs
    // every producer in every size and records all 16 conditions with SETcc and with Jcc.
    const ops = ['cmp', 'sub', 'add', 'and', 'or', 'xor', 'test', 'inc', 'dec'];
    const sizes: [string, string][] = [
      ['eax', 'ebx'],
      ['ax', 'bx'],
      ['al', 'bl'],
    ];
    const body: string[] = [];
    let l = 0;
    for (const op of ops) {
      for (const [x, y] of sizes) {
        body.push('    mov eax, [esi]', '    mov ebx, [esi + 4]');
        if (op === 'inc' || op === 'dec') body.push(`    cmp ${x}, ${y}`, `    ${op} ${x}`);
        else body.push(`    ${op} ${x}, ${y}`);
        CC.forEach((cc, i) => {
          body.push(`    set${cc.slice(1)} [edi + ${i}]`);
        });
        CC.forEach((cc, i) => {
          body.push(`    ${cc} .j${l}`, `    mov byte [edi + ${16 + i}], 1`, `.j${l}:`);
          l++;
        });
        body.push('    add edi, 32');
      }
    }
    const pairs = EDGES.flatMap((a) => EDGES.map((b) => `dd 0x${a.toString(16)}, 0x${b.toString(16)}`));
    const src = pm32(`    mov esi, pairs
    mov edi, 0x100000
    mov ebp, ${pairs.length}
.top:
${body.join('\n')}
    add esi, 8
    dec ebp
    jnz .top
    ret
pairs:
${pairs.join('\n')}
`);
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 13, 20_000_000);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(jit.jitStats.instructions).toBeGreaterThan(jit.instructionCount / 2);
  });

  it('code that rewrites itself inside a compiled loop runs the new code', () => {
    // 32-bit flat: copy a routine to RAM at 0x20000 and call it. Each iteration patches the imm8
    // of its own `add eax, imm8` (83 C0 ib) with CL before executing it.
    const src = pm32(`    mov esi, smc_start
    mov edi, 0x20000
    mov ecx, smc_end - smc_start
    rep movsb
    mov eax, 0x20000
    call eax
    mov [0x30000], eax
    ret
smc_start:
    mov ecx, 300
    xor eax, eax
.top:
    mov byte [0x20000 + (.imm - smc_start) + 2], cl
.imm:
    add eax, strict byte 0
    dec ecx
    jnz .top
    ret
smc_end:
`);
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 7);
    let expected = 0;
    for (let c = 300; c >= 1; c--) expected = (expected + (((c & 0xff) << 24) >> 24)) | 0;
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getInt32(0x30000, true)).toBe(expected);
    expect(jit.jitStats.invalidated).toBeGreaterThan(0);
  });

  it('a fault in the middle of a compiled loop reports the faulting instruction', () => {
    // Real mode: word reads walk up to the 64 KiB limit; the read at 0xFFFF faults (#GP) after
    // ~250 iterations, long after the loop was compiled. lib.inc's EXPECT_EXC resumes at .r.
    const src = `%include "inc/lib.inc"
section .text16
tests16:
    cli
    EXPECT_EXC .r
    mov si, 0xff00
    xor bx, bx
.l:
    mov ax, [si]
    add bx, ax
    inc si
    jmp .l
.r:
    mov [0x7000], si
    mov [0x7002], bx
    ret
`;
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 11);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(ram[0][0x7000] | (ram[0][0x7001] << 8)).toBe(0xffff);
    expect(jit.jitStats.instructions).toBeGreaterThan(500);
  });
});

describe('trace compiler options', () => {
  it('rejects a bad jitThreshold and can be switched off', async () => {
    const { IoBus, MemoryBus } = await import('@vmkit/memory-bus');
    const { Cpu } = await import('../src/index.js');
    const memory = new MemoryBus();
    memory.addRam('ram', 0, 0x100000);
    const io = new IoBus();
    for (const bad of [0, -1, 1.5, 70000, Number.NaN])
      expect(() => new Cpu({ memory, io, jitThreshold: bad })).toThrow(/jitThreshold/);
    // 0x1000: mov ecx, 10000 / dec ecx / jnz -3 / hlt, in 32-bit flat mode with IF=0.
    memory.writeBytes(0x1000, Uint8Array.from([0xb9, 0x10, 0x27, 0, 0, 0x49, 0x75, 0xfd, 0xf4]));
    const counts: number[] = [];
    for (const jit of [true, false]) {
      const cpu = new Cpu({ memory, io, jit, jitThreshold: 4 });
      const flat = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0xc093 };
      cpu.setRegisters({
        eip: 0x1000,
        cr0: 0x11,
        eflags: 2,
        segments: {
          cs: { selector: 8, base: 0, limit: 0xffffffff, access: 0xc09b },
          ds: flat,
          es: flat,
          ss: flat,
        },
      });
      const exit = cpu.run(100_000);
      expect(exit.reason).toBe('halted');
      counts.push(cpu.instructionCount);
      if (jit) expect(cpu.jitStats.instructions).toBeGreaterThan(10_000);
      else expect(cpu.jitStats.compiled).toBe(0);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBe(1 + 2 * 10000 + 1);
  });
});

describe('trace compiler coverage', () => {
  // Regression: when a loop's back edge was itself compiled into another trace, the loop head's heat
  // stopped growing and the loop stayed interpreted (mix32 fell from ~180 to ~60 MIPS).
  it('a nested loop with a call ends up running compiled (bench/mix32 body)', async () => {
    const { IoBus, MemoryBus } = await import('@vmkit/memory-bus');
    const { Cpu } = await import('../src/index.js');
    const { readFileSync } = await import('node:fs');
    // nasm 2.16 encoding of test/programs/bench/mix32.asm (as embedded in bench/cpu.bench.ts).
    const hex =
      '8b2df00f0000bc0000080031db31d2b96400000089c801d831c2c1e00329d3e81f00000083f932720143505a0fb6810020000089148d003000004975d74d75cfe6f4f48d44580125ffff0000c3';
    expect(readFileSync(new URL('../bench/cpu.bench.ts', import.meta.url), 'utf8')).toContain(hex);
    const memory = new MemoryBus();
    memory.addRam('ram', 0, 16 << 20);
    const cpu = new Cpu({ memory, io: new IoBus() });
    memory.writeBytes(
      0x1000,
      Uint8Array.from(hex.match(/../g) ?? [], (x) => Number.parseInt(x, 16)),
    );
    memory.write32(0xff0, 3000);
    const data = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0xc093 };
    cpu.setRegisters({
      eip: 0x1000,
      esp: 0x80000,
      cr0: 0x11,
      segments: {
        cs: { selector: 8, base: 0, limit: 0xffffffff, access: 0xc09b },
        ds: data,
        es: data,
        ss: data,
      },
    });
    expect(cpu.run(5_000_000).reason).toBe('budget');
    expect(cpu.jitStats.instructions).toBeGreaterThan(0.9 * cpu.instructionCount);
  });
});
