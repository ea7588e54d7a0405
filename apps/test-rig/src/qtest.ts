// The qtest text protocol, server side, as QEMU 7.2's softmmu/qtest.c speaks it: one command per
// line, words separated by single spaces, answers "OK …", "FAIL …" or "ERR …", and asynchronous
// "IRQ raise|lower N" lines for intercepted interrupt inputs. Where QEMU would abort on a malformed
// argument (g_assert), the shim answers "FAIL <reason>" and keeps serving.

import type { MemSize, PortSize } from '@vmkit/qos';
import type { QtestMachine } from './qemu-machine.js';

/** Largest read/write/memset the shim performs in one command: a test cannot make it allocate
 * without bound (QEMU g_mallocs whatever length it is given). */
export const MAX_TRANSFER = 64 * 1024 * 1024;

class BadArg extends Error {}

/** qemu_strtou64 / qemu_strtoul with base 0: decimal, 0x hex or 0 octal, the whole word. */
export function parseU64(word: string | undefined, what: string): bigint {
  if (word === undefined) throw new BadArg(`missing ${what}`);
  const m = /^(-?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(word);
  if (!m) throw new BadArg(`invalid ${what} '${word}'`);
  let v = BigInt(m[2].length > 1 && m[2][0] === '0' && !/^0x/i.test(m[2]) ? `0o${m[2].slice(1)}` : m[2]);
  if (m[1]) v = -v;
  if (v >= 2n ** 64n) throw new BadArg(`${what} '${word}' is out of range`);
  return BigInt.asUintN(64, v);
}

function parseI64(word: string | undefined, what: string): bigint {
  const v = parseU64(word, what);
  return BigInt.asIntN(64, v);
}

const hex = (v: bigint, digits: number) => v.toString(16).padStart(digits, '0');

export interface QtestLog {
  received(words: string[]): void;
  sent(text: string): void;
}

export class QtestSession {
  constructor(
    private readonly m: QtestMachine,
    private readonly send: (text: string) => void,
    private readonly log: QtestLog | null = null,
  ) {}

  private pending = '';

  /** Feed bytes from the socket; every complete line is executed in order. */
  receive(chunk: string): void {
    this.pending += chunk;
    let nl = this.pending.indexOf('\n');
    while (nl >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.command(line);
      nl = this.pending.indexOf('\n');
    }
    // A line longer than any command could be (b64write of MAX_TRANSFER plus slack) is garbage.
    if (this.pending.length > MAX_TRANSFER * 2 + 4096) {
      this.pending = '';
      this.reply('FAIL command line too long\n');
    }
  }

  private reply(text: string): void {
    this.log?.sent(text);
    this.send(text);
  }

  /** Asynchronous IRQ notification (QEMU qtest_irq_handler). */
  irq(line: number, level: boolean): void {
    this.reply(`IRQ ${level ? 'raise' : 'lower'} ${line}\n`);
  }

  command(line: string): void {
    const words = line.split(' ');
    this.log?.received(words);
    try {
      const out = this.execute(words);
      if (out !== null) this.reply(out);
    } catch (e) {
      if (e instanceof BadArg) this.reply(`FAIL ${e.message}\n`);
      else this.reply(`FAIL internal error: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }

  private execute(w: string[]): string | null {
    const t = this.m.target;
    switch (w[0]) {
      case 'outb':
      case 'outw':
      case 'outl':
        return this.out(w, PORT_SIZES[w[0]]);
      case 'inb':
      case 'inw':
      case 'inl': {
        const port = this.port(w[1]);
        return `OK 0x${hex(BigInt(t.in(port, PORT_SIZES[w[0]]) >>> 0), 4)}\n`;
      }
      case 'writeb':
      case 'writew':
      case 'writel':
      case 'writeq': {
        const addr = parseU64(w[1], 'address');
        const size = MEM_SIZES[w[0]];
        t.write(Number(addr), size, BigInt.asUintN(8 * size, parseU64(w[2], 'value')));
        return 'OK\n';
      }
      case 'readb':
      case 'readw':
      case 'readl':
      case 'readq':
        return `OK 0x${hex(t.read(Number(parseU64(w[1], 'address')), MEM_SIZES[w[0]]), 16)}\n`;
      case 'read':
        return this.read(w, false);
      case 'b64read':
        return this.read(w, true);
      case 'write':
        return this.write(w, false);
      case 'b64write':
        return this.write(w, true);
      case 'memset':
        return this.memset(w);
      case 'endianness':
        return 'OK little\n';
      case 'clock_step': {
        const ns = w[1] === undefined ? undefined : Number(parseI64(w[1], 'nanoseconds'));
        return `OK ${Math.floor(t.clock.step(ns))}\n`;
      }
      case 'clock_set':
        return `OK ${Math.floor(t.clock.set(Number(parseI64(w[1], 'nanoseconds'))))}\n`;
      case 'irq_intercept_in':
      case 'irq_intercept_out':
        return this.intercept(w);
      case 'set_irq_in':
        return this.setIrqIn(w);
      case 'module_load':
        if (w[1] === undefined || w[2] === undefined)
          throw new BadArg('module_load needs a prefix and a library');
        return 'FAIL\n'; // vmkit has no loadable modules (QEMU: module not found)
      default:
        return `FAIL Unknown command '${w[0]}'\n`;
    }
  }

  private port(word: string | undefined): number {
    const p = parseU64(word, 'port');
    if (p > 0xffffn) throw new BadArg(`port '${word}' is above 0xffff`);
    return Number(p);
  }

  private out(w: string[], size: PortSize): string {
    const port = this.port(w[1]);
    const v = Number(BigInt.asUintN(8 * size, parseU64(w[2], 'value')));
    this.m.target.out(port, size, v);
    return 'OK\n';
  }

  private length(word: string | undefined): number {
    const len = parseU64(word, 'length');
    if (len > BigInt(MAX_TRANSFER))
      throw new BadArg(`length ${len} is above the shim's limit of ${MAX_TRANSFER}`);
    return Number(len);
  }

  private read(w: string[], b64: boolean): string {
    const addr = Number(parseU64(w[1], 'address'));
    const len = this.length(w[2]);
    if (!b64 && len === 0) throw new BadArg('read of length 0'); // QEMU: g_assert(len)
    const data = this.m.target.readBytes(addr, len);
    if (b64) return `OK ${Buffer.from(data).toString('base64')}\n`;
    return `OK 0x${Buffer.from(data).toString('hex')}\n`;
  }

  private write(w: string[], b64: boolean): string {
    const addr = Number(parseU64(w[1], 'address'));
    const len = this.length(w[2]);
    const text = w[3];
    if (text === undefined) throw new BadArg('missing data');
    // QEMU answers this one with ERR and no log prefix.
    if (text.length < 3) return 'ERR invalid argument size\n';
    const data = new Uint8Array(len);
    if (b64) data.set(Buffer.from(text, 'base64').subarray(0, len));
    else {
      // QEMU: data "0x…", two hex digits per byte, missing bytes are zero.
      for (let i = 0; i < len && i * 2 + 4 <= text.length; i++) {
        data[i] = ((nib(text[i * 2 + 2]) << 4) | nib(text[i * 2 + 3])) & 0xff;
      }
    }
    this.m.target.writeBytes(addr, data);
    return 'OK\n';
  }

  private memset(w: string[]): string {
    const addr = Number(parseU64(w[1], 'address'));
    const len = this.length(w[2]);
    const pattern = Number(parseU64(w[3], 'pattern') & 0xffn);
    if (len) this.m.target.writeBytes(addr, new Uint8Array(len).fill(pattern));
    return 'OK\n';
  }

  private intercept(w: string[]): string {
    if (w[1] === undefined) throw new BadArg('missing device path');
    const r = this.m.irqIntercept(w[1], w[0] === 'irq_intercept_in' ? 'in' : 'out', (line, level) =>
      this.irq(line, level),
    );
    if (r === 'unknown-device') return 'FAIL Unknown device\n';
    if (r === 'already-other') return 'FAIL IRQ intercept already enabled\n';
    return 'OK\n';
  }

  private setIrqIn(w: string[]): string {
    if (w.length < 5) throw new BadArg('set_irq_in needs a device, a name, a number and a level');
    const n = Number(parseI64(w[3], 'irq number'));
    const level = parseI64(w[4], 'level') !== 0n;
    if (!this.m.setIrqIn(w[1], w[2], n, level)) return 'FAIL Unknown device\n';
    return 'OK\n';
  }
}

const PORT_SIZES: Record<string, PortSize> = { outb: 1, outw: 2, outl: 4, inb: 1, inw: 2, inl: 4 };
const MEM_SIZES: Record<string, MemSize> = {
  writeb: 1,
  writew: 2,
  writel: 4,
  writeq: 8,
  readb: 1,
  readw: 2,
  readl: 4,
  readq: 8,
};

/** QEMU hex2nib: -1 for a non-hex character (which then ORs into the byte as QEMU's does). */
function nib(c: string | undefined): number {
  if (c === undefined) return -1;
  const v = Number.parseInt(c, 16);
  return Number.isNaN(v) ? -1 : v;
}
