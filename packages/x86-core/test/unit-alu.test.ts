import { describe, expect, it } from 'vitest';
import { asm, rig } from './unit-fakes.js';

const CF = 1;
const PF = 4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;

/** Run a 32-bit-operand snippet in real mode; returns registers after HLT. */
function run16(body: string) {
  const r = rig(
    asm(
      `bits 16\norg 0x7c00\n  xor ax, ax\n  mov ds, ax\n  mov es, ax\n  mov ss, ax\n  mov sp, 0x7000\n${body}\n  hlt\n`,
    ),
  );
  const exit = r.cpu.run(100000);
  expect(exit.reason).toBe('halted');
  return { regs: r.cpu.getRegisters(), r };
}

function flagsAfter(body: string): number {
  return run16(`${body}\n  pushfd\n  pop edx`).regs.edx & ARITH;
}

describe('ALU flags (SDM-defined results)', () => {
  it.each([
    ['mov al, 0x7f\n add al, 1', OF | SF | AF],
    ['mov al, 0xff\n add al, 1', CF | ZF | AF | PF],
    ['mov al, 0\n sub al, 1', CF | SF | AF | PF],
    ['mov al, 0x80\n sub al, 1', OF | AF],
    ['mov eax, 0x80000000\n sub eax, 1', OF | AF | PF],
    ['mov ax, 0xffff\n add ax, 1', CF | ZF | AF | PF],
    ['stc\n mov al, 0xfe\n adc al, 1', CF | ZF | AF | PF],
    ['stc\n mov al, 0\n sbb al, 0', CF | SF | AF | PF],
    ['mov al, 0x0f\n and al, 0xf0', ZF | PF],
    ['mov eax, 1\n inc eax', 0],
    ['stc\n mov eax, 0xffffffff\n inc eax', CF | ZF | AF | PF],
    ['clc\n mov al, 0x80\n dec al', OF | AF],
    ['mov eax, 0\n neg eax', ZF | PF],
    ['mov eax, 5\n neg eax', CF | SF | AF],
    ['mov eax, 3\n cmp eax, 5', CF | SF | AF],
    ['mov al, 0x81\n shl al, 1', CF | OF],
    ['mov al, 0x81\n shr al, 1', OF | CF],
    ['mov al, 0x81\n sar al, 1', CF | SF | PF],
    ['mov al, 0x81\n rol al, 1', CF | OF],
    ['clc\n mov al, 0x80\n rcl al, 1', CF | OF],
    ['mov eax, 0x10000\n mov ecx, 0x10000\n imul eax, ecx', CF | OF],
    ['mov eax, 0x7fff\n imul eax, eax, 2', 0],
    ['mov eax, 0x80000000\n mov edx, 2\n mul edx', CF | OF],
    ['mov eax, 0x10\n bt eax, 4', CF],
  ])('%s', (code, expected) => {
    const f = flagsAfter(code);
    // Compare only flags the SDM defines for each op (mask out documented-undefined ones).
    let mask = ARITH;
    if (/sh[lr]|sar|rol|rcl/.test(code)) mask &= ~AF;
    if (/imul|mul/.test(code)) mask = CF | OF;
    if (/ bt /.test(code)) mask = CF;
    if (/rol|rcl/.test(code)) mask = CF | OF;
    if (/and/.test(code)) mask &= ~AF;
    expect(f & mask).toBe(expected & mask);
  });
});

