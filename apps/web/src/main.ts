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
const { state } = parseQuery(location.search);
const autoRun = state.autoboot ? seabios.then((image) => new Run(state.spec, [], image)) : null;
const { showPage } = await import('./page.js');
showPage(seabios, autoRun);
mark('first-render');
