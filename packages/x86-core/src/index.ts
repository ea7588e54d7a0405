export const PACKAGE_NAME = '@vmkit/x86-core';
export type { CpuOptions } from './cpu.js';
export {
  Cpu,
  DEFAULT_MODEL,
  FEATURE_APIC,
  FEATURE_CMOV,
  FEATURE_CX8,
  FEATURE_MSR,
  FEATURE_MTRR,
  FEATURE_PSE,
  FEATURE_TSC,
} from './cpu.js';
export { type Disassembly, disassemble } from './disasm.js';
export type * from './types.js';
