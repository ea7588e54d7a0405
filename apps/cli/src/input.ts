// Bounded reading of a decoder's input: a regular file or standard input ("-"), never more than the
// format's largest possible size (+1 byte to notice an overrun), never a directory, device or FIFO
// (/dev/zero would never end; a FIFO without a writer would block in open()). Errors are one line and
// exit 1 (input error).
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError } from './errors.js';

export interface InputSpec {
  /** What the file should be, for messages: "VBT", "OpRegion", "linker script". */
  readonly what: string;
  /** Largest input accepted, in bytes. */
  readonly max: number;
  /** Why that is the limit, e.g. "the u16 vbt_size field". */
  readonly why: string;
  /** What an oversized input looks like, from its first `max` bytes (and size and last 16 bytes when known). */
  readonly describe?: (head: Uint8Array, size?: number, last16?: Uint8Array) => string | undefined;
}

function tooBig(
  name: string,
  size: string,
  s: InputSpec,
  head: Uint8Array,
  total?: number,
  last16?: Uint8Array,
): UsageError {
  const looks = s.describe?.(head, total, last16);
  return new UsageError(
    `${name}: ${size}, more than a ${s.what} can be (${s.max} bytes: ${s.why}); not decoded${looks ? `; it looks like ${looks}` : ''}`,
    1,
  );
}

/** The first `max` bytes and the last 16 of an oversized regular file, to say what it is. */
function sample(fd: number, size: number, max: number): { head: Uint8Array; last16: Uint8Array } {
  const head = new Uint8Array(max);
  const n = readSync(fd, head, 0, max, 0);
  const last16 = new Uint8Array(16);
  readSync(fd, last16, 0, 16, Math.max(0, size - 16));
  return { head: head.subarray(0, n), last16 };
}

function kindOf(st: import('node:fs').Stats): string | undefined {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return st.isFile() ? undefined : 'not a regular file';
}

function readBounded(fd: number, name: string, s: InputSpec): Uint8Array {
  const buf = new Uint8Array(s.max + 1);
  let n = 0;
  for (;;) {
    const got = readSync(fd, buf, n, buf.length - n, null);
    if (got === 0) break;
    n += got;
    if (n > s.max) throw tooBig(name, `more than ${s.max} bytes`, s, buf.subarray(0, s.max));
  }
  return buf.slice(0, n);
}

function readFile(path: string, s: InputSpec): Uint8Array {
  let fd: number;
  try {
    const st = statSync(path);
    const kind = kindOf(st);
    if (kind)
      throw new UsageError(
        `cannot read ${s.what} ${path}: it is ${kind}, not a regular file (for a pipe or device use: - < ${path})`,
        1,
      );
    fd = openSync(path, 'r');
    if (st.size > s.max) {
      const { head, last16 } = sample(fd, st.size, s.max);
      closeSync(fd);
      throw tooBig(path, `${st.size} bytes`, s, head, st.size, last16);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot read ${s.what} ${path}: ${why}`, 1);
  }
  try {
    // The size is checked again while reading: a file can grow, and /proc files report 0.
    if (!fstatSync(fd).isFile()) throw new UsageError(`cannot read ${s.what} ${path}: not a regular file`, 1);
    return readBounded(fd, path, s);
  } finally {
    closeSync(fd);
  }
}

async function readStdin(s: InputSpec): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    chunks.push(chunk);
    if (n > s.max) {
      process.stdin.destroy();
      throw tooBig('standard input', `more than ${s.max} bytes`, s, concat(chunks, n).subarray(0, s.max));
    }
  }
  return concat(chunks, n);
}

function concat(chunks: readonly Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Reads `path` ("-" = standard input) as `spec` allows, or throws a one-line UsageError (exit 1). */
export async function readInput(path: string, spec: InputSpec): Promise<Uint8Array> {
  return path === '-' ? readStdin(spec) : readFile(path, spec);
}

/** The name to show for an input path in messages. */
export function inputName(path: string): string {
  return path === '-' ? 'standard input' : path;
}
