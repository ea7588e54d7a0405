// Browser part of `pnpm bench`: time from navigation to "No bootable device." for Debian's SeaBIOS
// in the page (headless Chromium, the built site on a 127.0.0.1 static server, `?autoboot`), next to
// the Node in-process boot of the same config in the same run (createMachine + boot, as the CLI
// does), best of N each; and the JavaScript the page transfers before the first boot, gzipped
// (firmware images excluded). Prints `BENCH web <metric> <value> <unit>` rows.
import { readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createMachine } from '@vmkit/machine';
import { catalogueSource } from '@vmkit/vfio-igd';
import { registry } from '../src/registry.ts';
import { chromiumMissing, launch } from '../test/helpers/browser.ts';
import { waitDone } from '../test/helpers/page.ts';
import { serveStatic } from '../test/helpers/server.ts';
import { buildSite } from '../test/helpers/site.ts';

const SEABIOS = '/usr/share/seabios/bios-256k.bin';
const RUNS = Number(process.env.VMKIT_BENCH_RUNS ?? 3);

function nodeBootMs(image: Uint8Array): number {
  const t0 = performance.now();
  const m = createMachine(
    {
      firmware: { kind: 'image', image, name: 'bios-256k.bin' },
      igd: { source: catalogueSource('kbl'), policy: 'fw-cfg' },
    },
    { registry },
  );
  const r = m.boot();
  if (r.result.reason !== 'boot-attempted') throw new Error(`node boot ended with ${r.result.reason}`);
  return performance.now() - t0;
}

const why = chromiumMissing();
let image: Uint8Array | null = null;
try {
  image = new Uint8Array(readFileSync(SEABIOS));
} catch {
  console.error(`web bench: ${SEABIOS} not installed (apt-get install seabios): navigation timing skipped`);
}
if (why) {
  console.error(`web bench: ${why}; skipped`);
  process.exit(0);
}

const site = await buildSite();
const server = await serveStatic(site.dir);
const browser = await launch();
try {
  const js = new Set<string>();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.endsWith('.js')) js.add(path);
  });
  if (image) {
    const browserMs: number[] = [];
    const nodeMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await page.goto(`${server.url}?firmware=seabios&autoboot`);
      const r = await waitDone(page);
      if (r.reason !== 'boot-attempted') throw new Error(`page boot ended with ${r.reason}`);
      browserMs.push(performance.now() - t0);
      nodeMs.push(nodeBootMs(image));
    }
    // Every page load boots in a fresh worker (cold: V8 compiles the x86 core and the guest's traces
    // anew); the Node process's first boot is the cold one, later ones reuse compiled code.
    const b = Math.min(...browserMs);
    const n = Math.min(...nodeMs);
    const cold = nodeMs[0]!;
    const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(
      `# load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(`# browser ${list(browserMs)} ms; node ${list(nodeMs)} ms`);
    console.log(`BENCH web seabios-navigation-to-boot-fail ${b.toFixed(0)} ms`);
    console.log(`BENCH web seabios-node-in-process-first-boot ${cold.toFixed(0)} ms`);
    console.log(`BENCH web seabios-node-in-process-boot-best ${n.toFixed(0)} ms`);
    console.log(`BENCH web browser-vs-node-first-boot ${(b / cold).toFixed(2)} x`);
    console.log(`BENCH web browser-vs-node-best ${(b / n).toFixed(2)} x`);
  } else {
    await page.goto(`${server.url}?firmware=hle&autoboot`);
    await waitDone(page);
  }
  let gz = 0;
  let raw = 0;
  for (const path of js) {
    const bytes = readFileSync(join(site.dir, path));
    raw += statSync(join(site.dir, path)).size;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`# initial JavaScript: ${[...js].join(', ')} (${(raw / 1024).toFixed(0)} KB raw)`);
  console.log(`BENCH web initial-js-gzip ${(gz / 1024).toFixed(1)} KB`);
} finally {
  await browser.close();
  await server.close();
  site.remove();
}
