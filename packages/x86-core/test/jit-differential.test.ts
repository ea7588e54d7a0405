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
import { lockstep, PTE, pm32, RING3, state } from './harness/lockstep.js';
import { createMachine } from './harness/machine.js';
import { Rng, randomStep } from './harness/randgen.js';
import { assemble, toolGate } from './harness/tools.js';

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
function loopProgram(seed: number, mode: 16 | 32, steps: number, iterations: number, paged = false): string {
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
  const on = paged ? ['    PAGING_ON'] : [];
  return pm32([...on, ...init, ...loop, '    ret', ...funcs, ''].join('\n'));
}

/** Run `body` in lockstep once per pair of EDGES (ESI points at the pair; EDI starts at 1 MiB), the
 * compiled core retiring most of it, and compare RAM at the end. */
function overEdgePairs(body: string[], seed: number): void {
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
  const { jit, ram } = lockstep(assemble(src), seed, 20_000_000);
  expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
  expect(jit.jitStats.instructions).toBeGreaterThan(jit.instructionCount / 2);
}

/** Copies the routine smc_start…smc_end to RAM at 0x20000 (writable code) and calls it there. */
const CALL_SMC = `    mov esi, smc_start
    mov edi, 0x20000
    mov ecx, smc_end - smc_start
    rep movsb
    mov eax, 0x20000
    call eax`;

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

  // RAM in 64 KiB chunks: compiled memory operands reach one chunk (the Cpu's `ram`) directly and
  // the others through the bus's page tables (jit-memory.ts tiers 1 and 2), paging off and on.
  for (const [seed, paged] of [
    [0x71c0001, false],
    [0x71c0002, true],
  ] as const) {
    it(`random loop, seed ${seed.toString(16)}, RAM in 64 KiB chunks${paged ? ', paging on' : ''}`, () => {
      const image = assemble(loopProgram(seed, 32, 60, 300, paged));
      const { jit, ram } = lockstep(image, seed, 5_000_000, 0x10000);
      expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
      expect(jit.jitStats.instructions).toBeGreaterThan(100_000);
    });
  }

  // The direct table covers `ram`'s length from page 0; here `ram` is a 32 MiB region at 256 MiB
  // (longer than the 16 MiB at 0; its lazy chunk is made before the first compile picks `ram`), so
  // the loop's stores there grow the table, and growing it retires every trace (each names the
  // table as a constant): the recompiled loop must go on exactly.
  it('stores that grow the direct table retire the traces and agree with the interpreter', () => {
    const hi = 0x10000000;
    const src = pm32(`    mov edi, ${hi}
    mov ebp, 3000
.top:
    mov [edi], ebp
    add byte [edi + 4], 3
    mov eax, [edi]
    add edi, 0x1000
    dec ebp
    jnz .top
    ret
`);
    const image = assemble(src);
    const opts = { extraRam: [hi, 32 << 20] as [number, number] };
    const a = createMachine(image, { jit: true, jitThreshold: 8, ...opts });
    const b = createMachine(image, { jit: false, ...opts });
    for (const m of [a, b]) {
      m.memory.write8(hi + (32 << 20) - 1, 0);
      while (m.cpu.run(1_000_000).reason === 'budget');
    }
    expect(state(a.cpu)).toBe(state(b.cpu));
    const span = 3000 * 0x1000;
    expect(Buffer.from(a.memory.readBytes(hi, span)).equals(Buffer.from(b.memory.readBytes(hi, span)))).toBe(
      true,
    );
    expect(a.cpu.jitStats.flushes).toBeGreaterThan(0);
    expect(a.cpu.jitStats.instructions).toBeGreaterThan(a.cpu.instructionCount / 2);
  });

  // jit.ts MAX_LINEAR: a trace follows at most 16 instructions past its last branch back to its entry.
  // The loop at .l is followed by 40 ADDs: its trace ends after 16 of them, the next trace (at the
  // 17th, hot once traces keep leaving there) after 16 more, a third runs the rest; with the whole
  // tail in the loop's trace (48 instructions) two traces ran it. The sums agree with the interpreter.
  it('a loop with a long straight tail: traces cut 16 instructions past the branch back, same state', () => {
    const tail = Array.from({ length: 40 }, (_, i) => `    add eax, ${i + 1}`).join('\n');
    const src = pm32(`    xor eax, eax
    mov ebp, 200
.o: mov ecx, 20
.l: dec ecx
    jnz .l
${tail}
    dec ebp
    jnz .o
    mov [0x30000], eax
    ret
`);
    const { jit, ram } = lockstep(assemble(src), 41);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(new DataView(ram[0].buffer, ram[0].byteOffset).getUint32(0x30000, true)).toBe(200 * 820);
    expect(jit.jitStats.compiled).toBe(8); // 6 when a trace may run 48 instructions past it
    expect(jit.jitStats.instructions).toBeGreaterThan(jit.instructionCount / 2);
  });

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
    overEdgePairs(body, 13);
  });

  it('every condition and EFLAGS after inline shifts by constants, at edge operands, in all sizes', () => {
    // SHL/SAL/SHR/SAR by immediates around each size's width (0 leaves flags alone; OF is defined
    // for 1 only, the interpreter's rule for the others is kept), on registers and memory, then
    // all 16 conditions (SETcc and Jcc), PUSHF (AF, PF), INC/DEC keeping the shift's CF, and a
    // rotate reading it.
    const counts = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32];
    const sizes: [string, string][] = [
      ['eax', 'dword'],
      ['ax', 'word'],
      ['al', 'byte'],
    ];
    const body: string[] = [];
    let l = 0;
    for (const op of ['shl', 'sal', 'shr', 'sar']) {
      for (const [x, sz] of sizes) {
        for (const n of counts) {
          const mem = (l & 1) === 1;
          // Each block starts at a jump target (so a trace starts here) and leaves the trace at
          // PUSHFD (interpreted), which reads the flags the trace synced.
          body.push(`.s${l}:`, '    mov eax, [esi]', '    cmp eax, [esi + 4]', '    mov [edi + 28], eax');
          body.push(mem ? `    ${op} ${sz} [edi + 28], ${n}` : `    ${op} ${x}, ${n}`);
          if (mem) body.push('    mov eax, [edi + 28]');
          CC.forEach((cc, i) => {
            body.push(`    set${cc.slice(1)} [edi + ${i}]`);
          });
          body.push(`    jc .c${l}`, '    mov byte [edi + 16], 1', `.c${l}:`);
          body.push(`    jo .o${l}`, '    mov byte [edi + 17], 1', `.o${l}:`);
          body.push(`    jg .g${l}`, '    mov byte [edi + 18], 1', `.g${l}:`);
          body.push(`    ${l % 3 === 0 ? 'inc' : 'dec'} ebx`, '    setc [edi + 19]', '    pushfd');
          body.push('    pop dword [edi + 24]', '    rcl ecx, 1', '    add edi, 32', `    jmp .s${l + 1}`);
          l++;
        }
      }
    }
    overEdgePairs(['    mov edi, 0x100000', ...body, `.s${l}:`], 17);
  });

  it('MOV between AL/eAX and a moffs operand, with overrides, in 32- and 16-bit code', () => {
    // A0-A3 (nasm picks them for an absolute address with AL/AX/EAX): every size, a segment
    // override, a 32-bit offset in 16-bit code (67h); in real mode a word read at the 64 KiB limit
    // (0xFFFF) faults inside the compiled loop at its 295th iteration (lib.inc's EXPECT_EXC resumes).
    const src32 = pm32(`    mov ebp, 300
.top:
    mov eax, [0x40000]
    add eax, ebp
    mov [0x40004], eax
    mov al, [0x40001]
    fs mov [0x40009], al
    mov ax, [0x40002]
    mov [0x40006], ax
    add [0x4000c], eax
    dec ebp
    jnz .top
    ret
`);
    const src16 = `%include "inc/lib.inc"
section .text16
tests16:
    cli
    EXPECT_EXC .r
    mov ax, 0x1000
    mov ds, ax
    mov ax, 0x2000
    mov es, ax
    mov bp, 300
.top:
    mov ax, [0x10]
    add ax, bp
    mov [0x12], ax
    es mov [0x41], al
    mov eax, [0x20]
    add eax, 0x12345
    mov [0x24], eax
    a32 mov al, [dword 0x30]
    es mov [0x31], al
    cmp bp, 5
    jne .s
    inc cx
    mov ax, [0xffff]
.s:
    dec bp
    jnz .top
.r:
    xor ax, ax
    mov ds, ax
    mov es, ax
    ret
`;
    for (const [src, seed] of [
      [src32, 21],
      [src16, 22],
    ] as const) {
      const { jit, ram } = lockstep(assemble(src), seed);
      expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
      expect(jit.jitStats.instructions).toBeGreaterThan(1000);
    }
  });

  it('code that rewrites itself inside a compiled loop runs the new code', () => {
    // 32-bit flat: copy a routine to RAM at 0x20000 and call it. Each iteration patches the imm8
    // of its own `add eax, imm8` (83 C0 ib) with CL before executing it.
    const src = pm32(`${CALL_SMC}
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

  it('a followed CALL whose push overwrites the running trace leaves it for the call target', () => {
    // Run from RAM at 0x20000. The loop's trace follows `call g` into g and `call .f` into .f;
    // the second call's push lands on g's `mov eax, imm32` immediate (the same bytes: the return
    // address), a write to the trace's own code, which kills it: the trace leaves after the CALL
    // for .f (it left for the instruction after the CALL, skipping .f's `inc esi`).
    const at = (l: string): string => `0x20000 + (${l} - smc_start)`;
    const src = pm32(`${CALL_SMC}
    mov [0x30000], esi
    ret
smc_start:
    mov [0x30004], esp
    mov ebp, 200
    xor esi, esi
.l: mov esp, [0x30004]
    call g
    mov esp, ${at('g')} + 5
    call .f
.ret:
    dec ebp
    jnz .l
    mov esp, [0x30004]
    ret
.f: inc esi
    ret
g:  mov eax, ${at('smc_start.ret')}
    ret
smc_end:
`);
    const { jit, ram } = lockstep(assemble(src), 43);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(new DataView(ram[0].buffer, ram[0].byteOffset).getInt32(0x30000, true)).toBe(200);
    expect(jit.jitStats.invalidated).toBeGreaterThan(0);
  });

  it('a compiled store to a page that later holds compiled code kills that code', () => {
    // The .fill loop (compiled) stores into page 0x20000 from the start, so its stores there take
    // the direct path (jit-memory.ts tier 1); then the routine's loop at 0x20005 gets hot and compiled.
    // From then on the loop's store to the routine's imm8 must leave the direct path, reach the
    // code-page check and kill the routine's trace, so each call adds the byte just written. The
    // first (interpreted) iteration of .fill skips the patch: only compiled stores patch.
    const src = pm32(`    mov esi, smc_start
    mov edi, 0x20000
    mov ecx, smc_end - smc_start
    rep movsb
    xor ebx, ebx
    xor edi, edi
    mov ebp, 400
.outer:
    mov ecx, 20
.fill:
    mov [0x20800 + ecx], cl
    cmp ecx, 20
    je .skip
    lea eax, [ebp + ecx]
    mov byte [edi + 0x20000 + (smc_imm - smc_start) + 2], al
.skip:
    dec ecx
    jnz .fill
    mov eax, 0x20000
    call eax
    dec ebp
    jnz .outer
    mov [0x30000], ebx
    ret
smc_start:
    mov ecx, 3
smc_imm:
    add ebx, strict byte 0
    dec ecx
    jnz smc_imm
    ret
smc_end:
`);
    const image = assemble(src);
    // One run() each (no lockstep slices: a slice ending inside .fill would let the interpreter
    // do the patch, and 16 such kills leave the routine to the interpreter for good).
    const a = createMachine(image, { jit: true, jitThreshold: 8 });
    const b = createMachine(image, { jit: false });
    expect(a.cpu.run(5_000_000)).toEqual(b.cpu.run(5_000_000));
    expect(state(a.cpu)).toBe(state(b.cpu));
    const jit = a.cpu;
    const ram = [a.memory.readBytes(0, 0x200000), b.memory.readBytes(0, 0x200000)] as const;
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    let expected = 0;
    for (let c = 400; c >= 1; c--) expected = (expected + 3 * ((((c + 1) & 0xff) << 24) >> 24)) | 0;
    expect(new DataView(ram[0].buffer, ram[0].byteOffset).getInt32(0x30000, true)).toBe(expected);
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

/** Copies the routines v1 and v2 (labels v1…v1_end, v2…v2_end) to frames 0x20000 and 0x21000. */
const COPY_V1_V2 = [0x20000, 0x21000]
  .map(
    (to, i) =>
      `    mov esi, v${i + 1}\n    mov edi, ${to}\n    mov ecx, v${i + 1}_end - v${i + 1}\n    rep movsb`,
  )
  .join('\n');

describe.skipIf(gate.skip)('trace compiler vs interpreter, paging on', () => {
  // bench/paging.inc identity-maps 0-16 MiB with 4 KiB pages; the programs below then re-point
  // single PTEs (linear 0x900000 and up) to make aliases, edit them under running traces and fault.
  for (const seed of [0x71c0001, 0x71c0002, 0x71c0003]) {
    it(`random loop, seed ${seed.toString(16)}, 32-bit, paging on: same state after every slice`, () => {
      const image = assemble(loopProgram(seed, 32, 60, 300, true));
      const { jit, ram } = lockstep(image, seed);
      expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
      expect(jit.getRegisters().cr0 >>> 31, 'paging is on').toBe(1);
      expect(jit.jitStats.instructions).toBeGreaterThan(100_000);
    });
  }

  it('code crossing a page boundary, run through one alias and rewritten through another', () => {
    // The routine is copied to physical 0x20FF0 (its loop spans frames 0x20000 and 0x21000) and
    // called at linear 0x900FF0 (0x900000 -> 0x20000, 0x901000 -> 0x21000). Each iteration patches
    // the imm8 of its `add eax, imm8` — the byte at physical 0x21000 — through the identity alias.
    const src = pm32(`    PAGING_ON
    mov dword [${PTE(0x900000)}], 0x20000 | 3
    mov dword [${PTE(0x901000)}], 0x21000 | 3
    mov esi, smc_start
    mov edi, 0x20FF0
    mov ecx, smc_end - smc_start
    rep movsb
    mov eax, 0x900FF0
    call eax
    mov [0x30000], eax
    ret
smc_start:
    mov ecx, 300
    xor eax, eax
    nop
.top:
    mov byte [0x20FF0 + (.imm - smc_start) + 2], cl
.imm:
    add eax, strict byte 0
    dec ecx
    jnz .top
    ret
smc_end:
`);
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 17);
    let expected = 0;
    for (let c = 300; c >= 1; c--) expected = (expected + (((c & 0xff) << 24) >> 24)) | 0;
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getInt32(0x30000, true)).toBe(expected);
    expect(jit.jitStats.invalidated).toBeGreaterThan(0);
    expect(jit.jitStats.instructions).toBeGreaterThan(1000);
  });

  it('page-table edits under a running trace: stale TLB entries until INVLPG, as interpreted', () => {
    // Loop A reads linear 0x900000 while re-pointing its PTE between frames holding 1 and 2 every
    // iteration; only every 64th iteration flushes it with INVLPG, so most reads see the stale TLB
    // entry (SDM vol. 3A 4.10.4.1: the TLB need not follow PTE edits). Loop B also writes the page,
    // so the write walks the edited table and replaces the entry (memory.ts walk()).
    const src = pm32(`    PAGING_ON
    mov dword [0x20000], 1
    mov dword [0x21000], 2
    mov dword [${PTE(0x900000)}], 0x20000 | 3
    xor ebx, ebx
    mov ecx, 2000
.a: add ebx, [0x900000]
    mov eax, ecx
    and eax, 1
    shl eax, 12
    add eax, 0x20000 | 3
    mov [${PTE(0x900000)}], eax
    test ecx, 63
    jnz .a1
    invlpg [0x900000]
.a1:
    dec ecx
    jnz .a
    mov [0x30000], ebx
    xor ebx, ebx
    mov ecx, 2000
.b: add ebx, [0x900000]
    mov eax, ecx
    and eax, 1
    shl eax, 12
    add eax, 0x20000 | 3
    mov [${PTE(0x900000)}], eax
    mov [0x900008], ecx
    test ecx, 31
    jnz .b1
    invlpg [0x900000]
.b1:
    dec ecx
    jnz .b
    mov [0x30004], ebx
    ret
`);
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 19);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    // Loop A by the architecture: a TLB entry, once filled, stays until INVLPG.
    let pte = 0x20000;
    let cached: number | null = null;
    let sum = 0;
    for (let ecx = 2000; ecx >= 1; ecx--) {
      cached ??= pte;
      sum += cached === 0x20000 ? 1 : 2;
      pte = 0x20000 + (ecx & 1) * 0x1000;
      if (ecx % 64 === 0) cached = null;
    }
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getInt32(0x30000, true)).toBe(sum);
    expect(jit.jitStats.instructions).toBeGreaterThan(20_000);
  });

  it('a linear code page re-pointed to other code: CR3 reload and INVLPG switch, a stale entry does not', () => {
    // Two versions of a routine (add 1 / add 1000, 50 times) in frames 0x20000 and 0x21000, called
    // at linear 0x900000 whose PTE flips every outer iteration; the TLB is flushed by INVLPG, by a
    // CR3 reload, or not at all (then the old code keeps running). The compiled trace at 0x900000
    // must follow exactly what the interpreter fetches.
    const routine = (k: number, name: string) => `${name}:
    mov ecx, 50
.l: add ebx, ${k}
    dec ecx
    jnz .l
    ret
${name}_end:`;
    const src = pm32(`    PAGING_ON
${COPY_V1_V2}
    mov dword [${PTE(0x900000)}], 0x20000 | 3
    xor ebx, ebx
    mov ebp, 200
.o: mov eax, 0x900000
    call eax
    mov eax, ebp
    and eax, 1
    shl eax, 12
    add eax, 0x20000 | 3
    mov [${PTE(0x900000)}], eax
    mov eax, ebp
    and eax, 3
    jz .inv
    dec eax
    jnz .n
    mov eax, cr3
    mov cr3, eax
    jmp .n
.inv:
    invlpg [0x900000]
.n: dec ebp
    jnz .o
    mov [0x30000], ebx
    ret
${routine(1, 'v1')}
${routine(1000, 'v2')}
`);
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 23);
    let pte = 0x20000;
    let cached: number | null = null;
    let sum = 0;
    for (let ebp = 200; ebp >= 1; ebp--) {
      cached ??= pte;
      sum += 50 * (cached === 0x20000 ? 1 : 1000);
      pte = 0x20000 + (ebp & 1) * 0x1000;
      if ((ebp & 3) < 2) cached = null;
    }
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getInt32(0x30000, true)).toBe(sum);
    expect(jit.jitStats.compiled).toBeGreaterThan(2);
    expect(jit.jitStats.instructions).toBeGreaterThan(10_000);
  });

  it('a store that re-walks a code page whose PTE was edited continues in the new frame, as interpreted', () => {
    // The routine at linear 0x900000 (frame 0x20000, PTE without the dirty bit, so the TLB entry is
    // read-only) points its own PTE at frame 0x21000 and then writes its own linear page: the write
    // walks the edited table and replaces the TLB entry (memory.ts walk()), so the next instruction
    // is fetched from frame 0x21000, whose copy adds 1000 instead of 1. A trace compiled from frame
    // 0x20000 must leave after that store.
    // (The short jump makes the trace's entry a branch target fetched after INVLPG's refill.)
    const routine = (k: number, name: string) => `${name}:
    jmp short .x
.x: mov dword [${PTE(0x900000)}], 0x21000 | 3
    mov [0x900800], ecx
    add ebx, ${k}
    ret
${name}_end:`;
    const src = pm32(`    PAGING_ON
${COPY_V1_V2}
    xor ebx, ebx
    mov ecx, 300
.o: mov dword [${PTE(0x900000)}], 0x20000 | 3
    invlpg [0x900000]
    call 0x900000
    dec ecx
    jnz .o
    mov [0x30000], ebx
    ret
${routine(1, 'v1')}
${routine(1000, 'v2')}
`);
    const { jit, ram } = lockstep(assemble(src), 31);
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getInt32(0x30000, true)).toBe(300 * 1000);
    expect(jit.jitStats.compiled).toBeGreaterThan(1);
  });

  it('user-mode (CPL 3) compiled loops under paging: U/W permission faults and their fixes', () => {
    // The loop runs at CPL 3 (own GDT with ring-3 segments and a TSS for the ring-0 stack) over 16
    // pages at 0x900000: pages 8-15 start supervisor-only and pages 4-7 read-only, so the first
    // user read or write of each faults (#PF error code U|P|W bits); the ring-0 handler grants U and
    // W and INVLPGs, and the access is retried. Traces entered at CPL 3 check the TLB's user bits.
    const src = pm32(`${RING3.paged('back')}
    mov ecx, 0
.data:
    mov eax, ecx
    shl eax, 12
    add eax, 0x900000 | 5                 ; P | U, read-only
    cmp ecx, 4
    jb .rw
    cmp ecx, 8
    jb .set
    and eax, ~4                           ; supervisor
.rw: or eax, 2
.set:
    mov [${PTE(0x900000)} + ecx * 4], eax
    inc ecx
    cmp ecx, 16
    jb .data
${RING3.userLoop()}
    push ebx
    pop edx
    dec ecx
    jnz .l
    mov [0x900004], ebx
    cli                                   ; CPL 3 > IOPL: #GP, handled by 'back'
${RING3.pfh(`    or dword [PG_PT + eax * 4], 6
    mov eax, cr2
    invlpg [eax]
    inc dword [0x30008]`)}
${RING3.back}
`);
    const { jit, ram } = lockstep(assemble(src), 37);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getUint32(0x30008, true), 'faults handled').toBe(12);
    expect(jit.exceptionCounts[14]).toBe(12);
    expect(jit.jitStats.instructions).toBeGreaterThan(10_000);
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
