// createPcPlatform: instantiate every device of QEMU's i440FX `pc` machine that this package
// models, map them at their standard addresses, wire IRQs (ISA IRQ n → 8259 input n and I/O APIC
// pin n, IRQ0 → pin 2 as QEMU's ioapic_set_irq), A20 and reset, and give the machine one timer
// interface over all of them.

import type { AccessSize, IoBusApi, IoHandler, MemoryBusApi } from '@vmkit/memory-bus';
import { PciHost, type PciHostState } from '@vmkit/pci';
import { AcpiPm, SmbusHost } from './acpi-pm.js';
import { IOAPIC_BASE, IoApic, LAPIC_BASE, LocalApic } from './apic.js';
import { Apm } from './apm.js';
import { I440fxHostBridge, Piix3Ide, Piix3IsaBridge, Piix4Pm } from './chipset.js';
import { Debugcon } from './debugcon.js';
import { Dma8237 } from './dma.js';
import { I8042 } from './i8042.js';
import { IdeBusMaster, IdeChannel } from './ide.js';
import { DualPic, type PicState } from './pic.js';
import { Pit } from './pit.js';
import { Port92 } from './port92.js';
import { pcCmosInit, Rtc, type RtcDateTime } from './rtc.js';
import type {
  BoardDevice,
  BoardDeviceState,
  Clock,
  InterruptLine,
  IrqSink,
  PlatformEventListener,
  TimerDevice,
} from './types.js';
import { Uart16550 } from './uart.js';

export interface PcPlatformSinks {
  /** COM1 transmit bytes. */
  serial?: (byte: number) => void;
  /** debugcon bytes / assembled lines. */
  debugcon?: (byte: number) => void;
  debugconLine?: (line: string) => void;
  /** Port 0x80 POST codes. */
  postCode?: (code: number) => void;
}

export interface PcPlatformOptions {
  memory: MemoryBusApi;
  io: IoBusApi;
  clock: Clock;
  /** Guest RAM size in bytes (fills the CMOS memory bytes like QEMU pc_cmos_init). */
  ramSize: number;
  /** An existing PCI host to add the chipset functions to; created and attached at 0xCF8 if absent. */
  pci?: PciHost;
  /** The CPU's A20 input (8042 output port and port 0x92; the last writer wins, as in QEMU). */
  cpuA20?: (enabled: boolean) => void;
  /** The CPU's IGNNE# input: a write to port F0h asserts it (QEMU hw/i386/pc.c ioportF0_write →
   * cpu_set_ignne); the CPU then drops FERR#, which lowers IRQ 13 (see `setFerr`). */
  cpuIgnne?: () => void;
  /** System reset requests (8042 0xFE, port 0x92 bit 0). */
  onReset?: () => void;
  /** NMI requests (LAPIC LINT1 / NMI IPIs). */
  onNmi?: () => void;
  sinks?: PcPlatformSinks;
  /** RTC start date (default 2016-05-01 00:00:00). */
  startDate?: RtcDateTime;
  cpus?: number;
  /** QEMU boot order letters for CMOS 0x3D/0x38 (default 'cad'). */
  bootOrder?: string;
  /** COM1 at 0x3F8 (default true; QEMU -nodefaults has none). */
  serial?: boolean;
  /** debugcon port (default 0x402; null = none). */
  debugconPort?: number | null;
  /** LAPIC + I/O APIC (default true). */
  apic?: boolean;
  /** Emulate SMM in PIIX4 (default false: config 0x5B = 0x02 so SeaBIOS skips SMM init). */
  smm?: boolean;
  onEvent?: PlatformEventListener;
}

/**
 * The platform's state: one entry per board device, named as in the device list (`boardDevices`),
 * each the device's own getState() data (null for an absent optional device).
 */
export type PcPlatformState = {
  [K in keyof BoardDeviceList]: BoardDeviceState<BoardDeviceList[K]>;
};

/** ISA IRQ fan-out to the 8259 pair and the I/O APIC. */
class IsaIrqRouter implements IrqSink {
  constructor(
    private readonly pic: DualPic,
    private readonly ioapic: IoApic | null,
  ) {}
  setIrq(line: number, level: boolean): void {
    this.pic.setIrq(line, level);
    if (this.ioapic) this.ioapic.setPin(line === 0 ? 2 : line, level);
  }
}

