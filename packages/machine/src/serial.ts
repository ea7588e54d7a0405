// COM1's output as the machine keeps it: bytes become text lines (bytes as Latin-1 characters, CR
// dropped, LF ends a line; a line longer than MAX_LINE is cut), the last lines in a bounded window
// (the report's `serial`), and a text watch for `until` that matches across the line being built
// (a prompt without a newline still matches). Memory stays bounded whatever the guest prints.

import { BoundedWindow } from './window.js';

const MAX_LINE = 4096;

export interface SerialState {
  lines: string[];
  dropped: number;
  partial: string;
  bytes: number;
}

export class SerialConsole {
  private readonly kept: BoundedWindow<string>;
  private partial = '';
  /** Bytes the guest transmitted since power-on. */
  bytes = 0;
  /** Text to watch for (null: none); `onMatch` is called once when the output contains it. */
  watch: string | null = null;
  private sinceWatch = '';

  constructor(
    limits: { lines: number; chars: number },
    private readonly onMatch: (text: string) => void,
  ) {
    this.kept = new BoundedWindow<string>(limits.lines, (l) => l.length, limits.chars);
  }

  /** One byte from the UART. */
  push(byte: number): void {
    this.bytes++;
    if (byte === 0x0d) return;
    if (byte === 0x0a) {
      this.kept.push(this.partial);
      this.partial = '';
    } else {
      this.partial += String.fromCharCode(byte);
      if (this.partial.length >= MAX_LINE) {
        this.kept.push(this.partial);
        this.partial = '';
      }
    }
    const w = this.watch;
    if (w !== null) {
      // Keep just enough of the output since the watch began to see the text complete.
      this.sinceWatch = (this.sinceWatch + (byte === 0x0a ? '\n' : String.fromCharCode(byte))).slice(
        -Math.max(w.length, 1),
      );
      if (this.sinceWatch === w || this.sinceWatch.endsWith(w)) {
        this.watch = null;
        this.sinceWatch = '';
        this.onMatch(w);
      }
    }
  }

  /** Start (or stop, with null) watching for `text` in output from now on. */
  setWatch(text: string | null): void {
    this.watch = text;
    this.sinceWatch = '';
  }

  /** The kept lines, oldest first, with the unfinished last line when there is one. */
  tail(): string[] {
    const lines = this.kept.toArray();
    if (this.partial !== '') lines.push(this.partial);
    return lines;
  }

  /** Lines that fell out of the window. */
  get dropped(): number {
    return this.kept.dropped;
  }

  getState(): SerialState {
    return {
      lines: this.kept.toArray(),
      dropped: this.kept.dropped,
      partial: this.partial,
      bytes: this.bytes,
    };
  }

  setState(s: SerialState): void {
    this.kept.reset(s.lines, s.dropped);
    this.partial = s.partial;
    this.bytes = s.bytes;
    this.sinceWatch = '';
  }
}
