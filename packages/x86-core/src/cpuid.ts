// x86 core: CPUID, RDTSC, RDMSR/WRMSR (the model the core reports) and SYSENTER/SYSEXIT (SEP)
// Behavioural references (no code copied): QEMU target/i386/cpu.c (cpu_x86_cpuid), misc_helper.c
// (rdmsr/wrmsr), seg_helper.c (helper_sysenter/helper_sysexit), Intel SDM vol. 2B (SYSENTER,
// SYSEXIT) and vol. 4.

import { CpuFpuDispatch } from './fpu-dispatch.js';
import {
  CS,
  EAX,
  EBX,
  ECX,
  EDX,
  ESP,
  FEATURE_MSR,
  FEATURE_MTRR,
  FEATURE_PAT,
  FEATURE_SEP,
  FEATURE_TSC,
  GP,
  IF,
  isKnownMtrr,
  MSR_APIC_BASE,
  MSR_MTRRCAP,
  MSR_PAT,
  MSR_PLATFORM_ID,
  MSR_SYSENTER_CS,
  MSR_SYSENTER_EIP,
  MSR_TSC,
  MSR_UCODE_REV,
  PAT_RESET,
  RF,
  SS,
  UCODE_REV,
  VM,
} from './state.js';

/** CPUID, RDTSC and RDMSR/WRMSR (the model the core reports). */
export abstract class CpuCpuid extends CpuFpuDispatch {
  protected readTsc(): bigint {
    const src = this.model.tsc;
    const base = src === null ? BigInt(this.instructionCount) : tscValue(src());
    return BigInt.asUintN(64, base + this.tscOffset);
  }

  protected cpuid(): void {
    const r = this.regs;
    const m = this.model;
    let leaf = r[EAX] >>> 0;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    // Leaves above the maximum return the highest basic leaf (Intel SDM CPUID; QEMU cpu_x86_cpuid).
    if (leaf >= 0x80000000) {
      if (m.maxExtendedLeaf === 0 || leaf > m.maxExtendedLeaf) leaf = m.maxBasicLeaf;
    } else if (leaf > m.maxBasicLeaf) leaf = m.maxBasicLeaf;
    const v = m.vendor;
    const word = (i: number) =>
      v.charCodeAt(i) |
      (v.charCodeAt(i + 1) << 8) |
      (v.charCodeAt(i + 2) << 16) |
      (v.charCodeAt(i + 3) << 24);
    switch (leaf) {
      case 0:
        a = m.maxBasicLeaf;
        b = word(0);
        d = word(4);
        c = word(8);
        break;
      case 1:
        a = this.signature();
        b = (m.apicId & 0xff) << 24;
        c = m.featuresEcx;
        d = m.featuresEdx;
        break;
      case 0x80000000:
        a = m.maxExtendedLeaf;
        break;
      case 0x80000008:
        a = (m.physAddrBits & 0xff) | ((m.linearAddrBits & 0xff) << 8);
        break;
      default:
        break;
    }
    r[EAX] = a;
    r[EBX] = b;
    r[ECX] = c;
    r[EDX] = d;
  }

  protected msrKnown(index: number): boolean {
    const f = this.model.featuresEdx;
    if (index === MSR_TSC) return (f & FEATURE_TSC) !== 0;
    if (index === MSR_APIC_BASE) return this.model.apic;
    if (index === MSR_MTRRCAP || isKnownMtrr(index)) return (f & FEATURE_MTRR) !== 0;
    if (index === MSR_PAT) return (f & FEATURE_PAT) !== 0;
    if (index >= MSR_SYSENTER_CS && index <= MSR_SYSENTER_EIP) return (f & FEATURE_SEP) !== 0;
    // Every P6-family and later CPU has the microcode signature and platform ID MSRs (SDM vol. 4
    // table 2-2); Linux's microcode driver reads both.
    return index === MSR_UCODE_REV || index === MSR_PLATFORM_ID;
  }

  protected rdmsr(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
    if ((this.model.featuresEdx & FEATURE_MSR) === 0) this.ud();
    const r = this.regs;
    const index = r[ECX] >>> 0;
    const known = this.msrKnown(index);
    if (!known) {
      if (this.listeners.length > 0) this.emit({ kind: 'msr', op: 'read', index, value: 0n, known: false });
      this.fault(GP, 0);
    }
    let v: bigint;
    if (index === MSR_TSC) v = this.readTsc();
    else if (index === MSR_MTRRCAP)
      v = 0x508n; // VCNT=8, FIX (bit 8), WC (bit 10) — QEMU MSR_MTRRcap_VCNT 8
    else if (index === MSR_APIC_BASE)
      v = this.msrs.get(index) ?? 0xfee00900n; // BSP, enabled
    else if (index === MSR_UCODE_REV) v = UCODE_REV;
    else if (index === MSR_PAT) v = this.msrs.get(index) ?? PAT_RESET;
    else v = this.msrs.get(index) ?? 0n;
    r[EAX] = Number(v & 0xffffffffn);
    r[EDX] = Number((v >> 32n) & 0xffffffffn);
    if (this.listeners.length > 0) this.emit({ kind: 'msr', op: 'read', index, value: v, known: true });
  }

