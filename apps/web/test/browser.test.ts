// The page in Debian's Chromium (playwright-core), through its automation hooks. Each test compares
// the page with an outside reference: `vmkit boot --json` for the same config (same machine code,
// run by Node), or a second uninterrupted run. Screenshots of the views go to test-results/.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootReport } from '@vmkit/machine';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launch } from './helpers/browser.ts';
import { vmkitBootJson } from './helpers/cli.ts';
import { openPage, type PageReport, pageMarks, waitDone } from './helpers/page.ts';
import { type StaticServer, serveStatic } from './helpers/server.ts';
import { APP_DIR, buildSite } from './helpers/site.ts';

const SEABIOS = '/usr/share/seabios/bios-256k.bin';
const SHOTS = join(APP_DIR, 'test-results');
const DUMP_DIR = join(APP_DIR, 'test/fixtures/dump-hsw');

function seabiosMissing(): string | null {
  if (existsSync(SEABIOS)) return null;
  if (process.env.VMKIT_REQUIRE_TOOLS === '1')
    throw new Error(`VMKIT_REQUIRE_TOOLS=1: ${SEABIOS} not installed`);
  return `${SEABIOS} not installed (apt-get install seabios)`;
}

const noChromium = chromiumMissing();
const noSeabios = seabiosMissing();
if (noChromium) console.warn(`browser tests skipped: ${noChromium}`);
if (noSeabios) console.warn(`SeaBIOS browser tests skipped: ${noSeabios}`);

function expectSameReport(page: PageReport, cli: BootReport) {
  expect(page.state).toBe('done');
  expect(page.reason).toBe(cli.result.reason);
  expect(page.instructions).toBe(cli.result.instructions);
  expect(page.asls).toBe(cli.igd!.asls);
  expect(page.bdsm).toBe(cli.igd!.bdsm);
  expect(page.e820).toEqual(cli.e820.map((e) => [e.start, e.end, e.type]));
}

