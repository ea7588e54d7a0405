// Debian's SeaBIOS as this site ships it (copied in at build time by scripts/seabios-plugin.ts when
// /usr/share/seabios has it), fetched by the page or, for a run the worker starts on its own, by
// the machine worker.
import type { StartMessage } from './protocol.js';

/** Where the site keeps the image (beside the page: the site works from any directory). A worker
 * resolves URLs against its own script's, so the page hands it this absolute one. */
export function seabiosUrl(): string {
  return new URL('firmware/bios-256k.bin', location.href).href;
}

/** The image at `url`, or null when the site has none (built without it, or offline and never
 * cached). */
export async function fetchSeabios(url: string): Promise<Uint8Array | null> {
  try {
    const r = await fetch(url);
    if (!r.ok) return null;
    return new Uint8Array(await r.arrayBuffer());
  } catch {
    return null;
  }
}

/** A fetched image and when it arrived (`performance.now()` of the context that fetched it). */
export interface Fetched {
  image: Uint8Array | null;
  at: number;
}

/** The fetch a start message asks of the machine worker: the SeaBIOS image it names by URL, when
 * the run boots SeaBIOS (null: nothing to fetch). The worker's entry starts it; this module is all
 * of the site's code the entry imports, so the entry loads without waiting for another chunk. */
export function firmwareFor(msg: StartMessage): Promise<Fetched> | null {
  const s = msg.seabios;
  if (s === null || s instanceof Uint8Array || msg.spec.firmware !== 'seabios') return null;
  return fetchSeabios(s.url).then((image) => ({ image, at: performance.now() }));
}
