// Intel 8042 keyboard controller (ports 0x60 data, 0x64 status/command) with a PS/2 MF2
// keyboard attached, IRQ1 (keyboard) / IRQ12 (aux), and the output-port A20 gate.
// Controller commands and status bits follow QEMU hw/input/pckbd.c (kbd_write_command,
// kbd_write_data, KBD_STAT_*, KBD_MODE_*, reset values); the keyboard follows QEMU
// hw/input/ps2.c (ps2_write_keyboard, ps2_reset_keyboard, ps2_put_keycode, 16-byte queue).
// No PS/2 mouse is attached: bytes written to the aux port are answered with 0xFE (resend).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { IrqSink, PlatformEventListener } from './types.js';

const STAT_OBF = 0x01;
const STAT_SELFTEST = 0x04;
const STAT_CMD = 0x08;
const STAT_UNLOCKED = 0x10;
const STAT_AUX_OBF = 0x20;

const MODE_KBD_INT = 0x01;
const MODE_AUX_INT = 0x02;
const MODE_DISABLE_KBD = 0x10;
const MODE_DISABLE_AUX = 0x20;
const MODE_KCC = 0x40;

/** Marks a controller-queue byte that reads as aux data (QEMU KBD_PENDING_CTRL_AUX). */
const CTRL_AUX = 0x100;

const OUT_RESET = 0x01;
const OUT_A20 = 0x02;
const OUT_OBF = 0x10;
const OUT_AUX_OBF = 0x20;

/** QEMU ps2.c PS2_QUEUE_SIZE: the keyboard buffers at most 16 bytes. */
const QUEUE_SIZE = 16;
/** Scan code set number as it reads through set-1 translation (QEMU ps2.c KBD_CMD_SCANCODE). */
const TRANSLATED_SET_ID = [0, 0x43, 0x41, 0x3f];

/**
 * Scan code set 1 ("PC/XT", what QEMU uses internally) → set 2 raw codes, for keys 0x00–0x7F.
 * Hardware data (IBM PS/2 keyboard tables), as tabulated in QEMU hw/input/ps2.c ps2_raw_keycode.
 */
// biome-ignore format: table
const SET1_TO_SET2 = new Uint8Array([
  0, 118, 22, 30, 38, 37, 46, 54, 61, 62, 70, 69, 78, 85, 102, 13,
  21, 29, 36, 45, 44, 53, 60, 67, 68, 77, 84, 91, 90, 20, 28, 27,
  35, 43, 52, 51, 59, 66, 75, 76, 82, 14, 18, 93, 26, 34, 33, 42,
  50, 49, 58, 65, 73, 74, 89, 124, 17, 41, 88, 5, 6, 4, 12, 3,
  11, 2, 10, 1, 9, 119, 126, 108, 117, 125, 123, 107, 115, 116, 121, 105,
  114, 122, 112, 113, 127, 96, 97, 120, 7, 15, 23, 31, 39, 47, 55, 63,
  71, 79, 86, 94, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 87, 111,
  19, 25, 57, 81, 83, 92, 95, 98, 99, 100, 101, 103, 104, 106, 109, 110,
]);

export interface I8042State {
  status: number;
  mode: number;
  outport: number;
  writeCmd: number;
  obData: number;
  /** Which queue the output-buffer byte came from: 0 none, 1 controller/keyboard, 2 aux. */
  obSource: number;
  /** Controller bytes; bit 8 set: the byte reads as aux data (written with D3). */
  ctrlQueue: number[];
  kbdQueue: number[];
  auxQueue: number[];
  kbd: { scanEnabled: boolean; scancodeSet: number; leds: number; writeCmd: number; lastByte: number };
  /** IRQ1 / IRQ12 levels as driven (the PIC's own state holds the line; restoring doesn't re-drive). */
  irq1: boolean;
  irq12: boolean;
}

export class I8042 {
  private status = STAT_CMD | STAT_UNLOCKED;
  private mode = MODE_KBD_INT | MODE_AUX_INT;
  private outport = OUT_RESET | OUT_A20 | 0xcc;
  private writeCmd = 0;
  private obData = 0;
  private obSource = 0;
  private ctrlQueue: number[] = [];
  private kbdQueue: number[] = [];
  private auxQueue: number[] = [];
  // PS/2 keyboard
  private scanEnabled = true;
  private scancodeSet = 2;
  private leds = 0;
  private kbdWriteCmd = -1;
  private lastByte = 0;
  private irq1 = false;
  private irq12 = false;

