// Vite build of the web demo. Workspace packages resolve from source through the "@vmkit/source"
// export condition (as vitest and tsx do), so a build never picks up a stale dist/. The machine
// runs in a module Web Worker (one file), which index.html's first script starts for `?autoboot`.
// Debian's SeaBIOS, when installed, is copied into the site; a service worker keeps the whole
// site for offline use. The scripts are written in ASCII (`charset: 'ascii'`: other characters as
// \u escapes): one `≤` in a script makes Chromium hold the whole source as UTF-16, and decoding
// the worker's ~480 KB took ~16 ms of the worker's CPU before it could compile, against ~5 ms for
// the same file in ASCII (medians of 5 traced first visits).
import { defaultClientConditions, defineConfig } from 'vite';
import { earlyWorker } from './scripts/early-worker-plugin.ts';
import { offlineServiceWorker } from './scripts/offline-plugin.ts';
import { seabiosFirmware } from './scripts/seabios-plugin.ts';

export default defineConfig({
  // Relative asset URLs: the site works from any directory of a plain static file server.
  base: './',
  resolve: { conditions: ['@vmkit/source', ...defaultClientConditions] },
  worker: { format: 'es', rolldownOptions: { output: { charset: 'ascii' } } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    rolldownOptions: { output: { charset: 'ascii' } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  plugins: [seabiosFirmware(), offlineServiceWorker(), earlyWorker()],
});
