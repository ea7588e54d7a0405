// The protected-mode rig of the unit suites: a flat 32-bit GDT (ring 0 and ring 3 code/data, a
// TSS, a call-gate slot) and an IDT whose 32 vectors record the exception at 0x600–0x613.
import { asm, rig } from './unit-fakes.js';

// Enter 32-bit flat protected mode, then run `body` at CPL 0 with an IDT whose vectors 0..31 all
// point at `exc` (which records vector-independent state) unless the body installs its own.
export function pm(body: string, tail = '', opts: Parameters<typeof rig>[2] = {}) {
  return rig(
    asm(`bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  lgdt [gdtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm32
bits 32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x70000
  ; build IDT at 0x1000: 32 interrupt gates → exc_stub_N
  mov edi, 0x1000
  mov ecx, 0
.fill:
  mov eax, ecx
  shl eax, 4
  add eax, exc_stubs
  mov [edi], ax
  mov word [edi+2], 0x08
  mov word [edi+4], 0x8e00
  shr eax, 16
  mov [edi+6], ax
  add edi, 8
  inc ecx
  cmp ecx, 32
  jb .fill
  lidt [idtr]
${body}
  hlt
align 16, db 0x90
exc_stubs:
%assign i 0
%rep 32
  mov byte [0x600], i
  jmp near exc_common
  align 16, db 0x90
%assign i i+1
%endrep
exc_common:
  mov [0x604], esp
  mov eax, cr2
  mov [0x608], eax
  mov eax, [esp]
  mov [0x60c], eax
  mov eax, [esp+4]
  mov [0x610], eax
  hlt
${tail}
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff ; 0x08 code32 ring 0
  dq 0x00cf92000000ffff ; 0x10 data32 ring 0
  dq 0x00cffa000000ffff ; 0x18 code32 ring 3
  dq 0x00cff2000000ffff ; 0x20 data32 ring 3
  dw 0x67, tss, 0x8900, 0 ; 0x28 TSS (base < 64 KiB)
  dw 0, 0x08, 0xec00, 0  ; 0x30 call gate placeholder (offset patched by tests), DPL 3
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt
idtr:
  dw 32*8 - 1
  dd 0x1000
align 4
tss:
  dd 0
  dd 0x60000 ; esp0
  dd 0x10    ; ss0
  times 23 dd 0
`),
    0x7c00,
    opts,
  );
}

/** Assembly that builds a page directory at 0x80000 and one page table at 0x81000 mapping the first
 * `pages` 4 KiB pages to themselves, present and writable (it does not turn paging on). */
export function identityTable(pages: number): string {
  return `
  mov edi, 0x80000
  xor eax, eax
  mov ecx, 2048
  rep stosd
  mov dword [0x80000], 0x81000 | 3
  mov edi, 0x81000
  mov eax, 3
  mov ecx, ${pages}
.pt:
  stosd
  add eax, 0x1000
  loop .pt`;
}

/** Assembly that points vector 14 (#PF) at `handler` and turns paging on over identityTable()'s
 * directory, with `cr0Bits` ORed into CR0. */
export function pagingOn(handler: string, cr0Bits = '0x80000000'): string {
  return `
  mov eax, ${handler}
  mov [0x1000 + 14*8], ax
  shr eax, 16
  mov [0x1000 + 14*8 + 6], ax
  mov eax, 0x80000
  mov cr3, eax
  mov eax, cr0
  or eax, ${cr0Bits}
  mov cr0, eax`;
}

/** Assembly that makes IDT vector 0x40 a DPL-3 32-bit interrupt gate to `sel`:`handler` (INT 0x40
 * from ring 3) and reloads IDTR to cover it. */
export function userGate40(handler: string, sel: number): string {
  return `
  mov eax, ${handler}
  mov [0x1000 + 0x40*8], ax
  mov word [0x1000 + 0x40*8 + 2], ${sel}
  mov word [0x1000 + 0x40*8 + 4], 0xee00
  shr eax, 16
  mov [0x1000 + 0x40*8 + 6], ax
  mov word [idtr], 0x41*8-1
  lidt [idtr]`;
}