describe('arithmetic results', () => {
  it('MUL/IMUL/DIV/IDIV 32-bit', () => {
    const { r } = run16(`
  mov eax, 0xfffffffe
  mov ecx, 0xfffffffd
  mul ecx             ; 0xfffffffb_00000006
  mov [0x500], eax
  mov [0x504], edx
  mov eax, -7
  mov ecx, 3
  imul ecx            ; -21
  mov [0x508], eax
  mov [0x50c], edx
  mov edx, 1
  mov eax, 0
  mov ecx, 3
  div ecx             ; 0x100000000/3
  mov [0x510], eax
  mov [0x514], edx
  mov edx, -1
  mov eax, -100
  mov ecx, 7
  idiv ecx
  mov [0x518], eax
  mov [0x51c], edx
  mov eax, 0x12345678
  bswap eax
  mov [0x520], eax
  mov eax, 0x00f0
  bsf ecx, eax
  bsr edx, eax
  mov [0x524], ecx
  mov [0x528], edx
  mov eax, 0x12345678
  mov edx, 0x9abcdef0
  shld eax, edx, 8
  mov [0x52c], eax
  mov eax, 0x12345678
  shrd eax, edx, 8
  mov [0x530], eax
  mov ax, 0x0909
  aad 10              ; AL = 99
  mov [0x534], ax
  mov al, 0x15
  add al, 0x27
  daa                 ; 0x42
  mov [0x536], al
  mov al, 0x0f
  add al, 1           ; AF=1
  mov ax, 0x1d02
  aas                 ; AX - 6 borrows from AH, then AH - 1: 0x1B0C
  mov [0x538], ax
`);
    const dv = new DataView(r.mem.ram.buffer);
    const u32 = (a: number) => dv.getUint32(a, true);
    expect(u32(0x500)).toBe(6);
    expect(u32(0x504)).toBe(0xfffffffb);
    expect(u32(0x508) | 0).toBe(-21);
    expect(u32(0x50c)).toBe(0xffffffff);
    expect(u32(0x510)).toBe(0x55555555);
    expect(u32(0x514)).toBe(1);
    expect(u32(0x518) | 0).toBe(-14);
    expect(u32(0x51c) | 0).toBe(-2);
    expect(u32(0x520)).toBe(0x78563412);
    expect(u32(0x524)).toBe(4);
    expect(u32(0x528)).toBe(7);
    expect(u32(0x52c)).toBe(0x3456789a);
    expect(u32(0x530)).toBe(0xf0123456);
    expect(dv.getUint16(0x534, true)).toBe(99);
    expect(r.mem.ram[0x536]).toBe(0x42);
    expect(dv.getUint16(0x538, true)).toBe(0x1b0c);
  });

  it('raises #DE for division by zero and quotient overflow', () => {
    const { r } = run16(`
  mov word [0], de_handler
  mov word [2], 0
  mov ecx, 0
  mov eax, 1
  div ecx
  mov byte [0x600], 0xbb
  hlt
de_handler:
  mov byte [0x600], 0xde
  hlt`);
    expect(r.mem.ram[0x600]).toBe(0xde);
    expect(r.events.find((e) => e.kind === 'exception')).toMatchObject({ vector: 0 });
  });
});

describe('string instructions', () => {
  it('REP MOVSB/STOSD/CMPSB/SCASB and DF', () => {
    const { r, regs } = run16(`
  mov si, src
  mov di, 0x800
  mov cx, 5
  cld
  rep movsb
  mov di, 0x900
  mov eax, 0x11223344
  mov cx, 3
  rep stosd
  mov si, src
  mov di, cmp2
  mov cx, 5
  repe cmpsb          ; stops after the mismatch at index 2
  mov [0x700], cx
  mov di, src
  mov al, 'l'
  mov cx, 5
  repne scasb
  mov [0x702], cx
  std
  mov si, src+4
  mov di, 0xa04
  mov cx, 5
  rep movsb
  cld
  jmp done
src: db 'hello'
cmp2: db 'heXlo'
done:`);
    expect(Array.from(r.mem.ram.subarray(0x800, 0x805))).toEqual([104, 101, 108, 108, 111]);
    expect(new DataView(r.mem.ram.buffer).getUint32(0x908, true)).toBe(0x11223344);
    expect(r.mem.ram[0x700]).toBe(2);
    expect(r.mem.ram[0x702]).toBe(2);
    expect(Array.from(r.mem.ram.subarray(0xa00, 0xa05))).toEqual([104, 101, 108, 108, 111]);
    expect(regs.ecx & 0xffff).toBe(0);
  });

  it('bulk REP STOSB / MOVSD across page boundaries match the element-wise result', () => {
    const { r, regs } = run16(`
  mov di, 0x0ff0
  mov al, 0x5a
  mov ecx, 0x2010
  rep stosb
  mov si, 0x1000
  mov di, 0x4002
  mov ecx, 0x801
  rep movsd`);
    const ram = r.mem.ram;
    expect(ram[0x0fef]).toBe(0);
    expect(ram[0x0ff0]).toBe(0x5a);
    expect(ram[0x2fff]).toBe(0x5a);
    expect(ram[0x3000]).toBe(0);
    expect(ram[0x4002 + 0x1fff]).toBe(0x5a);
    expect(ram[0x4002 + 0x2000]).toBe(0);
    expect(ram[0x4002 + 0x2003]).toBe(0);
    expect(regs.edi).toBe(0x4002 + 0x2004);
    expect(regs.ecx).toBe(0);
  });
});

