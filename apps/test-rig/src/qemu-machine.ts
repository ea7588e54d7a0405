// A vmkit machine built from QEMU options, with no CPU running (QEMU's qtest accelerator): the
// board, its fw_cfg items as QEMU 7.2 fills them for these options, the firmware image mapped as
// QEMU maps -bios / -drive if=pflash, a virtual clock that only moves when the test says so, system
// reset, and the I/O APIC's inputs for irq_intercept_in.

import { encodeNuma, encodeUuid, FwCfgKey, type NumaConfig, u16, u32 } from '@vmkit/fw-cfg';
import { createMachine, type Machine, mapBiosImage, withBuiltins } from '@vmkit/machine';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { setBootOrder } from '@vmkit/pc-platform';
import {
  busTarget,
  type IrqObserver,
  interceptIrqInputs,
  machineTarget,
  type QosTarget,
  timerClock,
} from '@vmkit/qos';
import type { QemuOptions } from './qemu-args.js';
import { QemuUsageError } from './qemu-args.js';
import { applyGlobals } from './qemu-global.js';
import { NumaBuilder } from './qemu-numa.js';
import { registry } from './registry.js';

/** Host services the builder needs (files, the wall clock for -rtc base=utc). */
export interface HostEnv {
  readFile(path: string): Uint8Array | null;
  /** Where QEMU would look for a firmware file given by name (its data directories). */
  findDataFile(name: string): Uint8Array | null;
  /** Wall-clock time, used once at start for the RTC base (QEMU -rtc base=utc|localtime). */
  wallClock(): { utc: Date; tzOffsetMinutes: number };
  /** QEMU's warnings (printed as "qemu-system-x86_64: warning: …"); the machine still starts. */
  warn?(message: string): void;
}

export type IrqIntercept = 'ok' | 'unknown-device' | 'already-other' | 'already-same';

export interface QtestMachine {
  readonly kind: 'pc' | 'none';
  readonly target: QosTarget & { clock: NonNullable<QosTarget['clock']> };
  /** System reset (QMP system_reset). */
  reset(): void;
  irqIntercept(
    path: string,
    direction: 'in' | 'out',
    onIrq: (line: number, level: boolean) => void,
  ): IrqIntercept;
  /** set_irq_in: drive input `n` of the device at `path`; false when no such device/input. */
  setIrqIn(path: string, name: string, n: number, level: boolean): boolean;
  /** The vmkit machine (null for -machine none). */
  readonly machine: Machine | null;
}

/** QEMU's default firmware for the pc machine (hw/i386/x86.c: bios_name default). */
const DEFAULT_BIOS = 'bios-256k.bin';

/** QOM paths of the I/O APIC (QEMU object_resolve_path accepts an unambiguous partial path). */
const IOAPIC_PATHS = new Set(['ioapic', '/machine/ioapic', 'machine/ioapic']);

export function buildQtestMachine(o: QemuOptions, env: HostEnv): QtestMachine {
  if (o.machine === 'none' && o.numa.length)
    throw new QemuUsageError(`${o.numa[0].opt}: NUMA is not supported by this machine-type`);
  if (o.machine === 'none' && o.devices.length)
    throw new QemuUsageError(`-device ${o.devices[0].driver}: the 'none' machine has no bus to plug it into`);
  return o.machine === 'none' ? noneMachine() : pcMachine(o, env);
}

function noneMachine(): QtestMachine {
  const memory = new MemoryBus();
  const io = new IoBus();
  let now = 0;
  const clock = timerClock({
    now: () => now,
    warpTo: (t) => {
      if (t > now) now = t;
    },
    nextDeadline: () => null,
    update: () => {},
  });
  return {
    kind: 'none',
    target: { ...busTarget(memory, io), clock },
    reset: () => {},
    irqIntercept: () => 'unknown-device',
    setIrqIn: () => false,
    machine: null,
  };
}

function rtcStart(o: QemuOptions, env: HostEnv): string {
  const base = o.rtc.base;
  if (typeof base === 'object') return base.iso.length === 10 ? `${base.iso}T00:00:00Z` : `${base.iso}Z`;
  const { utc, tzOffsetMinutes } = env.wallClock();
  const t = base === 'utc' ? utc : new Date(utc.getTime() - tzOffsetMinutes * 60_000);
  return `${t.toISOString().slice(0, 19)}Z`;
}

function loadFirmware(o: QemuOptions, env: HostEnv): Uint8Array {
  if (o.pflash.length) {
    const chips = o.pflash.map((p, unit) => {
      const data = p === undefined ? null : env.readFile(p);
      if (!data) throw new QemuUsageError(`-drive if=pflash,unit=${unit}: Could not open '${p}'`);
      if (data.length === 0 || data.length % 4096 !== 0)
        throw new QemuUsageError(
          `device requires ${data.length} bytes, block backend provides multiple of 4096`,
        );
      return data;
    });
    // QEMU pc_system_flash_map: unit 0 ends at 4 GiB, unit 1 sits right below it.
    const total = chips.reduce((n, c) => n + c.length, 0);
    const image = new Uint8Array(total);
    let at = total;
    for (const c of chips) {
      at -= c.length;
      image.set(c, at);
    }
    return image;
  }
  const name = o.bios ?? DEFAULT_BIOS;
  // A path is read as given; a bare name falls back to QEMU's data directories (qemu_find_file).
  const data = env.readFile(name) ?? (name.includes('/') ? null : env.findDataFile(name));
  // QEMU x86_bios_rom_init: the image must be a non-empty multiple of 64 KiB.
  if (!data || data.length === 0 || data.length % 65536 !== 0)
    throw new QemuUsageError(`could not load PC BIOS '${name}'`);
  return data;
}

