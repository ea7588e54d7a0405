// Debian's Chromium driven by playwright-core, with the flags DESIGN.md §5 lists (no network but
// 127.0.0.1, no background services). Tests skip with a message when Chromium is missing, and
// fail instead under VMKIT_REQUIRE_TOOLS=1 (CI).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.VMKIT_CHROMIUM ?? '/usr/bin/chromium';

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
