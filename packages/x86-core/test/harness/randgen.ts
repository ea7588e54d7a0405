// Seeded random instruction sequences for differential testing against QEMU. Each step loads
// random operands, sets random arithmetic flags, executes one instruction and DUMPs the six data
// registers and the flags that the SDM defines after that instruction (lib.inc's policy).

/** mulberry32: small, fast, good enough for test generation. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return this.u32() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)] as T;
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
}

const ALLF = 0x8d5;
const LOGF = 0x8c5;
const SPECIAL = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
  0xffffffff, 0x0f0f0f0f, 0x99, 0x09,
];

type Width = 8 | 16 | 32;
const REG32 = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi'] as const;
const REG16 = ['ax', 'bx', 'cx', 'dx', 'si', 'di'] as const;
const REG8 = ['al', 'bl', 'cl', 'dl', 'ah', 'bh', 'ch', 'dh'] as const;
/** The 32-bit register holding an operand register. */
const HOME: Record<string, string> = {
  eax: 'eax',
  ax: 'eax',
  al: 'eax',
  ah: 'eax',
  ebx: 'ebx',
  bx: 'ebx',
  bl: 'ebx',
  bh: 'ebx',
  ecx: 'ecx',
  cx: 'ecx',
  cl: 'ecx',
  ch: 'ecx',
  edx: 'edx',
  dx: 'edx',
  dl: 'edx',
  dh: 'edx',
  esi: 'esi',
  si: 'esi',
  edi: 'edi',
  di: 'edi',
  ebp: 'ebp',
  bp: 'ebp',
};
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

export interface Step {
  /** Instruction text as assembled (for failure messages). */
  insn: string;
  /** Setup lines. */
  setup: string[];
  mask: number;
}

function value(r: Rng): number {
  const k = r.below(4);
  if (k === 0) return r.pick(SPECIAL);
  if (k === 1) return r.below(0x100);
  return r.u32();
}

