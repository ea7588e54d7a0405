// The hand-written oracle programs (test/programs/*.asm) and how to judge their reports.
import type { MachineRun } from './machine.js';

export interface ProgramInfo {
  name: string;
  what: string;
  /** A core bug this program currently exposes: its core tests are `it.fails` so they flip (and
   * must be un-marked) once the bug is fixed. */
  knownBug?: string;
  /** Checks (ids) on which QEMU 7.2 TCG is known to be wrong: left out of the QEMU comparison,
   * and asserted to be still wrong there (so a QEMU fix is noticed). Why, with the reference. */
  qemuWrong?: { ids: number[]; why: string };
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
    name: 'lock',
    what: 'LOCK on lockable memory forms runs; on anything else #UD',
    qemuWrong: {
      // SDM vol. 2 LOCK: "#UD if the LOCK prefix is used with an instruction not listed"; QEMU 7.2's
      // translate.c checks PREFIX_LOCK only for some opcodes and runs LOCK MOV/BT/TEST/LEA/MUL/XCHG r,r.
      ids: [
        0x10, 0x110, 0x14, 0x114, 0x15, 0x115, 0x18, 0x118, 0x1a, 0x11a, 0x1b, 0x11b, 0x1c, 0x11c, 0x1e, 0x22,
        0x23,
      ],
      why: 'QEMU 7.2 TCG executes LOCK on non-lockable instructions without #UD',
    },
  },
  {
    name: 'enter',
    what: 'ENTER with a 32-bit operand size on a 16-bit stack keeps ESP[31:16] in EBP and the frame',
    qemuWrong: {
      // test386.asm POST 0x1A and Bochs (ENTER32_IwIb: frame_ptr32 = ESP after the push) load EBP
      // with, and push, the whole ESP; QEMU 7.2 gen_enter follows the SDM pseudo-code's
      // "FrameTemp <- SP" and gives 0x0000FFFC for both.
      ids: [0x02, 0x05, 0x06, 0x08, 0x0b],
      why: 'QEMU 7.2 TCG clears EBP[31:16] (and the pushed frame pointer) for ENTER on a 16-bit stack',
    },
  },
  {
    name: 'invalid',
    what: 'encodings the SDM defines as invalid raise #UD (groups, register forms, MOV CR/Sreg)',
    qemuWrong: {
      // SDM vol. 2 appendix A: group 1A (8F) defines only /0 POP, group 11 (C6/C7) only /0 MOV;
      // QEMU 7.2's translate.c ignores the reg field of both and runs POP/MOV.
      ids: [0x01, 0x101, 0x02, 0x102, 0x03, 0x103, 0x24, 0x124, 0x25, 0x125],
      why: 'QEMU 7.2 TCG runs 8F /1-/7 as POP and C6/C7 /1-/7 as MOV instead of raising #UD',
    },
  },
  // x87 (test/x87-programs.test.ts lists what the float64 model approximates).
  {
    name: 'x87-env',
    what: 'x87 FNINIT/FNSTSW/FNSTCW/FLDCW/FNCLEX, FNSTENV/FLDENV and FNSAVE/FRSTOR images, #MF with CR0.NE, #NM',
    qemuWrong: {
      // 0x13: SDM vol. 2 FSTENV/FNSTENV: "then masks all floating-point exceptions"; QEMU 7.2's
      // helper_fstenv stores the environment and leaves the control word alone. 0x17/0x1B: the
      // 32-bit protected-mode image holds the last opcode (FOP) in bits 16-26 of the FCS dword
      // (SDM vol. 1 figure 8-9); QEMU 7.2 stores the selector only.
      ids: [0x13, 0x17, 0x1b],
      why: 'QEMU 7.2 TCG does not mask the exceptions after FNSTENV and does not store FOP',
    },
  },
  {
    name: 'x87-arith',
    what: 'x87 arithmetic (all memory/register/P forms), compares, FCOMI, FCMOV, stores under RC, BCD, constants, masked #Z/#I/#D',
    qemuWrong: {
      // 0x19A: FPREM1 of 12 by 7 gives -2 with quotient 2 (SDM FPREM1: C3 = Q1); QEMU 7.2 returns
      // the right remainder but C0 C3 C1 = 000. 0x1A7: a denormal m32real operand is #D (SDM
      // 4.9.1.3, FMUL "Floating-Point Exceptions"); QEMU's softfloat never raises DE for x87 operands.
      ids: [0x19a, 0x1a7],
      why: 'QEMU 7.2 TCG reports no FPREM1 quotient bits for 12 rem1 7 and never sets DE for a denormal operand',
    },
  },
  {
    name: 'x87-misc',
    what: 'x87 transcendentals (exact cases, C2 out of range), stack overflow/underflow, 16-bit and real-mode images, CR0.NE=0',
    qemuWrong: {
      // SDM vol. 1 8.5.1.1: pushing onto a non-empty register or reading an empty one is #IS
      // (IE, SF; C1 = 1 overflow, 0 underflow), masked response the QNaN indefinite, unmasked the
      // operands unchanged. QEMU 7.2's fpush/fpop never look at the tags.
      // 0x0A: the real-mode image's FOP (SDM vol. 1 figure 8-11); QEMU 7.2 writes the CS selector
      // (F000h) in that word, which equals the linear FIP bits 19-16 here but has no FOP.
      ids: [0x121, 0x922, 0x123, 0x924, 0x125, 0x126, 0x127, 0x928, 0x0a],
      why: 'QEMU 7.2 TCG does not detect x87 stack overflow or underflow and stores no FOP',
    },
  },
  {
    name: 'sysregs',
    what: 'CR4.PGE and global pages, IA32_PAT, SYSENTER/SYSEXIT (what Linux i386 turns on at boot)',
    qemuWrong: {
      // SDM vol. 3A 11.12.2: "Attempting to write an undefined memory type encoding into the PAT
      // causes a general-protection (#GP) exception"; QEMU 7.2's helper_wrmsr stores any MSR_PAT
      // value.
      ids: [0x3008, 0x3009],
      why: 'QEMU 7.2 TCG accepts reserved memory types (2, 3, 8+) in IA32_PAT without #GP',
    },
  },
  {
    name: 'stackframe',
    what: 'interrupt (ring 3 to 1, 32/16-bit gates, error code), IRET, far CALL (direct, through call gates to ring 1 with parameters), PUSHA and ENTER frames across a stack page boundary with a page not present: CR2, error code, the slots written before the #PF',
    qemuWrong: {
      // SDM vol. 3A 4.6: accesses made at CPL 3 are user-mode accesses (the #PF error code's U/S
      // bit, 4.7), but for the implicit supervisor ones (descriptor tables, TSS, an interrupt's
      // inner stack); a far CALL's pushes at CPL 3 are not implicit. QEMU 7.2's seg_helper.c
      // makes them with cpu_stl_kernel_ra (PUSHL_RA in helper_lcall_protected) and reports 2.
      // 0x742: the same for a call gate's parameters read from the caller's stack at CPL 3 (Bochs
      // cpu/call_far.cc call_gate: stack_read_dword, a user read); QEMU 7.2 reads them with
      // cpu_ldl_kernel_ra and reports 0, not 4.
      // 0x960, 0x963, 0x964: ENTER with locals whose new ESP lies in a not-present page. SDM vol. 2A
      // ENTER: #PF "if a write using the final value of the stack pointer (within the current stack
      // segment) would cause a page fault"; Bochs cpu/stack32.cc ENTER32_IwIb probes it
      // (read_RMW_virtual_dword at the final ESP). QEMU 7.2's translate.c gen_enter stores nothing
      // there and does not fault (CR2, ESP and EBP are then the next instruction's).
      ids: [0x505, 0x742, 0x960, 0x963, 0x964],
      why: 'QEMU 7.2 TCG reports a far CALL push fault and a call gate parameter read fault at CPL 3 as supervisor accesses (error code 2, not 6; 0, not 4), and does not probe the final ESP of ENTER',
    },
  },
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

