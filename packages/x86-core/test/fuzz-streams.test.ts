// Property test: seeded random byte streams executed in real mode, 16-bit protected mode and 32-bit
// flat protected mode never throw a host exception and leave the core consistent. Exception
// vectors (IVT / IDT gates) point back into the random bytes, so a stream keeps executing after
// faults. Checked after every stream: run() returned a known reason and never threw; no
// 'internal-error' event; instructionCount grew by exactly what run() reported; every register
// (incl. segment caches, CRs, descriptor tables) is a 32-bit unsigned integer; EFLAGS bit 1 is set;
// EIP is within the CS limit unless the stream ended in an exception/shutdown; getState/setState
// round-trips. The core runs with jitThreshold 1, so the trace compiler (src/jit.ts) compiles and
// runs the random code as soon as it branches.
// Two bugs this test found (both fixed in the core since, kept as regressions): (1) a fault whose
// handler faults again was re-delivered forever without counting against run()'s budget, so run(n)
// never returned; (2) a REP string instruction ran all ECX iterations (up to 2^32 - 1) inside one
// step. Guards keep a regression from hanging the suite: after 20 x budget exception deliveries in
// one run() the listener calls requestStop(), and everything outside RAM (and every I/O port) is a
// guard device that throws after GUARD_CAP accesses in one run() (the core reports that as an
// 'internal-error' event and returns). Both are counted and must stay at zero.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import type { CpuEvent, CpuRegisters, RunReason } from '../src/index.js';
import { Cpu } from '../src/index.js';
import { Rng } from './harness/randgen.js';

const STREAMS = 300;
const LOCKSTEP_STREAMS = 200;
const BUDGET = 2000;
const CODE_SIZE = 0x10000;
const GDT = 0x0800;
const REASONS: RunReason[] = ['budget', 'halted', 'stopped', 'breakpoint', 'triple-fault', 'shutdown'];

type Mode = 'real' | 'pm16' | 'pm32' | 'pm32pg';

const GUARD = 'fuzz guard: too many device accesses in one run()';
const GUARD_CAP = 16_000_000;

