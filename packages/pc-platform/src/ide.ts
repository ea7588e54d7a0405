// PIIX IDE legacy channels with no drives attached (primary 0x1F0–0x1F7/0x3F6 IRQ14, secondary
// 0x170–0x177/0x376 IRQ15) and the bus-master register block (BAR4, 16 bytes).
// An empty channel answers exactly like QEMU hw/ide/core.c ide_ioport_read / ide_status_read /
// ide_data_readw with no block backends on the bus: the data register reads 0xFF for byte reads
// and 0 for word/dword reads, every other register (status included) reads 0 — never BSY, so
// SeaBIOS's probe finishes at once (the QEMU trace shows these values). Bus-master registers
// follow hw/ide/pci.c (bmdma_cmd_writeb, bmdma_status write-1-to-clear bits 1-2, PRD address).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { PlatformEventListener } from './types.js';

export interface IdeChannelState {
  regs: number[];
  devCtl: number;
}

/** One legacy ATA channel with no devices. */
export class IdeChannel {
  /** Task-file registers 1–7 as last written (feature, count, lba0-2, select, command). */
  private regs = [0, 0, 0, 0, 0, 0, 0, 0];
  private devCtl = 0;
  private readonly index: number;
  private readonly onEvent: PlatformEventListener | undefined;

  /** Command block (8 ports). */
  readonly cmdIo: IoHandler;
  /** Control block: alternate status / device control (1 port, 0x3F6 or 0x376). */
  readonly ctlIo: IoHandler;

  constructor(opts: { index: number; onEvent?: PlatformEventListener }) {
    this.index = opts.index;
    this.onEvent = opts.onEvent;
    this.cmdIo = {
      read: (o: number, size: AccessSize) => {
        const reg = o & 7;
        if (reg === 0) return size === 1 ? 0xff : 0; // data port: no DRQ
        return 0;
      },
      write: (o: number, _size: AccessSize, v: number) => {
        const reg = o & 7;
        if (reg === 0) return; // data with no transfer in progress is dropped
        this.regs[reg] = v & 0xff;
        if (reg === 7) {
          this.onEvent?.({
            kind: 'ide-command',
            channel: this.index,
            drive: (this.regs[6] >> 4) & 1,
            command: v & 0xff,
          });
        }
      },
    };
    this.ctlIo = {
      read: (_o: number, _size: AccessSize) => 0,
      write: (_o: number, _size: AccessSize, v: number) => {
        this.devCtl = v & 0xff;
      },
    };
  }

  /** Last written task-file register (1–7) — what a drive would have latched. */
  register(reg: number): number {
    return this.regs[reg & 7];
  }

  get deviceControl(): number {
    return this.devCtl;
  }

  /** Power-on state of the (empty) channel's registers. */
  reset(): void {
    this.setState((idePowerOn ??= new IdeChannel({ index: 0 }).getState()));
  }

  getState(): IdeChannelState {
    return { regs: [...this.regs], devCtl: this.devCtl };
  }

  setState(s: IdeChannelState): void {
    this.regs = s.regs.slice(0, 8).map((b) => b & 0xff);
    this.devCtl = s.devCtl & 0xff;
  }
}

export interface BusMasterState {
  cmd: number[];
  status: number[];
  prd: number[];
}

/** PIIX bus-master IDE registers (BAR4): per channel command (+0), status (+2), PRD table (+4..+7). */
export class IdeBusMaster implements IoHandler {
  private cmd = [0, 0];
  private status = [0, 0];
  private prd = [0, 0];

  read(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readByte((offset + i) & 0x0f) << (8 * i);
    return v >>> 0;
  }

  private readByte(o: number): number {
    const ch = o >> 3;
    const r = o & 7;
    if (r === 0) return this.cmd[ch];
    if (r === 2) return this.status[ch];
    if (r >= 4) return (this.prd[ch] >>> (8 * (r - 4))) & 0xff;
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte((offset + i) & 0x0f, (value >>> (8 * i)) & 0xff);
  }

  private writeByte(o: number, v: number): void {
    const ch = o >> 3;
    const r = o & 7;
    if (r === 0) {
      // Start/stop and direction bits only (hw/ide/pci.c bmdma_cmd_writeb). No drive: nothing moves.
      this.cmd[ch] = v & 0x09;
    } else if (r === 2) {
      // Bits 5-6 (drive DMA capable) are R/W, bits 1-2 (error, interrupt) write-1-to-clear.
      this.status[ch] = (v & 0x60) | (this.status[ch] & 0x01) | (this.status[ch] & ~v & 0x06);
    } else if (r >= 4) {
      const shift = 8 * (r - 4);
      const mask = r === 4 ? 0xfc : 0xff; // PRD table is dword aligned
      this.prd[ch] = ((this.prd[ch] & ~(0xff << shift)) | ((v & mask) << shift)) >>> 0;
    }
  }

  /** Power-on state: command, status and PRD address 0. */
  reset(): void {
    this.setState((busMasterPowerOn ??= new IdeBusMaster().getState()));
  }

  getState(): BusMasterState {
    return { cmd: [...this.cmd], status: [...this.status], prd: [...this.prd] };
  }

  setState(s: BusMasterState): void {
    this.cmd = s.cmd.slice(0, 2).map((b) => b & 0x09);
    this.status = s.status.slice(0, 2).map((b) => b & 0x67);
    this.prd = s.prd.slice(0, 2).map((b) => b >>> 0);
  }
}

/** Power-on states, made once (setState copies them). */
let idePowerOn: IdeChannelState | null = null;
let busMasterPowerOn: BusMasterState | null = null;