describe.skipIf(noChromium)('apps/web in Chromium', () => {
  let site: { dir: string; remove(): void };
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    site = await buildSite();
    server = await serveStatic(site.dir);
    browser = await launch();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    site?.remove();
  });

  it.skipIf(noSeabios)(
    'boots real SeaBIOS (map policy) to the same report as `vmkit boot --json`, and shows every view',
    async () => {
      const cli = vmkitBootJson(['--firmware', 'seabios', '--opregion-policy', 'map']);
      const { page, errors } = await openPage(browser, `${server.url}?firmware=seabios&policy=map&autoboot`);
      const shown = await waitDone(page);
      expectSameReport(shown, await cli);
      expect(shown.asls).not.toBe(0);
      // index.html's first script started the machine worker, before the page's entry had run.
      const marks = await pageMarks(page);
      expect(marks['worker-created']).toBeLessThan(marks.main!);
      await expect(page.locator('[data-testid=report]').textContent()).resolves.toContain('trace compiler');
      // The views render from that run; one screenshot each (test artefacts).
      for (const view of ['timeline', 'console', 'map', 'pci', 'opregion']) {
        await page.click(`[data-view=${view}]`);
        await page.screenshot({ path: join(SHOTS, `seabios-map-${view}.png`) });
      }
      await page.click('[data-view=map]');
      await expect(page.locator('rect[data-kind=opregion]').count()).resolves.toBeGreaterThan(0);
      await expect(page.locator('rect[data-kind=stolen]').count()).resolves.toBeGreaterThan(0);
      await page.click('[data-view=opregion]');
      await expect(page.locator('[data-testid=opregion]').getAttribute('data-ok')).resolves.toBe('true');
      await page.click('[data-view=console]');
      await expect(page.locator('[data-testid=console]').textContent()).resolves.toContain(
        'No bootable device.',
      );
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(noSeabios)(
    "draws the run's last console line as soon as the run ends, before the worker has built the report",
    async () => {
      const context = await browser.newContext();
      // Notes the report's state at the first DOM change that put SeaBIOS's last line in the console.
      await context.addInitScript({
        content: `{
          const watch = new MutationObserver(() => {
            const text = document.querySelector('[data-testid=console]')?.textContent ?? '';
            if (!text.includes('No bootable device.')) return;
            watch.disconnect();
            window.reportStateAtLastLine = document.querySelector('[data-testid=report]')?.dataset.state;
          });
          watch.observe(document, { subtree: true, childList: true, characterData: true });
        }`,
      });
      const page = await context.newPage();
      await page.goto(`${server.url}?firmware=seabios&autoboot&view=console`);
      expect((await waitDone(page)).reason).toBe('boot-attempted');
      await expect(
        page.evaluate(() => (window as unknown as { reportStateAtLastLine?: string }).reportStateAtLastLine),
      ).resolves.toBe('running');
      await context.close();
    },
  );

  it('ships its scripts in ASCII (one-byte sources: Chromium need not decode them to UTF-16)', () => {
    const scripts = readdirSync(join(site.dir, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => join('assets', f));
    expect(scripts.some((f) => /^assets\/worker-/.test(f))).toBe(true);
    for (const f of [...scripts, 'sw.js']) {
      const text = readFileSync(join(site.dir, f), 'utf8');
      const at = text.search(/[^\x00-\x7f]/);
      expect(at < 0 ? null : `${f}: ${JSON.stringify(text.slice(at, at + 20))}`).toBeNull();
    }
  });

  it('boots the TypeScript firmware to the same report as `vmkit boot --json --firmware hle`', async () => {
    const cli = vmkitBootJson(['--firmware', 'hle']);
    const { page } = await openPage(browser, `${server.url}?firmware=hle&autoboot`);
    expectSameReport(await waitDone(page), await cli);
    await page.close();
  });

  it('uses a dropped host dump (lspci text + VBT) as `--igd dump:<dir>` does, offline once loaded', async () => {
    const cli = vmkitBootJson(['--firmware', 'hle', '--igd', `dump:${DUMP_DIR}`]);
    const { page } = await openPage(browser, `${server.url}?firmware=hle`);
    await page.waitForLoadState('networkidle');
    await page.context().setOffline(true);
    await page.setInputFiles('[data-testid=file-input]', [
      join(DUMP_DIR, 'lspci.txt'),
      join(DUMP_DIR, 'data.vbt'),
    ]);
    await expect(page.locator('[data-testid=files]').textContent()).resolves.toMatch(
      /lspci text.*VBT "\$VBT HASWELL/s,
    );
    await page.click('[data-testid=boot]');
    const shown = await waitDone(page);
    const ref = await cli;
    expectSameReport(shown, ref);
    expect(ref.igd!.model).toBe('lspci 8086:0416');
    await expect(page.locator('[data-testid=report]').textContent()).resolves.toContain('lspci 8086:0416');
    await page.screenshot({ path: join(SHOTS, 'host-dump.png') });
    await page.context().setOffline(false);
    await page.close();
  });

  it('refuses a bad dump, a huge file and a truncated lspci text with visible errors, and keeps working', async () => {
    const { page, errors } = await openPage(browser, `${server.url}?firmware=hle`);
    const lspci = readFileSync(join(DUMP_DIR, 'lspci.txt'), 'utf8').split('\n').slice(0, 9).join('\n');
    const shown = page.locator('[data-testid=file-errors]');
    await page.setInputFiles('[data-testid=file-input]', [
      { name: 'garbage.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1000, 7) },
      { name: 'cut-lspci.txt', mimeType: 'text/plain', buffer: Buffer.from(lspci) },
    ]);
    await expect.poll(() => shown.textContent()).toContain('garbage.bin (1000 B) is not a BIOS image');
    await expect(shown.textContent()).resolves.toContain(
      'cut-lspci.txt: lspci: device 00:02.0 dump is truncated',
    );
    await page.screenshot({ path: join(SHOTS, 'bad-files.png') });
    // A 2 GiB disk image dropped by mistake (sparse on disk): refused by its size, never read.
    const dir = mkdtempSync(join(tmpdir(), 'vmkit-web-drop-'));
    try {
      const huge = join(dir, 'disk.img');
      writeFileSync(huge, '');
      truncateSync(huge, 2 * 1024 ** 3);
      await page.setInputFiles('[data-testid=file-input]', huge);
      await expect
        .poll(() => shown.textContent())
        .toContain('disk.img is 2 GiB: larger than any BIOS image or host dump');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await page.click('[data-testid=boot]');
    expect((await waitDone(page)).state).toBe('done');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('ends a guest that never stops at its instruction budget', async () => {
    // 64 KiB of "jmp $" (EB FE): the reset vector at 0xFFFF0 jumps to itself forever.
    const loop = Buffer.alloc(65536);
    for (let i = 0; i < loop.length; i += 2) loop.set([0xeb, 0xfe], i);
    const { page } = await openPage(browser, `${server.url}?budget=3000000`);
    await page.setInputFiles('[data-testid=file-input]', [
      { name: 'loop.bin', mimeType: 'application/octet-stream', buffer: loop },
    ]);
    await page.click('[data-testid=boot]');
    const shown = await waitDone(page);
    expect(shown).toMatchObject({ state: 'done', reason: 'instruction-budget', instructions: 3_000_000 });
    await page.close();
  });

  it('Stop ends a guest that runs on at once; the page keeps working and boots again', async () => {
    const loop = Buffer.alloc(65536);
    for (let i = 0; i < loop.length; i += 2) loop.set([0xeb, 0xfe], i);
    // A budget of 10^12: the trace compiler runs `jmp $` at hundreds of MIPS, so the default 200 M
    // could be spent before the click; this run cannot end by itself while the test runs.
    const { page, errors } = await openPage(browser, `${server.url}?budget=1000000000000`);
    await page.setInputFiles('[data-testid=file-input]', [
      { name: 'loop.bin', mimeType: 'application/octet-stream', buffer: loop },
    ]);
    await page.click('[data-testid=boot]');
    const report = page.locator('[data-testid=report]');
    // Running, and progress reaches the page while it runs.
    await expect
      .poll(async () => Number(await report.getAttribute('data-instructions')), { timeout: 60_000 })
      .toBeGreaterThan(0);
    expect(await report.getAttribute('data-state')).toBe('running');
    await page.click('[data-testid=stop]');
    const stopped = await waitDone(page);
    expect(stopped.state).toBe('error');
    expect(stopped.instructions).toBeLessThan(1_000_000_000_000);
    await expect(page.locator('[data-testid=error]').textContent()).resolves.toBe('stopped by the user');
    // A new worker boots the next run.
    await page.getByLabel('TypeScript SeaBIOS port').check();
    await page.click('[data-testid=boot]');
    expect(await waitDone(page)).toMatchObject({ state: 'done', reason: 'boot-attempted' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is keyboard-usable: Tab reaches Boot, Enter boots, arrow keys move between views (in the link)', async () => {
    const cli = vmkitBootJson(['--firmware', 'hle', '--opregion-policy', 'map']);
    const { page } = await openPage(browser, `${server.url}?firmware=hle&policy=map`);
    await page.locator('[data-testid=boot]').and(page.locator(':enabled')).waitFor();
    /** Presses Tab until the focused element matches `selector` (at most 80 times). */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('[data-testid=boot]');
    await page.keyboard.press('Enter');
    expectSameReport(await waitDone(page), await cli);
    const selected = () => page.getAttribute('[role=tab][aria-selected=true]', 'data-view');
    const focusedView = () =>
      page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.view);
    await tabTo('[role=tab][aria-selected=true]');
    await page.keyboard.press('ArrowRight');
    await expect.poll(selected).toBe('console');
    expect(await focusedView()).toBe('console');
    await page.keyboard.press('End');
    await expect.poll(selected).toBe('compare');
    await page.keyboard.press('Home');
    await expect.poll(selected).toBe('timeline');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(selected).toBe('compare');
    expect(await focusedView()).toBe('compare');
    await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe('compare');
    // The theme button cycles auto → dark → light from the keyboard too.
    await tabTo('button.theme');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.close();
  });

  it.skipIf(noSeabios)(
    'pause, step and resume give the same final report as an uninterrupted run',
    async () => {
      const cli = vmkitBootJson(['--firmware', 'seabios', '--opregion-policy', 'map']);
      const { page } = await openPage(browser, `${server.url}?firmware=seabios&policy=map`);
      const report = page.locator('[data-testid=report]');
      const at = async (state: string) => {
        await report.and(page.locator(`[data-state=${state}]`)).waitFor({ timeout: 60_000 });
        return Number(await report.getAttribute('data-instructions'));
      };
      await page.locator('[data-testid=boot-paused]').and(page.locator(':enabled')).click();
      expect(await at('paused')).toBe(0);
      await page.selectOption('[aria-label="step size"]', '1');
      await page.click('[data-testid=step]');
      const poll = { timeout: 60_000, interval: 100 };
      await expect.poll(() => report.getAttribute('data-instructions'), poll).toBe('1');
      await page.selectOption('[aria-label="step size"]', '1000000');
      await page.click('[data-testid=step]');
      await expect.poll(() => report.getAttribute('data-instructions'), poll).toBe('1000001');
      await page.screenshot({ path: join(SHOTS, 'paused.png') });
      await page.click('[data-testid=resume]');
      // Pause again while it runs (if it has not already finished), then resume to the end.
      await page
        .locator('[data-testid=pause]')
        .click({ timeout: 5_000 })
        .catch(() => {});
      if ((await report.getAttribute('data-state')) === 'paused') await page.click('[data-testid=resume]');
      expectSameReport(await waitDone(page), await cli);
      await page.close();
    },
  );

  it('plugs extra devices from the registry as `vmkit boot --device` does (link and form), refuses bad ones', async () => {
    const stub = 'pci-stub,addr=05.0,vendorId=0x8086,deviceId=0x0166,classCode=0x030000';
    const cli = vmkitBootJson(['--firmware', 'hle', '--device', stub]);
    const { page } = await openPage(
      browser,
      `${server.url}?firmware=hle&device=${encodeURIComponent(stub)}&autoboot&view=pci`,
    );
    const ref = await cli;
    expectSameReport(await waitDone(page), ref);
    expect(ref.pci.find((d) => d.bdf === '00:05.0')).toMatchObject({ vendor: '8086', device: '0166' });
    await expect(page.locator('[data-testid=pci]').textContent()).resolves.toMatch(
      /00:05\.0\s*\[8086:0166\]/,
    );
    // Through the form: an unknown property is refused by the machine's one validation path.
    await page.fill(
      '[aria-label="device properties"]',
      'addr=06.0,vendorId=0x1234,deviceId=0x11e8,classCode=0xff0000,colour=blue',
    );
    await page.click('[data-testid=add-device]');
    await expect(page.locator('[data-testid=devices]').textContent()).resolves.toContain('colour=blue');
    expect(new URL(page.url()).searchParams.getAll('device')).toHaveLength(2);
    await page.click('[data-testid=boot]');
    const bad = await waitDone(page);
    expect(bad.state).toBe('error');
    await expect(page.locator('[data-testid=error]').textContent()).resolves.toMatch(/colour/);
    await page.close();
  });

  it('marks the policy difference in the compare view', async () => {
    const { page } = await openPage(browser, `${server.url}?firmware=hle&compare=policy:map&autoboot`);
    await waitDone(page, 0);
    await page.locator('[data-testid=compare]').waitFor({ timeout: 120_000 });
    const row = (f: string) => page.locator(`[data-testid=compare] tr[data-field="${f}"]`);
    await expect(row('policy').getAttribute('data-diff')).resolves.toBe('true');
    await expect(row('policy').textContent()).resolves.toMatch(/fw-cfg.*map/);
    await expect(row('e820-0').getAttribute('data-diff')).resolves.toBe('false');
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
    await page.close();
  });

  it.skipIf(noSeabios)(
    'runs under a Content-Security-Policy without unsafe-eval: interpreter, same report',
    async () => {
      const strict = await serveStatic(site.dir, {
        csp: "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:",
      });
      try {
        const cli = vmkitBootJson(['--firmware', 'seabios', '--opregion-policy', 'map', '--no-jit']);
        const { page } = await openPage(browser, `${strict.url}?policy=map&autoboot`);
        expectSameReport(await waitDone(page), await cli);
        // No inline script under this policy: the page's entry started the worker itself.
        const marks = await pageMarks(page);
        expect(marks['worker-created']).toBeGreaterThan(marks.main!);
        await expect(page.locator('[data-testid=report]').textContent()).resolves.toContain(
          "Content-Security-Policy forbids 'unsafe-eval'",
        );
        await page.close();
      } finally {
        await strict.close();
      }
    },
  );

  it.skipIf(noSeabios)(
    'works offline once loaded: with the server gone, a reload boots SeaBIOS from the service worker',
    async () => {
      const own = await serveStatic(site.dir);
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${own.url}?firmware=seabios&policy=map&autoboot`);
        const online = await waitDone(page);
        expect(online.reason).toBe('boot-attempted');
        // The service worker installs once the first boot has ended and then controls the page.
        await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
          timeout: 60_000,
        });
        await context.setOffline(true);
        await own.close();
        // The page dropped `autoboot` from its address once it had booted: the reload waits for Boot.
        const reload = await page.reload();
        expect(reload?.fromServiceWorker()).toBe(true);
        await page.locator('[data-testid=boot]').and(page.locator(':enabled')).click();
        const offline = await waitDone(page);
        expect(offline).toEqual(online);
        const report = page.locator('[data-testid=report]');
        await expect(report.textContent()).resolves.toContain('bios-256k.bin (Debian SeaBIOS)');
        await page.click('[data-view=console]');
        await expect(page.locator('[data-testid=console]').textContent()).resolves.toContain(
          'No bootable device.',
        );
        expect(errors).toEqual([]);
      } finally {
        await context.close();
        await own.close();
      }
    },
    180_000,
  );

  it('is readable at phone width and in the dark theme', async () => {
    const { page } = await openPage(browser, `${server.url}?firmware=hle&autoboot&view=map`, {
      width: 390,
      height: 844,
    });
    await waitDone(page);
    await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(SHOTS, 'dark-map.png') });
    await page.close();
  });
});
