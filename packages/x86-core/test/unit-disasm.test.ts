import { describe, expect, it } from 'vitest';
import { disassemble } from '../src/index.js';
import { asm, rig } from './unit-fakes.js';

describe('disassembler', () => {
  it('decodes 16- and 32-bit forms with lengths', () => {
    const b16 = asm('bits 16\nmov ax, 0x1234\nmov [bx+si+4], al\nrep movsb\njmp 0xf000:0xe05b\n');
    expect(disassemble(b16, 0, 16)).toEqual({ text: 'mov ax, 0x1234', length: 3 });
    expect(disassemble(b16, 3, 16)).toEqual({ text: 'mov byte [bx+si+0x4], al', length: 3 });
    expect(disassemble(b16, 6, 16)).toEqual({ text: 'rep movsb', length: 2 });
    expect(disassemble(b16, 8, 16)).toEqual({ text: 'jmp far 0xf000:0xe05b', length: 5 });
    const b32 = asm('bits 32\nmov dword [eax+ecx*4+0x10], 5\nlgdt [0x1000]\ncpuid\n');
    expect(disassemble(b32, 0, 32)).toEqual({ text: 'mov dword [eax+ecx*4+0x10], 0x5', length: 8 });
    expect(disassemble(b32, 8, 32)).toEqual({ text: 'lgdt [0x1000]', length: 7 });
    expect(disassemble(b32, 15, 32)).toEqual({ text: 'cpuid', length: 2 });
  });
  it('takes MOV CRn/DRn operands as registers whatever ModRM.mod says, and decodes hint NOPs', () => {
    // SDM vol. 2 MOV (control/debug registers): mod is ignored, no displacement follows.
    expect(disassemble(new Uint8Array([0x0f, 0x22, 0xc0]), 0, 32)).toEqual({
      text: 'mov cr0, eax',
      length: 3,
    });
    expect(disassemble(new Uint8Array([0x0f, 0x20, 0x06, 0x99]), 0, 16)).toEqual({
      text: 'mov esi, cr0',
      length: 3,
    });
    expect(disassemble(new Uint8Array([0x0f, 0x18, 0x07]), 0, 32)).toEqual({
      text: 'nop dword [edi]',
      length: 3,
    });
    // Memory-only operands with a register ModRM, and group slots the core leaves undefined.
    expect(disassemble(new Uint8Array([0x8d, 0xc0]), 0, 32)).toEqual({ text: 'db 0x8d', length: 1 });
    expect(disassemble(new Uint8Array([0x0f, 0xc7, 0x00]), 0, 32)).toEqual({
      text: 'db 0x0f, 0xc7',
      length: 2,
    });
    // Groups 1A (8F) and 11 (C6/C7) define /0 only (SDM vol. 2 appendix A).
    expect(disassemble(new Uint8Array([0x8f, 0x00]), 0, 32)).toEqual({ text: 'pop dword [eax]', length: 2 });
    expect(disassemble(new Uint8Array([0x8f, 0x08]), 0, 32)).toEqual({ text: 'db 0x8f', length: 1 });
    expect(disassemble(new Uint8Array([0xc6, 0x00, 0x05]), 0, 32)).toEqual({
      text: 'mov byte [eax], 0x5',
      length: 3,
    });
    expect(disassemble(new Uint8Array([0xc7, 0x38, 0, 0, 0, 0]), 0, 32)).toEqual({
      text: 'db 0xc7',
      length: 1,
    });
  });
  it('shows LOCK on the lockable memory forms and leaves LOCK misuse undefined (#UD), as the core does', () => {
    const b = asm(
      'bits 32\nlock add [eax], ecx\nlock bts dword [ebx], 3\ndb 0xf0\nmov [eax], ecx\ndb 0xf0\nadd eax, ecx\n',
    );
    expect(disassemble(b, 0, 32)).toEqual({ text: 'lock add dword [eax], ecx', length: 3 });
    expect(disassemble(b, 3, 32)).toEqual({ text: 'lock bts dword [ebx], 0x3', length: 5 });
    expect(disassemble(b, 8, 32)).toEqual({ text: 'db 0xf0', length: 1 });
    expect(disassemble(b, 11, 32)).toEqual({ text: 'db 0xf0', length: 1 });
  });
  it('never throws on truncated input', () => {
    expect(disassemble(new Uint8Array([0x66, 0xb8]), 0, 16)).toEqual({ text: 'db 0x66', length: 1 });
  });

  it('disassembles at CS:EIP through the CPU', () => {
    const r = rig(asm('bits 16\norg 0x7c00\n  mov ax, 0x1234\n  hlt\n'));
    expect(r.cpu.disassembleAt().text).toBe('jmp far 0x7c0:0x0');
    r.cpu.run(1);
    expect(r.cpu.disassembleAt()).toEqual({
      linear: 0x7c00,
      text: 'mov ax, 0x1234',
      length: 3,
      bytes: [0xb8, 0x34, 0x12],
    });
  });
  it('names the x87 instructions (what nasm assembled comes back as its source text)', () => {
    const lines = [
      'fld1',
      'fld qword [ebp+0x8]',
      'fstp tword [0x1000]',
      'fild dword [eax]',
      'fistp qword [eax]',
      'fbstp tword [ecx]',
      'fnstenv [eax]',
      'frstor [esi]',
      'fnstsw word [ebx]',
      'fnstsw ax',
      'fldcw word [eax]',
      'fadd st0, st3',
      'fsub st1, st0',
      'fsubr st1, st0',
      'fdivrp st2, st0',
      'fmulp st1, st0',
      'fcom st1',
      'fucompp',
      'fcompp',
      'fcomi st0, st2',
      'fucomip st0, st1',
      'fcmovnbe st0, st1',
      'fxch st1',
      'ffree st3',
      'fsincos',
      'fninit',
      'fnclex',
      'fisubr word [eax]',
    ];
    const code = asm(`bits 32\n${lines.join('\n')}\n`);
    let at = 0;
    for (const l of lines) {
      const d = disassemble(code, at, 32);
      expect(d.text).toBe(l);
      at += d.length;
    }
    expect(at).toBe(code.length);
    // An undefined x87 encoding keeps the raw bytes.
    expect(disassemble(new Uint8Array([0xd9, 0xd1]), 0, 32)).toEqual({ text: 'esc 0xd9, 0xd1', length: 2 });
  });
});
