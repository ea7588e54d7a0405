// The trace compiler's specialisations against the interpreter (lockstep, test/harness/lockstep.ts):
// code specialised for the segment state it was compiled under (constant bases and limits, no
// checks a flat segment cannot fail) and the per-site page caches in trace locals (jit-memory.ts).
// Each case is built so that the compiled core diverges if the specialisation forgot what it must
// re-check: the segment state at every entry, and the access kind a cached page was granted for.
import { describe, expect, it } from 'vitest';
import { lockstep, PTE, pm32 } from './harness/lockstep.js';
import { assemble, toolGate } from './harness/tools.js';

const gate = toolGate('nasm');

describe.skipIf(gate.skip)('trace compiler specialisations vs interpreter', () => {
  it('ES reloaded between entries of a loop compiled for one segment state: bases and limits follow', () => {
    // The inner loop reads and writes through ES; every outer iteration loads ES with the flat data
    // segment, the 64 KiB one at base 0 or the 64 KiB one at base 0x2000 (inc/lib.inc's GDT), so
    // the same trace entry meets other bases and limits. From ESI = 0xFF00, 100 dwords cross
    // 0xFFFF: under the 64 KiB segments the dword at 0xFFFD faults (#GP), under the flat one it
    // does not. lib.inc's handler resumes at .r.
    const src = pm32(`    xor ebx, ebx
    mov ebp, 36
.o: EXPECT_EXC .r
    mov eax, ebp
    and eax, 3
    mov ax, [sels + eax * 2]
    mov es, ax
    mov esi, 0xff00
    mov ecx, 100
.l: add ebx, [es:esi]
    mov [es:esi + 0x40], ebx
    add esi, 3
    dec ecx
    jnz .l
.r: add ebx, esi
    dec ebp
    jnz .o
    mov ax, SEL_DATA32
    mov es, ax
    mov [0x30000], ebx
    ret
sels: dw SEL_DATA32, SEL_DATA16, SEL_DATA16B, SEL_DATA32
`);
    const { jit, ram } = lockstep(assemble(src), 23);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(jit.jitStats.instructions).toBeGreaterThan(2000);
  });

  it('a real-mode loop entered under other DS values reads and writes where the interpreter does', () => {
    // Real mode: the base is DS * 16, the limit 0xFFFF; one entry address, four DS values.
    const src = `%include "inc/lib.inc"
section .text16
tests16:
    cli
    xor ebx, ebx
    mov bp, 24
.o: mov ax, bp
    and ax, 3
    shl ax, 12
    add ax, 0x1000
    mov ds, ax
    mov si, 0x10
    mov cx, 200
.l: add bx, [si]
    add bx, cx
    mov [si + 2], bx
    add si, 4
    dec cx
    jnz .l
    dec bp
    jnz .o
    xor ax, ax
    mov ds, ax
    mov [0x7000], ebx
    ret
`;
    const { jit, ram } = lockstep(assemble(src), 29);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    expect(jit.jitStats.instructions).toBeGreaterThan(5000);
  });

  it('a read and a write of the same address under paging: the write still walks to set the dirty bit', () => {
    // Pages 0x900000 + i * 0x1000 are mapped with D clear and read once first, so the TLB holds
    // read-only entries for them, and the first write to each page must walk (memory.ts walk sets PTE.D) before the TLB allows
    // writes. The load and the store have the same address expression: a page cache shared by
    // reads and writes would let the store skip the walk. The PTEs are copied to low memory for
    // the RAM comparison.
    const src = pm32(`    PAGING_ON
    mov ecx, 64
    mov eax, 0x200000 | 1 | 2
    mov edi, ${PTE(0x900000)}
.m: mov [edi], eax
    add eax, 0x1000
    add edi, 4
    dec ecx
    jnz .m
    mov eax, PG_PD
    mov cr3, eax
    mov esi, 0x900000
    mov ecx, 64
.t: mov eax, [esi]
    add esi, 0x1000
    dec ecx
    jnz .t
    mov esi, 0x900000
    mov ecx, 64 * 16
.l: mov eax, [esi]
    add eax, ecx
    mov [esi], eax
    add esi, 0x100
    dec ecx
    jnz .l
    mov esi, ${PTE(0x900000)}
    mov edi, 0x30000
    mov ecx, 64
    rep movsd
    ret
`);
    const { jit, ram } = lockstep(assemble(src), 31);
    expect(Buffer.from(ram[0]).equals(Buffer.from(ram[1])), 'RAM differs').toBe(true);
    const view = new DataView(ram[0].buffer, ram[0].byteOffset);
    for (let i = 0; i < 64; i++) expect(view.getInt32(0x30000 + i * 4, true) & 0x60, `PTE ${i}`).toBe(0x60);
    expect(jit.jitStats.instructions).toBeGreaterThan(3000);
  });
});
