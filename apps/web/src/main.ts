// The page's entry, kept small. With `?autoboot` it follows the run index.html's first script
// started in a machine worker (src/early.ts), or starts it at once in a new one; that worker
// fetches the firmware itself (the worker's code, most of the site, is the critical path; nothing
// on it waits for this thread). Otherwise it starts an idle worker for the first Boot. Then it
// loads the page's UI, which renders meanwhile.
import { earlyWorker } from './early.js';
import { fetchSeabios, seabiosUrl } from './firmware.js';
import { prestartWorker, Run } from './run.js';
import { parseQuery } from './spec.js';
import './styles.css';
import { mark } from './timing.js';

mark('main');
const { state } = parseQuery(location.search);
const firmwareUrl = seabiosUrl();
const autoRun = state.autoboot ? new Run(state.spec, [], { url: firmwareUrl }, false, earlyWorker()) : null;
if (!autoRun) prestartWorker();
/** The page's own copy of Debian's SeaBIOS (for the runs Boot starts). With ?autoboot it is
 * fetched once the worker has its copy, so the two do not share the network with the worker's
 * code. */
const seabios = (autoRun ? autoRun.started : Promise.resolve()).then(() => fetchSeabios(firmwareUrl));
if (!autoRun) seabios.then(() => mark('firmware-fetched'));

/** Installs the service worker (src/sw.ts) that keeps the site for offline use. Only in a build
 * (the dev server has none), and only where the browser allows one (a secure context: https, or
 * http on localhost/127.0.0.1); elsewhere the page works online as before. */
function keepOffline(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('./sw.js').catch((e: Error) => {
    console.warn(`vmkit: offline use is not available: ${e.message}`);
  });
}

const { showPage } = await import('./page.js');
showPage(seabios, autoRun);
mark('first-render');
// Filling the offline cache (and compiling its scripts) competes with a first boot for the CPU:
// it starts once the ?autoboot run's end has been painted (a frame after the run ended, the first
// task after that frame: the service worker's install took 10–20 ms of CPU in the page's process
// and ~5–10 ms of the browser's while the report and the console's last line were being drawn),
// or once the page has loaded.
if (autoRun) autoRun.ended.then(() => requestAnimationFrame(() => setTimeout(keepOffline)));
else if (document.readyState === 'complete') keepOffline();
else addEventListener('load', keepOffline, { once: true });
