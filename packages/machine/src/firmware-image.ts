// Firmware 'image': a BIOS image executed by @vmkit/x86-core. The image is mapped as QEMU maps
// `-bios` (hw/i386/x86.c x86_bios_rom_init): the whole image at 4 GiB − size, and its last
// 128 KiB (or all of a smaller image) as "isa-bios" just below 1 MiB, where the i440FX PAM
// registers decide whether reads and writes of 0xC0000–0xFFFFF reach it or the RAM under it.

import { e820TypeName } from '@vmkit/seabios-port';
import { Cpu } from '@vmkit/x86-core';
import type { FirmwareResult } from './firmware-hle.js';
import { BOOT_FAIL_TEXT, type BootOptions, type Machine } from './machine.js';
import type { E820Entry } from './report.js';
import { groupDigits } from './size.js';

const ISA_BIOS_MAX = 128 * 1024;
/** Largest slice run() is given before timers and stop conditions are looked at again. */
const MAX_SLICE = 1_000_000;
const PROGRESS_EVERY = 5_000_000;

export function mapBiosImage(m: Machine, image: Uint8Array): void {
  const size = image.length;
  const bios = m.memory.addRom('bios', 0x1_0000_0000 - size, image);
  const isaSize = Math.min(size, ISA_BIOS_MAX);
  m.memory.addAlias('isa-bios', 0x10_0000 - isaSize, bios, size - isaSize, isaSize, { priority: 1 });
}

export function bootImage(m: Machine, image: Uint8Array, opts: BootOptions): FirmwareResult {
  mapBiosImage(m, image);
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
  m.cpu = cpu;
  const events = m.events;
  cpu.onEvent((e) => {
    if (events.wants(`cpu-${e.kind}`)) events.emit({ ...e, kind: `cpu-${e.kind}` });
  });
  cpu.reset();

  let stop: { reason: FirmwareResult['reason']; detail: string } | null = null;
  const off = m.onDebugcon((line) => {
    if (stop) return;
    if (opts.until !== undefined && line.includes(opts.until)) {
      stop = { reason: 'until', detail: `the debug console printed "${opts.until}"` };
      cpu.requestStop();
    } else if (line.startsWith(BOOT_FAIL_TEXT)) {
      stop = { reason: 'boot-attempted', detail: `the firmware printed "${line}"` };
      cpu.requestStop();
    }
  });

  const budget = opts.maxInstructions ?? 200_000_000;
  const nsPerInstr = 1e9 / m.config.instructionsPerSecond;
  let nextProgress = PROGRESS_EVERY;
  try {
    while (!stop) {
      const done = cpu.instructionCount;
      if (done >= budget) {
        stop = {
          reason: 'instruction-budget',
          detail: `${groupDigits(budget)} instructions executed`,
        };
        break;
      }
      let slice = Math.min(MAX_SLICE, budget - done);
      const deadline = m.platform.nextDeadline();
      if (deadline !== null) {
        const until = Math.ceil((deadline - m.now()) / nsPerInstr);
        slice = Math.max(1, Math.min(slice, until));
      }
      const exit = cpu.run(slice);
      m.platform.update(m.now());
      if (opts.onProgress && cpu.instructionCount >= nextProgress) {
        nextProgress = cpu.instructionCount + PROGRESS_EVERY;
        opts.onProgress({ instructions: cpu.instructionCount, virtualTimeNs: m.now() });
      }
      if (stop) break;
      switch (exit.reason) {
        case 'triple-fault':
        case 'shutdown': {
          const r = cpu.getRegisters();
          stop = {
            reason: exit.reason,
            detail: `CPU ${exit.reason} at ${hex(r.segments.cs.selector, 4)}:${hex(r.eip, 8)} (cr0 ${hex(r.cr0, 8)}, eflags ${hex(r.eflags, 8)})`,
          };
          break;
        }
        case 'halted': {
          const r = cpu.getRegisters();
          const next = m.platform.nextDeadline();
          if ((r.eflags & 0x200) === 0 || next === null) {
            stop = {
              reason: 'halted-forever',
              detail: `HLT at ${hex(r.segments.cs.selector, 4)}:${hex(r.eip, 8)} with ${(r.eflags & 0x200) === 0 ? 'interrupts disabled' : 'no timer armed'}`,
            };
          } else {
            m.warpTo(next);
            m.platform.update(m.now());
          }
          break;
        }
        case 'stopped':
          // A reset request (port 0x92 / 8042) stops the CPU; treat as the end of this boot.
          if (!stop) stop = { reason: 'reset', detail: 'the guest requested a system reset' };
          break;
        default:
          break;
      }
    }
  } finally {
    off();
  }
  const final = stop ?? { reason: 'instruction-budget' as const, detail: '' };
  return { ...final, e820: e820FromSeabiosLog(m.log) };
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