/** The check id of a report line ("<id> …"), or -1. */
function lineId(l: string): number {
  const m = /^([0-9A-F]{4}) /.exec(l);
  return m === null ? -1 : Number.parseInt(m[1] as string, 16);
}

/** Split a report into the lines QEMU is trusted on and those of `p.qemuWrong` (with a known QEMU
 * bug the DONE line's counts differ too, so it goes with the latter). */
export function splitQemuWrong(p: ProgramInfo, lines: string[]): { trusted: string[]; wrong: string[] } {
  const ids = new Set(p.qemuWrong?.ids ?? []);
  const trusted: string[] = [];
  const wrong: string[] = [];
  for (const l of lines) {
    const out = ids.has(lineId(l)) || (ids.size > 0 && DONE.test(l));
    (out ? wrong : trusted).push(l);
  }
  return { trusted, wrong };
}

/** Problems in a QEMU report other than the checks QEMU is known to get wrong. */
export function qemuProblems(p: ProgramInfo, lines: string[]): string[] {
  const ids = new Set(p.qemuWrong?.ids ?? []);
  const problems = judge(lines).problems.filter((l) => !ids.has(lineId(l)));
  return ids.size > 0 ? problems.filter((l) => !DONE.test(l.split(' (')[0] as string)) : problems;
}

export function describeRun(r: MachineRun): string {
  const ev = r.events.filter((e) => e.kind !== 'exception' && e.kind !== 'mode-change').slice(0, 5);
  // msr events carry bigint values, which JSON.stringify refuses.
  const json = JSON.stringify(ev, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
  return `reason=${r.reason} instructions=${r.instructions} exit=${String(r.exitCode)} events=${json}`;
}
