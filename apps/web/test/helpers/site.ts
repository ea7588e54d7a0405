// Builds the site once per test run (vite's build API, the app's own vite.config.ts) into a
// temporary directory, so the browser tests always exercise the current source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

export const APP_DIR = new URL('../..', import.meta.url).pathname;
export const REPO_ROOT = new URL('../../../..', import.meta.url).pathname;

export async function buildSite(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-web-'));
  await build({
    root: APP_DIR,
    configFile: join(APP_DIR, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir: dir, emptyOutDir: true, sourcemap: false },
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