  private readonly irq: IrqSink | null;
  private readonly onEvent: PlatformEventListener | undefined;
  /** A20 gate from the output port (bit 1). */
  onA20: ((enabled: boolean) => void) | null;
  /** System reset requested (pulse of output-port bit 0, command 0xFE). */
  onReset: (() => void) | null;

  /** Port 0x60 at offset 0 and port 0x64 at offset 4 (map as a 5-port region at 0x60, or use dataIo/cmdIo). */
  readonly dataIo: IoHandler;
  readonly cmdIo: IoHandler;

  constructor(
    opts: {
      irq?: IrqSink;
      onA20?: (enabled: boolean) => void;
      onReset?: () => void;
      onEvent?: PlatformEventListener;
    } = {},
  ) {
    this.irq = opts.irq ?? null;
    this.onA20 = opts.onA20 ?? null;
    this.onReset = opts.onReset ?? null;
    this.onEvent = opts.onEvent;
    this.dataIo = {
      read: (_o: number, _s: AccessSize) => this.readData(),
      write: (_o: number, _s: AccessSize, v: number) => this.writeData(v & 0xff),
    };
    this.cmdIo = {
      read: (_o: number, _s: AccessSize) => this.status,
      write: (_o: number, _s: AccessSize, v: number) => this.writeCommand(v & 0xff),
    };
  }

  readStatus(): number {
    return this.status;
  }

  get a20(): boolean {
    return (this.outport & OUT_A20) !== 0;
  }

  /** Whether the guest has enabled set-2 → set-1 translation (command byte bit 6). */
  get translating(): boolean {
    return (this.mode & MODE_KCC) !== 0;
  }

  // ---- output buffer ---------------------------------------------------------------------

  private push(q: number[], b: number): void {
    if (q.length >= QUEUE_SIZE - 1) return; // QEMU ps2_queue drops when full
    q.push(b & (CTRL_AUX | 0xff));
  }

  /** Move the next pending byte into the output buffer and drive IRQ1/IRQ12 (QEMU kbd_update_irq). */
  private refill(): void {
    if (!(this.status & (STAT_OBF | STAT_AUX_OBF))) {
      if (this.ctrlQueue.length > 0) {
        // Controller bytes (command replies, D2/D3 writes) are never held back by the interface
        // disable bits (QEMU 7.2 pckbd.c kbd_queue → KBD_PENDING_CTRL_KBD/AUX, kbd_update_irq).
        const e = this.ctrlQueue.shift() as number;
        this.obData = e & 0xff;
        this.obSource = e & CTRL_AUX ? 2 : 1;
        this.status |= e & CTRL_AUX ? STAT_OBF | STAT_AUX_OBF : STAT_OBF;
      } else if (this.kbdQueue.length > 0 && !(this.mode & MODE_DISABLE_KBD)) {
        this.obData = this.kbdQueue.shift() as number;
        this.obSource = 1;
        this.status |= STAT_OBF;
      } else if (this.auxQueue.length > 0 && !(this.mode & MODE_DISABLE_AUX)) {
        this.obData = this.auxQueue.shift() as number;
        this.obSource = 2;
        this.status |= STAT_OBF | STAT_AUX_OBF;
      }
    }
    const full = (this.status & STAT_OBF) !== 0;
    const k = full && this.obSource === 1 && (this.mode & MODE_KBD_INT) !== 0;
    const a = full && this.obSource === 2 && (this.mode & MODE_AUX_INT) !== 0;
    this.outport &= ~(OUT_OBF | OUT_AUX_OBF);
    if (full) this.outport |= this.obSource === 2 ? OUT_AUX_OBF : OUT_OBF;
    if (k !== this.irq1) {
      this.irq1 = k;
      this.irq?.setIrq(1, k);
    }
    if (a !== this.irq12) {
      this.irq12 = a;
      this.irq?.setIrq(12, a);
    }
  }

  readData(): number {
    if (this.status & STAT_OBF) {
      this.status &= ~(STAT_OBF | STAT_AUX_OBF);
      this.lastByte = this.obData;
      this.obSource = 0;
      this.refill();
      return this.lastByte;
    }
    // Empty: the last byte is read again (QEMU ps2_read_data "needed for EMM386").
    return this.lastByte;
  }

  private ctrlReply(b: number): void {
    this.push(this.ctrlQueue, b);
    this.refill();
  }

  // ---- controller ------------------------------------------------------------------------

