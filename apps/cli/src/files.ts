import { readdirSync, readFileSync, statSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Read a whole file as bytes, or fail with one clear line naming the file and the reason. */
export function readBytes(path: string, what = 'file'): Uint8Array {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${what} ${path}: is a directory`, 1);
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot read ${what} ${path}: ${why}`, 1);
  }
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read directory ${path}: ${code === 'ENOENT' ? 'no such directory' : code}`,
      1,
    );
  }
}
