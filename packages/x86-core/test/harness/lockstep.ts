// Lockstep runs of the trace compiler against the interpreter (test/jit-*.test.ts): the same image on
// a core with `jit: true` (threshold 8) and one with `jit: false`, in slices of odd sizes, comparing
// the instruction count, every register and flag after each slice and RAM at the end.
import { expect } from 'vitest';
import type { Cpu } from '../../src/index.js';
import { createMachine } from './machine.js';
import { Rng } from './randgen.js';
import { pm32Source } from './tools.js';

/** PTE address of a linear page under bench/paging.inc's identity map (its page tables are contiguous). */
export const PTE = (lin: number): string => `PG_PT + ${(lin >>> 12) * 4}`;

/** A 32-bit flat protected-mode test body in the oracle skeleton, interrupts off (traces run only
 * on the Cpu's fast path). */
export function pm32(body: string): string {
  return pm32Source(`%include "bench/paging.inc"\n    cli\n${body}`);
}

export function state(cpu: Cpu): string {
  return JSON.stringify({ n: cpu.instructionCount, ...cpu.getRegisters() });
}

/** Run the image on both cores in lockstep; returns the compiled core for further checks. */
export function lockstep(
  image: Uint8Array,
  seed: number,
  budget = 5_000_000,
  ramChunk?: number,
): { jit: Cpu; ram: [Uint8Array, Uint8Array] } {
  const a = createMachine(image, { jit: true, jitThreshold: 8, ramChunk });
  const b = createMachine(image, { jit: false, ramChunk });
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

/** Pieces of a ring-3 test body under paging (bench/paging.inc): `setup` copies a GDT with ring-3
 * segments (0x1B code, 0x23 data) and a TSS (0x28, ring-0 stack 0x10:0x6F000) to 0x3000 and loads
 * them; `userPages` sets the user bit on the page directory entries, the ROM code pages and the
 * stack pages; `enter` IRETs to ring 3 at the label `user` (ESP saved at 0x30010) and loads the
 * ring-3 data segments; `back` (jumped to by a ring-0 handler) returns to ring 0 and stores
 * [0x900004] at 0x30000, and holds the GDT. `paged(gp)` starts a body: PAGING_ON, `setup`, #PF to
 * the label `pfh` and #GP to `gp`, `userPages`. `pfh(fix)` is that #PF handler: EAX (saved) holds
 * CR2's page number for `fix`, then the error code is dropped and IRETD returns. `userLoop` is
 * `enter` then the head of a 3000-pass ring-3 loop `.l` (ECX counting down) that adds a dword of one
 * of the 16 pages at 0x900000 to EBX and stores ECX in it; the test adds the rest and `jnz .l`. */
export const RING3 = {
  setup: `    mov esi, gdt3
    mov edi, 0x3000
    mov ecx, gdt3_end - gdt3
    rep movsb
    mov dword [0x3100 + 4], 0x6F000        ; TSS esp0
    mov dword [0x3100 + 8], 0x10           ; TSS ss0
    lgdt [gdtr3]
    mov ax, 0x28
    ltr ax`,
  userPages: `    mov ecx, 4
.pd: or dword [PG_PD + ecx * 4 - 4], 4     ; user bit on the directory entries
    dec ecx
    jnz .pd
    mov ecx, 0xF0
.code: or dword [PG_PT + ecx * 4], 4       ; ROM code pages 0xF0000-0xFFFFF: user
    inc ecx
    cmp ecx, 0x100
    jb .code
    or dword [${PTE(0x50000)}], 4           ; user stack page
    or dword [${PTE(0x4f000)}], 4`,
  enter: `    mov [0x30010], esp
    push dword 0x23
    push dword 0x50000
    push dword 0x2
    push dword 0x1B
    push dword user
    iretd
user:
    mov ax, 0x23
    mov ds, ax
    mov es, ax`,
  back: `back:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [0x30010]
    mov eax, [0x900004]
    mov [0x30000], eax
    ret
align 8
gdt3:
    dq 0
    dq 0x00CF9A000000FFFF
    dq 0x00CF92000000FFFF
    dq 0x00CFFA000000FFFF
    dq 0x00CFF2000000FFFF
    dw 0x67, 0x3100, 0x8900, 0
gdt3_end:
gdtr3:
    dw gdt3_end - gdt3 - 1
    dd 0x3000`,
  paged: (gp: string): string => `    PAGING_ON
${RING3.setup}
    SETGATE32 14, pfh, 0x8E
    SETGATE32 13, ${gp}, 0x8E
${RING3.userPages}`,
  pfh: (fix: string): string => `pfh:
    push eax
    mov eax, cr2
    shr eax, 12
${fix}
    pop eax
    add esp, 4
    iretd`,
  userLoop: (): string => `${RING3.enter}
    xor ebx, ebx
    mov ecx, 3000
.l: mov eax, ecx
    and eax, 15
    shl eax, 12
    add ebx, [0x900000 + eax]
    mov [0x900008 + eax], ecx`,
};
