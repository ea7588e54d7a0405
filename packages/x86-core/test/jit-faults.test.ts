// The trace compiler against the interpreter where compiled code faults (lockstep, as
// jit-differential.test.ts): a #PF found before a compiled access leaves the trace with the fault
// pending (jit-memory.ts pfProbe), and handlers compile as traces of their own (MOV from CRn,
// IRET at the end). Both cores must agree on counts, registers and flags after every slice of odd
// size (budgets ending inside handlers and loops) and on RAM at the end.
import { describe, expect, it } from 'vitest';
import { lockstep, PTE, pm32, RING3 } from './harness/lockstep.js';
import { assemble, toolGate } from './harness/tools.js';

const gate = toolGate('nasm');

describe.skipIf(gate.skip)('trace compiler vs interpreter: faults in compiled code', () => {
  it('page faults inside compiled loops: a #PF handler maps each fresh page', () => {
    // bench/pagefault32.asm's shape on the oracle skeleton's IDT: the 4 MiB at 16 MiB start unmapped
    // each pass; each first store there faults inside the compiled loop, the handler maps the page
    // and the store is retried. Passes alternate between a loop whose first instruction is the
    // faulting store and one that retires an instruction first. Both loops stay compiled: the
    // #PF is found before the store (pfFirst) and the trace leaves with it pending, no throw; the
    // handler (MOV from CR2, the page-table store, IRET) is a trace of its own.
    // Each pass unmaps the 128 pages at 16 MiB again (their page table cleared, CR3 reloaded).
    const UNMAP = `    mov edi, PG_PT + 0x4000
    mov ecx, 128
    xor eax, eax
    rep stosd
    mov eax, cr3
    mov cr3, eax
    mov ebx, 0x1000000
    mov ecx, 128`;
    const src = pm32(`    PAGING_ON
    SETGATE32 14, pfh, 0x8E
    mov dword [PG_PD + 16], (PG_PT + 0x4000) | 3
    xor esi, esi
    mov ebp, 30
.o:
${UNMAP}
.l: mov [ebx], ecx
    add [ebx + 4], ecx
    add esi, [ebx]
    add ebx, 0x1000
    dec ecx
    jnz .l
    test ebp, 1
    jz .n
${UNMAP}
.m: inc edx
    mov [ebx], ecx
    add [ebx + 4], ecx
    add esi, [ebx]
    add ebx, 0x1000
    dec ecx
    jnz .m
.n: dec ebp
    jnz .o
    mov [0x30000], esi
    ret
pfh:
    push eax
    push edx
    mov eax, cr2
    shr eax, 12
    and eax, 0x3FF
    mov edx, eax
    shl eax, 12
    add eax, 0x800000 | 3
    mov [PG_PT + 0x4000 + edx * 4], eax
    pop edx
    pop eax
    add esp, 4
    iret
`);
    const image = assemble(src);
    const { jit, ram } = lockstep(image, 29);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(jit.exceptionCounts[14]).toBe(45 * 128);
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    expect(view.getInt32(0x30000, true)).toBe(45 * ((128 * 129) / 2));
    expect(jit.jitStats.entries).toBeGreaterThan(1000);
    // The handler's 13 instructions per fault are over half the work: interpreted, they kept the
    // compiled share under one half.
    expect(jit.jitStats.instructions).toBeGreaterThan(0.75 * jit.instructionCount);
    expect(jit.jitStats.invalidated).toBe(0);
  });

  it('CPL 3: MOV from CR0 raises #GP inside a compiled loop; the compiled handler IRETs to ring 3', () => {
    // The loop runs at CPL 3 (ring-3 segments, a TSS for the ring-0 stack). Each iteration reads
    // CR0, a #GP(0) thrown from the trace; the ring-0 handler (reading CR3/CR4 at CPL 0) steps over
    // it and IRETs back to ring 3 (popping SS:ESP) — compiled once hot. The 16 data pages start not
    // present: their first touches are #PFs left pending by the compiled loop, mapped by a handler.
    const src = pm32(`    PAGING_ON
${RING3.setup}
    SETGATE32 14, pfh, 0x8E
    SETGATE32 13, gph, 0x8E
${RING3.userPages}
    mov edi, ${PTE(0x900000)}
    mov ecx, 16
    xor eax, eax
    rep stosd                             ; 0x900000-0x90FFFF not present
${RING3.enter}
    xor ebx, ebx
    mov ecx, 3000
.l: mov eax, ecx
    and eax, 15
    shl eax, 12
    add ebx, [0x900000 + eax]
    mov [0x900008 + eax], ecx
    mov edx, cr0                          ; #GP(0) at CPL 3
    add ebx, edx
    dec ecx
    jnz .l
    mov [0x900004], ebx
    cli                                   ; CPL 3 > IOPL: #GP, and gph returns to ring 0
pfh:
    push eax
    mov eax, cr2
    shr eax, 12
    mov dword [PG_PT + eax * 4], 7        ; P | W | U, identity
    shl eax, 12
    or [PG_PT + 0x1000 * 4 - 4], eax      ; (a write beside the tables: touches no mapping)
    mov eax, cr0
    add [0x30008], eax
    pop eax
    add esp, 4
    iretd
gph:
    push eax
    mov eax, [esp + 8]                    ; the faulting EIP
    cmp byte [eax], 0x0F
    jne back
    add dword [esp + 8], 3                ; step over MOV EDX, CR0
    mov eax, cr3
    add [0x30008], eax
    mov eax, cr4
    add [0x30008], eax
    pop eax
    add esp, 4
    iretd
${RING3.back}
`);
    const { jit, ram } = lockstep(assemble(src), 41);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(jit.exceptionCounts[13]).toBe(3001);
    expect(jit.exceptionCounts[14]).toBe(16);
    // Loop, handlers and the way back compiled: with MOV from CRn and IRET left to the interpreter
    // (each ended its trace) and the handlers never entered as traces, under a quarter was.
    expect(jit.jitStats.instructions).toBeGreaterThan(0.7 * jit.instructionCount);
  });
});
