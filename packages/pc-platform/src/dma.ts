// Intel 8237A DMA controller pair, register level only (no transfers): DMA1 at 0x00–0x0F
// (channels 0–3, byte ports), DMA2 at 0xC0–0xDF (channels 4–7, registers on even ports), page
// registers 0x81–0x8F, and the POST diagnostic port 0x80.
// Register map per the 8237A datasheet and QEMU hw/dma/i8257.c (write_chan/read_chan with the
// byte-pointer flip-flop, write_cont: command 0x08, request 0x09, single mask 0x0A, mode 0x0B,
// clear flip-flop 0x0C, master clear 0x0D, clear mask 0x0E, write all mask 0x0F). Port 0x80 reads
// all-ones like QEMU hw/i386/pc.c ioport80_read.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { PlatformEventListener } from './types.js';

export interface DmaControllerState {
  baseAddr: number[];
  baseCount: number[];
  mode: number[];
  command: number;
  status: number;
  mask: number;
  request: number;
  flipFlop: boolean;
}

export interface DmaState {
  controllers: [DmaControllerState, DmaControllerState];
  pages: number[];
  post: number;
}

class DmaController {
  baseAddr = [0, 0, 0, 0];
  baseCount = [0, 0, 0, 0];
  mode = [0, 0, 0, 0];
  command = 0;
  status = 0;
  mask = 0x0f;
  request = 0;
  flipFlop = false;

  read(reg: number): number {
    if (reg < 8) {
      const ch = reg >> 1;
      const v = reg & 1 ? this.baseCount[ch] : this.baseAddr[ch];
      const hi = this.flipFlop;
      this.flipFlop = !this.flipFlop;
      return hi ? (v >> 8) & 0xff : v & 0xff;
    }
    switch (reg) {
      case 8: {
        // Status: TC bits 0-3 clear on read, request bits 4-7.
        const v = (this.status & 0x0f) | ((this.request & 0x0f) << 4);
        this.status &= 0xf0;
        return v;
      }
      case 0x0d:
        return 0; // temporary register (memory-to-memory only)
      case 0x0f:
        return 0xf0 | this.mask; // PIIX allows reading the mask through the write-all-mask port
      default:
        return 0xff;
    }
  }

  write(reg: number, v: number): void {
    if (reg < 8) {
      const ch = reg >> 1;
      const arr = reg & 1 ? this.baseCount : this.baseAddr;
      arr[ch] = this.flipFlop ? (arr[ch] & 0x00ff) | (v << 8) : (arr[ch] & 0xff00) | v;
      this.flipFlop = !this.flipFlop;
      return;
    }
    switch (reg) {
      case 0x08:
        this.command = v;
        break;
      case 0x09:
        if (v & 4) this.request |= 1 << (v & 3);
        else this.request &= ~(1 << (v & 3));
        break;
      case 0x0a:
        if (v & 4) this.mask |= 1 << (v & 3);
        else this.mask &= ~(1 << (v & 3));
        break;
      case 0x0b:
        this.mode[v & 3] = v & 0xfc;
        break;
      case 0x0c:
        this.flipFlop = false;
        break;
      case 0x0d: // master clear
        this.flipFlop = false;
        this.command = 0;
        this.status = 0;
        this.request = 0;
        this.mask = 0x0f;
        break;
      case 0x0e:
        this.mask = 0;
        break;
      default:
        this.mask = v & 0x0f;
        break;
    }
  }

  getState(): DmaControllerState {
    return {
      baseAddr: [...this.baseAddr],
      baseCount: [...this.baseCount],
      mode: [...this.mode],
      command: this.command,
      status: this.status,
      mask: this.mask,
      request: this.request,
      flipFlop: this.flipFlop,
    };
  }

  setState(s: DmaControllerState): void {
    this.baseAddr = s.baseAddr.slice(0, 4).map((x) => x & 0xffff);
    this.baseCount = s.baseCount.slice(0, 4).map((x) => x & 0xffff);
    this.mode = s.mode.slice(0, 4).map((x) => x & 0xfc);
    this.command = s.command & 0xff;
    this.status = s.status & 0xff;
    this.mask = s.mask & 0x0f;
    this.request = s.request & 0x0f;
    this.flipFlop = s.flipFlop;
  }
}

