// Reading dropped File objects into HostFiles: size checked before reading, content recognised,
// one error line per refused file.
import { checkSize, classifyFile, type HostFile, HostFileError } from './host-files.js';

export async function readDropped(list: File[]): Promise<{ files: HostFile[]; errors: string[] }> {
  const files: HostFile[] = [];
  const errors: string[] = [];
  for (const f of list) {
    try {
      checkSize(f.name, f.size);
      files.push(classifyFile(f.name, new Uint8Array(await f.arrayBuffer())));
    } catch (e) {
      errors.push(e instanceof HostFileError ? e.message : `${f.name}: ${(e as Error).message}`);
    }
  }
  return { files, errors };
}

/** Adds new files: one file per kind (a newer dump of the same kind replaces the older one). */
export function mergeFiles(old: readonly HostFile[], added: readonly HostFile[]): HostFile[] {
  const out = old.filter((o) => !added.some((a) => a.kind === o.kind || a.name === o.name));
  return [...out, ...added];
}
