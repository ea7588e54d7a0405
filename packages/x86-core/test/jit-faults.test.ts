// The trace compiler against the interpreter where compiled code faults (lockstep, as
// jit-differential.test.ts): a #PF found before a compiled access leaves the trace with the fault
// pending (jit-memory.ts pfProbe), and handlers compile as traces of their own (MOV from CRn,
// IRET at the end). Both cores must agree on counts, registers and flags after every slice of odd
// size (budgets ending inside handlers and loops) and on RAM at the end.
import { describe, expect, it } from 'vitest';
import { lockstep, PTE, pm32, RING3 } from './harness/lockstep.js';
import { assemble, toolGate } from './harness/tools.js';

const gate = toolGate('nasm');

/** Where a 32-bit #PF frame (4 slots) pushed from `esp` down, top slot first, first touches the
 * not-present page at `page`: CR2 (the slot's address, or the page's first byte when the slot
 * starts below it) and how many slots above it were written. */
function framePushFault(esp: number, page: number): { cr2: number; written: number } {
  for (let k = 0; k < 4; k++) {
    const a = esp - 4 * (k + 1);
    if (a + 3 >= page && a < page + 0x1000) return { cr2: Math.max(a, page), written: k };
  }
  throw new Error('the frame does not reach the page');
}

/** Unmap the 128 pages at 16 MiB (their page table at PG_PT + 0x4000 cleared, CR3 reloaded);
 * then EBX = 16 MiB, ECX = 128. */
const UNMAP = `    mov edi, PG_PT + 0x4000
    mov ecx, 128
    xor eax, eax
    rep stosd
    mov eax, cr3
    mov cr3, eax
    mov ebx, 0x1000000
    mov ecx, 128`;

/** The end of a #PF handler that pushed EAX then EDX: map CR2's page in the table at
 * PG_PT + 0x4000 (16 MiB up) to frame 8 MiB + its index * 4 KiB, restore EDX and EAX, drop the
 * error code and IRET (bench/pagefault32.asm's handler). */
const MAP_CR2_IRET = `    mov eax, cr2
    shr eax, 12
    and eax, 0x3FF
    mov edx, eax
    shl eax, 12
    add eax, 0x800000 | 3
    mov [PG_PT + 0x4000 + edx * 4], eax
    pop edx
    pop eax
    add esp, 4
    iret`;

