// Debian's Chromium driven by playwright-core, with the flags DESIGN.md §5 lists (no network but
// 127.0.0.1, no background services). Tests skip with a message when Chromium is missing, and
// fail instead under VMKIT_REQUIRE_TOOLS=1 (CI).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.VMKIT_CHROMIUM ?? '/usr/bin/chromium';

/** The features playwright-core 1.65 disables (its chromiumSwitches.ts) plus Chromium's address-bar
 * popup, which Chromium 151 and later pre-render at every browser start, headless too, in a
 * renderer of their own that never shows here and kept a core busy for over a second while a
 * page first loaded (`WebUIOmniboxPopup`, `WebUIOmniboxAimPopup`: Puppeteer disables them too,
 * puppeteer/puppeteer#15278). Chromium keeps only the last `--disable-features`, and playwright
 * puts ours after its own, so ours repeats its list. */
const DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  `--disable-features=${DISABLED_FEATURES.join(',')}`,
];

export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} not installed (apt-get install chromium)`;
  if (process.env.VMKIT_REQUIRE_TOOLS === '1') throw new Error(`VMKIT_REQUIRE_TOOLS=1: ${why}`);
  return why;
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