export class PcPlatform implements TimerDevice {
  readonly pic: DualPic;
  readonly pit: Pit;
  readonly rtc: Rtc;
  readonly kbc: I8042;
  readonly port92: Port92;
  readonly uart: Uart16550 | null;
  readonly debugcon: Debugcon | null;
  readonly dma: Dma8237;
  readonly ide: [IdeChannel, IdeChannel];
  readonly ideBusMaster: IdeBusMaster;
  readonly apm: Apm;
  readonly acpi: AcpiPm;
  readonly smbus: SmbusHost;
  readonly lapic: LocalApic | null;
  readonly ioapic: IoApic | null;
  readonly pci: PciHost;
  readonly i440fx: I440fxHostBridge;
  readonly piix3: Piix3IsaBridge;
  readonly piix3Ide: Piix3Ide;
  readonly piix4Pm: Piix4Pm;
  /** 0xCF8–0xCFF handler: PciHost mechanism #1 plus the PIIX3 reset control register at 0xCF9. */
  readonly pciConfigIo: IoHandler;
  /** ISA IRQ input (devices outside this package raise IRQs here). */
  readonly irq: IrqSink;
  /** What the CPU's `interrupts` option should be: the LAPIC (virtual wire to the 8259) or the 8259. */
  readonly interrupts: InterruptLine;
  /** The board's devices by name, in reset order: what reset(), getState() and setState() walk. */
  readonly boardDevices: BoardDeviceList;
  private readonly entries: ReadonlyArray<readonly [string, BoardDevice | null]>;
  private readonly timers: TimerDevice[];

