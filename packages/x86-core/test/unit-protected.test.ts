import { describe, expect, it } from 'vitest';
import { identityTable, pm, userGate40 } from './pm-rig.js';

describe('protected mode', () => {
  it('delivers #GP through the IDT with an error code (stub records it)', () => {
    const r = pm(`
  mov ax, 0x28        ; a TSS selector into DS: #GP(0x28)
  mov ds, ax`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(r.mem.ram[0x600]).toBe(13);
    expect(dv.getUint32(0x60c, true)).toBe(0x28);
    expect(dv.getUint32(0x604, true)).toBe(0x70000 - 16);
  });

  it('#NP for a not-present data segment', () => {
    const r = pm(`
  and byte [gdt+0x10+5], 0x7f   ; clear P in the ring-0 data descriptor
  mov ax, 0x10
  mov fs, ax`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(r.mem.ram[0x600]).toBe(11);
    expect(new DataView(r.mem.ram.buffer).getUint32(0x60c, true)).toBe(0x10);
  });

  it('IRET to ring 3, INT from ring 3 switches to the TSS stack', () => {
    const r = pm(
      `
  mov ax, 0x28
  ltr ax
${userGate40('ring0_isr', 0x08)}
  push dword 0x23     ; SS
  push dword 0x50000  ; ESP
  push dword 0x202    ; EFLAGS (IF)
  push dword 0x1b     ; CS
  push dword user
  iretd`,
      `
user:
  mov ax, 0x23
  mov ds, ax
  mov dword [0x700], 0x33333333
  int 0x40
  mov dword [0x704], 0x44444444
  cli                  ; CPL 3 > IOPL 0: #GP
ring0_isr:
  mov [0x710], esp
  mov eax, [esp+4]
  mov [0x714], eax   ; CS pushed
  mov eax, [esp+16]
  mov [0x718], eax   ; SS pushed
  mov eax, [esp+12]
  mov [0x71c], eax   ; ESP pushed
  iretd
`,
    );
    const exit = r.cpu.run(10000);
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([
      expect.objectContaining({ kind: 'exception', vector: 13, errorCode: 0, cs: 0x1b }),
    ]);
    expect(exit.reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(dv.getUint32(0x700, true)).toBe(0x33333333);
    expect(dv.getUint32(0x710, true)).toBe(0x60000 - 20);
    expect(dv.getUint32(0x714, true)).toBe(0x1b);
    expect(dv.getUint32(0x718, true)).toBe(0x23);
    expect(dv.getUint32(0x71c, true)).toBe(0x50000);
    expect(dv.getUint32(0x704, true)).toBe(0x44444444);
    // then CLI at CPL 3 → #GP delivered on the ring-0 stack
    expect(r.mem.ram[0x600]).toBe(13);
    expect(dv.getUint32(0x604, true)).toBe(0x60000 - 24);
  });

  it('paging: 4 KiB and 4 MiB pages, #PF with CR2 and error code, INVLPG', () => {
    const r = pm(`
  ; page directory at 0x80000, one page table at 0x81000 identity-mapping 0..4 MiB,
  ; PDE 1 a 4 MiB page mapping 0x400000.. → physical 0 (PSE)
${identityTable(1024)}
  mov dword [0x80004], 0x00000083
  and dword [0x81000 + 0x90*4], ~2   ; page 0x90000 read-only
  mov dword [0x90010], 0x5a5a5a5a
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov eax, 0x80000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80010000   ; PG | WP
  mov cr0, eax
  mov eax, [0x490010]  ; via the 4 MiB page → physical 0x90010
  mov [0x620], eax
  mov byte [0x90000], 1   ; write to read-only page: #PF(err 3)`);
    expect(r.cpu.run(100000).reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(dv.getUint32(0x620, true)).toBe(0x5a5a5a5a);
    expect(r.mem.ram[0x600]).toBe(14);
    expect(dv.getUint32(0x608, true)).toBe(0x90000);
    expect(dv.getUint32(0x60c, true)).toBe(3);
    expect(r.mem.ram[0x90000]).toBe(0);
    // accessed/dirty bits were set in the page table entries
    expect(dv.getUint32(0x81000 + 0x0 * 4, true) & 0x20).toBe(0x20);
  });

  it('CPUID, EFLAGS.ID, MTRR MSRs, unknown MSR #GP', () => {
    const r = pm(`
  pushfd
  pop eax
  xor eax, 0x200000
  push eax
  popfd
  pushfd
  pop ebx
  xor eax, ebx
  mov [0x640], eax     ; 0 when ID toggled
  xor eax, eax
  cpuid
  mov [0x644], ebx
  mov [0x648], edx
  mov [0x64c], ecx
  mov eax, 1
  cpuid
  mov [0x650], eax
  mov [0x654], edx
  mov ecx, 0xfe
  rdmsr
  mov [0x658], eax
  mov ecx, 0x2ff
  mov eax, 0xc06
  xor edx, edx
  wrmsr
  xor eax, eax
  rdmsr
  mov [0x65c], eax
  rdtsc
  mov ecx, 0x12345678
  rdmsr`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(dv.getUint32(0x640, true)).toBe(0);
    const vendor = new TextDecoder().decode(r.mem.ram.subarray(0x644, 0x650));
    expect(vendor).toBe('GenuineIntel');
    expect(dv.getUint32(0x650, true)).toBe(0x663);
    const edx = dv.getUint32(0x654, true);
    expect(edx & 1).toBe(1); // x87 FPU on chip
    expect(edx & (1 << 4)).not.toBe(0); // TSC
    expect(edx & (1 << 5)).not.toBe(0); // MSR
    expect(edx & (1 << 12)).not.toBe(0); // MTRR
    expect(edx & (1 << 9)).toBe(0); // no APIC by default
    const cap = dv.getUint32(0x658, true);
    expect(cap & 0xff).toBeGreaterThanOrEqual(1);
    expect(cap & 0x100).toBe(0x100);
    expect(dv.getUint32(0x65c, true)).toBe(0xc06);
    expect(r.mem.ram[0x600]).toBe(13);
    expect(r.events.some((e) => e.kind === 'msr' && e.index === 0x12345678 && !e.known)).toBe(true);
  });

  it('far CALL through a call gate and RETF', () => {
    const r = pm(
      `
  mov eax, gate_target
  mov [gdt+0x30], ax
  shr eax, 16
  mov [gdt+0x36], ax
  call 0x30:0
  mov dword [0x680], 0x77
  call 0x08:near_far
  mov dword [0x688], 0x99`,
      `
gate_target:
  mov dword [0x684], 0x55
  retf
near_far:
  retf`,
    );
    expect(r.cpu.run(10000).reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(dv.getUint32(0x684, true)).toBe(0x55);
    expect(dv.getUint32(0x680, true)).toBe(0x77);
    expect(dv.getUint32(0x688, true)).toBe(0x99);
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([]);
  });
});

/** Ring 3 enters through an IDT gate (0x40) or a call gate (0x4b) to ring 1, whose TSS stack is
 * SS1 = 0x41 (base 0x40000, limit 0xfff) at ESP1 = `esp1`; ring 1 runs `ring1` (by default UD2,
 * #UD). #SS and the other exceptions go to the rig's ring-0 stubs on TSS.ESP0 (vector at 0x600,
 * error code at 0x60c). With `ring0` the gates lead to ring 0 instead, on SS0 = 0x40 (the same
 * segment at DPL 0) at ESP0 = `esp1`, where the exceptions go too. */
function ring1Stack(esp1: number, user: string, ring1 = 'ud2', ring0 = false) {
  const dpl = ring0 ? 0 : 1;
  const r = pm(
    `
  mov esi, gdt                  ; the rig's GDT, then ring-1 code (0x38) and stack (0x40) and a
  mov edi, 0x3000               ; call gate to ring1 (0x48, DPL 3)
  mov ecx, (gdt_end - gdt) / 4
  rep movsd
  mov dword [0x3038], 0x0000ffff
  mov dword [0x303c], 0x00cf${ring0 ? '9' : 'b'}a00
  mov dword [0x3040], 0x00000fff
  mov dword [0x3044], 0x0040${ring0 ? '9' : 'b'}204
  mov eax, ring1
  mov [0x3048], ax
  mov word [0x304a], 0x38
  shr eax, 16
  mov [0x304e], ax
  mov word [0x304c], 0xec00
  mov word [0x3100], 0x4f
  mov dword [0x3102], 0x3000
  lgdt [0x3100]
  mov dword [tss + 4 + ${dpl * 8}], ${esp1}
  mov dword [tss + 8 + ${dpl * 8}], 0x40 | ${dpl}
  mov ax, 0x28
  ltr ax
${userGate40('ring1', 0x38)}
  push dword 0x23
  push dword 0x50000
  push dword 2
  push dword 0x1b
  push dword user
  iretd`,
    `
user:
  mov ax, 0x23
  mov ds, ax
  mov dword [0x700], 0x33
  ${user}
  ud2
ring1:
  mov dword [0x704], 0x11
  ${ring1}`,
  );
  const reason = r.cpu.run(10000).reason;
  const dv = new DataView(r.mem.ram.buffer);
  return {
    halted: reason === 'halted',
    vector: r.mem.ram[0x600],
    code: dv.getUint32(0x60c, true),
    ring1Ran: dv.getUint32(0x704, true) === 0x11,
    userRan: dv.getUint32(0x700, true) === 0x33,
    events: r.events.filter((e) => e.kind !== 'mode-change'),
  };
}

describe('#SS on the new stack of a privilege change', () => {
  // SDM vol. 2A CALL and INT n: the pushes onto the new stack that exceed its limit are
  // "#SS(SS selector)"; Bochs cpu/access2.cc write_new_stack_dword/word raise
  // exception(BX_SS_EXCEPTION, selector & 0xfffc) while the new SS's RPL is not the CPL. QEMU 7.2
  // checks no limit there, so this is not in the QEMU-compared programs.
  it('an interrupt from ring 3 to ring 1 whose frame passes SS1 limit: #SS(SS1 & 0xfffc)', () => {
    const r = ring1Stack(0x1008, 'int 0x40'); // the 20-byte frame at 0xff4..0x1007, limit 0xfff
    expect(r).toMatchObject({ halted: true, vector: 12, code: 0x40, ring1Ran: false, userRan: true });
  });

  it('a call gate from ring 3 to ring 1 whose frame passes SS1 limit: #SS(SS1 & 0xfffc)', () => {
    const r = ring1Stack(0x1008, 'call 0x4b:0'); // SS ESP CS EIP at 0xff8..0x1007
    expect(r).toMatchObject({ halted: true, vector: 12, code: 0x40, ring1Ran: false, userRan: true });
  });

  it('an interrupt from ring 3 to ring 0 past SS0 limit: #SS(SS0), then #DF and shutdown there', () => {
    // The #SS (to ring 0 too) meets the same stack: seen as the CPU's exception events.
    const { events } = ring1Stack(0x1008, 'int 0x40', 'ud2', true);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'exception', vector: 12, errorCode: 0x40, cs: 0x1b }),
      expect.objectContaining({ kind: 'double-fault', first: 12, second: 12 }),
      expect.objectContaining({ kind: 'exception', vector: 8, errorCode: 0 }),
      expect.objectContaining({ kind: 'triple-fault' }),
    ]);
  });

  it('the same frames inside the limit reach ring 1, and a same-level push past it is #SS(0)', () => {
    expect(ring1Stack(0x1000, 'int 0x40')).toMatchObject({ vector: 6, ring1Ran: true, userRan: true });
    expect(ring1Stack(0x1000, 'call 0x4b:0')).toMatchObject({ vector: 6, ring1Ran: true });
    // At ring 1 on SS1: INT 0x40 to ring 1 pushes its 12 bytes on the current stack.
    const r = ring1Stack(0x1000, 'int 0x40', 'mov esp, 0x1002\n  int 0x40');
    expect(r).toMatchObject({ halted: true, vector: 12, code: 0, ring1Ran: true, userRan: true });
  });
});
