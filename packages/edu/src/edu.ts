// The edu device's registers and engines (QEMU 7.2 hw/misc/edu.c behaviour, vmkit's own code):
// identification, liveness, the factorial "thread" and the DMA engine on virtual-time timers,
// interrupt status with INTx. Guest values never throw: odd sizes and offsets read all-ones and
// drop writes, and a DMA outside the buffer or RAM is refused with an event.
import type { DeviceContext, DmaRefusal, Timer } from '@vmkit/device';
import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { PciDevice } from '@vmkit/pci';
import {
  DMA_BUFFER_SIZE,
  DMA_BUFFER_START,
  DMA_CMD_IRQ,
  DMA_CMD_RUN,
  DMA_CMD_TO_RAM,
  DMA_IRQ,
  dmaDeadline,
  EDU_ID,
  FACT_BASE_NS,
  FACT_IRQ,
  FACT_STEP_NS,
  factorial32,
  REG,
  STATUS_COMPUTING,
  STATUS_IRQFACT,
} from './registers.js';

/** Everything the device holds besides its PCI config space, as plain data. */
export interface EduState {
  liveness: number;
  fact: number;
  status: number;
  irqStatus: number;
  /** Virtual ns at which the factorial in progress completes, or null. */
  factDeadline: number | null;
  dma: { src: bigint; dst: bigint; count: bigint; cmd: bigint };
  dmaDeadline: number | null;
  buffer: Uint8Array;
}

/** EduState as getState() returns it: JSON-safe plain data (the DMA registers as `0x…` hex
 * strings, since they are 64-bit; the buffer as bytes), as the device contract and `rig
 * conformance` require. */
export interface EduSavedState extends Omit<EduState, 'dma' | 'buffer'> {
  dma: { src: string; dst: string; count: string; cmd: string };
  buffer: number[];
}

const hex64 = (v: bigint) => `0x${v.toString(16)}`;

const ONES: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };
const U64 = (1n << 64n) - 1n;
type DmaReg = keyof EduState['dma'];
const DMA_REGS: Record<number, DmaReg> = {
  [REG.DMA_SRC]: 'src',
  [REG.DMA_DST]: 'dst',
  [REG.DMA_COUNT]: 'count',
  [REG.DMA_CMD]: 'cmd',
};

export function powerOnState(): EduState {
  return {
    liveness: 0,
    fact: 0,
    status: 0,
    irqStatus: 0,
    factDeadline: null,
    dma: { src: 0n, dst: 0n, count: 0n, cmd: 0n },
    dmaDeadline: null,
    buffer: new Uint8Array(DMA_BUFFER_SIZE),
  };
}

export class Edu implements IoHandler {
  private s = powerOnState();
  private readonly factTimer: Timer;
  private readonly dmaTimer: Timer;

  constructor(
    private readonly ctx: DeviceContext,
    private readonly pci: PciDevice,
    private readonly dmaMask: bigint,
  ) {
    this.factTimer = ctx.createTimer(() => this.factDone());
    this.dmaTimer = ctx.createTimer(() => this.dmaRun());
  }

  // --- MMIO (edu.c edu_mmio_read / edu_mmio_write: 4-byte accesses below 0x80, 4 or 8 from 0x80)

  read(offset: number, size: AccessSize): number {
    if (size !== 4) return ONES[size];
    const reg = DMA_REGS[offset];
    if (reg) return Number(this.s.dma[reg] & 0xffff_ffffn);
    switch (offset) {
      case REG.ID:
        return EDU_ID;
      case REG.LIVENESS:
        return this.s.liveness;
      case REG.FACT:
        return this.s.fact;
      case REG.STATUS:
        return this.s.status;
      case REG.IRQ_STATUS:
        return this.s.irqStatus;
      default:
        return ONES[4];
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size !== 4) return;
    const reg = DMA_REGS[offset];
    if (reg) this.dmaWrite(reg, BigInt(value >>> 0));
    else this.regWrite(offset, value >>> 0);
  }

  read64(offset: number): bigint {
    const reg = DMA_REGS[offset];
    return reg ? this.s.dma[reg] : U64;
  }

  write64(offset: number, value: bigint): void {
    const reg = DMA_REGS[offset];
    if (reg) this.dmaWrite(reg, value & U64);
  }

  private regWrite(offset: number, v: number): void {
    switch (offset) {
      case REG.LIVENESS:
        this.s.liveness = ~v >>> 0;
        return;
      case REG.FACT:
        this.factStart(v);
        return;
      case REG.STATUS:
        // Only the interrupt-after-factorial bit is writable; COMPUTING is the device's.
        this.s.status = (this.s.status & ~STATUS_IRQFACT) | (v & STATUS_IRQFACT);
        return;
      case REG.IRQ_RAISE:
        this.raise(v);
        return;
      case REG.IRQ_ACK:
        this.lower(v);
        return;
    }
  }

  // --- interrupts (edu.c edu_raise_irq / edu_lower_irq; INTx only, see README)

  private raise(bits: number): void {
    this.s.irqStatus = (this.s.irqStatus | bits) >>> 0;
    if (this.s.irqStatus) this.pci.setIrq(true);
  }