/** Page register index (port − 0x80) of each channel: 0x87 ch0, 0x83 ch1, 0x81 ch2, 0x82 ch3, 0x8F ch4, 0x8B ch5, 0x89 ch6, 0x8A ch7. */
const PAGE_PORT = [0x07, 0x03, 0x01, 0x02, 0x0f, 0x0b, 0x09, 0x0a];

export class Dma8237 {
  private readonly c = [new DmaController(), new DmaController()];
  private readonly pages = new Uint8Array(16);
  private post = 0;
  private readonly onEvent: PlatformEventListener | undefined;
  /** Every byte written to port 0x80 (POST code). */
  onPostCode: ((code: number) => void) | null;

  /** Ports 0x00–0x0F. */
  readonly dma1Io: IoHandler;
  /** Ports 0xC0–0xDF (register n at 0xC0 + 2n; odd ports alias). */
  readonly dma2Io: IoHandler;
  /** Ports 0x80–0x8F: 0x80 POST code (reads all-ones), 0x81–0x8F page registers. */
  readonly pageIo: IoHandler;

  constructor(opts: { onEvent?: PlatformEventListener; onPostCode?: (code: number) => void } = {}) {
    this.onEvent = opts.onEvent;
    this.onPostCode = opts.onPostCode ?? null;
    this.dma1Io = {
      read: (o: number, _s: AccessSize) => this.c[0].read(o & 0x0f),
      write: (o: number, _s: AccessSize, v: number) => this.c[0].write(o & 0x0f, v & 0xff),
    };
    this.dma2Io = {
      read: (o: number, _s: AccessSize) => this.c[1].read((o >> 1) & 0x0f),
      write: (o: number, _s: AccessSize, v: number) => this.c[1].write((o >> 1) & 0x0f, v & 0xff),
    };
    this.pageIo = {
      read: (o: number, size: AccessSize) => {
        const i = o & 0x0f;
        if (i === 0) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
        return this.pages[i];
      },
      write: (o: number, _s: AccessSize, v: number) => {
        const i = o & 0x0f;
        if (i === 0) {
          this.post = v & 0xff;
          this.onEvent?.({ kind: 'post-code', value: this.post });
          this.onPostCode?.(this.post);
          return;
        }
        this.pages[i] = v & 0xff;
      },
    };
  }

  /** Last POST code written to port 0x80. */
  get postCode(): number {
    return this.post;
  }

  /** Programmed 24-bit base address (page:address; word channels shift the address by 1), count and mode. */
  channel(n: number): { address: number; count: number; mode: number; masked: boolean } {
    const ctl = this.c[n >> 2];
    const ch = n & 3;
    const page = this.pages[PAGE_PORT[n]];
    const word = n >= 4;
    const address = word ? (page & 0xfe) * 0x10000 + ctl.baseAddr[ch] * 2 : page * 0x10000 + ctl.baseAddr[ch];
    return {
      address,
      count: ctl.baseCount[ch] + 1,
      mode: ctl.mode[ch],
      masked: ((ctl.mask >> ch) & 1) === 1,
    };
  }

  /** Power-on state of both controllers and the page registers. */
  reset(): void {
    this.setState((dmaPowerOn ??= new Dma8237().getState()));
  }

  getState(): DmaState {
    return {
      controllers: [this.c[0].getState(), this.c[1].getState()],
      pages: Array.from(this.pages),
      post: this.post,
    };
  }

  setState(s: DmaState): void {
    this.c[0].setState(s.controllers[0]);
    this.c[1].setState(s.controllers[1]);
    this.pages.set(s.pages.slice(0, 16).map((b) => b & 0xff));
    this.post = s.post & 0xff;
  }
}

/** Power-on state, made once (setState copies it). */
let dmaPowerOn: DmaState | null = null;
