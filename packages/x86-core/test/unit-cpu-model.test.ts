// The CPUID/MSR model pieces Linux's i386 kernel reads at boot (README "CPUID / MSR model"):
// PGE and CR4.PGE, PAT and IA32_PAT, the microcode signature MSR (0x8B), SEP (SYSENTER/SYSEXIT).
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, FEATURE_PAT, FEATURE_PGE, FEATURE_SEP } from '../src/index.js';
import { pm } from './pm-rig.js';

const u32 = (r: ReturnType<typeof pm>, a: number) => new DataView(r.mem.ram.buffer).getUint32(a, true);

describe('CPU model for an OS (PGE, PAT, microcode signature)', () => {
  it('CPUID.1:EDX reports PGE and PAT; CR4.PGE sets and reads back', () => {
    const r = pm(`
  mov eax, 1
  cpuid
  mov [0x700], edx
  mov eax, cr4
  or eax, 0x80 | 0x10
  mov cr4, eax
  mov eax, cr4
  mov [0x704], eax`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(u32(r, 0x700) & FEATURE_PGE).toBe(FEATURE_PGE);
    expect(u32(r, 0x700) & FEATURE_PAT).toBe(FEATURE_PAT);
    expect(u32(r, 0x704)).toBe(0x90);
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([]);
  });

  it('CR4.PGE is #GP(0) on a model that does not report PGE', () => {
    const r = pm(
      `
  mov eax, 0x80
  mov cr4, eax
  mov dword [0x704], 0x11`,
      '',
      { model: { featuresEdx: DEFAULT_MODEL.featuresEdx & ~FEATURE_PGE } },
    );
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(r.mem.ram[0x600]).toBe(13);
    expect(u32(r, 0x704)).toBe(0);
  });

  it('a global page translates across CR3 reloads and a CR4.PGE toggle (Linux __flush_tlb_global)', () => {
    // Page directory at 0x80000, one table at 0x81000 identity-mapping 0–4 MiB with G set;
    // linear 0x400000 maps (through a second table, global) to physical 0x90000.
    const r = pm(`
  mov edi, 0x80000
  xor eax, eax
  mov ecx, 2048
  rep stosd
  mov dword [0x80000], 0x81003
  mov dword [0x80004], 0x82003
  mov edi, 0x81000
  mov eax, 0x103          ; P RW G
  mov ecx, 1024
.id:
  stosd
  add eax, 0x1000
  loop .id
  mov dword [0x82000], 0x90103
  mov dword [0x90000], 0xfeedf00d
  mov eax, 0x80000
  mov cr3, eax
  mov eax, cr4
  or eax, 0x80
  mov cr4, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov eax, [0x400000]
  mov [0x708], eax
  mov eax, cr3
  mov cr3, eax
  mov dword [0x82000], 0x91103   ; retarget, then flush globals by toggling CR4.PGE
  mov dword [0x91000], 0x12345678
  mov eax, cr4
  and eax, ~0x80
  mov cr4, eax
  or eax, 0x80
  mov cr4, eax
  mov eax, [0x400000]
  mov [0x70c], eax`);
    expect(r.cpu.run(100000).reason).toBe('halted');
    expect(u32(r, 0x708)).toBe(0xfeedf00d);
    expect(u32(r, 0x70c)).toBe(0x12345678);
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([]);
  });

  it('IA32_PAT: power-on value, write/read back, reserved memory types #GP', () => {
    const r = pm(`
  mov ecx, 0x277
  rdmsr
  mov [0x710], eax
  mov [0x714], edx
  mov eax, 0x00010406     ; Linux's PAT: WB WC UC- UC, WB WP UC- WT
  mov edx, 0x07050406
  wrmsr
  xor eax, eax
  xor edx, edx
  rdmsr
  mov [0x718], eax
  mov [0x71c], edx
  mov eax, 0x02           ; type 2 is reserved
  xor edx, edx
  wrmsr
  mov dword [0x720], 0x11`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(u32(r, 0x710)).toBe(0x00070406);
    expect(u32(r, 0x714)).toBe(0x00070406);
    expect(u32(r, 0x718)).toBe(0x00010406);
    expect(u32(r, 0x71c)).toBe(0x07050406);
    expect(r.mem.ram[0x600]).toBe(13);
    expect(u32(r, 0x720)).toBe(0);
  });

  it('IA32_BIOS_SIGN_ID (0x8B): write 0, CPUID, read the revision back (Linux intel_get_microcode_revision)', () => {
    const r = pm(`
  mov ecx, 0x8b
  xor eax, eax
  xor edx, edx
  wrmsr
  mov eax, 1
  cpuid
  mov ecx, 0x8b
  rdmsr
  mov [0x730], eax
  mov [0x734], edx`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(u32(r, 0x730)).toBe(0);
    expect(u32(r, 0x734)).toBe(1); // QEMU's default ucode-rev for Intel vendors
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([]);
  });

  it('IA32_PLATFORM_ID (0x17) reads platform 0 and is read-only (#GP on write)', () => {
    const r = pm(`
  mov ecx, 0x17
  mov eax, -1
  mov edx, -1
  rdmsr
  mov [0x740], eax
  mov [0x744], edx
  wrmsr
  mov dword [0x748], 0x11`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(u32(r, 0x740)).toBe(0);
    expect(u32(r, 0x744)).toBe(0);
    expect(r.mem.ram[0x600]).toBe(13);
    expect(u32(r, 0x748)).toBe(0);
  });

  it('SYSEXIT to ring 3 and SYSENTER back through the IA32_SYSENTER_* MSRs (Linux vDSO __kernel_vsyscall)', () => {
    // The rig's GDT is the SYSENTER layout: 0x08 ring-0 code, 0x10 ring-0 data, 0x18 ring-3 code,
    // 0x20 ring-3 data.
    const r = pm(
      `
  mov eax, 1
  cpuid
  mov [0x74c], edx
  mov ecx, 0x174
  mov eax, 0x08
  xor edx, edx
  wrmsr
  mov ecx, 0x175
  mov eax, 0x68000
  wrmsr
  mov ecx, 0x176
  mov eax, kentry
  wrmsr
  mov ecx, 0x174
  rdmsr
  mov [0x748], eax
  mov ecx, 0x50000
  mov edx, uentry
  sti
  sysexit`,
      `
uentry:
  mov eax, cs
  mov [0x750], eax
  mov eax, ss
  mov [0x754], eax
  mov [0x758], esp
  pushfd
  pop eax
  mov [0x75c], eax
  sysenter
kentry:
  mov eax, cs
  mov [0x760], eax
  mov eax, ss
  mov [0x764], eax
  mov [0x768], esp
  pushfd
  pop eax
  mov [0x76c], eax
  hlt`,
    );
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(u32(r, 0x74c) & FEATURE_SEP).toBe(FEATURE_SEP);
    expect(u32(r, 0x748)).toBe(0x08);
    expect(u32(r, 0x750)).toBe(0x1b);
    expect(u32(r, 0x754)).toBe(0x23);
    expect(u32(r, 0x758)).toBe(0x50000);
    expect(u32(r, 0x75c) & 0x200).toBe(0x200);
    expect(u32(r, 0x760)).toBe(0x08);
    expect(u32(r, 0x764)).toBe(0x10);
    expect(u32(r, 0x768)).toBe(0x68000);
    expect(u32(r, 0x76c) & 0x200).toBe(0); // SYSENTER clears IF
    expect(r.cpu.getRegisters().cpl).toBe(0);
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([]);
  });

  it('SYSENTER and SYSEXIT #GP(0) while IA32_SYSENTER_CS is null; #UD on a model without SEP', () => {
    const r = pm(`
  sysenter
  mov dword [0x770], 0x11`);
    expect(r.cpu.run(10000).reason).toBe('halted');
    expect(r.mem.ram[0x600]).toBe(13);
    expect(u32(r, 0x770)).toBe(0);
    const x = pm(`
  sysexit
  mov dword [0x770], 0x11`);
    expect(x.cpu.run(10000).reason).toBe('halted');
    expect(x.mem.ram[0x600]).toBe(13);
    const u = pm(
      `
  sysenter
  mov dword [0x770], 0x11`,
      '',
      { model: { featuresEdx: DEFAULT_MODEL.featuresEdx & ~FEATURE_SEP } },
    );
    expect(u.cpu.run(10000).reason).toBe('halted');
    expect(u.mem.ram[0x600]).toBe(6);
  });
});