describe.skipIf(gate.skip)('trace compiler vs interpreter: faults in compiled code', () => {
  it('page faults inside compiled loops: a #PF handler maps each fresh page', () => {
    // bench/pagefault32.asm's shape on the oracle skeleton's IDT: the 4 MiB at 16 MiB start unmapped
    // each pass; each first store there faults inside the compiled loop, the handler maps the page
    // and the store is retried. Passes alternate between a loop whose first instruction is the
    // faulting store and one that retires an instruction first. Both loops stay compiled: the
    // #PF is found before the store (pfFirst) and the trace leaves with it pending, no throw; the
    // handler (MOV from CR2, the page-table store, IRET) is a trace of its own.
    // Each pass unmaps the 128 pages at 16 MiB again (UNMAP).
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
${MAP_CR2_IRET}
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
    const src = pm32(`${RING3.paged('gph')}
    mov edi, ${PTE(0x900000)}
    mov ecx, 16
    xor eax, eax
    rep stosd                             ; 0x900000-0x90FFFF not present
${RING3.userLoop()}
    mov edx, cr0                          ; #GP(0) at CPL 3
    add ebx, edx
    dec ecx
    jnz .l
    mov [0x900004], ebx
    cli                                   ; CPL 3 > IOPL: #GP, and gph returns to ring 0
${RING3.pfh(`    mov dword [PG_PT + eax * 4], 7        ; P | W | U, identity
    shl eax, 12
    or [PG_PT + 0x1000 * 4 - 4], eax      ; (a write beside the tables: touches no mapping)
    mov eax, cr0
    add [0x30008], eax`)}
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
  for (const [where, top] of [
    ['low', 0x61000],
    ['above 2 GiB (a kernel stack)', 0xc0061000],
  ] as const)
    it(`#PF frames at every offset across a stack page boundary, ${where}: delivery and the compiled IRET`, () => {
      // Exception delivery writes its frame with one translation when it lies in one page of RAM and
      // push by push otherwise (stack.ts pushFrame); IRET reads it likewise (peekFrame). Each fault
      // here starts one byte higher on the stack, so the 16-byte #PF frame lies below 0x61000, across
      // it at each of its 15 split points (aligned or not), and above it. The handler checks the
      // frame it was given (error code, EIP, CS, EFLAGS) and the loop checks that the IRET restored
      // ESP; both count mismatches at 0x30004. The second run puts the stack at 0xC0061000 (directory
      // entry 0x300 aliases the first 4 MiB), where offsets are negative as int32: an unsigned segment
      // check, as checkWrite's, is needed there (a signed one raised #SS on every delivery).
      const src = pm32(`    PAGING_ON
    SETGATE32 14, pfh, 0x8E
    mov dword [PG_PD + 16], (PG_PT + 0x4000) | 3
    mov dword [PG_PD + 0x300 * 4], PG_PT | 3
    mov dword [0x30004], 0
    mov [0x30010], esp
    mov ebp, 24
.o:
${UNMAP}
    mov esi, ${top - 80}
.l: mov esp, esi
    cmp ecx, ecx                          ; EFLAGS = ZF | PF | 2 at the fault
..@pfsite:
    mov [ebx], ecx
    cmp esp, esi
    je .k
    inc dword [0x30004]
.k: inc esi
    add ebx, 0x1000
    dec ecx
    jnz .l
    dec ebp
    jnz .o
    mov esp, [0x30010]
    ret
pfh:
    push eax
    push edx
    cmp dword [esp + 8], 2                ; error code: a supervisor write, page not present
    jne .bad
    cmp dword [esp + 12], ..@pfsite
    jne .bad
    cmp dword [esp + 16], SEL_CODE32
    jne .bad
    mov eax, [esp + 20]
    and eax, 0xFFF
    cmp eax, 0x46
    je .map
.bad:
    inc dword [0x30004]
.map:
${MAP_CR2_IRET}
`);
      const { jit, ram } = lockstep(assemble(src), 53);
      expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
      expect(jit.exceptionCounts[14]).toBe(24 * 128);
      const view = new DataView(ram[0].buffer, ram[0].byteOffset);
      expect(view.getInt32(0x30004, true), 'frame or ESP mismatches').toBe(0);
      // The handler (and its IRET) ran compiled.
      expect(jit.jitStats.instructions).toBeGreaterThan(0.7 * jit.instructionCount);
    });

  for (const [name, boundary] of [
    ['its lower page', 0x61000],
    ['its upper page', 0x60000],
  ] as const) {
    it(`a #PF whose frame crosses into a not-present stack page (${name}), at every split: #DF, then triple fault`, () => {
      // Page 0x60000 is not present; ESP starts 1 to 15 bytes above `boundary`, so the 16-byte #PF
      // frame crosses it. The frame is pushed slot by slot from the top (EFLAGS, CS, EIP, error
      // code), as QEMU 7.2's do_interrupt_protected (PUSHL) and Bochs's protected_mode_int
      // (push_32) do: the slots above the first one that touches the page are written, then the
      // #PF. CR2 is that slot's address if it starts in the page, else the page's first byte (a
      // store across two pages faults on its second page there: QEMU accel/tcg/cputlb.c
      // store_helper_unaligned, Bochs access_write_linear). The #PF cannot be delivered, so #DF,
      // whose frame (the same slots, error code 0) faults the same way: triple fault.
      // test/programs/stackframe.asm checks the same order against QEMU across a privilege change.
      for (let t = 1; t < 16; t++) {
        const esp = boundary + t;
        const src = pm32(`    PAGING_ON
    SETGATE32 14, pfh, 0x8E
    SETGATE32 8, pfh, 0x8E
    mov edi, 0x5FFE0
    mov ecx, 16
    mov eax, 0x5A5A5A5A
    rep stosd                             ; the bytes around both boundaries
    mov edi, 0x60FE0
    mov ecx, 16
    rep stosd
    mov dword [${PTE(0x60000)}], 0
    mov eax, cr3
    mov cr3, eax
    mov esp, ${esp}
    mov ecx, 1000
.l: mov [0x30000 + ecx * 4], ecx          ; a compiled loop: the fault comes from the trace
    dec ecx
    jnz .l
    mov dword [0x1000000], 1              ; not present: #PF
    hlt
pfh:
    hlt
`);
        const { jit, ram } = lockstep(assemble(src), 59 + t);
        expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
        // (lockstep stopped both at the triple fault; the CPU stays shut down)
        expect(jit.run(100).reason).toBe('shutdown');
        expect(jit.exceptionCounts[14]).toBe(1);
        expect(jit.exceptionCounts[8]).toBe(1);
        const regs = jit.getRegisters();
        const slots = [regs.eflags, 0x08, regs.eip];
        const { cr2, written } = framePushFault(esp, 0x60000);
        expect(regs.cr2, `ESP ${esp.toString(16)}: CR2`).toBe(cr2);
        expect(regs.esp).toBe(esp);
        // The 64 bytes around the boundary: the pattern, but for the slots written.
        const want = new Uint8Array(0x40).fill(0x5a);
        const view = new DataView(want.buffer);
        for (let k = 0; k < written; k++)
          view.setUint32(esp - 4 * (k + 1) - (boundary - 0x20), slots[k] as number, true);
        expect(
          ram[0].subarray(boundary - 0x20, boundary + 0x20),
          `ESP ${esp.toString(16)}: the bytes written`,
        ).toEqual(want);
      }
    });
  }

  it("the page walk's accessed/dirty stores into a code page kill only the traces over those bytes", () => {
    // A page table whose first 16 entries map 0x1400000-0x140FFFF and whose upper half holds the
    // compiled loop (copied there): each pass rewrites the 16 entries (A and D clear), reloads CR3
    // and touches the 16 pages, and each walk sets A and D in an entry — a store into the loop's
    // page beside its code. The walk's stores reach RAM as the CPU's other stores do and kill the
    // traces whose bytes they overlap: none here. (Through the bus, each store killed every trace
    // compiled from the page: the loop recompiled on every pass.)
    const src = pm32(`    PAGING_ON
    mov esi, ptloop
    mov edi, 0x5F800
    mov ecx, ptloop_end - ptloop
    rep movsb
    mov dword [PG_PD + 5 * 4], 0x5F000 | 3
    mov eax, 0x5F800
    call eax
    ret
ptloop:
    mov ebp, 200
.o: mov ecx, 16
    mov eax, 0x800000 | 3
    mov edi, 0x5F000
.m: mov [edi], eax
    add eax, 0x1000
    add edi, 4
    dec ecx
    jnz .m
    mov eax, cr3
    mov cr3, eax
    mov ecx, 16
    mov ebx, 0x1400000
.t: add [ebx], ecx
    add ebx, 0x1000
    dec ecx
    jnz .t
    dec ebp
    jnz .o
    ret
ptloop_end:
`);
    const { jit, ram } = lockstep(assemble(src), 61);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    // Accessed and dirty set by the last pass's walks.
    for (let i = 0; i < 16; i++)
      expect(view.getUint32(0x5f000 + i * 4, true)).toBe((0x800000 + i * 0x1000) | 0x63);
    expect(jit.jitStats.invalidated).toBe(0);
    expect(jit.jitStats.instructions).toBeGreaterThan(0.5 * jit.instructionCount);
  });
});
