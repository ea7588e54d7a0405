// Debian's SeaBIOS as this site ships it (copied in at build time by scripts/seabios-plugin.ts when
// /usr/share/seabios has it), fetched by the page or, for a run the worker starts on its own, by
// the machine worker.
import type { AutoStart } from './protocol.js';

/** Where the site keeps the image, relative to the page (the site works from any directory). */
export const SEABIOS_PATH = 'firmware/bios-256k.bin';

/** The image's absolute URL. A worker resolves URLs against its own script's, so the page hands
 * it this one. */
export function seabiosUrl(): string {
  return new URL(SEABIOS_PATH, location.href).href;
}

/** The firmware a query string asks for (its `firmware` field; SeaBIOS unless `hle`), and what is
 * wrong with it: parseQuery's reading, which the machine worker's entry also needs before the rest
 * of the site's code (and its parseQuery) has loaded. */
export function queryFirmware(q: URLSearchParams): { firmware: 'seabios' | 'hle'; problem: string | null } {
  const firmware = q.get('firmware');
  if (firmware === null || firmware === 'seabios' || firmware === 'hle')
    return { firmware: firmware ?? 'seabios', problem: null };
  return {
    firmware: 'seabios',
    problem: `firmware '${firmware}' is unknown (seabios or hle; drop a file for your own image)`,
  };
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

/** The fetch a run the machine worker starts on its own asks of it: the SeaBIOS image it names by
 * URL, when the run boots SeaBIOS (null: nothing to fetch). The worker's entry starts it; this
 * module is all of the site's code the entry imports, so the entry loads without waiting for
 * another chunk. */
export function firmwareFor(start: AutoStart): Promise<Fetched> | null {
  const s = start.seabios;
  if (s === null || s instanceof Uint8Array) return null;
  const firmware =
    start.type === 'query' ? queryFirmware(new URLSearchParams(start.search)).firmware : start.spec.firmware;
  if (firmware !== 'seabios') return null;
  return fetchSeabios(s.url).then((image) => ({ image, at: performance.now() }));
}
