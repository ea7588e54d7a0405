// createPcPlatform: instantiate every device of QEMU's i440FX `pc` machine that this package
// models, map them at their standard addresses, wire IRQs (ISA IRQ n → 8259 input n and I/O APIC
// pin n, IRQ0 → pin 2 as QEMU's ioapic_set_irq), A20 and reset, and give the machine one timer
// interface over all of them.

import type { AccessSize, IoBusApi, IoHandler, MemoryBusApi } from '@vmkit/memory-bus';
import { PciHost, type PciHostState } from '@vmkit/pci';
import { AcpiPm, type AcpiPmState, SmbusHost, type SmbusState } from './acpi-pm.js';
import { IOAPIC_BASE, IoApic, type IoApicState, LAPIC_BASE, type LapicState, LocalApic } from './apic.js';
import { Apm, type ApmState } from './apm.js';
import { I440fxHostBridge, Piix3Ide, Piix3IsaBridge, Piix4Pm } from './chipset.js';
import { Debugcon, type DebugconState } from './debugcon.js';
import { Dma8237, type DmaState } from './dma.js';
import { I8042, type I8042State } from './i8042.js';
import { type BusMasterState, IdeBusMaster, IdeChannel, type IdeChannelState } from './ide.js';
import { DualPic, type PicState } from './pic.js';
import { Pit, type PitState } from './pit.js';
import { Port92, type Port92State } from './port92.js';
import { pcCmosInit, Rtc, type RtcDateTime, type RtcState } from './rtc.js';
import type { Clock, InterruptLine, IrqSink, PlatformEventListener, TimerDevice } from './types.js';
import { Uart16550, type UartState } from './uart.js';

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

export interface PcPlatformState {
  pic: PicState;
  pit: PitState;
  rtc: RtcState;
  kbc: I8042State;
  port92: Port92State;
  uart: UartState | null;
  debugcon: DebugconState | null;
  dma: DmaState;
  ide: [IdeChannelState, IdeChannelState];
  ideBusMaster: BusMasterState;
  apm: ApmState;
  acpi: AcpiPmState;
  smbus: SmbusState;
  lapic: LapicState | null;
  ioapic: IoApicState | null;
  pci: PciHostState;
  /** PIIX3 reset control register (0xCF9). */
  rcr: number;
}

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
   * System reset of every device this platform owns (what a machine does on a reset request):
   * power-on state for the PICs, PIT, 8042, port 0x92, UART, DMA, IDE, APM, SMBus, ACPI PM, APICs
   * and the four chipset functions; the RTC keeps its time and CMOS RAM (QEMU rtc_reset). The CPU's
   * A20 is the machine's business (a CPU reset enables it).
   */
  reset(): void {
    this.pic.reset(true);
    if (this.lapic) this.lapic.reset();
    if (this.ioapic) this.ioapic.reset();
    this.pit.reset();
    this.rtc.reset();
    this.kbc.setState(new I8042().getState());
    this.port92.setState(new Port92().getState());
    if (this.uart) this.uart.setState(new Uart16550().getState());
    if (this.debugcon) this.debugcon.setState({ partial: [] });
    this.dma.setState(new Dma8237().getState());
    this.ide[0].setState(new IdeChannel({ index: 0 }).getState());
    this.ide[1].setState(new IdeChannel({ index: 1 }).getState());
    this.ideBusMaster.setState(new IdeBusMaster().getState());
    this.apm.setState({ cnt: 0, sts: 0 });
    this.smbus.setState(new SmbusHost().getState());
    this.acpi.reset();
    this.i440fx.reset();
    this.piix3.reset();
    this.piix3Ide.reset();
    this.piix4Pm.reset();
    // QEMU resets a bus's devices newest first (qdev bus_add_child inserts at the head), so the
    // 8259s, created first, are reset after the PIT has driven OUT0 high: IRR starts clear and the
    // first IRQ0 is the PIT's next rising edge (QEMU hw/intc/i8259_common.c pic_reset_common).
    this.pic.reset();
  }

  getState(): PcPlatformState {
    return {
      pic: this.pic.getState(),
      pit: this.pit.getState(),
      rtc: this.rtc.getState(),
      kbc: this.kbc.getState(),
      port92: this.port92.getState(),
      uart: this.uart ? this.uart.getState() : null,
      debugcon: this.debugcon ? this.debugcon.getState() : null,
      dma: this.dma.getState(),
      ide: [this.ide[0].getState(), this.ide[1].getState()],
      ideBusMaster: this.ideBusMaster.getState(),
      apm: this.apm.getState(),
      acpi: this.acpi.getState(),
      smbus: this.smbus.getState(),
      lapic: this.lapic ? this.lapic.getState() : null,
      ioapic: this.ioapic ? this.ioapic.getState() : null,
      pci: this.pci.getState(),
      rcr: this.piix3.resetControl,
    };
  }

  setState(s: PcPlatformState): void {
    if (!s || typeof s !== 'object') throw new Error('PcPlatform.setState: state must be an object');
    if ((s.uart === null) !== (this.uart === null))
      throw new Error('PcPlatform.setState: uart presence differs');
    if ((s.lapic === null) !== (this.lapic === null))
      throw new Error('PcPlatform.setState: apic presence differs');
    this.pci.setState(s.pci);
    this.piix3.resetControl = s.rcr;
    this.pic.setState(s.pic);
    this.pit.setState(s.pit);
    this.rtc.setState(s.rtc);
    this.kbc.setState(s.kbc);
    this.port92.setState(s.port92);
    if (this.uart && s.uart) this.uart.setState(s.uart);
    if (this.debugcon && s.debugcon) this.debugcon.setState(s.debugcon);
    this.dma.setState(s.dma);
    this.ide[0].setState(s.ide[0]);
    this.ide[1].setState(s.ide[1]);
    this.ideBusMaster.setState(s.ideBusMaster);
    this.apm.setState(s.apm);
    this.acpi.setState(s.acpi);
    this.smbus.setState(s.smbus);
    if (this.lapic && s.lapic) this.lapic.setState(s.lapic);
    if (this.ioapic && s.ioapic) this.ioapic.setState(s.ioapic);
  }
}

/** Build the PC platform devices and map them (see PcPlatformOptions). */
export function createPcPlatform(opts: PcPlatformOptions): PcPlatform {
  return new PcPlatform(opts);
}