  constructor(o: PcPlatformOptions) {
    if (!o?.memory || !o.io || !o.clock)
      throw new Error('createPcPlatform: memory, io and clock are required');
    const { memory, io, clock, onEvent } = o;
    const sinks = o.sinks ?? {};
    this.pic = new DualPic({ onEvent });
    const wantApic = o.apic ?? true;
    this.lapic = wantApic ? new LocalApic({ clock, pic: this.pic, onEvent }) : null;
    this.ioapic = this.lapic ? new IoApic({ lapic: this.lapic, onEvent }) : null;
    if (this.lapic && o.onNmi) this.lapic.onNmi = o.onNmi;
    this.irq = new IsaIrqRouter(this.pic, this.ioapic);
    this.interrupts = this.lapic ?? this.pic;
    const irq = this.irq;

    this.pit = new Pit({ clock, irq });
    this.rtc = new Rtc({ clock, irq, startDate: o.startDate });
    pcCmosInit(this.rtc, { ramSize: o.ramSize, cpus: o.cpus, bootOrder: o.bootOrder });
    const a20 = (en: boolean) => o.cpuA20?.(en);
    const reset = () => o.onReset?.();
    this.kbc = new I8042({ irq, onA20: a20, onReset: reset, onEvent });
    this.port92 = new Port92({ onA20: a20, onReset: reset, onEvent });
    this.uart = (o.serial ?? true) ? new Uart16550({ irq, irqLine: 4, onTransmit: sinks.serial }) : null;
    const dcPort = o.debugconPort === undefined ? 0x402 : o.debugconPort;
    this.debugcon =
      dcPort === null ? null : new Debugcon({ onByte: sinks.debugcon, onLine: sinks.debugconLine });
    this.dma = new Dma8237({ onEvent, onPostCode: sinks.postCode });
    this.ide = [new IdeChannel({ index: 0, onEvent }), new IdeChannel({ index: 1, onEvent })];
    this.ideBusMaster = new IdeBusMaster();
    this.apm = new Apm({ onEvent });
    this.acpi = new AcpiPm({ clock, irq, sciLine: 9, onEvent });
    this.smbus = new SmbusHost();

    // Port I/O map (addresses as QEMU's pc machine).
    io.addPio('dma1', 0x00, 0x10, this.dma.dma1Io);
    io.addPio('pic-master', 0x20, 2, this.pic.masterIo);
    io.addPio('pit', 0x40, 4, this.pit.io);
    io.addPio('i8042-data', 0x60, 1, this.kbc.dataIo);
    io.addPio('port61', 0x61, 1, this.pit.port61);
    io.addPio('i8042-cmd', 0x64, 1, this.kbc.cmdIo);
    io.addPio('rtc', 0x70, 2, this.rtc.io);
    io.addPio('dma-page', 0x80, 0x10, this.dma.pageIo);
    io.addPio('port92', 0x92, 1, this.port92);
    io.addPio('ioportF0', 0xf0, 1, {
      read: () => 0xff,
      write: () => o.cpuIgnne?.(),
    });
    io.addPio('pic-slave', 0xa0, 2, this.pic.slaveIo);
    io.addPio('apm', 0xb2, 2, this.apm);
    io.addPio('dma2', 0xc0, 0x20, this.dma.dma2Io);
    io.addPio('ide0', 0x1f0, 8, this.ide[0].cmdIo);
    io.addPio('ide0-ctl', 0x3f6, 1, this.ide[0].ctlIo);
    io.addPio('ide1', 0x170, 8, this.ide[1].cmdIo);
    io.addPio('ide1-ctl', 0x376, 1, this.ide[1].ctlIo);
    if (this.uart) io.addPio('com1', 0x3f8, 8, this.uart);
    if (this.debugcon && dcPort !== null) io.addPio('debugcon', dcPort, 1, this.debugcon);
    io.addPio('elcr', 0x4d0, 2, this.pic.elcrIo);
    io.addPio('acpi-gpe0', 0xafe0, 4, this.acpi.gpeIo);
    if (this.lapic) memory.addMmio('lapic', LAPIC_BASE, 0x1000, this.lapic);
    if (this.ioapic) memory.addMmio('ioapic', IOAPIC_BASE, 0x1000, this.ioapic);

    // PCI functions.
    this.i440fx = new I440fxHostBridge({ memory, onEvent });
    this.piix3 = new Piix3IsaBridge({ irq, onEvent });
    this.piix3.onReset = reset;
    // 0xCF8–0xCFF: PCI mechanism #1, except byte accesses to 0xCF9, which reach the PIIX3 Reset
    // Control Register (QEMU maps it over the host's ports). One region so that 32-bit
    // CONFIG_ADDRESS accesses are not split by the bus.
    const piix3 = this.piix3;
    let mech1: IoHandler | null = null;
    this.pciConfigIo = {
      read: (off: number, size: AccessSize) =>
        off === 1 && size === 1
          ? piix3.readRcr()
          : mech1
            ? mech1.read(off, size)
            : 0xffffffff >>> (32 - 8 * size),
      write: (off: number, size: AccessSize, v: number) => {
        if (off === 1 && size === 1) piix3.writeRcr(v & 0xff);
        else mech1?.write(off, size, v);
      },
    };
    if (o.pci) {
      this.pci = o.pci; // the caller attached it (or maps platform.pciConfigIo at 0xCF8)
    } else {
      this.pci = new PciHost({ memory, io });
      io.addPio('pci-config+rcr', 0xcf8, 8, this.pciConfigIo);
    }
    mech1 = this.pci.mechanism1;
    // Root-bus INTx → PIIX3 PIRQ links → ISA IRQs.
    this.pci.setIntxListener((slot, pin, level) => piix3.setIntx(slot, pin, level));
    this.piix3Ide = new Piix3Ide({ busMaster: this.ideBusMaster });
    this.piix4Pm = new Piix4Pm({ io, pm: this.acpi, smbus: this.smbus, apm: this.apm, smm: o.smm, onEvent });
    this.pci.addDevice(this.i440fx, 0, 0);
    this.pci.addDevice(this.piix3, 1, 0);
    this.pci.addDevice(this.piix3Ide, 1, 1);
    this.pci.addDevice(this.piix4Pm, 1, 3);

    this.timers = [this.pit, this.rtc, this.acpi];
    if (this.lapic) this.timers.push(this.lapic);
    this.boardDevices = boardDevices(this);
    this.entries = Object.entries(this.boardDevices);
    // Power-on: the 8259s come out of reset after the devices that drive them (see reset()).
    this.pic.reset();
  }

  /** Earliest virtual-ns deadline over every timer (PIT, RTC, PM timer, LAPIC timer), or null. */
  nextDeadline(): number | null {
    let best: number | null = null;
    for (let i = 0; i < this.timers.length; i++) {
      const d = this.timers[i].nextDeadline();
      if (d !== null && (best === null || d < best)) best = d;
    }
    return best;
  }

  /** Fire every timer event due at `now`. */
  update(now: number): void {
    for (let i = 0; i < this.timers.length; i++) this.timers[i].update(now);
  }

  /** The CPU's FERR# output: the PC routes it to ISA IRQ 13 (the coprocessor error line of the AT;
   * QEMU x86_register_ferr_irq(gsi[13])). Connect with `cpu.setFerrHandler`. */
  setFerr(asserted: boolean): void {
    this.irq.setIrq(13, asserted);
  }

