// The i440FX/PIIX3/PIIX4 PCI functions of QEMU's `pc` machine:
//   00:00.0 i440FX host bridge (8086:1237 rev 02) — PAM 0x59–0x5F, SMRAM 0x72
//   00:01.0 PIIX3 PCI-to-ISA bridge (8086:7000, multifunction) — PIRQ routing 0x60–0x63
//   00:01.1 PIIX3 IDE (8086:7010, prog-if 0x80) — BAR4 bus-master I/O, legacy ports
//   00:01.3 PIIX4 power management (8086:7113 rev 03) — PMBA 0x40/PMREGMISC 0x80, SMBus 0x90/0xD2,
//           DEVACTB 0x58 (byte 0x5B = 0x02 "SMM already initialised", QEMU smm=off)
// Header values are the ones QEMU 7.2 returns in the QEMU access trace (test/fixtures/qemu72-i440fx-128M-bios256k.access-trace.txt); behaviour
// follows QEMU hw/pci-host/i440fx.c (i440fx_update_memory_mappings, i440fx_write_config),
// hw/pci-host/pam.c (init_pam/pam_update: 0 = PCI, 1 = read DRAM, 2 = write DRAM, 3 = DRAM),
// hw/isa/piix3.c (piix3_reset, piix3_set_irq_level, pci_slot_get_pirq), hw/ide/piix.c and
// hw/acpi/piix4.c (piix4_pm_realize, pm_io_space_update, smbus_io_space_update, apm_ctrl_changed).

import type { IoBusApi, IoHandler, MemoryBusApi, RegionHandle, RouteTarget } from '@vmkit/memory-bus';
import { PciDevice } from '@vmkit/pci';
import type { AcpiPm, SmbusHost } from './acpi-pm.js';
import type { Apm } from './apm.js';
import type { IdeBusMaster } from './ide.js';
import type { IrqSink, PlatformEventListener } from './types.js';

/** QEMU's default subsystem IDs for its PCI devices (PCI_SUBVENDOR_ID_REDHAT_QUMRANET / QEMU). */
export const QEMU_SUBSYSTEM_VENDOR = 0x1af4;
export const QEMU_SUBSYSTEM_ID = 0x1100;

const I440FX_PAM = 0x59;
/** The FADT's ACPI_ENABLE / ACPI_DISABLE values for SMI_CMD (QEMU hw/acpi/piix4.c, build_fadt). */
const ACPI_ENABLE = 0xf1;
const ACPI_DISABLE = 0xf0;
const I440FX_SMRAM = 0x72;
const SMRAM_D_OPEN = 0x40;
const SMRAM_G_SMRAME = 0x08;

/** The 13 PAM segments: [config byte, high nibble?, base, size]. */
const PAM_SEGMENTS: ReadonlyArray<readonly [number, boolean, number, number]> = (() => {
  const segs: Array<[number, boolean, number, number]> = [[0x59, true, 0xf0000, 0x10000]];
  for (let i = 0; i < 12; i++) segs.push([0x5a + (i >> 1), (i & 1) === 1, 0xc0000 + i * 0x4000, 0x4000]);
  return segs;
})();

/** PAM attribute → [read, write] routing (QEMU hw/pci-host/pam.c). Disabled DRAM goes to PCI/ROM. */
function pamRoute(attr: number): [RouteTarget, RouteTarget] {
  switch (attr & 3) {
    case 0:
      return ['rom', 'rom'];
    case 1:
      return ['ram', 'rom'];
    case 2:
      return ['rom', 'ram'];
    default:
      return ['ram', 'ram'];
  }
}

export class I440fxHostBridge extends PciDevice {
  private readonly memory: MemoryBusApi | null;
  private readonly onEvent: PlatformEventListener | undefined;
  private readonly applied = new Int8Array(13).fill(-1);
  /** Called when SMRAM's D_OPEN bit changes: true = RAM visible at 0xA0000–0xBFFFF. */
  onSmramOpen: ((open: boolean) => void) | null = null;
  private smramOpen = false;

