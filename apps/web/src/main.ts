// The page's entry, kept small: it starts the machine worker and requests Debian's SeaBIOS image
// first, and with `?autoboot` starts the run as soon as the firmware is here (the worker's code,
// most of the site, is the critical path), then loads the page's UI, which renders meanwhile.
import { prestartWorker, Run } from './run.js';
import { parseQuery } from './spec.js';
import './styles.css';
import { mark } from './timing.js';

const SEABIOS_URL = 'firmware/bios-256k.bin';

/** Debian's SeaBIOS as this site ships it, or null when the build had none. */
async function fetchSeabios(url: string): Promise<Uint8Array | null> {
  try {
    const r = await fetch(url);
    if (!r.ok) return null;
    return new Uint8Array(await r.arrayBuffer());
  } catch {
    return null;
  }
}

mark('main');
prestartWorker();
const seabios = fetchSeabios(SEABIOS_URL).then((image) => {
  mark('firmware-fetched');
  return image;
});
/** Installs the service worker (src/sw.ts) that keeps the site for offline use. Only in a build
 * (the dev server has none), and only where the browser allows one (a secure context: https, or
 * http on localhost/127.0.0.1); elsewhere the page works online as before. */
function keepOffline(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('./sw.js').catch((e: Error) => {
    console.warn(`vmkit: offline use is not available: ${e.message}`);
  });
}

const { state } = parseQuery(location.search);
const autoRun = state.autoboot ? seabios.then((image) => new Run(state.spec, [], image)) : null;
const { showPage } = await import('./page.js');
showPage(seabios, autoRun);
mark('first-render');
// Filling the offline cache (and compiling its scripts) competes with a first boot for the CPU:
// it starts when the ?autoboot run has ended, or once the page has loaded.
if (autoRun) autoRun.then((run) => run.ended).then(keepOffline);
else if (document.readyState === 'complete') keepOffline();
else addEventListener('load', keepOffline, { once: true });