function reg(r: Rng, w: Width): string {
  return w === 32 ? r.pick(REG32) : w === 16 ? r.pick(REG16) : r.pick(REG8);
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function load(regs: string[], r: Rng): string[] {
  const homes = [...new Set(regs.map((x) => HOME[x] ?? x))];
  return homes.map((h) => `mov ${h}, ${hex(value(r))}`);
}

function shiftMask(op: string, w: Width, count: number): number {
  const c = count & 31;
  if (c === 0) return ALLF;
  if (op === 'rol' || op === 'ror') return c === 1 ? 0x801 : 0x001;
  if (op === 'rcl' || op === 'rcr') return c === 1 ? 0x801 : 0x001;
  // SHL/SHR/SAR/SHLD/SHRD: AF undefined; OF only for count 1; CF undefined when count >= width
  let m = c === 1 ? 0x8c5 : 0x0c5;
  if (c >= w) m &= ~1;
  return m;
}

function widthOf(r: Rng, allow8 = true): Width {
  const k = r.below(allow8 ? 3 : 2);
  return k === 0 ? 32 : k === 1 ? 16 : allow8 ? 8 : 32;
}

const FORMS16 = ['bx + si', 'bx + di', 'bp + si', 'bp + di', 'si', 'di', 'bx', 'bp'];

/** A memory operand: 16-bit addressing (wrapping at 64 KiB inside DS = 0x1000 / SS = 0) or
 * 32-bit base + index * scale + disp inside a window at 1 MiB. `write` is false for SS-based forms
 * in 16-bit code (SS = 0 holds the IVT, the stack and the report variables). */
function memOperand(
  r: Rng,
  mode: 16 | 32,
): { text: string; regs: string[]; write: boolean; setup: string[] } {
  if (mode === 16) {
    const f = r.pick(FORMS16);
    // signed 16-bit displacement (nasm picks the 8-bit form itself when it fits); the registers
    // are chosen so the 16-bit effective address (which wraps at 64 KiB) stays <= 0xFFF0: an
    // access crossing the 64 KiB limit faults on real CPUs but not under QEMU TCG. Their upper
    // halves are random (16-bit addressing ignores them).
    const disp = r.pick([0, r.below(0x100) - 0x80, r.below(0x10000) - 0x8000]);
    const regs = f.split(' + ');
    const target = r.below(0xfff1);
    const setup: string[] = [];
    let sum = 0;
    regs.forEach((g, i) => {
      const v = i === regs.length - 1 ? (target - disp - sum) & 0xffff : r.below(0x10000);
      sum += v;
      setup.push(`mov ${HOME[g]}, ${hex(((r.u32() & 0xffff0000) | v) >>> 0)}`);
    });
    return {
      text: disp === 0 && f !== 'bp' ? f : `${f} + ${disp}`,
      regs,
      write: !f.includes('bp'),
      setup,
    };
  }
  const base = r.pick(['ebx', 'esi', 'ebp']);
  let index = r.pick(['ecx', 'edx', 'edi']);
  if (index === base) index = 'ecx';
  const scale = r.pick([1, 2, 4, 8]);
  const disp = r.below(0x1000) - 0x800;
  return {
    text: `${base} + ${index} * ${scale} + ${disp}`,
    regs: [base, index],
    write: true,
    setup: [`mov ${base}, ${hex(0x100000 + r.below(0x10000))}`, `mov ${index}, ${hex(r.below(0x1000))}`],
  };
}

function memStep(r: Rng, mode: 16 | 32): Step {
  const m = memOperand(r, mode);
  const w = widthOf(r);
  const size = w === 32 ? 'dword' : w === 16 ? 'word' : 'byte';
  let d = reg(r, w);
  const uses = (x: string) => m.regs.some((g) => HOME[g] === HOME[x] || g === HOME[x]);
  while (uses(d)) d = reg(r, w);
  const setup = [...load([d], r), ...m.setup];
  const k = r.below(4);
  if (k === 0 || !m.write) return { insn: `mov ${d}, ${size} [${m.text}]`, setup, mask: ALLF };
  if (k === 1) return { insn: `movzx eax, byte [${m.text}]`, setup, mask: ALLF };
  const op = k === 2 ? r.pick(['add', 'sub', 'xor', 'adc']) : 'xchg';
  const readback = uses('edi') ? '' : `\n    mov edi, dword [${m.text}]`;
  return {
    insn: `${op} ${size} [${m.text}], ${d}${readback}`,
    setup,
    mask: op === 'xor' ? LOGF : ALLF,
  };
}

/** One random step (mode only matters for memory-operand steps). */
export function randomStep(r: Rng, mode: 16 | 32 = 32, memory = false): Step {
  if (memory && r.chance(0.25)) return memStep(r, mode);
  const kind = r.below(100);
  // binary ALU
  if (kind < 30) {
    const op = r.pick(['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test']);
    const w = widthOf(r);
    const d = reg(r, w);
    const logic = op === 'and' || op === 'or' || op === 'xor' || op === 'test';
    if (r.chance(0.5)) {
      const s = reg(r, w);
      return { insn: `${op} ${d}, ${s}`, setup: load([d, s], r), mask: logic ? LOGF : ALLF };
    }
    const imm = w === 32 ? value(r) : value(r) & (w === 16 ? 0xffff : 0xff);
    return { insn: `${op} ${d}, ${hex(imm)}`, setup: load([d], r), mask: logic ? LOGF : ALLF };
  }
  if (kind < 38) {
    const op = r.pick(['inc', 'dec', 'neg', 'not']);
    const d = reg(r, widthOf(r));
    return { insn: `${op} ${d}`, setup: load([d], r), mask: ALLF };
  }
  if (kind < 55) {
    const op = r.pick(['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr']);
    const w = widthOf(r);
    const d = reg(r, w);
    const form = r.below(3);
    if (form === 0) return { insn: `${op} ${d}, 1`, setup: load([d], r), mask: shiftMask(op, w, 1) };
    const count = r.chance(0.7) ? r.below(w + 2) : r.below(256);
    if (form === 1)
      return { insn: `${op} ${d}, ${count}`, setup: load([d], r), mask: shiftMask(op, w, count) };
    if (HOME[d] === 'ecx') {
      return { insn: `${op} ${d}, 1`, setup: load([d], r), mask: shiftMask(op, w, 1) };
    }
    return {
      insn: `${op} ${d}, cl`,
      setup: [...load([d], r), `mov ecx, ${hex((r.u32() & ~0xff) | count)}`],
      mask: shiftMask(op, w, count),
    };
  }
  if (kind < 61) {
    const op = r.pick(['shld', 'shrd']);
    const w: Width = r.chance(0.5) ? 32 : 16;
    const d = reg(r, w);
    let s = reg(r, w);
    while (s === d) s = reg(r, w);
    // 16-bit counts above 15 leave results undefined (SDM SHLD/SHRD): stay below
    const count = w === 16 ? r.below(16) : r.below(32);
    if (r.chance(0.5) || HOME[d] === 'ecx' || HOME[s] === 'ecx') {
      return { insn: `${op} ${d}, ${s}, ${count}`, setup: load([d, s], r), mask: shiftMask(op, w, count) };
    }
    return {
      insn: `${op} ${d}, ${s}, cl`,
      setup: [...load([d, s], r), `mov ecx, ${hex((r.u32() & ~0xff) | count)}`],
      mask: shiftMask(op, w, count),
    };
  }
  if (kind < 67) {
    const form = r.below(3);
    const w = widthOf(r, form === 0);
    if (form === 0) {
      const op = r.pick(['mul', 'imul']);
      const s = reg(r, w);
      return { insn: `${op} ${s}`, setup: load(['eax', 'edx', s], r), mask: 0x801 };
    }
    const d = reg(r, w);
    const s = reg(r, w);
    if (form === 1) return { insn: `imul ${d}, ${s}`, setup: load([d, s], r), mask: 0x801 };
    const imm = (r.u32() & 0xffff) - 0x8000;
    return { insn: `imul ${d}, ${s}, ${imm}`, setup: load([d, s], r), mask: 0x801 };
  }
  if (kind < 72) {
    // DIV/IDIV with operands chosen so no #DE: divisor in ebx/ecx/esi
    const signed = r.chance(0.5);
    const w = widthOf(r);
    const divReg =
      w === 32 ? r.pick(['ebx', 'ecx', 'esi']) : w === 16 ? r.pick(['bx', 'cx', 'si']) : r.pick(['bl', 'cl']);
    const bits = w;
    const m = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    let d = value(r) & m;
    if (d === 0) d = 1 + r.below(m);
    const setup = load(['ebx', 'ecx', 'esi'], r);
    setup.push(`mov ${HOME[divReg]}, ${hex((r.u32() & ~m) | d)}`);
    if (!signed) {
      const hi = r.u32() % d;
      const lo = value(r) & m;
      if (w === 32) setup.push(`mov edx, ${hex(hi)}`, `mov eax, ${hex(lo)}`);
      else if (w === 16)
        setup.push(
          `mov edx, ${hex((r.u32() & 0xffff0000) | hi)}`,
          `mov eax, ${hex((r.u32() & 0xffff0000) | lo)}`,
        );
      else setup.push(`mov eax, ${hex((r.u32() & 0xffff0000) | (hi << 8) | lo)}`);
      return { insn: `div ${divReg}`, setup, mask: 0 };
    }
    const sd = d & (1 << (bits - 1)) ? d - 2 ** bits : d;
    let a = value(r) & m;
    const amin = 2 ** (bits - 1);
    if (a === amin && sd === -1) a = 0;
    const ext = w === 32 ? 'cdq' : w === 16 ? 'cwd' : 'cbw';
    setup.push(`mov eax, ${hex((r.u32() & ~m) | a)}`, ext);
    return { insn: `idiv ${divReg}`, setup, mask: 0 };
  }
  if (kind < 78) {
    const op = r.pick(['bt', 'bts', 'btr', 'btc']);
    const w: Width = r.chance(0.5) ? 32 : 16;
    const d = reg(r, w);
    if (r.chance(0.5))
      return { insn: `${op} ${d}, ${r.below(256) & (w - 1)}`, setup: load([d], r), mask: 0x041 };
    const s = reg(r, w);
    return { insn: `${op} ${d}, ${s}`, setup: load([d, s], r), mask: 0x041 };
  }
  if (kind < 82) {
    const op = r.pick(['bsf', 'bsr']);
    const w: Width = r.chance(0.5) ? 32 : 16;
    const d = reg(r, w);
    let s = reg(r, w);
    while (HOME[s] === HOME[d]) s = reg(r, w);
    // a zero source leaves the destination undefined: force a non-zero source
    const setup = load([d, s], r);
    setup.push(`or ${HOME[s]}, ${hex(1 << r.below(w))}`);
    return { insn: `${op} ${d}, ${s}`, setup, mask: 0x040 };
  }
  if (kind < 88) {
    const form = r.below(5);
    if (form === 0) {
      const d = reg(r, 32);
      return { insn: `bswap ${d}`, setup: load([d], r), mask: ALLF };
    }
    const w = widthOf(r);
    const d = reg(r, w);
    let s = reg(r, w);
    while (HOME[s] === HOME[d] && w !== 8) s = reg(r, w);
    if (form === 1) return { insn: `xadd ${d}, ${s}`, setup: load([d, s], r), mask: ALLF };
    if (form === 2) {
      const setup = load(['eax', d, s], r);
      if (r.chance(0.5)) setup.push(`mov ${HOME[d]}, eax`);
      return { insn: `cmpxchg ${d}, ${s}`, setup, mask: ALLF };
    }
    if (form === 3 && w !== 8) {
      return { insn: `cmov${r.pick(CC)} ${d}, ${s}`, setup: load([d, s], r), mask: ALLF };
    }
    return { insn: `set${r.pick(CC)} ${reg(r, 8)}`, setup: load([], r), mask: ALLF };
  }
  if (kind < 93) {
    const op = r.pick(['daa', 'das', 'aaa', 'aas', 'aam', 'aad']);
    const setup = load(['eax'], r);
    const mask = op === 'daa' || op === 'das' ? 0x0d5 : op === 'aaa' || op === 'aas' ? 0x011 : 0x0c4;
    if (op === 'aam') return { insn: `aam ${r.chance(0.5) ? 10 : 1 + r.below(255)}`, setup, mask };
    if (op === 'aad') return { insn: `aad ${r.chance(0.5) ? 10 : r.below(256)}`, setup, mask };
    return { insn: op, setup, mask };
  }
  const form = r.below(7);
  if (form === 0) {
    const s = reg(r, r.chance(0.5) ? 8 : 16);
    const d = reg(r, 32);
    return { insn: `${r.pick(['movzx', 'movsx'])} ${d}, ${s}`, setup: load([s], r), mask: ALLF };
  }
  if (form === 1) {
    const w = widthOf(r);
    const d = reg(r, w);
    const s = reg(r, w);
    return { insn: `xchg ${d}, ${s}`, setup: load([d, s], r), mask: ALLF };
  }
  if (form === 2) {
    const b = reg(r, 32);
    const i = reg(r, 32);
    const d = reg(r, r.chance(0.5) ? 32 : 16);
    const disp = (r.u32() & 0xffff) - 0x8000;
    return {
      insn: `lea ${d}, [${b} + ${i} * ${r.pick([1, 2, 4, 8])} + ${disp}]`,
      setup: load([b, i], r),
      mask: ALLF,
    };
  }
  if (form === 3)
    return { insn: r.pick(['cbw', 'cwde', 'cwd', 'cdq']), setup: load(['eax', 'edx'], r), mask: ALLF };
  if (form === 4)
    return { insn: r.pick(['lahf', 'sahf', 'cmc', 'clc', 'stc']), setup: load(['eax'], r), mask: ALLF };
  // memory destination (SCRATCH), result read back into EDI before the dump
  const op = r.pick(['add', 'sub', 'and', 'or', 'xor', 'adc', 'sbb', 'inc', 'neg', 'shl', 'ror']);
  const w: Width = r.pick([8, 16, 32] as const);
  const size = w === 32 ? 'dword' : w === 16 ? 'word' : 'byte';
  const setup = [`mov dword [SCRATCH], ${hex(value(r))}`];
  let insn: string;
  let mask = ALLF;
  if (op === 'inc' || op === 'neg') insn = `${op} ${size} [SCRATCH]`;
  else if (op === 'shl' || op === 'ror') {
    const c = r.below(w);
    insn = `${op} ${size} [SCRATCH], ${c}`;
    mask = shiftMask(op, w, c);
  } else {
    const s = reg(r, w);
    setup.push(...load([s], r));
    insn = `${op} [SCRATCH], ${s}`;
    if (op === 'and' || op === 'or' || op === 'xor') mask = LOGF;
  }
  return { insn: `${insn}\n    mov edi, [SCRATCH]`, setup, mask };
}

/** Flags an instruction leaves untouched (needed to follow undefined flags through a chain). */
export function keptFlags(step: Step): number {
  const m = step.insn.split(/\s/)[0] ?? '';
  if (/^(mov|movzx|movsx|xchg|lea|bswap|cbw|cwde|cwd|cdq|lahf|not)$/.test(m)) return ALLF;
  if (m.startsWith('cmov') || m.startsWith('set')) return ALLF;
  if (m === 'inc' || m === 'dec') return 0x001;
  if (m === 'cmc' || m === 'clc' || m === 'stc') return ALLF & ~0x001;
  if (m === 'sahf') return 0x800;
  if (/^bt[src]?$/.test(m)) return 0x040;
  if (/^(shl|shr|sar|sal|shld|shrd|rol|ror|rcl|rcr)$/.test(m)) {
    if (step.mask === ALLF) return ALLF;
    return /^r/.test(m) ? 0x0d4 : 0;
  }
  return 0;
}

/** Instructions whose result depends on the incoming arithmetic flags. */
export function readsFlags(step: Step): boolean {
  const m = step.insn.split(/\s/)[0] ?? '';
  return (
    /^(adc|sbb|rcl|rcr|lahf|cmc|daa|das|aaa|aas)$/.test(m) || m.startsWith('set') || m.startsWith('cmov')
  );
}

export interface RandomProgram {
  source: string;
  steps: Step[];
  /** Id of the first DUMP (ids count up from here). */
  firstId: number;
}

/** A program running `count` random steps in 16-bit real mode (mode 16) or 32-bit flat PM (32). */
/** `chain`: flags are set only at the start of runs of 1-4 instructions and dumped only at their
 * end, so each instruction consumes the (lazily computed) flags of the one before; the dump mask
 * follows undefined flags through the run (undefined = (undefined & kept) | newly undefined).
 * `memory`: a quarter of the steps use memory operands (16-bit addressing forms in real mode with
 * DS = ES = 0x1000; base + index * scale + disp around 1 MiB in 32-bit code). */
export function randomProgram(
  seed: number,
  mode: 16 | 32,
  count: number,
  exclude: string[] = [],
  chain = false,
  memory = false,
): RandomProgram {
  const r = new Rng(seed);
  const steps: Step[] = [];
  const body: string[] = [];
  let left = 0;
  let undef = 0;
  for (let i = 0; i < count; i++) {
    let s = randomStep(r, mode, memory);
    while (exclude.includes(s.insn.split(' ')[0] ?? '')) s = randomStep(r, mode, memory);
    const flags = r.u32() & ALLF;
    // an instruction that reads flags must not consume undefined ones: end the run before it
    if (chain && left > 0 && undef !== 0 && readsFlags(s)) {
      const prev = steps[i - 1];
      if (prev !== undefined) body.push(`    DUMP ${hex(i - 1)}, ${hex(prev.mask)}`);
      left = 0;
    }
    body.push(`    ; step ${i}`);
    for (const l of s.setup) body.push(`    ${l}`);
    if (!chain || left === 0) {
      body.push(`    SETF ${hex(flags)}`);
      left = chain ? 1 + r.below(4) : 1;
      undef = 0;
    }
    body.push(`    ${s.insn}`);
    undef = (undef & keptFlags(s)) | (ALLF & ~s.mask);
    left--;
    const step = { ...s, mask: ALLF & ~undef };
    steps.push(step);
    if (left === 0 || i === count - 1) body.push(`    DUMP ${hex(i)}, ${hex(step.mask)}`);
  }
  const init = REG32.map((x) => `    mov ${x}, ${hex(r.u32())}`);
  const lines =
    mode === 16
      ? [
          '%include "inc/lib.inc"',
          'section .text16',
          'tests16:',
          ...(memory ? ['    mov ax, 0x1000', '    mov ds, ax', '    mov es, ax'] : []),
          ...init,
          ...body,
          '    xor ax, ax',
          '    mov ds, ax',
          '    mov es, ax',
          '    ret',
        ]
      : [
          '%define USE_PM32',
          '%include "inc/lib.inc"',
          'section .text16',
          'tests16:',
          '    ret',
          'section .text32',
          'bits 32',
          'tests32:',
          ...init,
          ...body,
          '    ret',
        ];
  return {
    source: `; generated: seed ${seed}, mode ${mode}, ${count} steps\n${lines.join('\n')}\n`,
    steps,
    firstId: 0,
  };
}