  constructor(opts: { memory?: MemoryBusApi; onEvent?: PlatformEventListener } = {}) {
    super({
      name: 'i440fx',
      vendorId: 0x8086,
      deviceId: 0x1237,
      revision: 0x02,
      classCode: 0x060000,
      subsystemVendorId: QEMU_SUBSYSTEM_VENDOR,
      subsystemId: QEMU_SUBSYSTEM_ID,
    });
    this.memory = opts.memory ?? null;
    this.onEvent = opts.onEvent;
    // QEMU i440fx_realize: SMRAM = 0x02 (C_BASE_SEG fixed at 0xA0000).
    this.config.set8(I440FX_SMRAM, 0x02);
    this.config.setWritable(I440FX_SMRAM, 1, 0x78);
    this.config.setWritable(I440FX_PAM, 1, 0xf0); // PAM0 low nibble is reserved
    this.applyPam(true);
  }

  override configWrite(offset: number, size: number, value: number): void {
    super.configWrite(offset, size, value);
    const end = offset + size;
    if (offset < I440FX_PAM + 7 && end > I440FX_PAM) this.applyPam(false);
    if (offset <= I440FX_SMRAM && end > I440FX_SMRAM) this.applySmram();
  }

  /** PAM attribute (0–3) of segment i (0 = 0xF0000 64K, 1.. = 0xC0000 + 16K steps). */
  pamAttribute(i: number): number {
    const [reg, hi] = PAM_SEGMENTS[i];
    const b = this.config.get8(reg);
    return (hi ? b >> 4 : b) & 3;
  }

  /** Route the PAM segments: every one (`force`) or those whose attribute changed, with a 'pam'
   * event for each change unless `quiet` (forced routing is always quiet). */
  private applyPam(force: boolean, quiet = force): void {
    for (let i = 0; i < PAM_SEGMENTS.length; i++) {
      const attr = this.pamAttribute(i);
      if (!force && this.applied[i] === attr) continue;
      this.applied[i] = attr;
      const [, , base, size] = PAM_SEGMENTS[i];
      const [r, w] = pamRoute(attr);
      this.memory?.setRouting(base, size, r, w);
      if (!quiet) this.onEvent?.({ kind: 'pam', index: i, value: attr });
    }
  }

  private applySmram(): void {
    const v = this.config.get8(I440FX_SMRAM);
    this.onEvent?.({ kind: 'smram', value: v });
    const open = (v & SMRAM_D_OPEN) !== 0;
    if (open !== this.smramOpen) {
      this.smramOpen = open;
      this.onSmramOpen?.(open);
    }
  }

  /** SMRAM register: G_SMRAME (SMM RAM enabled for SMM-mode accesses). */
  get smramEnabled(): boolean {
    return (this.config.get8(I440FX_SMRAM) & SMRAM_G_SMRAME) !== 0;
  }

  override reset(): void {
    super.reset();
    for (let r = I440FX_PAM; r < I440FX_PAM + 7; r++) this.config.set8(r, 0);
    this.config.set8(I440FX_SMRAM, 0x02);
    // Re-route only the segments the guest had changed (each routing change rebuilds the bus's
    // map), without 'pam' events: a reset is not a guest write.
    this.applyPam(false, true);
    this.applySmram();
  }

  override setState(state: Parameters<PciDevice['setState']>[0]): void {
    super.setState(state);
    this.applyPam(true);
    this.smramOpen = (this.config.get8(I440FX_SMRAM) & SMRAM_D_OPEN) !== 0;
  }
}

/** PCI INTx pin (1–4 = INTA#–INTD#) of a device in `slot` → PIIX PIRQ link 0–3 (QEMU pci_slot_get_pirq). */
export function piixSlotPirq(slot: number, pin: number): number {
  return (pin - 1 + slot - 1) & 3;
}

const PIIX_PIRQC = 0x60;
const PIRQ_DISABLE = 0x80;