/** The -numa options, checked in order and completed against -m (null: no NUMA nodes). */
function resolveNuma(o: QemuOptions): NumaConfig | null {
  const numa = new NumaBuilder(o.memoryBackends);
  for (const n of o.numa) numa.add(n.opt, n.arg);
  return numa.complete(o.memoryBytes);
}

/** The board's isa-debugcon (where SeaBIOS logs) and the -device specs, with -global applied. */
function deviceSpecs(o: QemuOptions, env: HostEnv) {
  const board = { driver: 'isa-debugcon', id: 'debugcon', iobase: 0x402 };
  const { specs, warnings } = applyGlobals(o.globals, [board, ...o.devices], withBuiltins(registry));
  for (const w of warnings) env.warn?.(w);
  return specs;
}

function pcMachine(o: QemuOptions, env: HostEnv): QtestMachine {
  const numa = resolveNuma(o);
  const devices = deviceSpecs(o, env);
  const fwCfgFiles = o.fwCfg.map((f) => {
    const data = f.file !== undefined ? env.readFile(f.file) : new TextEncoder().encode(f.string);
    if (!data) throw new QemuUsageError(`-fw_cfg name=${f.name},file=${f.file}: can't load ${f.file}`);
    return { name: f.name, data };
  });
  let m: Machine;
  try {
    m = createMachine(
      { memory: o.memoryBytes, startDate: rtcStart(o, env), fwCfgFiles, devices, debugconPort: null },
      { registry },
    );
  } catch (e) {
    throw new QemuUsageError((e as Error).message);
  }
  mapBiosImage(m, loadFirmware(o, env));
  applyFwCfgOptions(m, o);
  // hw/i386/fw_cfg.c fw_cfg_arch_create: the node count, each APIC ID's node, each node's memory.
  if (numa) m.fwCfg.setItem(FwCfgKey.NUMA, encodeNuma(numa));
  const applyBootOrder = (order: string) => {
    try {
      setBootOrder(m.platform.rtc, order, o.fdBootCheck);
    } catch (e) {
      throw new QemuUsageError((e as Error).message.replace(/^setBootOrder: /, ''));
    }
  };
  // QEMU -boot once=X: boot from X now, restore the normal order at the first system reset.
  applyBootOrder(o.boot.once ?? o.boot.order);
  let restoreOrderAtReset = o.boot.once !== undefined;

  let observer: IrqObserver | null = null;
  return {
    kind: 'pc',
    machine: m,
    // The machine's clock: the board's and the plugged devices' timers (edu's, …) fire on clock_step.
    target: machineTarget(m),
    reset: () => {
      m.platform.reset();
      m.fwCfg.reset();
      if (restoreOrderAtReset) {
        applyBootOrder(o.boot.order);
        restoreOrderAtReset = false;
      }
    },
    irqIntercept: (path, direction, onIrq) => {
      const ioapic = m.platform.ioapic;
      if (!ioapic || !IOAPIC_PATHS.has(path) || direction !== 'in') return 'unknown-device';
      if (observer) return 'already-same';
      observer = interceptIrqInputs(ioapic, 'setPin', onIrq);
      return 'ok';
    },
    setIrqIn: (path, name, n, level) => {
      const ioapic = m.platform.ioapic;
      if (!ioapic || !IOAPIC_PATHS.has(path) || name !== 'unnamed-gpio-in' || n < 0 || n >= 24) return false;
      ioapic.setPin(n, level);
      return true;
    },
  };
}

/** The fw_cfg items QEMU 7.2 derives from -uuid, -nographic and -boot (hw/nvram/fw_cfg.c
 * fw_cfg_bootsplash / fw_cfg_reboot, hw/i386/fw_cfg.c). */
function applyFwCfgOptions(m: Machine, o: QemuOptions): void {
  const fw = m.fwCfg;
  if (o.uuid) fw.setItem(0x02, encodeUuid(o.uuid));
  fw.setItem(0x04, u16(o.nographic ? 1 : 0));
  fw.setItem(0x0e, u16(o.boot.menu ? 1 : 0));
  const st = o.boot.splashTime;
  if (st !== undefined) {
    if (st < 0 || st > 0xffff)
      throw new QemuUsageError('splash-time is invalid,it should be a value between 0 and 65535');
    fw.addFile('etc/boot-menu-wait', u16(st));
  }
  const rt = o.boot.rebootTimeout;
  if (rt !== undefined) {
    if (rt !== -1 && (rt < 0 || rt > 0xffff))
      throw new QemuUsageError('reboot timeout is invalid,it should be a value between -1 and 65535');
    fw.setFile('etc/boot-fail-wait', u32(rt === -1 ? 0xffffffff : rt));
  }
}