// Each REP element retires as one instruction (QEMU's icount counts each iteration), so run()'s
// budget, the retired-instruction count and the machine's virtual time bound REP work like any
// other: a REP with ECX = 0xFFFFFFFF cannot outlast the budget.
describe('REP work counts one instruction per element', () => {
  /** Instructions a real-mode program retires up to its HLT. */
  function retired(body: string): number {
    const r = rig(asm(`bits 16\norg 0x7c00\n  xor ax, ax\n  mov es, ax\n  mov di, 0x1000\n${body}\n  hlt\n`));
    const exit = r.cpu.run(10_000_000);
    expect(exit.reason).toBe('halted');
    return exit.instructions;
  }

  it('a REP with n elements retires n instructions (one when n is 0 or 1)', () => {
    const base = retired('  mov cx, 0\n  rep stosb');
    expect(retired('  mov cx, 1\n  rep stosb')).toBe(base);
    expect(retired('  mov cx, 10000\n  rep stosb')).toBe(base + 9999); // bulk fill path
    expect(retired('  mov cx, 10000\n  std\n  rep stosb\n  cld') - 2).toBe(base + 9999); // element path
    expect(retired('  mov cx, 3000\n  mov si, 0x3000\n  rep movsw') - 1).toBe(base + 2999);
    // REPE CMPSB stops at the first difference: 3 elements compared
    expect(retired('  mov cx, 100\n  mov si, 0x2000\n  mov byte [es:0x1002], 1\n  repe cmpsb') - 2).toBe(
      base + 2,
    );
  });

  it('run(n) stops inside a long REP after exactly n instructions, and the REP resumes', () => {
    const src = `bits 16\norg 0x7c00\n  mov ax, 0x1000\n  mov es, ax\n  xor di, di\n  mov al, 0x5a\n  mov cx, 50000\n  rep stosb\n  hlt\n`;
    const r = rig(asm(src));
    expect(r.cpu.run(5).reason).toBe('budget'); // jmp far and the first four setup instructions
    let total = 0;
    for (let i = 0; i < 1000 && !r.cpu.halted; i++) {
      const exit = r.cpu.run(97);
      expect(exit.instructions).toBeLessThanOrEqual(97);
      total += exit.instructions;
      if (exit.reason === 'budget') expect(exit.instructions).toBe(97);
    }
    expect(r.cpu.halted).toBe(true);
    expect(total).toBe(1 + 50000 + 1); // mov cx, the elements, the HLT
    expect(r.cpu.getRegisters().ecx & 0xffff).toBe(0);
    expect(r.mem.ram[0x10000 + 49999]).toBe(0x5a);
    expect(r.mem.ram[0x10000 + 50000]).toBe(0);
  });

  it('a32 REP LODSB with ECX = 0xFFFFFFFF ends at the budget with ECX counted down per element', () => {
    // unreal mode: DS limit 4 GiB, so ESI may run past 64 KiB
    const r = rig(
      asm('bits 16\norg 0x7c00\n  mov ecx, 0xffffffff\n  xor esi, esi\n  a32 rep lodsb\n  hlt\n'),
    );
    r.cpu.setRegisters({ segments: { ds: { selector: 0, base: 0, limit: 0xffffffff, access: 0x93 } } });
    const exit = r.cpu.run(1_000_000);
    expect(exit).toEqual({ reason: 'budget', instructions: 1_000_000 });
    const regs = r.cpu.getRegisters();
    expect(regs.esi).toBe(1_000_000 - 3); // three setup instructions (jmp far, mov, xor)
    expect(regs.ecx).toBe(0xffffffff - regs.esi);
  });
});
