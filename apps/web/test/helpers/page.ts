// Driving the page through its automation hooks: data-testid="report" with data-state, data-asls,
// data-bdsm, data-instructions, data-reason and data-e820.
import type { Browser, Page } from 'playwright-core';

export interface PageReport {
  state: string;
  asls: number;
  bdsm: number;
  instructions: number;
  reason: string;
  e820: Array<[number, number, number]>;
}

export const BOOT_TIMEOUT = 120_000;

export async function readReport(page: Page, which = 0): Promise<PageReport> {
  const d = await page
    .locator('[data-testid=report]')
    .nth(which)
    .evaluate((el) => ({ ...(el as HTMLElement).dataset }));
  return {
    state: d.state ?? '',
    asls: Number(d.asls),
    bdsm: Number(d.bdsm),
    instructions: Number(d.instructions),
    reason: d.reason ?? '',
    e820: JSON.parse(d.e820 ?? '[]'),
  };
}

export async function waitDone(page: Page, which = 0, timeout = BOOT_TIMEOUT): Promise<PageReport> {
  const report = page.locator('[data-testid=report]').nth(which);
  await report.and(page.locator('[data-state=done], [data-state=error]')).waitFor({ timeout });
  return readReport(page, which);
}

export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/** The page's `vmkit:*` User Timing marks (src/timing.ts), the first of each name, in ms after
 * navigation start, with `html-loaded` (the navigation's responseEnd). */
export function pageMarks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const m of performance.getEntriesByType('mark'))
      if (m.name.startsWith('vmkit:') && !(m.name.slice(6) in out)) out[m.name.slice(6)] = m.startTime;
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (n) out['html-loaded'] = n.responseEnd;
    return out;
  });
}