  writeCommand(cmd: number): void {
    let c = cmd;
    if ((c & 0xf0) === 0xf0) {
      // Pulse output-port bits 3-0; bit 0 low pulses the CPU reset line.
      c = c & 1 ? 0xff : 0xfe;
    }
    let supported = true;
    switch (c) {
      case 0x20:
        this.ctrlReply(this.mode);
        break;
      case 0x60:
      case 0xd1:
      case 0xd2:
      case 0xd3:
      case 0xd4:
        this.writeCmd = c;
        break;
      case 0xa7:
        this.mode |= MODE_DISABLE_AUX;
        break;
      case 0xa8:
        this.mode &= ~MODE_DISABLE_AUX;
        this.refill();
        break;
      case 0xa9: // aux interface test: 0 = OK
        this.ctrlReply(0x00);
        break;
      case 0xaa: // controller self-test
        this.status |= STAT_SELFTEST;
        this.ctrlReply(0x55);
        break;
      case 0xab: // keyboard interface test
        this.ctrlReply(0x00);
        break;
      case 0xad:
        this.mode |= MODE_DISABLE_KBD;
        break;
      case 0xae:
        this.mode &= ~MODE_DISABLE_KBD;
        this.refill();
        break;
      case 0xc0: // read input port (QEMU: 0x80, keyboard not inhibited)
        this.ctrlReply(0x80);
        break;
      case 0xd0:
        this.ctrlReply(this.outport);
        break;
      case 0xdd:
        this.setOutport(this.outport & ~OUT_A20);
        break;
      case 0xdf:
        this.setOutport(this.outport | OUT_A20);
        break;
      case 0xfe:
        this.onEvent?.({ kind: 'reset-request', source: 'i8042' });
        this.onReset?.();
        break;
      case 0xff:
        break;
      default:
        supported = false;
        break;
    }
    this.onEvent?.({ kind: 'kbd-command', command: cmd, supported });
  }

  private setOutport(v: number): void {
    const old = this.outport;
    this.outport = v & 0xff;
    if ((old ^ v) & OUT_A20) {
      const en = (v & OUT_A20) !== 0;
      this.onEvent?.({ kind: 'a20', enabled: en, source: 'i8042' });
      this.onA20?.(en);
    }
    if (!(v & OUT_RESET)) {
      this.onEvent?.({ kind: 'reset-request', source: 'i8042' });
      this.onReset?.();
    }
  }

  writeData(v: number): void {
    const cmd = this.writeCmd;
    this.writeCmd = 0;
    switch (cmd) {
      case 0x60:
        this.mode = v;
        this.refill();
        break;
      case 0xd1:
        this.setOutport(v);
        break;
      case 0xd2: // write keyboard output buffer
        this.push(this.ctrlQueue, v);
        this.refill();
        break;
      case 0xd3: // write aux output buffer: reads back as aux data (Linux's AUX loopback test)
        this.push(this.ctrlQueue, CTRL_AUX | v);
        this.refill();
        break;
      case 0xd4: // write to aux device: none attached. Sending data to the aux device re-enables
        // the aux interface (QEMU kbd_write_data KBD_CCMD_WRITE_MOUSE).
        this.mode &= ~MODE_DISABLE_AUX;
        this.push(this.auxQueue, 0xfe);
        this.refill();
        break;
      default:
        // To the keyboard; sending it data re-enables the keyboard interface (QEMU kbd_write_data).
        this.mode &= ~MODE_DISABLE_KBD;
        this.keyboardWrite(v);
        this.refill();
        break;
    }
  }

  // ---- PS/2 keyboard ---------------------------------------------------------------------

  private kq(b: number): void {
    this.push(this.kbdQueue, b);
  }

  private keyboardReset(): void {
    this.scanEnabled = true;
    this.scancodeSet = 2;
    this.leds = 0;
  }

