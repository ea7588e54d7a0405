// Public types of @vmkit/x86-core: the contract other packages build on (see the package README).

import type { FpuState } from './fpu-state.js';

export type { FpuState } from './fpu-state.js';

/** Maskable interrupt input (INTR), normally the 8259 pair. */
export interface InterruptLine {
  /** True while an unmasked request is waiting; polled at instruction boundaries when IF=1. */
  pending(): boolean;
  /** INTA cycle: returns the vector (0..255) of the request being serviced. */
  acknowledge(): number;
}

/** What CPUID reports and what the model implements. */
export interface CpuModel {
  /** 12-character vendor string (CPUID leaf 0 EBX/EDX/ECX). */
  vendor: string;
  family: number;
  model: number;
  stepping: number;
  /** CPUID.1:EDX feature bits. Defaults to exactly what this core implements. Bits for features
   * the core does not implement (FPU, PAE, SSE, ...) are removed. */
  featuresEdx: number;
  /** CPUID.1:ECX feature bits (none implemented; default 0). */
  featuresEcx: number;
  /** Advertise an on-chip local APIC (CPUID.1:EDX bit 9). The APIC itself is a device elsewhere. */
  apic: boolean;
  /** Highest basic leaf (default 1). */
  maxBasicLeaf: number;
  /** Highest extended leaf (default 0x80000008), 0 to report none. */
  maxExtendedLeaf: number;
  /** Physical / linear address bits reported by leaf 0x80000008 (default 32/32). */
  physAddrBits: number;
  linearAddrBits: number;
  /** Time-stamp counter source. Default: the retired instruction count. A callback returning a
   * bigint or number (e.g. virtual nanoseconds scaled by the machine) replaces it. */
  tsc: (() => number | bigint) | null;
  /** Initial APIC ID reported in CPUID.1:EBX[31:24]. */
  apicId: number;
}

export interface SegmentRegister {
  selector: number;
  base: number;
  /** Byte-granular limit (already scaled when G=1). */
  limit: number;
  /** Descriptor attributes: bits 0-7 the access byte (type, S, DPL, P), bits 12-15 AVL, L, D/B, G. */
  access: number;
}

export interface DescriptorTable {
  base: number;
  limit: number;
}

export interface CpuRegisters {
  eax: number;
  ecx: number;
  edx: number;
  ebx: number;
  esp: number;
  ebp: number;
  esi: number;
  edi: number;
  eip: number;
  eflags: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  dr: number[];
  segments: {
    es: SegmentRegister;
    cs: SegmentRegister;
    ss: SegmentRegister;
    ds: SegmentRegister;
    fs: SegmentRegister;
    gs: SegmentRegister;
  };
  gdtr: DescriptorTable;
  idtr: DescriptorTable;
  ldtr: SegmentRegister;
  tr: SegmentRegister;
  /** Current privilege level. */
  cpl: number;
}

/** Partial register update for setRegisters(); segment entries replace the whole cache. */
export interface CpuRegistersUpdate {
  eax?: number;
  ecx?: number;
  edx?: number;
  ebx?: number;
  esp?: number;
  ebp?: number;
  esi?: number;
  edi?: number;
  eip?: number;
  eflags?: number;
  cr0?: number;
  cr2?: number;
  cr3?: number;
  cr4?: number;
  dr?: number[];
  segments?: Partial<CpuRegisters['segments']>;
  gdtr?: DescriptorTable;
  idtr?: DescriptorTable;
  ldtr?: SegmentRegister;
  tr?: SegmentRegister;
}

export type RunReason = 'budget' | 'halted' | 'stopped' | 'breakpoint' | 'triple-fault' | 'shutdown';

export interface RunExit {
  reason: RunReason;
  /** Instructions retired during this run() call. */
  instructions: number;
}

export type CpuEvent =
  | { kind: 'exception'; vector: number; errorCode?: number; cs: number; eip: number }
  | { kind: 'double-fault'; first: number; second: number; cs: number; eip: number }
  | { kind: 'undefined-opcode'; linear: number; bytes: number[]; cs: number; eip: number }
  | { kind: 'triple-fault'; vector: number; cs: number; eip: number; cause: string }
  | { kind: 'msr'; op: 'read' | 'write'; index: number; value: bigint; known: boolean }
  | { kind: 'internal-error'; message: string; cs: number; eip: number }
  | { kind: 'halt'; cs: number; eip: number }
  | { kind: 'mode-change'; cr0: number; previous: number };

export type CpuEventListener = (e: CpuEvent) => void;

/** Plain-data snapshot (getState/setState). */
export interface CpuState {
  /** 2 since the x87 state (`fpu`) was added. */
  version: 2;
  regs: number[];
  eip: number;
  eflags: number;
  seg: { selector: number; base: number; limit: number; access: number }[];
  ldtr: { selector: number; base: number; limit: number; access: number };
  tr: { selector: number; base: number; limit: number; access: number };
  gdtr: DescriptorTable;
  idtr: DescriptorTable;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  dr: number[];
  cpl: number;
  halted: boolean;
  a20: boolean;
  nmiPending: boolean;
  nmiBlocked: boolean;
  inhibitInterrupts: boolean;
  shutdown: boolean;
  instructionCount: number;
  tscOffset: string;
  msrs: [number, string][];
  /** x87 FPU registers, control/status/tag words, pointers, FERR#/IGNNE#. */
  fpu: FpuState;
}
