// Builds the service worker (src/sw.ts) as `sw.js` at the site's root and writes into it the list
// of files to keep offline: every file of the build but source maps and the service worker itself
// (index.html, the page's and the machine worker's code, styles, firmware/bios-256k.bin), each with
// a revision (a hash of its bytes), Workbox's precache manifest format. In `vite` dev mode there is
// no service worker (main.ts registers it only in a build).
import { createHash } from 'node:crypto';
import type { Plugin, Rolldown } from 'vite';

export const SW_FILE = 'sw.js';
const PLACEHOLDER = 'self.__WB_MANIFEST';

export function offlineServiceWorker(entry = 'src/sw.ts'): Plugin {
  return {
    name: 'vmkit-offline-service-worker',
    apply: 'build',
    enforce: 'post',
    config() {
      return {
        build: {
          rolldownOptions: {
            input: { index: 'index.html', sw: entry },
            output: {
              entryFileNames: (c: { name: string }) =>
                c.name === 'sw' ? SW_FILE : 'assets/[name]-[hash].js',
            },
          },
        },
      };
    },
    generateBundle(_options, bundle) {
      const sw = bundle[SW_FILE];
      if (sw?.type !== 'chunk') return this.error(`${entry} was not built as ${SW_FILE}`);
      if (sw.imports.length || sw.dynamicImports.length)
        return this.error(
          `${SW_FILE} must stand alone, but imports ${[...sw.imports, ...sw.dynamicImports]}`,
        );
      const manifest = Object.values(bundle)
        .filter((f) => f.fileName !== SW_FILE && !f.fileName.endsWith('.map'))
        .map((f) => ({ url: f.fileName, revision: revision(f) }))
        .sort((a, b) => a.url.localeCompare(b.url));
      if (!sw.code.includes(PLACEHOLDER)) return this.error(`${SW_FILE} lost its ${PLACEHOLDER} placeholder`);
      sw.code = sw.code.replace(PLACEHOLDER, JSON.stringify(manifest));
    },
  };
}

function revision(f: Rolldown.OutputAsset | Rolldown.OutputChunk): string {
  const bytes = f.type === 'chunk' ? f.code : f.source;
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
