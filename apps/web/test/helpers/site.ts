// Builds the site once per test run into a temporary directory, with the app's own vite.config.ts,
// so the browser tests always exercise the current source. The build runs as `vite build` does for
// a user (`pnpm --filter @vmkit/web build`), in its own process with NODE_ENV=production: inside
// vitest NODE_ENV is 'test', which would make Vite build a development site (import.meta.env.PROD
// false: no service worker) and keep Workbox's development logging.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR = new URL('../..', import.meta.url).pathname;
export const REPO_ROOT = new URL('../../../..', import.meta.url).pathname;

export async function buildSite(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-web-'));
  const vite = join(APP_DIR, 'node_modules/vite/bin/vite.js');
  const args = [
    vite,
    'build',
    '--outDir',
    dir,
    '--emptyOutDir',
    '--sourcemap',
    'false',
    '--logLevel',
    'error',
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: APP_DIR, env: { ...process.env, NODE_ENV: 'production' } },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`vite build failed: ${stderr || err.message}`)) : resolve(),
    );
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
