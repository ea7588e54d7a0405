// Writes src/early.ts's `startEarly` into index.html's <head> as its first script, with the built
// machine worker's URL: with `?autoboot` the worker starts as the HTML is parsed, not once the
// page's entry, its chunks and the style sheet have arrived (see src/early.ts). Build only; the
// dev server's page starts the worker from main.ts.
import type { Plugin } from 'vite';
import { EARLY_WORKER, startEarly } from '../src/early.ts';
import { SEABIOS_PATH } from '../src/firmware.ts';
import { AUTOSTART } from '../src/protocol.ts';

/** The machine worker's entry as Vite emits it (src/worker.ts → assets/worker-<8-character hash>.js;
 * not a chunk such as worker-start-<hash>.js). */
const WORKER_FILE = /^assets\/worker-[\w-]{8}\.js$/;

export function earlyWorker(): Plugin {
  return {
    name: 'vmkit-early-worker',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const files = Object.keys(ctx.bundle ?? {}).filter((f) => WORKER_FILE.test(f));
        if (files.length !== 1)
          throw new Error(
            `vmkit-early-worker: expected one machine worker entry, found ${files.join(', ') || 'none'}`,
          );
        const args = [`./${files[0]}`, AUTOSTART, SEABIOS_PATH, EARLY_WORKER].map((a) => JSON.stringify(a));
        // Before the page's module script and style sheet: an inline script after a style sheet
        // would wait for it.
        const at = html.search(/<(script|link)\b/);
        if (at < 0) throw new Error('vmkit-early-worker: index.html has no <script> or <link> to go before');
        const script = `<script>(${startEarly.toString()})(${args.join(',')})</script>\n    `;
        return html.slice(0, at) + script + html.slice(at);
      },
    },
  };
}
