export const PACKAGE_NAME = '@vmkit/x86-core';
export { Cpu } from './cpu.js';
export { type Disassembly, disassemble } from './disasm.js';
export type { CpuOptions } from './state.js';
export {
  DEFAULT_MODEL,
  FEATURE_APIC,
  FEATURE_CMOV,
  FEATURE_CX8,
  FEATURE_FPU,
  FEATURE_MSR,
  FEATURE_MTRR,
  FEATURE_PAT,
  FEATURE_PGE,
  FEATURE_PSE,
  FEATURE_SEP,
  FEATURE_TSC,
} from './state.js';
export type * from './types.js';
