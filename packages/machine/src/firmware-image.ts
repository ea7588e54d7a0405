// Firmware 'image': a BIOS image executed by @vmkit/x86-core. The image is mapped as QEMU maps
// `-bios` (hw/i386/x86.c x86_bios_rom_init): the whole image at 4 GiB − size, and its last
// 128 KiB (or all of a smaller image) as "isa-bios" just below 1 MiB, where the i440FX PAM
// registers decide whether reads and writes of 0xC0000–0xFFFFF reach it or the RAM under it.

import { e820TypeName } from '@vmkit/seabios-port';
import { Cpu } from '@vmkit/x86-core';
import type { Machine } from './machine.js';
import type { E820Entry, StopReason } from './report.js';
import { groupDigits } from './size.js';

const ISA_BIOS_MAX = 128 * 1024;
/** Largest slice run() is given before timers and stop conditions are looked at again. */
const MAX_SLICE = 1_000_000;
/** Slice limit while a predicate is to be checked. */
const PREDICATE_SLICE = 10_000;
const PROGRESS_EVERY = 5_000_000;

export function mapBiosImage(m: Machine, image: Uint8Array): void {
  const size = image.length;
  const bios = m.memory.addRom('bios', 0x1_0000_0000 - size, image);
  const isaSize = Math.min(size, ISA_BIOS_MAX);
  m.memory.addAlias('isa-bios', 0x10_0000 - isaSize, bios, size - isaSize, isaSize, { priority: 1 });
}

/** The CPU for image firmware, reset and wired to the machine (created with the machine). */
export function createImageCpu(m: Machine): Cpu {
  const cpu = new Cpu({
    memory: m.memory,
    io: m.io,
    interrupts: m.platform.interrupts,
    jit: m.config.jit,
    model: {
      // The platform has a LAPIC at 0xFEE00000; say so, as QEMU's CPUs do, so SeaBIOS runs its
      // SMP scan ("Found 1 cpu(s) max supported 1 cpu(s)").
      apic: true,
      // QEMU TCG's default phys-bits (40): SeaBIOS sizes its 64-bit PCI window from it.
      physAddrBits: 40,
      // TSC at 1 GHz of virtual time, so firmware delays follow the machine's clock.
      tsc: () => Math.floor(m.now()),
    },
  });
  // FERR# → IRQ 13 (the PC's legacy x87 error path, used when the guest leaves CR0.NE clear).
  cpu.setFerrHandler((asserted) => m.platform.setFerr(asserted));
  const events = m.events;
  cpu.onEvent((e) => {
    if (events.wants(`cpu-${e.kind}`)) events.emit({ ...e, kind: `cpu-${e.kind}` });
  });
  cpu.reset();
  return cpu;
}

export interface StopInfo {
  reason: StopReason;
  detail: string;
}

/** What one call of the run loop may do. */
export interface RunControl {
  /** Absolute instruction count at which the run ends ('instruction-budget'). */
  end: number;
  /** A caller's stop condition, checked after every slice (slices are then at most 10 000). */
  predicate: (() => boolean) | null;
  onProgress?: (p: { instructions: number; virtualTimeNs: number }) => void;
  /** A stop raised while the CPU ran (debug console text, pause()), taken once. */
  takeStop(): StopInfo | null;
}

/**
 * The machine's run loop for image firmware: run the CPU in slices that end at the next timer
 * deadline, fire due timers, warp virtual time over HLT, and stop on the budget, a raised stop, the
 * predicate, triple fault, shutdown or an HLT nothing can wake. Slicing never changes results
 * (timers fire at their deadlines whatever the slice grid), which is what lets a run be cut at
 * any instruction and continued, or snapshotted and restored, with the same outcome.
 */
