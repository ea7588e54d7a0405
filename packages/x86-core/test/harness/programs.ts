// The hand-written oracle programs (test/programs/*.asm) and how to judge their reports.
import type { MachineRun } from './machine.js';

export interface ProgramInfo {
  name: string;
  what: string;
  /** A core bug this program currently exposes: its core tests are `it.fails` so they flip (and
   * must be un-marked) once the bug is fixed. */
  knownBug?: string;
}

export const PROGRAMS: ProgramInfo[] = [
  { name: 'alu', what: 'ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG NOT with exact flags' },
  { name: 'shift', what: 'SHL SHR SAR ROL ROR RCL RCR SHLD SHRD incl. count 0 and count >= width' },
  { name: 'muldiv', what: 'MUL IMUL DIV IDIV incl. #DE through an installed handler' },
  { name: 'bits', what: 'BT* BSF BSR SETcc CMOVcc BSWAP XADD CMPXCHG CMPXCHG8B' },
  { name: 'string', what: 'MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE and DF' },
  {
    name: 'misc',
    what: 'BCD, LOOP/JCXZ, ENTER/LEAVE, PUSHA/POPA/PUSHF/POPF, data movement, CPUID/EFLAGS.ID',
  },
  { name: 'exc', what: '#UD #GP #NP #BR INT n INT3 INTO IRET in real and protected mode' },
  { name: 'modes', what: 'real <-> 32-bit PM <-> 16-bit PM transitions, unreal mode above 1 MiB' },
  { name: 'paging', what: '#PF error codes and CR2, WP, accessed/dirty bits, INVLPG' },
  {
    name: 'bcd-edge',
    // Found by qemu-random: AAS subtracted 6 from AL alone (AX=0x1D02, AF=1 gave 0x1C0C, the SDM and
    // QEMU give 0x1B0C); fixed in 7b347d8, kept as a regression.
    what: 'AAA/AAS carry and borrow between AL and AH, DAA/DAS with AF and CF set',
  },
  // The programs below guard what test386.asm found (test/TEST386-FIXES.md).
  { name: 'stack-width', what: 'POP SS/POP Sreg move ESP by the old stack width across a B-bit change' },
  {
    name: 'vm86',
    what: 'virtual-8086 mode: IRET to VM=1, IOPL-sensitive instructions, I/O bitmap, gates, #GP/#UD frames',
  },
];

export interface Verdict {
  passed: number;
  failed: number;
  /** Lines that are not a passing check (BAD checks, unexpected exceptions, junk). */
  problems: string[];
  done: boolean;
}

const OK = /^[0-9A-F]{4} [0-9A-F]{8} [0-9A-F]{4} ok$/;
const DONE = /^DONE ([0-9A-F]{4}) ([0-9A-F]{4})$/;

/** Judge a report: every check line must be "ok", and DONE must agree with the count. */
export function judge(lines: string[]): Verdict {
  let passed = 0;
  let done = false;
  let failed = 0;
  const problems: string[] = [];
  for (const l of lines) {
    if (OK.test(l)) {
      passed++;
      continue;
    }
    const d = DONE.exec(l);
    if (d !== null) {
      done = true;
      failed = Number.parseInt(d[2] ?? '0', 16);
      if (Number.parseInt(d[1] ?? '0', 16) !== passed) problems.push(`${l} (counted ${passed} ok lines)`);
      continue;
    }
    if (l === 'START' || l === 'PM32' || l.startsWith('D ')) continue;
    problems.push(l);
  }
  if (!done) problems.push('no DONE line');
  return { passed, failed, problems, done };
}

export function describeRun(r: MachineRun): string {
  const ev = r.events.filter((e) => e.kind !== 'exception' && e.kind !== 'mode-change').slice(0, 5);
  return `reason=${r.reason} instructions=${r.instructions} exit=${String(r.exitCode)} events=${JSON.stringify(ev)}`;
}
