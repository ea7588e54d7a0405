// #PF taken by an interpreted MOV/ALU/MOVZX/MOVSX on loop()'s fast path (execute(): pageFaultFirst records the fault
// before the instruction changes anything and execute() delivers it without a throw) against the
// same program single-stepped (step(): every fault unwinds to run() as a thrown FAULT): the same
// CR2 values, error codes, faulting EIPs, instruction counts and final state.
import { describe, expect, it } from 'vitest';
import { identityTable, pagingOn, pm } from './pm-rig.js';

// Paging over 0..4 MiB (page directory 0x80000, table 0x81000): 0..2 MiB identity-mapped and
// writable; 0x200000.. not present (the handler maps page n of it to frame 0x300000 + n*4 KiB);
// page 0x1FF000 read-only (the handler makes it writable). Each #PF appends CR2, the error code and
// the faulting EIP to a log at 0x700 (count at 0x6FC).
const BODY = `${identityTable(512)}
  and dword [0x81000 + 0x1ff*4], ~2
${pagingOn('pf', '0x80010000')} ; PG | WP
  mov ebx, 0x200000
  mov ecx, 0x11223344
  mov [ebx], ecx              ; 89: store, not present
  mov [ebx + 0x1000], cx      ; 66 89: 16-bit store
  mov [ebx + 0x2000], cl      ; 88: byte store
  mov edx, [ebx + 0x3004]     ; 8B: load, not present
  mov al, [ebx + 0x4000]      ; 8A: byte load
  mov [ebx + 0x5ffe], ecx     ; crosses into an unmapped page: the throwing path
  mov [0x1ff010], ecx         ; read-only page: #PF(P|W)
  add [ebx + 0x7000], ecx     ; 01: read-modify-write, read first
  cmp ecx, [ebx + 0x8000]     ; 3B
  add dword [ebx + 0x9000], 5 ; 83
  mov dword [ebx + 0xa000], 7 ; C7: after its immediate
  movzx eax, byte [ebx + 0xb000]
  movsx eax, word [ebx + 0xc000]
  mov esi, [ebx]              ; mapped now: no fault
  add esi, [0x1ff010]
  mov [0x6f8], esi
`;
const PF = `
pf:
  push eax
  push edx
  push edi
  mov edi, [0x6fc]
  shl edi, 4
  mov eax, cr2
  mov [0x700 + edi], eax
  mov edx, [esp + 12]
  mov [0x704 + edi], edx      ; error code
  mov edx, [esp + 16]
  mov [0x708 + edi], edx      ; faulting EIP
  inc dword [0x6fc]
  test byte [esp + 12], 1
  jnz .ro
  shr eax, 12
  and eax, 0x3ff
  mov edx, eax
  shl eax, 12
  add eax, 0x100000 | 3       ; page 0x200+n -> frame 0x300000 + n*4 KiB
  mov [0x81000 + edx*4], eax
  jmp .done
.ro:
  or dword [0x81000 + 0x1ff*4], 2
  invlpg [0x1ff010]
.done:
  pop edi
  pop edx
  pop eax
  add esp, 4
  iretd
`;

function runFast() {
  const r = pm(BODY, PF);
  const exit = r.cpu.run(1_000_000);
  return { r, exit };
}

function runStepped() {
  const r = pm(BODY, PF);
  for (let i = 0; i < 1_000_000 && !r.cpu.halted; i++) r.cpu.step();
  return { r };
}

describe('#PF from an interpreted memory operand on the fast path', () => {
  it('matches the single-stepped (throwing) path: CR2, error codes, EIPs, counts and state', () => {
    const a = runFast();
    const b = runStepped();
    expect(a.exit.reason).toBe('halted');
    expect(b.r.cpu.halted).toBe(true);
    const dv = new DataView(a.r.mem.ram.buffer);
    const n = dv.getUint32(0x6fc, true);
    const log = [];
    for (let i = 0; i < n; i++)
      log.push([0, 4].map((o) => dv.getUint32(0x700 + i * 16 + o, true).toString(16)));
    expect(log).toEqual([
      ['200000', '2'],
      ['201000', '2'],
      ['202000', '2'],
      ['203004', '0'],
      ['204000', '0'],
      ['205ffe', '2'],
      ['206000', '2'], // the store's second page, at its first byte (test/programs/paging.asm, QEMU)
      ['1ff010', '3'],
      ['207000', '0'],
      ['208000', '0'],
      ['209000', '0'],
      ['20a000', '2'],
      ['20b000', '0'],
      ['20c000', '0'],
    ]);
    expect(dv.getUint32(0x6f8, true)).toBe((0x11223344 * 2) >>> 0);
    expect(a.r.mem.ram.subarray(0x600, 0x800)).toEqual(b.r.mem.ram.subarray(0x600, 0x800));
    expect(a.r.cpu.getRegisters()).toEqual(b.r.cpu.getRegisters());
    expect(a.r.cpu.instructionCount).toBe(b.r.cpu.instructionCount);
    expect(a.r.cpu.exceptionCounts[14]).toBe(14);
    expect(a.r.events.filter((e) => e.kind === 'exception')).toEqual(
      b.r.events.filter((e) => e.kind === 'exception'),
    );
    // Frames 0x300000.. hold what the stores wrote through the new mappings.
    expect(dv.getUint32(0x300000, true)).toBe(0x11223344);
    expect(dv.getUint16(0x301000, true)).toBe(0x3344);
    expect(a.r.mem.ram[0x302000]).toBe(0x44);
  });
});
