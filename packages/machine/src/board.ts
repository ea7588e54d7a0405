// The board side of the device contract (@vmkit/device): device timers on the virtual clock, the
// DMA contract (guest RAM checked byte for byte), and the DeviceContext each plugged device gets.

import type { LinkerCommand } from '@vmkit/bios-linker';
import type {
  AcpiIsaDevice,
  AnyDeviceType,
  Device,
  DeviceContext,
  DmaRefusal,
  GuestMemory,
  PciBoard,
  Timer,
} from '@vmkit/device';
import type { IoBus, IoHandler, MemoryBus, RegionHandle } from '@vmkit/memory-bus';
import type { PcPlatform } from '@vmkit/pc-platform';
import { ConfigError } from './config.js';
import type { PlannedDevice } from './devices-config.js';
import type { EventStream } from './events.js';

/** Names of the machine's RAM regions (see Machine: ram-below-4g, ram-above-4g). */
export const RAM_REGIONS: ReadonlySet<string> = new Set(['ram-below-4g', 'ram-above-4g']);

class BoardTimer implements Timer {
  deadline: number | null = null;
  constructor(
    private readonly list: TimerList,
    readonly callback: (now: number) => void,
  ) {}
  arm(ns: number): void {
    this.deadline = Number.isFinite(ns) ? ns : null;
    this.list.changed();
  }
  cancel(): void {
    this.deadline = null;
    this.list.changed();
  }
}

/** Device timers. The run loop ends a slice at the earliest deadline and fires what is due. */
export class TimerList {
  private readonly timers: BoardTimer[] = [];
  private earliest: number | null = null;
  private dirty = false;

  create(callback: (now: number) => void): Timer {
    const t = new BoardTimer(this, callback);
    this.timers.push(t);
    return t;
  }

  changed(): void {
    this.dirty = true;
  }

  nextDeadline(): number | null {
    if (this.dirty) {
      this.dirty = false;
      let best: number | null = null;
      for (const t of this.timers)
        if (t.deadline !== null && (best === null || t.deadline < best)) best = t.deadline;
      this.earliest = best;
    }
    return this.earliest;
  }

  /** Fire every timer due at `now` (in deadline order; a callback may re-arm its timer). */
  update(now: number): void {
    for (let guard = 0; guard < 1000; guard++) {
      const next = this.nextDeadline();
      if (next === null || next > now) return;
      const due = this.timers.find((t) => t.deadline === next)!;
      due.deadline = null;
      this.dirty = true;
      due.callback(now);
    }
  }
}

/**
 * The DMA contract over a memory bus: a transfer is allowed only when every byte of the range is
 * one of the RAM regions for that direction (resolved span by span, so a range that starts in RAM
 * and runs into an overlay, MMIO, ROM or a hole is refused whole, byte-exactly).
 */
export class CheckedGuestMemory implements GuestMemory {
  constructor(private readonly memory: MemoryBus) {}

  check(addr: number, length: number, access: 'read' | 'write'): DmaRefusal | null {
    const refuse = (at: number, what: string): DmaRefusal => ({ addr, length, access, at, what });
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || addr < 0 || length < 0)
      return refuse(addr, 'an invalid range');
    const end = addr + length;
    for (let a = addr; a < end; ) {
      const span = this.memory.resolveSpan(a);
      const name = span[access];
      if (name === null || !RAM_REGIONS.has(name)) return refuse(a, name ?? 'unassigned');
      a = span.end;
    }
    return null;
  }

  read(addr: number, length: number): Uint8Array | DmaRefusal {
    return this.check(addr, length, 'read') ?? this.memory.readBytes(addr, length);
  }

  write(addr: number, data: Uint8Array): DmaRefusal | null {
    const r = this.check(addr, data.length, 'write');
    if (r === null) this.memory.writeBytes(addr, data);
    return r;
  }
}

/** What the machine collects from devices while they realize. */
export interface BoardCollectors {
  files: Array<{ name: string; data: Uint8Array }>;
  loader: LinkerCommand[];
  acpi: AcpiIsaDevice[];
  /** MMIO regions devices mapped over RAM (priority > 0): they read as guest memory. */
  overlays: Set<string>;
}

export interface BoardParts {
  memory: MemoryBus;
  io: IoBus;
  platform: PcPlatform;
  events: EventStream;
  timers: TimerList;
  guest: CheckedGuestMemory;
  now: () => number;
  collect: BoardCollectors;
  consoleLine: (line: string) => void;
}

/** A realized device and what it was built from. */
export interface PluggedDevice {
  id: string;
  type: AnyDeviceType;
  bdf: number | null;
  device: Device;
}

/** Realize one planned device against the board and attach its PCI function. A realize that
 * throws is a configuration problem (ConfigError naming the device). */
export function realizeDevice(b: BoardParts, d: PlannedDevice): PluggedDevice {
  const where = `device ${d.id} (${d.type.driver})`;
  let device: Device;
  try {
    device = d.type.realize(d.props, deviceContext(b, d.id, d.bdf));
    if (d.bdf !== null) {
      if (!device.pci) throw new Error('a PCI device type must return its PciDevice as `pci`');
      b.platform.pci.addDevice(device.pci, (d.bdf >> 3) & 31, d.bdf & 7);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([`${where}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  return { id: d.id, type: d.type, bdf: d.bdf, device };
}

/** The DeviceContext for one device. */
export function deviceContext(b: BoardParts, id: string, bdf: number | null): DeviceContext {
  const { memory, io, platform, events } = b;
  const pci: PciBoard = {
    functionAt: (devfn) => platform.pci.bus.deviceAt(devfn),
    addFunction: (device, devfn) => {
      platform.pci.addDevice(device, (devfn >> 3) & 31, devfn & 7);
    },
    hostBridge: platform.i440fx,
  };
  return {
    id,
    bdf,
    now: b.now,
    createTimer: (cb) => b.timers.create(cb),
    isaIrq: (line) => {
      if (!Number.isInteger(line) || line < 0 || line > 15)
        throw new Error(`ISA IRQ ${line} does not exist (0-15)`);
      return { set: (level: boolean) => platform.irq.setIrq(line, level) };
    },
    guest: b.guest,
    mapIo: (name: string, port: number, size: number, handler: IoHandler): RegionHandle =>
      io.addPio(`${id}:${name}`, port, size, handler),
    mapMmio: (name: string, addr: number, size: number, handler: IoHandler, priority = 0) => {
      const h = memory.addMmio(name, addr, size, handler, { priority });
      if (priority > 0) b.collect.overlays.add(name);
      return h;
    },
    emit: (e) => events.emit({ ...e, device: id }),
    wants: (kind) => events.wants(kind),
    consoleLine: b.consoleLine,
    addFwCfgFile: (name, data) => {
      b.collect.files.push({ name, data });
    },
    addLoaderCommands: (cmds) => {
      b.collect.loader.push(...cmds);
    },
    describeAcpi: (d) => {
      b.collect.acpi.push(d);
    },
    pci,
  };
}