export class Piix3IsaBridge extends PciDevice {
  private readonly irq: IrqSink | null;
  /** Level of each PIRQ link as driven by PCI devices. */
  private pirqLevel = 0;
  /** Per root-bus slot, the INTA–INTD levels (bits 0–3) reported through setIntx. */
  private readonly intx = new Uint8Array(32);
  /** ISA IRQs currently driven high by PIRQ routing (bitmask). */
  private routedHigh = 0;
  /** Reset Control Register at 0xCF9 (QEMU hw/isa/piix3.c rcr_read/rcr_write): bit 1 reset type. */
  private rcr = 0;
  private readonly onEvent: PlatformEventListener | undefined;
  /** Called when the guest writes 0xCF9 with bit 2 set (system reset). */
  onReset: (() => void) | null = null;

  constructor(opts: { irq?: IrqSink; onEvent?: PlatformEventListener } = {}) {
    super({
      name: 'piix3-isa',
      vendorId: 0x8086,
      deviceId: 0x7000,
      classCode: 0x060100,
      multifunction: true,
      subsystemVendorId: QEMU_SUBSYSTEM_VENDOR,
      subsystemId: QEMU_SUBSYSTEM_ID,
    });
    this.irq = opts.irq ?? null;
    this.onEvent = opts.onEvent;
    this.resetRegisters();
  }

  /** Port 0xCF9 read (byte). */
  readRcr(): number {
    return this.rcr;
  }

  /** Port 0xCF9 write: bit 2 requests a system reset, bit 1 (hard/soft) is kept. */
  writeRcr(v: number): void {
    if (v & 4) {
      this.onEvent?.({ kind: 'reset-request', source: 'cf9' });
      this.onReset?.();
      return;
    }
    this.rcr = v & 2;
  }

  get resetControl(): number {
    return this.rcr;
  }

  set resetControl(v: number) {
    this.rcr = v & 2;
  }

  /**
   * A root-bus PCI function's INTx pin changed (pin 0–3 = INTA#–INTD#; the shape of
   * PciHost.setIntxListener). Sources sharing a PIRQ link are OR-ed (QEMU piix3_set_irq_level).
   */
  setIntx(slot: number, pin: number, level: boolean): void {
    if (slot < 0 || slot > 31 || pin < 0 || pin > 3) return;
    if (level) this.intx[slot] |= 1 << pin;
    else this.intx[slot] &= ~(1 << pin);
    let links = 0;
    for (let sl = 0; sl < 32; sl++) {
      const m = this.intx[sl];
      if (m === 0) continue;
      for (let p = 0; p < 4; p++) if (m & (1 << p)) links |= 1 << piixSlotPirq(sl, p + 1);
    }
    this.pirqLevel = (this.pirqLevel & 0xf0) | links;
    this.reroute();
  }

  /** QEMU hw/isa/piix3.c piix3_reset register values (command reads 0 as in the 7.2 trace). */
  private resetRegisters(): void {
    const c = this.config;
    c.set16(0x06, 0x0200); // DEVSEL medium
    c.set8(0x4c, 0x4d);
    c.set8(0x4e, 0x03);
    c.set8(0x4f, 0x00);
    for (let i = 0; i < 4; i++) c.set8(PIIX_PIRQC + i, PIRQ_DISABLE);
    c.set8(0x69, 0x02);
    c.set8(0x70, 0x80);
    c.set8(0x76, 0x0c);
    c.set8(0x77, 0x0c);
    c.set8(0x78, 0x02);
    c.set8(0x79, 0x00);
    c.set8(0x80, 0x00);
    c.set8(0x82, 0x00);
    c.set8(0xa0, 0x08);
    for (let r = 0xa2; r <= 0xa7; r++) c.set8(r, 0);
    c.set8(0xa8, 0x0f);
    c.set8(0xaa, 0);
    c.set8(0xab, 0);
    c.set8(0xac, 0);
    c.set8(0xae, 0);
  }

  override configWrite(offset: number, size: number, value: number): void {
    super.configWrite(offset, size, value);
    if (offset < PIIX_PIRQC + 4 && offset + size > PIIX_PIRQC) this.reroute();
  }

  /** ISA IRQ a PIRQ link is routed to, or -1 (bit 7 = disabled; IRQ 0-2, 8, 13 are reserved). */
  pirqRoute(link: number): number {
    const v = this.config.get8(PIIX_PIRQC + (link & 3));
    if (v & PIRQ_DISABLE) return -1;
    const irq = v & 0x0f;
    return irq < 3 || irq === 8 || irq === 13 ? -1 : irq;
  }

