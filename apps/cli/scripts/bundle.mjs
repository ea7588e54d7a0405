// Bundle the CLI into dist/ with esbuild (the second half of `pnpm build`, after `tsc -b`, which
// type-checks and writes declarations to .tsbuild/lib). Start-up time is the point: loading ~90
// ES modules one by one costs Node 50–80 ms, a bundle a fraction of that.
//
// dist/main.js (the `vmkit` bin) is a small entry; each command is its own chunk, loaded on demand
// by main.ts's dynamic import(), so `vmkit vbt decode` never parses the x86 core and `vmkit boot`
// never parses decode-only code. Workspace packages are bundled from their built dist/ (the same
// JavaScript their published tarballs hold: esbuild resolves the "default" export condition, not
// "@vmkit/source"); their source maps chain through to the TypeScript. Node built-ins stay
// imports. The bundle needs no node_modules at run time.
//
// Whitespace and syntax are minified (the boot chunk shrinks from ~545 KB to ~345 KB and parses
// ~2 ms faster); identifiers are not, so function names stay readable in stack traces and
// --cpu-prof profiles (renaming would save ~2 ms more).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;

// Hashed chunk names change with their content: start from an empty dist/ so no stale chunk stays.
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
