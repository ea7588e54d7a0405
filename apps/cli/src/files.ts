import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { inputError, UsageError } from './errors.js';

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  if (code === 'EROFS') return 'read-only file system';
  return (e as Error).message;
}

/** Read a whole file as bytes, or fail with one clear line naming the file and the reason. */
export function readBytes(path: string, what = 'file'): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw inputError(`${what} ${path}: is a directory`);
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

export interface LineOutput {
  write(line: string): void;
  close(): void;
}

/** Open (create or truncate) an output file for lines, or fail with one line naming it — called
 * before any work starts, so a bad path costs nothing. */
export function openOutput(path: string, what: string): LineOutput {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw inputError(`cannot open ${what} ${path}: ${reason(e)}`);
  }
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