  /** Drive PIRQ link `link` (0–3 = PIRQA–D) directly (OR-ed with the setIntx sources). */
  setPirq(link: number, level: boolean): void {
    const bit = 0x10 << (link & 3);
    if (level) this.pirqLevel |= bit;
    else this.pirqLevel &= ~bit;
    this.reroute();
  }

  /** Recompute the ISA IRQ levels as the OR of all links routed to each (QEMU piix3_set_irq_level). */
  private reroute(): void {
    let high = 0;
    const levels = (this.pirqLevel | (this.pirqLevel >> 4)) & 0x0f;
    for (let l = 0; l < 4; l++) {
      if (!(levels & (1 << l))) continue;
      const irq = this.pirqRoute(l);
      if (irq >= 0) high |= 1 << irq;
    }
    const changed = high ^ this.routedHigh;
    this.routedHigh = high;
    if (!changed || !this.irq) return;
    for (let i = 0; i < 16; i++) if (changed & (1 << i)) this.irq.setIrq(i, (high & (1 << i)) !== 0);
  }

  override reset(): void {
    super.reset();
    this.resetRegisters();
    this.rcr = 0;
    this.reroute();
  }

  override setState(state: Parameters<PciDevice['setState']>[0]): void {
    super.setState(state);
    // Recompute which ISA IRQs the links hold without driving them: the PIC's restored state
    // already has the line levels.
    let high = 0;
    const levels = (this.pirqLevel | (this.pirqLevel >> 4)) & 0x0f;
    for (let l = 0; l < 4; l++) {
      const irq = levels & (1 << l) ? this.pirqRoute(l) : -1;
      if (irq >= 0) high |= 1 << irq;
    }
    this.routedHigh = high;
  }
}

export class Piix3Ide extends PciDevice {
  readonly busMaster: IdeBusMaster;

  constructor(opts: { busMaster: IdeBusMaster }) {
    super({
      name: 'piix3-ide',
      vendorId: 0x8086,
      deviceId: 0x7010,
      classCode: 0x010180, // IDE, prog-if 0x80: bus master, both channels in legacy mode
      subsystemVendorId: QEMU_SUBSYSTEM_VENDOR,
      subsystemId: QEMU_SUBSYSTEM_ID,
      bars: [
        null,
        null,
        null,
        null,
        { kind: 'io', size: 16, handler: opts.busMaster, name: 'piix3-ide bmdma' },
      ],
    });
    this.busMaster = opts.busMaster;
    this.config.set16(0x06, 0x0280); // fast back-to-back, DEVSEL medium (QEMU piix_ide_realize)
  }
}

const PMBA = 0x40;
const PMREGMISC = 0x80;
const SMBBA = 0x90;
const SMBHSTCFG = 0xd2;
const DEVACTB = 0x58;
const APMC_EN = 1 << 25;
/** Like a PCI I/O BAR: priority 1; `mayOverlap` (a @vmkit/memory-bus extra) lets the guest put it anywhere. */
const PIO_OPTS: { priority: number } = { priority: 1, mayOverlap: true } as {
  priority: number;
  mayOverlap: boolean;
};

export class Piix4Pm extends PciDevice {
  private readonly io: IoBusApi | null;
  private readonly pm: AcpiPm;
  private readonly smbus: SmbusHost;
  private pmHandle: RegionHandle | null = null;
  private smbHandle: RegionHandle | null = null;
  private readonly onEvent: PlatformEventListener | undefined;
  readonly smmEnabled: boolean;

