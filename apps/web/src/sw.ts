// The site's service worker: keeps the page, its code, the machine worker and Debian's SeaBIOS in
// the browser's Cache Storage, so the page opens and boots with the network gone once it has been
// loaded (and the site's code loads from the cache, not the network, on later visits). Workbox's
// precaching does the work: a revisioned list of files (written into this file at build time by
// scripts/offline-plugin.ts), cache-first answers, a whole new set when any file changes, old sets
// deleted. Any navigation inside the site (any query: `?firmware=seabios&autoboot`) gets the page.
import { clientsClaim } from 'workbox-core';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  type PrecacheEntry,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: { __WB_MANIFEST: PrecacheEntry[] };

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
// The first visit's page is served by this worker from its first run on (a second run's worker
// script, a compare run) without waiting for a reload.
clientsClaim();