export function runImage(m: Machine, cpu: Cpu, ctl: RunControl): StopInfo {
  const nsPerInstr = 1e9 / m.config.instructionsPerSecond;
  const maxSlice = ctl.predicate ? PREDICATE_SLICE : MAX_SLICE;
  let nextProgress = cpu.instructionCount + PROGRESS_EVERY;
  for (;;) {
    // A guest reset request first: a system reset and on (or the 'reset' stop under 'stop').
    const reset = m.takeResetRequest();
    if (reset) return reset;
    const raised = ctl.takeStop();
    if (raised) return raised;
    const done = cpu.instructionCount;
    if (done >= ctl.end) {
      return { reason: 'instruction-budget', detail: `${groupDigits(ctl.end)} instructions executed` };
    }
    let slice = Math.min(maxSlice, ctl.end - done);
    const deadline = m.nextDeadline();
    if (deadline !== null) {
      const until = Math.ceil((deadline - m.now()) / nsPerInstr);
      slice = Math.max(1, Math.min(slice, until));
    }
    m.setSliceEnd(m.now() + slice * nsPerInstr);
    const exit = cpu.run(slice);
    m.setSliceEnd(null);
    m.updateTimers(m.now());
    if (ctl.onProgress && cpu.instructionCount >= nextProgress) {
      nextProgress = cpu.instructionCount + PROGRESS_EVERY;
      ctl.onProgress({ instructions: cpu.instructionCount, virtualTimeNs: m.now() });
    }
    const resetAfter = m.takeResetRequest();
    if (resetAfter) return resetAfter;
    const after = ctl.takeStop();
    if (after) return after;
    if (ctl.predicate?.()) return { reason: 'until', detail: 'the stop condition became true' };
    const s = exitStop(m, cpu, exit.reason);
    if (s) return s;
  }
}

function exitStop(m: Machine, cpu: Cpu, reason: string): StopInfo | null {
  const r = cpu.getRegisters();
  const at = `${hex(r.segments.cs.selector, 4)}:${hex(r.eip, 8)}`;
  switch (reason) {
    case 'triple-fault':
    case 'shutdown':
      // A triple fault is a guest reset on a PC (QEMU target/i386/tcg/excp_helper.c
      // check_exception: qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET)); under
      // `onReset: 'stop'` (QEMU -no-reboot) it ends the run.
      if (m.config.onReset === 'reset') {
        m.systemReset('triple-fault');
        return null;
      }
      return {
        reason,
        detail: `CPU ${reason} at ${at} (cr0 ${hex(r.cr0, 8)}, eflags ${hex(r.eflags, 8)})`,
      };
    case 'halted': {
      const next = m.nextDeadline();
      if ((r.eflags & 0x200) === 0 || next === null) {
        return {
          reason: 'halted-forever',
          detail: `HLT at ${at} with ${(r.eflags & 0x200) === 0 ? 'interrupts disabled' : 'no timer armed'}`,
        };
      }
      m.warpTo(next);
      m.updateTimers(m.now());
      return null;
    }
    case 'stopped':
      // A device armed a timer inside the slice, a reset request (handled at the loop's next
      // turn) or a raised stop: run on / let the loop act on it.
      m.takeReslice();
      return null;
    default:
      return null;
  }
}

function hex(n: number, w: number): string {
  return `0x${(n >>> 0).toString(16).padStart(w, '0')}`;
}

/**
 * The final e820 map as the firmware reported it: SeaBIOS prints it (src/e820map.c e820_prepboot →
 * dump_map) just before booting: "e820 map has N items:" then "  i: start - end = type NAME".
 * That is the firmware's own account of the map it hands the OS, so it is what the report shows.
 */
export function e820FromSeabiosLog(log: readonly string[]): E820Entry[] {
  let at = -1;
  for (let i = log.length - 1; i >= 0; i--) {
    if (/^e820 map has \d+ items:/.test(log[i]!)) {
      at = i;
      break;
    }
  }
  if (at < 0) return [];
  const n = Number(/^e820 map has (\d+) items:/.exec(log[at]!)![1]);
  const out: E820Entry[] = [];
  for (let i = 1; i <= n && at + i < log.length; i++) {
    const m = /^\s*\d+: ([0-9a-f]{16}) - ([0-9a-f]{16}) = (\d+)/.exec(log[at + i]!);
    if (!m) break;
    const type = Number(m[3]);
    out.push({
      start: Number.parseInt(m[1]!, 16),
      end: Number.parseInt(m[2]!, 16),
      type,
      typeName: e820TypeName(type),
    });
  }
  return out;
}
