// Host tools for the x86-core oracles: nasm (assembler) and qemu-system-i386 (reference CPU).
// Tests SKIP with a clear message when a tool is absent, unless VMKIT_REQUIRE_TOOLS=1 (CI), where
// absence FAILS: the gate then reports "run", and the first use throws naming the missing tool.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROGRAMS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'programs');

const found = new Map<string, string | null>();

/** Absolute path of `name` on PATH, or null. */
export function findTool(name: string): string | null {
  const hit = found.get(name);
  if (hit !== undefined) return hit;
  let path: string | null = null;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (existsSync(p)) {
      path = p;
      break;
    }
  }
  found.set(name, path);
  return path;
}

export const toolsRequired = (): boolean => process.env.VMKIT_REQUIRE_TOOLS === '1';

export interface ToolGate {
  /** True when the tests that need the tools must be skipped (absent and not required). */
  skip: boolean;
  /** Why (printed once per file). */
  message: string;
}

/** Decide whether tests needing `tools` run. Prints the reason when they are skipped. */
export function toolGate(...tools: string[]): ToolGate {
  const missing = tools.filter((t) => findTool(t) === null);
  if (missing.length === 0) return { skip: false, message: '' };
  const message = `x86-core oracles: ${missing.join(', ')} not found on PATH (apt-get install -y nasm qemu-system-x86)`;
  if (toolsRequired()) return { skip: false, message: `${message}; VMKIT_REQUIRE_TOOLS=1 so this fails` };
  console.warn(`SKIP ${message}`);
  return { skip: true, message };
}

export function requireTool(name: string): string {
  const p = findTool(name);
  if (p === null) throw new Error(`x86-core oracles: required tool "${name}" is not installed`);
  return p;
}

const CACHE_DIR = join(tmpdir(), 'vmkit-x86-core-nasm');

function includeDigest(): string {
  const h = createHash('sha256');
  for (const dir of ['inc', 'bench']) {
    const inc = join(PROGRAMS_DIR, dir);
    for (const f of readdirSync(inc).sort()) {
      if (!f.endsWith('.inc')) continue;
      h.update(`${dir}/${f}`);
      h.update(readFileSync(join(inc, f)));
    }
  }
  return h.digest('hex');
}

let nasmVersion: string | null = null;

/** Assemble nasm source text (flat binary). `%include "inc/..."` resolves against test/programs.
 * Results are cached in os.tmpdir() by a hash of the source, the include files and nasm's version. */
export function assemble(source: string): Uint8Array {
  const nasm = requireTool('nasm');
  if (nasmVersion === null) nasmVersion = execFileSync(nasm, ['-v'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256').update(nasmVersion).update(includeDigest()).update(source).digest('hex');
  mkdirSync(CACHE_DIR, { recursive: true });
  const out = join(CACHE_DIR, `${key}.bin`);
  if (existsSync(out)) return new Uint8Array(readFileSync(out));
  const src = join(CACHE_DIR, `${key}.${process.pid}.asm`);
  const tmp = join(CACHE_DIR, `${key}.${process.pid}.tmp`);
  writeFileSync(src, source);
  const r = spawnSync(nasm, ['-f', 'bin', '-Werror', '-I', `${PROGRAMS_DIR}/`, '-o', tmp, src], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`nasm failed (${String(r.status)}):\n${r.stderr}`);
  renameSync(tmp, out);
  return new Uint8Array(readFileSync(out));
}

/** nasm source for a 32-bit flat protected-mode body run by the oracle skeleton (inc/lib.inc):
 * tests16 returns at once, tests32 is `body` (which must end in `ret` or leave otherwise). */
export function pm32Source(body: string): string {
  return `%include "inc/pm32-only.inc"
tests32:
${body}`;
}

/** Assemble test/programs/<name>.asm. */
export function assembleProgram(name: string): Uint8Array {
  return assemble(readFileSync(join(PROGRAMS_DIR, `${name}.asm`), 'utf8'));
}
