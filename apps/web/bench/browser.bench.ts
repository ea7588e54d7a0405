// Browser part of `pnpm bench`: time from navigation to "No bootable device." for Debian's SeaBIOS
// painted on the page (headless Chromium, the built site on a 127.0.0.1 static server, `?autoboot`
// with the debug console open, `view=console`), next to the Node in-process boot of the same config
// in the same run, interleaved run by run; where the page's time goes (the app's `vmkit:*` User
// Timing marks, and `console-shown`, the bench's own observation of the line); and the JavaScript
// the page transfers before the first boot, gzipped (firmware images excluded). Prints `BENCH web
// <metric> <value> <unit>` rows; medians of VMKIT_BENCH_RUNS (default 5) runs.
//
// The comparison: each page load is a first visit (a new browser context: empty HTTP cache, no
// service worker, a fresh worker whose V8 has compiled nothing), so its Node counterpart is a cold
// in-process boot — a fresh `node` process (bench/node-boot.ts) timing createMachine + boot() with
// its modules already loaded, as `vmkit boot` spends it. The page's figure includes everything
// else too (HTML, module load, worker start, firmware fetch, the UI). A warm Node boot (second boot
// in the same process) is printed for reference.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launch } from '../test/helpers/browser.ts';
import { BOOT_TIMEOUT, pageMarks, readReport, waitDone } from '../test/helpers/page.ts';
import { serveStatic } from '../test/helpers/server.ts';
import { APP_DIR, buildSite } from '../test/helpers/site.ts';

const SEABIOS = '/usr/share/seabios/bios-256k.bin';
const RUNS = Number(process.env.VMKIT_BENCH_RUNS ?? 5);

/** The page's steps (src/timing.ts), milliseconds after navigation start. */
const STEPS = [
  'main',
  'worker-created',
  'start-sent',
  'first-render',
  'firmware-fetched',
  'worker-loaded',
  'worker-started',
  'machine-created',
  'run-ended',
  'report-built',
  'done-received',
  'report-shown',
  'console-shown',
] as const;

/** The line SeaBIOS prints when it has tried every boot device: the endpoint. */
const LAST_LINE = 'No bootable device.';

/** Runs in the page before its own scripts (an init script): marks `vmkit:console-shown` once the
 * debug console panel holds LAST_LINE and the browser has painted it — the first task after the
 * frame that drew it (a requestAnimationFrame callback runs before that frame's paint), as the
 * page's own `report-shown` (a Preact effect) is taken. An observation of the page's DOM, not a
 * step the page reports about itself. Plain text, not a function: tsx would wrap a function's
 * inner functions in a helper the page does not have. */
const MARK_CONSOLE_SHOWN = `{
  const shown = () => document.querySelector('[data-testid=console]')?.textContent?.includes(${JSON.stringify(LAST_LINE)});
  const watch = new MutationObserver(() => {
    if (!shown()) return;
    watch.disconnect();
    requestAnimationFrame(() => setTimeout(() => performance.mark('vmkit:console-shown')));
  });
  watch.observe(document, { subtree: true, childList: true, characterData: true });
}`;

interface PageRun {
  wallMs: number;
  marks: Record<string, number>;
  instructions: number;
}

/** Resolves in the page once its report and the console's LAST_LINE have been painted (the
 * `report-shown` and `console-shown` marks), by a PerformanceObserver: nothing polls the page while
 * it boots. (Playwright's locator waits run its selector engine on the page's main thread at every
 * frame: 100–250 ms of that thread's CPU over a first visit in a profile, which the boot then
 * competes with on a two-core box.) Text, for the reason MARK_CONSOLE_SHOWN is. */
const SHOWN = `new Promise((resolve, reject) => {
  const shown = () => ['vmkit:report-shown', 'vmkit:console-shown'].every((n) => performance.getEntriesByName(n).length > 0);
  if (shown()) return resolve(true);
  const timer = setTimeout(() => reject(new Error('no report and console line within ${BOOT_TIMEOUT} ms')), ${BOOT_TIMEOUT});
  new PerformanceObserver((_, watch) => {
    if (!shown()) return;
    watch.disconnect();
    clearTimeout(timer);
    resolve(true);
  }).observe({ type: 'mark' });
})`;

/** One navigation to `url` until the report and the console's last line are shown, with the page's
 * step marks. */
async function visit(page: Page, url: string): Promise<PageRun> {
  const t0 = performance.now();
  await page.goto(url);
  await page.evaluate(SHOWN);
  const wallMs = performance.now() - t0;
  const r = await readReport(page);
  if (r.reason !== 'boot-attempted') throw new Error(`page boot ended with ${r.reason}`);
  const text = await page.locator('[data-testid=console]').textContent();
  if (!text?.includes(LAST_LINE)) throw new Error(`the page console lacks "${LAST_LINE}"`);
  return { wallMs, marks: await pageMarks(page), instructions: r.instructions };
}

/** A first visit (new browser context), then a repeat visit once the service worker has the site
 * (served from its cache, with the code cache Chromium keeps for the scripts it holds). */
async function pageBoots(browser: Browser, url: string): Promise<{ first: PageRun; repeat: PageRun }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript({ content: MARK_CONSOLE_SHOWN });
  try {
    const page = await context.newPage();
    const first = await visit(page, url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 120_000 });
    const repeat = await visit(page, url);
    return { first, repeat };
  } finally {
    await context.close();
  }
}

