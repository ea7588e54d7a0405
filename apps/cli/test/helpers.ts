// Run the `vmkit` command as a user does: from source (node + tsx, like `pnpm vmkit`), or — for the
// tests that start it dozens of times — the built bundle (dist/main.js, the package's bin: ~0.2 s a
// start instead of ~4 s of tsx compiling the sources). And make the small BIOS images the
// exit-code tests boot.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const main = join(root, 'apps/cli/src/main.ts');

export function vmkit(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=@vmkit/source', '--import', 'tsx', main, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Result = { code: number | null; out: string; err: string };

export const built = join(root, 'apps/cli/dist/main.js');

function newestSource(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.ts')) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  }
  return t;
}

let checked = false;
/** The built command, refusing a missing or stale build (a source newer than the bundle): the root
 * `pnpm test` builds first; alone, run `pnpm build`. */
function builtMain(): string {
  if (checked) return built;
  if (!existsSync(built))
    throw new Error('apps/cli/dist/main.js is missing: build the CLI first (pnpm build)');
  const dirs = [
    join(root, 'apps/cli/src'),
    ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'src')),
  ];
  const newest = Math.max(...dirs.filter(existsSync).map(newestSource));
  if (newest > statSync(built).mtimeMs) {
    throw new Error('apps/cli/dist/main.js is older than the sources: rebuild it (pnpm build)');
  }
  checked = true;
  return built;
}

/** Start the built command (node options first, e.g. a heap limit); the caller reads its output. */
export function spawnBuilt(args: string[], nodeOptions: string[] = []): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...nodeOptions, builtMain(), ...args], { cwd: root });
}

/** The built command, asynchronously (run many at once). */
export function vmkitAsync(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [builtMain(), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The built command, synchronously. */
export function vmkitBuilt(...args: string[]): Result {
  const r = spawnSync(process.execPath, [builtMain(), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Run several command lines of the built command at once (at most `width` in flight), in order. */
export async function vmkitAll(lines: string[][], width = 4): Promise<Result[]> {
  const results: Result[] = new Array(lines.length);
  let next = 0;
  const worker = async () => {
    while (next < lines.length) {
      const i = next++;
      results[i] = await vmkitAsync(...lines[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, lines.length) }, worker));
  return results;
}

export const tmp = mkdtempSync(join(tmpdir(), 'vmkit-cli-'));

/** A 64 KiB BIOS image whose reset vector (0xFFFF0) runs `code` (real mode). */
export function biosImage(name: string, code: number[]): string {
  const image = new Uint8Array(64 * 1024);
  image.set(code, 0xfff0);
  const path = join(tmp, name);
  writeFileSync(path, image);
  return path;
}

/** jmp $ — spins until the instruction budget is spent. */
export const SPIN = [0xeb, 0xfe];
/** mov al, 0xfe; out 0x64, al; jmp $ — pulses the reset line through the 8042. */
export const RESET = [0xb0, 0xfe, 0xe6, 0x64, 0xeb, 0xfe];