  /**
   * System reset of every board device (what a machine does on a reset request): each entry's
   * reset() in list order, then each afterReset(). Power-on state for all of them except the RTC,
   * which keeps its time and CMOS RAM (QEMU rtc_reset); every PCI function on the bus is reset
   * (the plugged devices' too). The CPU's A20 is the machine's business (a CPU reset enables it).
   */
  reset(): void {
    for (const [, d] of this.entries) d?.reset();
    for (const [, d] of this.entries) d?.afterReset?.();
  }

  /** Every board device's state, by its name in the list. */
  getState(): PcPlatformState {
    const out: Record<string, unknown> = {};
    for (const [name, d] of this.entries) out[name] = d ? d.getState() : null;
    return out as PcPlatformState;
  }

  /** Why `s` is not a state of this board (another device list, or an optional device present
   * on one side only), or null when setState() can take it. Nothing is changed. */
  stateProblem(s: unknown): string | null {
    if (!s || typeof s !== 'object') return 'state must be an object';
    const given = s as Record<string, unknown>;
    const names = new Set(this.entries.map(([name]) => name));
    for (const name of Object.keys(given)) if (!names.has(name)) return `this board has no device '${name}'`;
    for (const [name, d] of this.entries) {
      if (!(name in given)) return `no state for board device '${name}'`;
      if ((given[name] === null) !== (d === null)) return `board device '${name}' presence differs`;
    }
    return null;
  }

  /** Restore from getState() of a platform with the same device list (checked first with
   * stateProblem(), so the state of another board throws before anything changes). */
  setState(s: PcPlatformState): void {
    const problem = this.stateProblem(s);
    if (problem) throw new Error(`PcPlatform.setState: ${problem}`);
    const given = s as Record<string, unknown>;
    for (const [name, d] of this.entries) d?.setState(given[name]);
  }
}

/**
 * The board's device list: one (name, device) entry per device, in reset order; the name is the
 * device's key in PcPlatformState. reset(), getState() and setState() walk this list and nothing
 * else, so a board device is added with one entry here (README "Adding a board device"). An
 * optional device (COM1, debugcon, the APICs) is null when absent, and so is its state.
 */
function boardDevices(p: PcPlatform) {
  return {
    // PCI first: restoring config space re-maps the BARs and the PM block before the devices
    // behind them are restored.
    pci: pciFunctions(p.pci),
    rcr: resetControl(p.piix3),
    pic: picPair(p.pic),
    lapic: p.lapic,
    ioapic: p.ioapic,
    pit: p.pit,
    rtc: p.rtc,
    kbc: p.kbc,
    port92: p.port92,
    uart: p.uart,
    debugcon: p.debugcon,
    dma: p.dma,
    ide0: p.ide[0],
    ide1: p.ide[1],
    ideBusMaster: p.ideBusMaster,
    apm: p.apm,
    smbus: p.smbus,
    acpi: p.acpi,
  } satisfies Record<string, BoardDevice | null>;
}

type BoardDeviceList = ReturnType<typeof boardDevices>;

/** The PCI host's functions: config space of every function on the bus; a system reset resets
 * them all (QEMU qbus reset → pci_do_device_reset), the chipset's and the plugged devices'. */
function pciFunctions(pci: PciHost): BoardDevice<PciHostState> {
  return {
    reset: () => {
      for (const { device } of pci.bus.walk()) device.reset();
    },
    getState: () => pci.getState(),
    setState: (s) => pci.setState(s),
  };
}

/** The PIIX3 reset control register at 0xCF9 (outside config space; QEMU piix3_reset clears it). */
function resetControl(piix3: Piix3IsaBridge): BoardDevice<number> {
  return {
    reset: () => {
      piix3.resetControl = 0;
    },
    getState: () => piix3.resetControl,
    setState: (v) => {
      piix3.resetControl = v;
    },
  };
}

/** The 8259 pair resets in two phases: its input wires drop with everything else, and after the
 * other devices have driven their reset levels (the PIT's OUT0 high) IRR starts clear — QEMU
 * resets a bus's devices newest first, so the 8259s, created first, come last
 * (hw/intc/i8259_common.c pic_reset_common). */
function picPair(pic: DualPic): BoardDevice<PicState> {
  return {
    reset: () => pic.reset(true),
    afterReset: () => pic.reset(),
    getState: () => pic.getState(),
    setState: (s) => pic.setState(s),
  };
}

/** Build the PC platform devices and map them (see PcPlatformOptions). */
export function createPcPlatform(opts: PcPlatformOptions): PcPlatform {
  return new PcPlatform(opts);
}