function nodeBoot(): { coldMs: number; warmMs: number; instructions: number } {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@vmkit/source', '--import', 'tsx', join(APP_DIR, 'bench/node-boot.ts'), SEABIOS],
    { cwd: APP_DIR, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** The median time of each page step, in the order of those medians, and its gap to the step
 * before (the page's own steps and the worker's run side by side: the UI renders while the
 * worker loads). */
function steps(runs: PageRun[]): string {
  const at = ['html-loaded', ...STEPS].map((step) => ({
    step,
    ms: median(runs.map((p) => p.marks[step] ?? Number.NaN)),
  }));
  at.sort((a, b) => a.ms - b.ms);
  return at.map(({ step, ms }, i) => `${step} ${f0(ms)} (+${f0(ms - (at[i - 1]?.ms ?? 0))})`).join(', ');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};
const f0 = (x: number) => x.toFixed(0);
const load = () => loadavg()[0]!.toFixed(1);

async function initialJs(browser: Browser, url: string, dir: string): Promise<void> {
  // What a first visit transfers before its first boot: every .js requested up to the report.
  const context = await browser.newContext();
  const page = await context.newPage();
  const js = new Set<string>();
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.endsWith('.js')) js.add(path);
  });
  await page.goto(url);
  await waitDone(page);
  await context.close();
  let gz = 0;
  let raw = 0;
  for (const path of js) {
    const file = join(dir, path);
    raw += statSync(file).size;
    gz += gzipSync(readFileSync(file), { level: 9 }).length;
  }
  console.log(`# initial JavaScript: ${[...js].join(', ')} (${(raw / 1024).toFixed(0)} KB raw)`);
  console.log(`BENCH web initial-js-gzip ${(gz / 1024).toFixed(1)} KB`);
}

const why = chromiumMissing();
if (why) {
  console.error(`web bench: ${why}; skipped`);
  process.exit(0);
}
const haveSeabios = existsSync(SEABIOS);
if (!haveSeabios)
  console.error(`web bench: ${SEABIOS} not installed (apt-get install seabios): navigation timing skipped`);

const site = await buildSite();
const server = await serveStatic(site.dir);
const browser = await launch();
try {
  if (haveSeabios) {
    const firsts: PageRun[] = [];
    const repeats: PageRun[] = [];
    const nodes: Array<{ coldMs: number; warmMs: number; instructions: number }> = [];
    const loads: string[] = [load()];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so a burst of load on the shared box hits both alike.
      if (i % 2) nodes.push(nodeBoot());
      const { first, repeat } = await pageBoots(
        browser,
        `${server.url}?firmware=seabios&autoboot&view=console`,
      );
      firsts.push(first);
      repeats.push(repeat);
      if (!(i % 2)) nodes.push(nodeBoot());
      loads.push(load());
    }
    if ([...firsts, ...repeats].some((p) => p.instructions !== nodes[0]!.instructions))
      throw new Error('the page and Node boots ran different instruction counts');
    // The endpoint: "No bootable device." painted in the console panel.
    const shown = (runs: PageRun[]) => runs.map((p) => p.marks['console-shown']!);
    const reports = (runs: PageRun[]) => runs.map((p) => p.marks['report-shown']!);
    const cold = nodes.map((n) => n.coldMs);
    const warm = nodes.map((n) => n.warmMs);
    console.log(`# load average (1 min) during the runs: ${loads.join(' | ')}; ${cpus().length} cores`);
    console.log(
      `# page first visit, navigation → "${LAST_LINE}" shown: ${shown(firsts).map(f0).join(', ')} ms`,
    );
    console.log(`# page first visit, navigation → report shown: ${reports(firsts).map(f0).join(', ')} ms`);
    console.log(
      `# page repeat visit (service worker), → line shown: ${shown(repeats).map(f0).join(', ')} ms`,
    );
    console.log(
      `# page wall (goto → report and line seen by the bench), first visit: ${firsts.map((p) => f0(p.wallMs)).join(', ')} ms`,
    );
    console.log(
      `# node cold in-process boot: ${cold.map(f0).join(', ')} ms; warm: ${warm.map(f0).join(', ')} ms`,
    );
    console.log(`# page steps, first visit, median ms after navigation start: ${steps(firsts)}`);
    console.log(`# page steps, repeat visit: ${steps(repeats)}`);
    const n = median(shown(firsts));
    const r = median(shown(repeats));
    const c = median(cold);
    console.log(`BENCH web seabios-navigation-to-boot-fail ${f0(n)} ms`);
    console.log(`BENCH web seabios-navigation-to-report ${f0(median(reports(firsts)))} ms`);
    console.log(`BENCH web seabios-navigation-to-boot-fail-repeat-visit ${f0(r)} ms`);
    console.log(`BENCH web seabios-node-in-process-cold-boot ${f0(c)} ms`);
    console.log(`BENCH web seabios-node-in-process-warm-boot ${f0(median(warm))} ms`);
    console.log(`BENCH web browser-vs-node-cold ${(n / c).toFixed(2)} x`);
    console.log(`BENCH web browser-repeat-visit-vs-node-cold ${(r / c).toFixed(2)} x`);
  }
  await initialJs(browser, `${server.url}?firmware=${haveSeabios ? 'seabios' : 'hle'}&autoboot`, site.dir);
} finally {
  await browser.close();
  await server.close();
  site.remove();
}