  private lower(bits: number): void {
    this.s.irqStatus = (this.s.irqStatus & ~bits) >>> 0;
    if (!this.s.irqStatus) this.pci.setIrq(false);
  }

  // --- factorial (edu.c edu_fact_thread, on a virtual-time timer)

  private factStart(n: number): void {
    if (this.s.status & STATUS_COMPUTING) return;
    this.s.fact = n;
    this.s.status |= STATUS_COMPUTING;
    const deadline = this.ctx.now() + FACT_BASE_NS + factorial32(n).steps * FACT_STEP_NS;
    this.s.factDeadline = deadline;
    this.factTimer.arm(deadline);
  }

  private factDone(): void {
    this.s.factDeadline = null;
    const n = this.s.fact;
    this.s.fact = factorial32(n).value;
    this.s.status &= ~STATUS_COMPUTING;
    if (this.ctx.wants('edu-fact')) this.ctx.emit({ kind: 'edu-fact', n, result: this.s.fact });
    if (this.s.status & STATUS_IRQFACT) this.raise(FACT_IRQ);
  }

  // --- DMA (edu.c dma_rw / edu_dma_timer)

  private dmaWrite(reg: DmaReg, v: bigint): void {
    if (this.s.dma.cmd & BigInt(DMA_CMD_RUN)) return; // registers are locked while a transfer runs
    if (reg === 'cmd' && !(v & BigInt(DMA_CMD_RUN))) return;
    this.s.dma[reg] = v;
    if (reg !== 'cmd') return;
    this.s.dmaDeadline = dmaDeadline(this.ctx.now());
    this.dmaTimer.arm(this.s.dmaDeadline);
  }

  private dmaRun(): void {
    this.s.dmaDeadline = null;
    const { src, dst, count, cmd } = this.s.dma;
    if (!(cmd & BigInt(DMA_CMD_RUN))) return;
    const toRam = (cmd & BigInt(DMA_CMD_TO_RAM)) !== 0n;
    const problem = this.transfer(toRam, src, dst, count);
    if (problem) this.ctx.emit({ kind: 'dma-refused', ...problem });
    else if (this.ctx.wants('edu-dma'))
      this.ctx.emit({ kind: 'edu-dma', direction: toRam ? 'to-ram' : 'from-ram', src, dst, count });
    this.s.dma.cmd = cmd & ~BigInt(DMA_CMD_RUN);
    if (cmd & BigInt(DMA_CMD_IRQ)) this.raise(DMA_IRQ);
  }

  /** One transfer; null when done, else why nothing moved. */
  private transfer(
    toRam: boolean,
    src: bigint,
    dst: bigint,
    count: bigint,
  ): (Partial<DmaRefusal> & { what: string }) | null {
    const bufAddr = toRam ? src : dst;
    // edu.c edu_check_range: [bufAddr, bufAddr + count) must lie in the 4 KiB buffer. QEMU 7.2
    // stops the whole VM (hw_error); vmkit refuses the transfer, as later QEMUs log and go on.
    const end = bufAddr + count;
    const bufEnd = DMA_BUFFER_START + BigInt(DMA_BUFFER_SIZE);
    if (bufAddr < DMA_BUFFER_START || end > bufEnd || end > U64)
      return {
        what: `edu buffer range 0x${bufAddr.toString(16)}+0x${count.toString(16)} is outside 0x40000-0x40fff`,
      };
    const off = Number(bufAddr - DMA_BUFFER_START);
    const len = Number(count);
    // edu.c edu_clamp_addr: the guest address is masked with dma_mask.
    const guestAddr = Number((toRam ? dst : src) & this.dmaMask);
    if (toRam) return this.ctx.guest.write(guestAddr, this.s.buffer.slice(off, off + len));
    const r = this.ctx.guest.read(guestAddr, len);
    if (!(r instanceof Uint8Array)) return r;
    this.s.buffer.set(r, off);
    return null;
  }

  // --- life cycle

  reset(): void {
    this.s = powerOnState();
    this.factTimer.cancel();
    this.dmaTimer.cancel();
    this.pci.setIrq(false);
  }

  getState(): EduSavedState {
    const { src, dst, count, cmd } = this.s.dma;
    return {
      ...this.s,
      dma: { src: hex64(src), dst: hex64(dst), count: hex64(count), cmd: hex64(cmd) },
      buffer: Array.from(this.s.buffer),
    };
  }

  setState(st: EduSavedState): void {
    const { src, dst, count, cmd } = st.dma;
    const u64 = (v: string) => BigInt(v) & U64;
    const dma = { src: u64(src), dst: u64(dst), count: u64(count), cmd: u64(cmd) };
    this.s = { ...st, dma, buffer: Uint8Array.from(st.buffer) };
    if (st.factDeadline === null) this.factTimer.cancel();
    else this.factTimer.arm(st.factDeadline);
    if (st.dmaDeadline === null) this.dmaTimer.cancel();
    else this.dmaTimer.arm(st.dmaDeadline);
  }

  report(): object {
    const { liveness, fact, status, irqStatus, dma } = this.s;
    return { liveness, fact, status, irqStatus, dmaCommand: Number(dma.cmd & 0xffn) };
  }
}
