// Size strings as users type them on a VMM command line: `128M`, `3584M`, `2G`, `512K`, `65536`
// (bytes), with optional `iB`/`B` suffix (`128MiB`, `2GB` — binary multiples either way, as QEMU's -m).

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parse a size; returns undefined when the text is not a size. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * (UNITS[m[2]!.toUpperCase()] ?? 1);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `134217728` → `128 MiB`. */
export function formatSize(bytes: number): string {
  for (const [unit, mult] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= mult && bytes % mult === 0) return `${bytes / mult} ${unit}`;
  }
  return `${bytes} B`;
}

/** 5265358 → "5,265,358" without Intl (output must not depend on the engine's locale data). */
export function groupDigits(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return (n < 0 ? '-' : '') + out;
}