  protected wrmsr(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
    if ((this.model.featuresEdx & FEATURE_MSR) === 0) this.ud();
    const r = this.regs;
    const index = r[ECX] >>> 0;
    const value = (BigInt(r[EDX] >>> 0) << 32n) | BigInt(r[EAX] >>> 0);
    const known = this.msrKnown(index) && index !== MSR_MTRRCAP && index !== MSR_PLATFORM_ID;
    if (this.listeners.length > 0) this.emit({ kind: 'msr', op: 'write', index, value, known });
    if (!known || (index === MSR_PAT && !validPat(value))) this.fault(GP, 0);
    // Writing IA32_BIOS_SIGN_ID (Linux writes 0 before CPUID to read the revision back) loads no
    // microcode here: the revision stays UCODE_REV.
    if (index === MSR_UCODE_REV) return;
    if (index === MSR_SYSENTER_CS) {
      this.msrs.set(index, value & 0xffffn); // a 16-bit selector, as QEMU's helper_wrmsr keeps it
      return;
    }
    if (index === MSR_TSC) {
      const src = this.model.tsc;
      const base = src === null ? BigInt(this.instructionCount) : tscValue(src());
      this.tscOffset = value - base;
      return;
    }
    this.msrs.set(index, value);
  }

  /** The low 32 bits of a SYSENTER MSR (0 until written). */
  private sepMsr(index: number): number {
    return Number((this.msrs.get(index) ?? 0n) & 0xffffffffn) >>> 0;
  }

  /** SYSENTER (0F 34): to CPL 0 through the flat segments IA32_SYSENTER_CS names (SS = CS + 8),
   * ESP/EIP from IA32_SYSENTER_ESP/EIP; clears VM, IF and RF. #GP(0) in real mode or while
   * IA32_SYSENTER_CS is null (SDM vol. 2B SYSENTER; QEMU helper_sysenter). */
  protected sysenter(): void {
    if ((this.model.featuresEdx & FEATURE_SEP) === 0) this.ud();
    const cs = this.sepMsr(MSR_SYSENTER_CS) & 0xfffc;
    if (!this.pe || cs === 0) this.fault(GP, 0);
    this.flags &= ~(VM | IF | RF);
    this.setSegCache(CS, cs, 0, 0xffffffff, 0xc09b); // 32-bit, 4 GiB, execute/read, accessed, DPL 0
    this.setSegCache(SS, (cs + 8) & 0xfffc, 0, 0xffffffff, 0xc093); // read/write, accessed, DPL 0
    this.cpl = 0;
    this.updateModes();
    this.regs[ESP] = this.sepMsr(MSR_SYSENTER_CS + 1);
    this.eip = this.sepMsr(MSR_SYSENTER_EIP);
  }

  /** SYSEXIT (0F 35): back to CPL 3 through IA32_SYSENTER_CS + 16 / + 24 (RPL 3), EIP = EDX,
   * ESP = ECX. #GP(0) in real mode, above CPL 0 or while IA32_SYSENTER_CS is null. */
  protected sysexit(): void {
    if ((this.model.featuresEdx & FEATURE_SEP) === 0) this.ud();
    const cs = this.sepMsr(MSR_SYSENTER_CS) & 0xfffc;
    if (!this.pe || this.cpl !== 0 || cs === 0) this.fault(GP, 0);
    this.setSegCache(CS, ((cs + 16) & 0xfffc) | 3, 0, 0xffffffff, 0xc0fb); // DPL 3 code
    this.setSegCache(SS, ((cs + 24) & 0xfffc) | 3, 0, 0xffffffff, 0xc0f3); // DPL 3 data
    this.cpl = 3;
    this.updateModes();
    this.regs[ESP] = this.regs[ECX];
    this.eip = this.regs[EDX] >>> 0;
  }

  /** RDTSC (0F 31): #GP above CPL 0 when CR4.TSD is set. */
  protected rdtsc(): void {
    if (this.cr4 & 4 && this.cpl !== 0) this.fault(GP, 0);
    const t = this.readTsc();
    this.regs[EAX] = Number(t & 0xffffffffn);
    this.regs[EDX] = Number((t >> 32n) & 0xffffffffn);
  }
}

/** Every IA32_PAT entry holds a defined memory type: 0, 1, 4, 5, 6 or 7 (2, 3 and 8+ are reserved
 * and make WRMSR #GP, SDM vol. 3A 11.12.2). */
function validPat(v: bigint): boolean {
  for (let i = 0n; i < 64n; i += 8n) {
    const t = Number((v >> i) & 0xffn);
    if (t === 2 || t === 3 || t > 7) return false;
  }
  return true;
}

/** A TSC callback value as a bigint (non-integral or non-finite numbers are floored / zeroed). */
function tscValue(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  return Number.isFinite(v) ? BigInt(Math.floor(v)) : 0n;
}
