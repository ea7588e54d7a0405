import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  type Stats,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { EXIT, inputError, UsageError } from './errors.js';

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  if (code === 'EROFS') return 'read-only file system';
  return (e as Error).message;
}

function notRegular(st: Stats): string | undefined {
  if (st.isDirectory()) return 'is a directory';
  if (st.isFIFO()) return 'is a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device';
  return st.isFile() ? undefined : 'is not a regular file';
}

/** Read a whole regular file as bytes — at most `max` bytes (a device like /dev/zero, a FIFO or a
 * huge file is refused before reading) — or fail with one clear line naming the file and why. */
export function readBytes(path: string, what = 'file', max = 64 * 1024 * 1024): Uint8Array {
  try {
    const st = statSync(path);
    const bad = notRegular(st);
    if (bad) throw inputError(`cannot read ${what} ${path}: it ${bad}, not a regular file`);
    if (st.size > max) {
      throw inputError(
        `cannot read ${what} ${path}: ${st.size} bytes, more than a ${what} can be (${max} bytes)`,
      );
    }
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw inputError(`cannot read ${what} ${path}: ${reason(e)}`);
  }
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    throw inputError(`cannot read directory ${path}: ${reason(e)}`);
  }
}

/** Write a whole file, or fail with one line naming it. */
export function writeBytes(path: string, what: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw inputError(`cannot write ${what} ${path}: ${reason(e)}`);
  }
}

/** Create or truncate `path` for writing, or fail with one line naming it. */
function openForWriting(path: string, what: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    throw inputError(`cannot open ${what} ${path}: ${reason(e)}`);
  }
}

export interface LineOutput {
  write(line: string): void;
  close(): void;
}

/** Open (create or truncate) an output file for lines, or fail with one line naming it — called
 * before any work starts, so a bad path costs nothing. */
export function openOutput(path: string, what: string): LineOutput {
  const fd = openForWriting(path, what);
  return {
    write(line) {
      try {
        writeSync(fd, `${line}\n`);
      } catch (e) {
        throw inputError(`cannot write ${what} ${path}: ${reason(e)}`);
      }
    },
    close() {
      closeSync(fd);
    },
  };
}

export interface ByteOutput {
  write(byte: number): void;
  close(): void;
}

/** Open (create or truncate) an output file for a byte stream (a guest's serial port), buffered
 * per line; fails with one line naming it before any work starts. */
export function openByteOutput(path: string, what: string): ByteOutput {
  const fd = openForWriting(path, what);
  const buf = new Uint8Array(4096);
  let n = 0;
  const flush = () => {
    try {
      if (n) writeSync(fd, buf, 0, n);
    } catch (e) {
      throw inputError(`cannot write ${what} ${path}: ${reason(e)}`);
    }
    n = 0;
  };
  return {
    write(byte) {
      buf[n++] = byte;
      if (byte === 0x0a || n === buf.length) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Write to stdout synchronously, waiting (1 ms at a time) while a pipe or socket is full, so what a
 * running machine prints (text --trace) reaches the reader as it happens and is never queued in
 * memory behind the run (process.stdout.write queues on a non-blocking pipe while the machine
 * holds the event loop). A reader that went away (EPIPE, e.g. `| head`) ends the command with
 * exit 0, as main.ts does for process.stdout.
 */
export function writeStdout(text: string | Uint8Array): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(1, bytes, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(EXIT.ok);
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
