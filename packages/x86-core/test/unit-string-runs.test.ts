// REP MOVS/STOS over runs of pages (strings.ts bulkMovs/bulkStos, memory.ts ramRun): one fill or
// copy may span several pages only where they follow each other physically and in one backing
// array, each one's translation already in the TLB with the access's permission, and (for a store)
// none holding compiled code. These programs put every one of those boundaries inside one REP and
// check the bytes, the #PF and the death of a compiled routine against what page-by-page stores give.
import { describe, expect, it } from 'vitest';
import { identityTable, pagingOn, pm } from './pm-rig.js';

// Paging over 0..4 MiB (directory 0x80000, table 0x81000), identity except linear 0x200000..0x203fff
// -> frames 0x300000, 0x301000 (adjacent), 0x305000, 0x306000 (adjacent, but not to 0x301000);
// 0x204000 not present until the #PF handler maps it to 0x307000 (adjacent to 0x306000). Each #PF
// logs CR2, its error code and ECX at 0x700 (count at 0x6fc).
const PAGED = `${identityTable(1024)}
  mov dword [0x81000 + 0x200*4], 0x300000 | 3
  mov dword [0x81000 + 0x201*4], 0x301000 | 3
  mov dword [0x81000 + 0x202*4], 0x305000 | 3
  mov dword [0x81000 + 0x203*4], 0x306000 | 3
  mov dword [0x81000 + 0x204*4], 0
${pagingOn('pf')}
  cld
  mov edi, 0x200000           ; first pass: the TLB fills page by page; #PF at 0x204000
  mov eax, 0x11111111
  mov ecx, 5*1024
  rep stosd
  mov edi, 0x200000           ; second pass: every page in the TLB, runs across adjacent frames
  mov eax, 0x22222222
  mov ecx, 5*1024
  rep stosd
  mov esi, 0x200000
  mov edi, 0x100000
  mov ecx, 5*1024
  rep movsd
  mov esi, 0x1ff800           ; a copy whose source and destination runs end at different pages
  mov edi, 0x203c00
  mov ecx, 0x1000
  rep movsb
  hlt
`;
const PF = `
pf:
  push eax
  push edi
  mov edi, [0x6fc]
  shl edi, 4
  mov eax, cr2
  mov [0x700 + edi], eax
  mov eax, [esp + 8]
  mov [0x704 + edi], eax
  mov [0x708 + edi], ecx
  inc dword [0x6fc]
  mov dword [0x81000 + 0x204*4], 0x307000 | 3
  pop edi
  pop eax
  add esp, 4
  iretd
`;

describe('REP MOVS/STOS over runs of pages', () => {
  it('fills and copies only the mapped frames, with the #PF where page-by-page stores take it', () => {
    const r = pm(PAGED, PF);
    r.mem.ram.fill(0x5a, 0x1ff800, 0x200000);
    const exit = r.cpu.run(1_000_000);
    expect(exit.reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    // One #PF: the first pass's store to 0x204000 (write, not present), 1024 dwords left.
    expect(dv.getUint32(0x6fc, true)).toBe(1);
    expect([0, 4, 8].map((o) => dv.getUint32(0x700 + o, true))).toEqual([0x204000, 2, 1024]);
    const dword = (a: number) => dv.getUint32(a, true);
    for (const f of [0x300000, 0x301000, 0x305000, 0x306000, 0x100000, 0x101000, 0x102000, 0x103000]) {
      expect(dword(f), f.toString(16)).toBe(0x22222222);
      const tail = f === 0x306000 ? 0xbfc : 0xffc; // (0x306c00.. is the last copy's)
      expect(dword(f + tail), (f + tail).toString(16)).toBe(0x22222222);
    }
    // The frames between the two adjacent pairs are identity-mapped elsewhere: never written.
    expect(r.mem.ram.subarray(0x302000, 0x305000).every((b) => b === 0)).toBe(true);
    // Linear 0x204000 -> frame 0x307000 (mapped by the handler): filled by the second pass, then
    // copied to 0x104000.
    expect(dword(0x104000)).toBe(0x22222222);
    expect(dword(0x104ffc)).toBe(0x22222222);
    // The last copy: 0x800 bytes of 0x5a from 0x1ff800, then 0x800 from linear 0x200000; its
    // destination, linear 0x203c00.., is frames 0x306c00..0x306fff then 0x307000..0x307bff.
    expect(r.mem.ram.subarray(0x306c00, 0x307400).every((b) => b === 0x5a)).toBe(true);
    expect(dword(0x307400)).toBe(0x22222222);
    expect(dword(0x307ffc)).toBe(0x22222222);
    expect(r.cpu.exceptionCounts[14]).toBe(1);
  });

  it('a copy over a page of compiled code stops its run there, so that code dies', () => {
    // A routine at 0x101000 (a short loop that leaves EAX = 1) is called until it runs compiled; one REP MOVSB then
    // copies 0x100000..0x101fff from a buffer whose second page holds the same loop leaving EAX = 2. Page 0x100
    // has no code and 0x101 does: the copy's run must end at 0x101000 so that page's store reaches
    // the trace compiler (codeWrite) and the compiled loop's next calls run the new bytes.
    const r = pm(`
  mov esi, r1
  mov edi, 0x101000
  mov ecx, r2 - r1
  rep movsb
  mov edi, 0x110000
  mov ecx, 0x2000
  mov al, 0x90
  rep stosb
  mov esi, r2
  mov edi, 0x111000
  mov ecx, r2 - r1
  rep movsb
  call hot
  mov [0x6f4], eax
  mov esi, 0x110000
  mov edi, 0x100000
  mov ecx, 0x2000
  rep movsb
  call hot                    ; the same compiled loop, which calls into the rewritten page
  mov [0x6f0], eax
  hlt
hot:
  mov ebx, 10000
.l:
  mov ecx, 0x101000
  call ecx
  dec ebx
  jnz .l
  ret
r1:                           ; (copied to 0x101000; r2 to 0x111000: the same length)
  mov edx, 10
.r:
  mov eax, 1
  dec edx
  jnz .r
  ret
r2:
  mov edx, 10
.r:
  mov eax, 2
  dec edx
  jnz .r
  ret
`);
    expect(r.cpu.run(5_000_000).reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(r.cpu.jitStats.instructions).toBeGreaterThan(20_000);
    expect(dv.getUint32(0x6f4, true)).toBe(1);
    expect(dv.getUint32(0x6f0, true)).toBe(2);
  });
});
