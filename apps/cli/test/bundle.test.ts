// The BUILT command (`pnpm build` → dist/main.js, the package's bin), run under plain node the
// way users and apps/cli/bench run it. The bundle is copied with package.json into an empty
// directory first: it must run with no node_modules and no workspace to resolve from. Requires
// a build (the root `pnpm test` builds before it runs vitest): a missing dist/main.js fails.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogueSource } from '@vmkit/vfio-igd';
import { beforeAll, describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('..', import.meta.url));
const dist = join(app, 'dist');
const BIOS = '/usr/share/seabios/bios-256k.bin';

let main = '';

function vmkit(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  const built = join(dist, 'main.js');
  if (!existsSync(built)) {
    throw new Error('apps/cli/dist/main.js is missing: build the CLI first (pnpm build)');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'vmkit-bundle-'));
  cpSync(dist, join(tmp, 'dist'), { recursive: true });
  cpSync(join(app, 'package.json'), join(tmp, 'package.json'));
  main = join(tmp, 'dist', 'main.js');
});

describe('the bundled vmkit (dist/main.js)', () => {
  it('is a bundle: no workspace or package imports left, one chunk per command', () => {
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    for (const f of files) {
      const js = readFileSync(join(dist, f), 'utf8');
      expect(js, f).not.toMatch(/from\s*["']@vmkit\//);
      expect(js, f).not.toMatch(/import\(\s*["']@vmkit\//);
    }
    const entry = readFileSync(join(dist, 'main.js'), 'utf8');
    expect(entry.startsWith('#!/usr/bin/env node\n')).toBe(true);
    // The entry stays small: the machine (x86 core, devices) is only in the boot chunk.
    expect(entry.length).toBeLessThan(16_000);
    expect(files.some((f) => /^chunks[/\\]boot-.*\.js$/.test(f))).toBe(true);
    expect(files.some((f) => /^chunks[/\\]decode-.*\.js$/.test(f))).toBe(true);
  });

  it('boot --firmware hle --json runs the machine and prints the report', () => {
    const r = vmkit('boot', '--firmware', 'hle', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.firmware).toEqual({ kind: 'hle', image: null, fallback: null });
    expect(j.result.reason).toBe('boot-attempted');
    expect(j.igd.guestOpregionValid).toBe(true);
    expect(j.igd.bdsmReserved).toBe(true);
  });

  it.skipIf(!existsSync(BIOS))(
    'boots Debian SeaBIOS to "No bootable device." with the debug console on stderr',
    () => {
      const r = vmkit('boot', '--firmware', BIOS, '--igd', 'none', '--debugcon', '-');
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^SeaBIOS \(version /m);
      expect(r.err).toMatch(/^No bootable device\.$/m);
      expect(r.out).toMatch(/Firmware: image/);
    },
  );

  // The CLI limits TurboFan's inlining for itself (src/v8-tuning.ts: a cold boot's wall time is the
  // background compiler's) unless node's own command line set an inlining flag (NODE_OPTIONS may not
  // carry one). V8's --trace-turbo-inlining prints an "Inlining <callee> into <caller>" line for each
  // call site it inlines: with the CLI's budget of 150 bytes a SeaBIOS boot inlines about a quarter
  // of what V8's default budget (920) does.
  it.skipIf(!existsSync(BIOS))(
    'runs the machine with a small TurboFan inlining budget unless node was told otherwise',
    () => {
      const inlined = (node: string[]) => {
        const args = [...node, '--trace-turbo-inlining', main, 'boot', '--firmware', BIOS, '--igd', 'none'];
        const r = spawnSync(process.execPath, args, {
          encoding: 'utf8',
          timeout: 120_000,
          maxBuffer: 1 << 28,
        });
        expect(r.status).toBe(0);
        return (r.stdout.match(/^Inlining .* into /gm) ?? []).length;
      };
      const cli = inlined([]);
      const v8 = inlined(['--max-inlined-bytecode-size-cumulative=920']);
      expect(cli).toBeGreaterThan(0);
      expect(cli * 2).toBeLessThan(v8);
    },
  );

  it('decode commands and models work from the decode chunk', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'vmkit-bundle-in-')), 'opregion.bin');
    writeFileSync(f, catalogueSource('kbl').opRegion!);
    const j = JSON.parse(vmkit('opregion', 'decode', f, '--json').out);
    expect(j.ok).toBe(true);
    const m = vmkit('models');
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/kbl/);
  });

  it('an internal error (a broken install: a command chunk is missing) exits 70 with one line', () => {
    const broken = mkdtempSync(join(tmpdir(), 'vmkit-broken-'));
    cpSync(join(main, '..', '..'), broken, { recursive: true });
    const chunks = join(broken, 'dist', 'chunks');
    for (const f of readdirSync(chunks)) if (/^models-.*\.js$/.test(f)) rmSync(join(chunks, f));
    const r = spawnSync(process.execPath, [join(broken, 'dist', 'main.js'), 'models'], { encoding: 'utf8' });
    expect(r.status).toBe(70);
    expect(r.stderr).toMatch(/^vmkit: internal error: Cannot find module .*models-/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const j = spawnSync(process.execPath, [join(broken, 'dist', 'main.js'), 'models', '--json'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(j.stderr).error).toMatchObject({ kind: 'internal', exitCode: 70 });
  });

  it('usage errors: one line, exit 2, no stack trace', () => {
    const r = vmkit('boot', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/unknown option '--bogus'/)]);
    expect(vmkit('frobnicate').code).toBe(2);
    const h = vmkit('--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^vmkit — /);
  });
});