/** Unassigned-like device (reads all-ones, writes dropped) that stops a runaway REP by throwing. */
class Guard implements IoHandler {
  count = 0;
  cap = GUARD_CAP;
  read(_offset: number, size: AccessSize): number {
    if (++this.count > this.cap) throw new Error(GUARD);
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
  write(_offset: number, _size: AccessSize, _value: number): void {
    if (++this.count > this.cap) throw new Error(GUARD);
  }
}

function guardedMachine(ramSize: number) {
  const mem = new MemoryBus();
  mem.addRam('ram', 0, ramSize);
  const guard = new Guard();
  mem.addMmio('guard', ramSize, 0x1_0000_0000 - ramSize, guard);
  const io = new IoBus();
  io.addPio('guard', 0, 0x10000, guard);
  return { mem, io, guard };
}

function u32(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function checkRegisters(r: CpuRegisters): string[] {
  const bad: string[] = [];
  for (const k of [
    'eax',
    'ecx',
    'edx',
    'ebx',
    'esp',
    'ebp',
    'esi',
    'edi',
    'eip',
    'eflags',
    'cr0',
    'cr2',
    'cr3',
    'cr4',
  ] as const) {
    if (!u32(r[k])) bad.push(`${k}=${String(r[k])}`);
  }
  for (const [name, s] of Object.entries(r.segments)) {
    if (!u32(s.base) || !u32(s.limit) || !u32(s.selector) || s.selector > 0xffff) {
      bad.push(`${name}=${JSON.stringify(s)}`);
    }
  }
  if (!u32(r.gdtr.base) || !u32(r.gdtr.limit) || !u32(r.idtr.base) || !u32(r.idtr.limit))
    bad.push('gdtr/idtr');
  if ((r.eflags & 2) === 0) bad.push(`eflags bit 1 clear: ${r.eflags.toString(16)}`);
  return bad;
}

function desc(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi =
    (base & 0xff000000) |
    ((flags & 0xf) << 20) |
    (limit & 0xf0000) |
    ((access & 0xff) << 8) |
    ((base >>> 16) & 0xff);
  return [lo >>> 0, hi >>> 0];
}

const PAGE_DIR = 0x100000;

/** 32-bit paging for 'pm32pg': one page table maps linear 0-4 MiB; most pages identity, some
 * aliases of the code area (so code runs and is written through two linear addresses), some not
 * present, some read-only. The tables sit in RAM the random code can store to, so streams also edit
 * them under running traces. */
function pageTables(mem: MemoryBus, rng: Rng): void {
  const pt = PAGE_DIR + 0x1000;
  for (let i = 0; i < 1024; i++) mem.write32(PAGE_DIR + i * 4, 0);
  mem.write32(PAGE_DIR, pt | 3);
  for (let i = 0; i < 1024; i++) {
    const roll = rng.below(16);
    let frame = i < 0x200 ? i : rng.below(0x200); // RAM is 2 MiB: frames 0-0x1FF
    if (roll === 0 && i >= 0x20) frame = rng.below(0x10); // an alias of the code pages
    const flags = roll === 1 && i >= 0x20 ? 0 : roll === 2 ? 1 : 3;
    mem.write32(pt + i * 4, ((frame << 12) | flags) >>> 0);
  }
}

function prepare(cpu: Cpu, mem: MemoryBus, rng: Rng, mode: Mode): void {
  const code = new Uint8Array(CODE_SIZE);
  for (let i = 0; i < CODE_SIZE; i += 4) {
    const v = rng.u32();
    code[i] = v;
    code[i + 1] = v >>> 8;
    code[i + 2] = v >>> 16;
    code[i + 3] = v >>> 24;
  }
  mem.writeBytes(0, code);
  cpu.reset();
  const eip = 0x1000 + rng.below(0xe000);
  const esp = 0x8000 + rng.below(0x7000);
  const eflags = 0x2 | (rng.u32() & 0x8d5);
  if (mode === 'real') {
    // IVT (random bytes at 0..0x3FF) points wherever; keep CS:IP inside the random area
    const seg = (s: number) => ({ selector: s, base: s << 4, limit: 0xffff, access: 0x93 });
    cpu.setRegisters({
      eip,
      esp,
      eflags,
      cr0: 0x10,
      segments: {
        cs: { selector: 0, base: 0, limit: 0xffff, access: 0x9b },
        ds: seg(0),
        es: seg(0),
        ss: seg(0),
        fs: seg(0),
        gs: seg(0),
      },
      idtr: { base: 0, limit: 0x3ff },
    });
    return;
  }
  // GDT: null, code32, data32, code16, data16 (all base 0); IDT at 0 with gates into the stream
  const entries = [
    [0, 0],
    desc(0, 0xfffff, 0x9b, 0xc),
    desc(0, 0xfffff, 0x93, 0xc),
    desc(0, 0xffff, 0x9b, 0x0),
    desc(0, 0xffff, 0x93, 0x0),
  ];
  entries.forEach(([lo, hi], i) => {
    mem.write32(GDT + i * 8, lo ?? 0);
    mem.write32(GDT + i * 8 + 4, hi ?? 0);
  });
  const flat = mode !== 'pm16';
  const codeSel = flat ? 0x08 : 0x18;
  const gateType = flat ? 0x8e : 0x86;
  for (let v = 0; v < 256; v++) {
    const off = 0x1000 + rng.below(0xe000);
    mem.write32(v * 8, ((codeSel << 16) | (off & 0xffff)) >>> 0);
    mem.write32(v * 8 + 4, ((off & 0xffff0000) | (gateType << 8)) >>> 0);
  }
  const data = {
    selector: flat ? 0x10 : 0x20,
    base: 0,
    limit: flat ? 0xffffffff : 0xffff,
    access: flat ? 0xc093 : 0x93,
  };
  if (mode === 'pm32pg') pageTables(mem, rng);
  cpu.setRegisters({
    eip,
    esp,
    eflags,
    cr0: mode === 'pm32pg' ? 0x80000011 : 0x11,
    cr3: mode === 'pm32pg' ? PAGE_DIR : 0,
    gdtr: { base: GDT, limit: entries.length * 8 - 1 },
    idtr: { base: 0, limit: 256 * 8 - 1 },
    segments: {
      cs: { selector: codeSel, base: 0, limit: flat ? 0xffffffff : 0xffff, access: flat ? 0xc09b : 0x9b },
      ds: data,
      es: data,
      ss: data,
      fs: data,
      gs: data,
    },
  });
}

const SEEDS: Record<Mode, number> = {
  real: 0xf00d0001,
  pm16: 0xf00d0002,
  pm32: 0xf00d0003,
  pm32pg: 0xf00d0004,
};

describe('random byte streams never break the core', () => {
  for (const mode of ['real', 'pm16', 'pm32', 'pm32pg'] as const) {
    it(`${mode}: ${STREAMS} streams x ${BUDGET} instructions`, () => {
      const { mem, io, guard } = guardedMachine(2 * 1024 * 1024);
      const cpu = new Cpu({ memory: mem, io, jitThreshold: 1 });
      const events: CpuEvent[] = [];
      let runawayReps = 0;
      let exceptions = 0;
      let deliveries = 0;
      let livelocks = 0;
      cpu.onEvent((e) => {
        if (
          e.kind === 'exception' ||
          e.kind === 'undefined-opcode' ||
          e.kind === 'triple-fault' ||
          e.kind === 'double-fault'
        ) {
          exceptions++;
          if (++deliveries === 20 * BUDGET) {
            livelocks++;
            cpu.requestStop();
          } else if (deliveries > 20 * BUDGET) cpu.requestStop();
        }
        if (e.kind === 'internal-error') {
          if (e.message.includes(GUARD)) runawayReps++;
          else if (events.length < 20) events.push(e);
        }
      });
      const rng = new Rng(SEEDS[mode]);
      let total = 0;
      const reasons = new Map<string, number>();
      for (let s = 0; s < STREAMS; s++) {
        prepare(cpu, mem, rng, mode);
        const exBefore = exceptions;
        deliveries = 0;
        guard.count = 0;
        const before = cpu.instructionCount;
        let exit: ReturnType<Cpu['run']>;
        try {
          exit = cpu.run(BUDGET);
        } catch (e) {
          throw new Error(`stream ${s}: run() threw ${String(e)}`);
        }
        const where = `stream ${s} (${mode})`;
        expect(REASONS, where).toContain(exit.reason);
        expect(cpu.instructionCount, where).toBe(before + exit.instructions);
        expect(exit.instructions, where).toBeLessThanOrEqual(BUDGET);
        reasons.set(exit.reason, (reasons.get(exit.reason) ?? 0) + 1);
        total += exit.instructions;
        const regs = cpu.getRegisters();
        expect(checkRegisters(regs), where).toEqual([]);
        const ended = exit.reason === 'triple-fault' || exit.reason === 'shutdown' || guard.count > GUARD_CAP;
        if (!ended && regs.eip > regs.segments.cs.limit) {
          expect(
            exceptions,
            `${where}: EIP ${regs.eip.toString(16)} beyond CS limit with no exception`,
          ).toBeGreaterThan(exBefore);
        }
        const st = cpu.getState();
        cpu.setState(JSON.parse(JSON.stringify(st)));
        expect(cpu.getRegisters(), `${where}: getState/setState round trip`).toEqual(regs);
      }
      expect(events, 'internal errors').toEqual([]);
      expect(livelocks, 'runs that never stopped delivering exceptions').toBe(0);
      expect(runawayReps, 'runs stopped by the device-access guard (unbounded REP)').toBe(0);
      // the streams really execute (not just fault on the first byte)
      expect(total).toBeGreaterThan(STREAMS * 50);
      // jitThreshold 1: the trace compiler sees the random code too (and must not throw either)
      expect(cpu.jitStats.compiled).toBeGreaterThan(0);
      console.log(
        `fuzz ${mode}: ${total} instructions, ${exceptions} exceptions, ${livelocks} fault livelocks, ${runawayReps} runaway REPs, exits ${JSON.stringify([...reasons])}, traces ${JSON.stringify(cpu.jitStats)}`,
      );
    });
  }
});

// The same random streams on a compiling core (jitThreshold 1) and an interpreting one, in lockstep
// run() slices: the instruction count, every register, the exceptions delivered and RAM must agree
// after each stream. With paging on the streams also store into their own page tables and code
// (through aliases), so traces run under page-table edits, #PF and self-modification.
describe('random byte streams: compiled and interpreted cores agree', () => {
  for (const mode of ['pm32', 'pm32pg'] as const) {
    it(`${mode}: ${LOCKSTEP_STREAMS} streams`, () => {
      const cores = [true, false].map((jit) => {
        const { mem, io, guard } = guardedMachine(2 * 1024 * 1024);
        const cpu = new Cpu({ memory: mem, io, jit, jitThreshold: 1 });
        const seen = { exceptions: 0 };
        cpu.onEvent((e) => {
          if (e.kind === 'exception' || e.kind === 'undefined-opcode') seen.exceptions++;
          if (seen.exceptions > 20 * BUDGET) cpu.requestStop();
        });
        return { mem, cpu, guard, seen };
      });
      const slices = new Rng(SEEDS[mode] ^ 0x5eed);
      let compiled = 0;
      for (let s = 0; s < LOCKSTEP_STREAMS; s++) {
        for (const c of cores) {
          prepare(c.cpu, c.mem, new Rng(SEEDS[mode] + s * 7919), mode);
          c.seen.exceptions = 0;
          c.guard.count = 0;
        }
        const [a, b] = cores as [(typeof cores)[0], (typeof cores)[0]];
        let left = BUDGET;
        while (left > 0) {
          const n = Math.min(left, slices.chance(0.3) ? 1 + slices.below(7) : 1 + slices.below(600));
          const ea = a.cpu.run(n);
          const eb = b.cpu.run(n);
          const where = `stream ${s} (${mode}), ${BUDGET - left} instructions in`;
          expect(ea, where).toEqual(eb);
          expect(a.cpu.getRegisters(), where).toEqual(b.cpu.getRegisters());
          expect(a.seen.exceptions, `${where}: exceptions`).toBe(b.seen.exceptions);
          left -= ea.instructions;
          if (ea.reason !== 'budget' || ea.instructions === 0) break;
        }
        expect(
          Buffer.from(a.mem.readBytes(0, 0x200000)).equals(Buffer.from(b.mem.readBytes(0, 0x200000))),
          `stream ${s}: RAM`,
        ).toBe(true);
        compiled = a.cpu.jitStats.compiled;
      }
      expect(compiled).toBeGreaterThan(0);
      expect(cores[0]?.cpu.jitStats.instructions).toBeGreaterThan(LOCKSTEP_STREAMS);
    });
  }
});

describe('run() budget and REP', () => {
  // Regression (found by the fuzz above, fixed in c1365db): a #GP handler whose first instruction
  // raises #GP again made run(1000) deliver exceptions forever. Repro: 32-bit flat PM, IDT[13] ->
  // 0x1000, at 0x1000 `mov fs, di` (8E E7) with DI = 4 (an LDT selector whose descriptor is a system
  // descriptor). run(1000) must return having delivered about 1000 exceptions at most. The
  // listener stops the CPU after 100,000 deliveries so a regression cannot hang the suite.
  it('run() returns within its budget when every exception handler faults again', () => {
    const mem = new MemoryBus();
    mem.addRam('ram', 0, 1024 * 1024);
    const cpu = new Cpu({ memory: mem, io: new IoBus() });
    const [clo, chi] = desc(0, 0xfffff, 0x9b, 0xc);
    const [dlo, dhi] = desc(0, 0xfffff, 0x93, 0xc);
    mem.write32(GDT + 8, clo);
    mem.write32(GDT + 12, chi);
    mem.write32(GDT + 16, dlo);
    mem.write32(GDT + 20, dhi);
    // IDT at 0x2000, every vector -> 0x1000 (32-bit interrupt gate)
    for (let v = 0; v < 256; v++) {
      mem.write32(0x2000 + v * 8, (0x08 << 16) | 0x1000);
      mem.write32(0x2000 + v * 8 + 4, 0x8e00);
    }
    mem.writeBytes(0x1000, new Uint8Array([0x8e, 0xe7]));
    cpu.reset();
    const data = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0xc093 };
    cpu.setRegisters({
      eip: 0x1000,
      esp: 0x80000,
      edi: 4,
      cr0: 0x11,
      gdtr: { base: GDT, limit: 23 },
      idtr: { base: 0x2000, limit: 0x7ff },
      segments: {
        cs: { selector: 0x08, base: 0, limit: 0xffffffff, access: 0xc09b },
        ds: data,
        es: data,
        ss: data,
        fs: data,
        gs: data,
      },
    });
    let n = 0;
    cpu.onEvent((e) => {
      if (e.kind === 'exception' && ++n >= 100_000) cpu.requestStop();
    });
    const exit = cpu.run(1000);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(1100);
    expect(exit.reason).toBe('budget');
  });

  // Regression (found by the fuzz above, fixed in c1365db): REP string instructions ran all ECX
  // iterations inside one step, so `rep stosb` with ECX = 0xFFFFFFFF kept run() busy for billions
  // of iterations (QEMU and real CPUs make REP interruptible). Repro: 32-bit flat PM, EDI =
  // 0x100000 (outside RAM), ECX = 0xFFFFFFFF, `rep stosb` (F3 AA) at 0x1000, run(100). Expected:
  // run() returns after bounded work (fewer than 1,000,000 device writes here), ECX partly counted
  // down and EIP still at the REP. The guard device throws at its cap so the suite cannot hang.
  it('a REP STOSB with ECX = 0xFFFFFFFF does not run to completion inside one run(100)', () => {
    const { mem, io, guard } = guardedMachine(1024 * 1024);
    const cpu = new Cpu({ memory: mem, io });
    mem.writeBytes(0x1000, new Uint8Array([0xf3, 0xaa]));
    cpu.reset();
    const data = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0xc093 };
    cpu.setRegisters({
      eip: 0x1000,
      esp: 0x80000,
      edi: 0x100000,
      ecx: 0xffffffff,
      cr0: 0x11,
      segments: {
        cs: { selector: 0x08, base: 0, limit: 0xffffffff, access: 0xc09b },
        ds: data,
        es: data,
        ss: data,
        fs: data,
        gs: data,
      },
    });
    const errors: string[] = [];
    cpu.onEvent((e) => {
      if (e.kind === 'internal-error') errors.push(e.message);
    });
    guard.cap = 1_000_000;
    const exit = cpu.run(100);
    expect(errors).toEqual([]);
    expect(guard.count).toBeLessThan(1_000_000);
    expect(guard.count).toBeGreaterThan(0);
    expect(exit.reason).toBe('budget');
    const regs = cpu.getRegisters();
    expect(regs.ecx).toBe((0xffffffff - guard.count) >>> 0);
    expect(regs.edi).toBe(0x100000 + guard.count);
    expect(regs.eip).toBe(0x1000);
  });
});
