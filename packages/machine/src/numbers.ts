// Numbers as users type them (command-line options, web form fields): the one parser and range
// check every numeric input goes through, so each app refuses `-1`, `1e3`, `''` or `1T` alike and
// says why in one line. Sizes use `parseSize` (binary multiples, as QEMU's -m); plain integers are
// decimal digits only, or also 0x-hex where a register field is meant (`hex: true`).

import { formatSize, parseSize } from './size.js';

export interface NumberRule {
  /** 'size': `128M`, `2G`, bytes; 'integer': decimal digits (0x-hex too with `hex`). */
  kind: 'size' | 'integer';
  /** Accept 0x-prefixed hexadecimal (integers only). */
  hex?: boolean;
  min?: number;
  max?: number;
  /** The value must be a multiple of this (e.g. 1 MiB). */
  multipleOf?: number;
}

export type NumberResult = { ok: true; value: number } | { ok: false; error: string };

const DECIMAL = /^\d+$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;

/** A number's text for messages: sizes as `128 MiB`, integers as typed by the rule. */
export function formatNumberFor(rule: NumberRule, n: number): string {
  if (rule.kind === 'size') return formatSize(n);
  return rule.hex && n > 9 ? `${n} (0x${n.toString(16)})` : String(n);
}

function example(rule: NumberRule): string {
  if (rule.kind === 'size') return 'a size like 64M, 2G or a byte count';
  return rule.hex ? 'a decimal or 0x-hex integer' : 'a decimal integer';
}

/** Parse `text` by `rule` and range-check it; on failure `error` says why in one line
 * (without naming the field: the caller prefixes it). */
export function parseNumber(text: string, rule: NumberRule): NumberResult {
  const t = text.trim();
  if (t === '') return { ok: false, error: `is empty: expected ${example(rule)}` };
  let value: number | undefined;
  if (rule.kind === 'size') value = parseSize(t);
  else if (DECIMAL.test(t)) value = Number(t);
  else if (rule.hex && HEX.test(t)) value = Number.parseInt(t.slice(2), 16);
  if (value === undefined || !Number.isSafeInteger(value)) {
    return { ok: false, error: `'${text}' is not ${example(rule)}` };
  }
  if (rule.min !== undefined && value < rule.min) {
    return { ok: false, error: `${t} is below the minimum of ${formatNumberFor(rule, rule.min)}` };
  }
  if (rule.max !== undefined && value > rule.max) {
    return { ok: false, error: `${t} is above the maximum of ${formatNumberFor(rule, rule.max)}` };
  }
  if (rule.multipleOf && value % rule.multipleOf !== 0) {
    return { ok: false, error: `${t} is not a multiple of ${formatNumberFor(rule, rule.multipleOf)}` };
  }
  return { ok: true, value };
}

/** `0x…` lowercase hex, the one way addresses and register values print as text. Negative
 * numbers print as `-0x…`; bigints (64-bit values) likewise. */
export function formatHex(v: number | bigint): string {
  if (typeof v === 'bigint') return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}
