// index.html's first script. `startEarly` is written into the page's <head> at build time
// (scripts/early-worker-plugin.ts), so with `?autoboot` the machine worker starts while the HTML
// is still being parsed — before the page's own code has been fetched (main.ts waits for its
// chunks and the style sheet). The worker reads the run from the query string as the page does
// (protocol.ts `QueryStart`); main.ts adopts it. Where the script cannot run (a
// Content-Security-Policy without 'unsafe-inline', the dev server), main.ts starts the worker.

/** Where the inline script leaves the worker for main.ts. */
export const EARLY_WORKER = 'vmkitMachineWorker';

/** Runs in the page as an inline script (serialized with toString): self-contained, no imports.
 * `name` is protocol.ts AUTOSTART, `firmware` firmware.ts SEABIOS_PATH. */
export function startEarly(workerUrl: string, name: string, firmware: string, global: string): void {
  if (!new URLSearchParams(location.search).has('autoboot')) return;
  const start = {
    type: 'query',
    search: location.search,
    seabios: { url: new URL(firmware, location.href).href },
  };
  performance.mark('vmkit:worker-created');
  (self as unknown as Record<string, Worker>)[global] = new Worker(workerUrl, {
    type: 'module',
    name: name + JSON.stringify(start),
  });
}

/** The worker the inline script started, if it ran. */
export function earlyWorker(): Worker | null {
  return (self as unknown as Record<string, Worker | undefined>)[EARLY_WORKER] ?? null;
}