  constructor(opts: {
    io?: IoBusApi;
    pm: AcpiPm;
    smbus: SmbusHost;
    apm?: Apm;
    smm?: boolean;
    onEvent?: PlatformEventListener;
  }) {
    super({
      name: 'piix4-pm',
      vendorId: 0x8086,
      deviceId: 0x7113,
      revision: 0x03,
      classCode: 0x068000,
      interruptPin: 1,
      subsystemVendorId: QEMU_SUBSYSTEM_VENDOR,
      subsystemId: QEMU_SUBSYSTEM_ID,
    });
    this.io = opts.io ?? null;
    this.pm = opts.pm;
    this.smbus = opts.smbus;
    this.onEvent = opts.onEvent;
    this.smmEnabled = opts.smm ?? false;
    this.config.setWritable(PMBA, 4, 0x0000ffc0);
    this.config.setWritable(SMBBA, 4, 0x0000fff0);
    this.resetRegisters();
    if (opts.apm) {
      // QEMU piix4 apm_ctrl_changed: ACPI_ENABLE (0xF1) / ACPI_DISABLE (0xF0), the FADT's
      // SMI_CMD values, set / clear PM1_CNT.SCI_EN (the ACPI 3.0 4.7.2.5 hand-over a PC's SMM
      // handler performs; Linux's acpi_enable polls SCI_EN for 3 s after writing 0xF1). Any other
      // APMC write raises SMI when DEVACTB.APMC_EN is set.
      const prev = opts.apm.onControl;
      opts.apm.onControl = (v) => {
        prev?.(v);
        if (v === ACPI_ENABLE || v === ACPI_DISABLE) {
          this.pm.setSciEnabled(v === ACPI_ENABLE);
          return;
        }
        if (this.config.get32(DEVACTB) & APMC_EN) this.onEvent?.({ kind: 'smi', source: 'apm' });
      };
    }
  }

  private resetRegisters(): void {
    const c = this.config;
    c.set16(0x06, 0x0280);
    c.set32(PMBA, 0x00000001); // I/O space indicator, read-only
    c.set8(PMREGMISC, 0);
    c.set32(SMBBA, 0x00000001);
    c.set8(SMBHSTCFG, 0);
    c.set32(DEVACTB, 0);
    // QEMU piix4_pm_realize with smm disabled: "SMM already initialised" so firmware skips it.
    if (!this.smmEnabled) c.set8(0x5b, 0x02);
  }

  override configWrite(offset: number, size: number, value: number): void {
    super.configWrite(offset, size, value);
    const end = offset + size;
    if ((offset < PMBA + 4 && end > PMBA) || (offset <= PMREGMISC && end > PMREGMISC)) this.updatePmIo();
    if ((offset < SMBBA + 4 && end > SMBBA) || (offset <= SMBHSTCFG && end > SMBHSTCFG)) this.updateSmbusIo();
  }

  /** Current PM I/O base, or -1 when PMREGMISC bit 0 is clear. */
  get pmBase(): number {
    if (!(this.config.get8(PMREGMISC) & 1)) return -1;
    return this.config.get32(PMBA) & 0xffc0;
  }

  get smbusBase(): number {
    if (!(this.config.get8(SMBHSTCFG) & 1)) return -1;
    return this.config.get32(SMBBA) & 0xfff0;
  }

  private updatePmIo(): void {
    this.pmHandle = this.place(this.pmHandle, this.pmBase, 64, 'piix4-pm io', this.pm.io);
  }

  private updateSmbusIo(): void {
    this.smbHandle = this.place(this.smbHandle, this.smbusBase, 16, 'piix4-smbus', this.smbus);
  }

  private place(
    h: RegionHandle | null,
    base: number,
    size: number,
    name: string,
    handler: IoHandler,
  ): RegionHandle | null {
    if (!this.io) return h;
    // Base 0 means "not programmed" on a PC (QEMU maps it anyway, but nothing answers there).
    if (base <= 0) {
      if (h?.enabled) h.setEnabled(false);
      return h;
    }
    if (!h) return this.io.addPio(name, base, size, handler, PIO_OPTS);
    if (h.base !== base) h.move(base);
    if (!h.enabled) h.setEnabled(true);
    return h;
  }

  override reset(): void {
    super.reset();
    this.resetRegisters();
    this.updatePmIo();
    this.updateSmbusIo();
  }

  override setState(state: Parameters<PciDevice['setState']>[0]): void {
    super.setState(state);
    this.updatePmIo();
    this.updateSmbusIo();
  }
}