  private keyboardWrite(v: number): void {
    let supported = true;
    switch (this.kbdWriteCmd) {
      case 0xf0: // scancode set
        if (v === 0) {
          this.kq(0xfa);
          this.kq(this.translating ? TRANSLATED_SET_ID[this.scancodeSet] : this.scancodeSet);
        } else {
          if (v >= 1 && v <= 3) this.scancodeSet = v;
          this.kq(0xfa);
        }
        this.kbdWriteCmd = -1;
        return;
      case 0xed:
        this.leds = v & 7;
        this.kq(0xfa);
        this.kbdWriteCmd = -1;
        return;
      case 0xf3:
        this.kq(0xfa);
        this.kbdWriteCmd = -1;
        return;
      default:
        break;
    }
    switch (v) {
      case 0xf2: // get ID: MF2 keyboard
        this.kq(0xfa);
        this.kq(0xab);
        this.kq(this.translating ? 0x41 : 0x83);
        break;
      case 0xee: // echo
        this.kq(0xee);
        break;
      case 0xf4:
        this.scanEnabled = true;
        this.kq(0xfa);
        break;
      case 0xf0:
      case 0xed:
      case 0xf3:
        this.kbdWriteCmd = v;
        this.kq(0xfa);
        break;
      case 0xf5:
        this.keyboardReset();
        this.scanEnabled = false;
        this.kq(0xfa);
        break;
      case 0xf6:
        this.keyboardReset();
        this.kq(0xfa);
        break;
      case 0xff:
        this.keyboardReset();
        this.kq(0xfa);
        this.kq(0xaa);
        break;
      case 0x05:
        this.kq(0xfe);
        supported = false;
        break;
      default:
        this.kq(0xfa);
        supported =
          v === 0x00 ||
          v === 0xf7 ||
          v === 0xf8 ||
          v === 0xf9 ||
          v === 0xfa ||
          v === 0xfb ||
          v === 0xfc ||
          v === 0xfd;
        break;
    }
    this.onEvent?.({ kind: 'ps2-command', command: v, supported });
  }

  /** Keyboard LED state last set by the guest (bit 0 scroll, 1 num, 2 caps). */
  get keyboardLeds(): number {
    return this.leds;
  }

  /**
   * Press or release a key given its set-1 ("XT") scan code, with `extended` for 0xE0-prefixed
   * keys. The keyboard sends it in its current scan code set; with controller translation on (the
   * usual BIOS/OS setup) the guest sees set 1. Ignored while the guest has scanning disabled.
   */
  key(set1Code: number, down: boolean, extended = false): void {
    if (!this.scanEnabled) return;
    const code = set1Code & 0x7f;
    if (this.translating || this.scancodeSet === 1) {
      if (extended) this.kq(0xe0);
      this.kq(code | (down ? 0 : 0x80));
    } else {
      if (extended) this.kq(0xe0);
      if (!down) this.kq(0xf0);
      this.kq(SET1_TO_SET2[code]);
    }
    this.refill();
  }

  /** Queue raw bytes exactly as a keyboard would send them (no translation). */
  injectBytes(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.kq(bytes[i]);
    this.refill();
  }

  /** Power-on state: a fresh controller's and keyboard's. */
  reset(): void {
    this.setState((i8042PowerOn ??= new I8042().getState()));
  }

  getState(): I8042State {
    return {
      status: this.status,
      mode: this.mode,
      outport: this.outport,
      writeCmd: this.writeCmd,
      obData: this.obData,
      obSource: this.obSource,
      ctrlQueue: [...this.ctrlQueue],
      kbdQueue: [...this.kbdQueue],
      auxQueue: [...this.auxQueue],
      kbd: {
        scanEnabled: this.scanEnabled,
        scancodeSet: this.scancodeSet,
        leds: this.leds,
        writeCmd: this.kbdWriteCmd,
        lastByte: this.lastByte,
      },
      irq1: this.irq1,
      irq12: this.irq12,
    };
  }

  setState(s: I8042State): void {
    this.status = s.status & 0xff;
    this.mode = s.mode & 0xff;
    this.outport = s.outport & 0xff;
    this.writeCmd = s.writeCmd;
    this.obData = s.obData & 0xff;
    this.obSource = s.obSource;
    this.ctrlQueue = s.ctrlQueue.slice(0, QUEUE_SIZE).map((b) => b & (CTRL_AUX | 0xff));
    this.kbdQueue = s.kbdQueue.slice(0, QUEUE_SIZE).map((b) => b & 0xff);
    this.auxQueue = s.auxQueue.slice(0, QUEUE_SIZE).map((b) => b & 0xff);
    this.scanEnabled = s.kbd.scanEnabled;
    this.scancodeSet = s.kbd.scancodeSet;
    this.leds = s.kbd.leds;
    this.kbdWriteCmd = s.kbd.writeCmd;
    this.lastByte = s.kbd.lastByte & 0xff;
    this.irq1 = s.irq1;
    this.irq12 = s.irq12;
  }
}

/** Power-on state, made once (setState copies it). */
let i8042PowerOn: I8042State | null = null;
