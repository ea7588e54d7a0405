// JSON output: 64-bit values (MSRs) are bigints in the model; they print as numbers when exact,
// else as 0x-prefixed hex strings (JSON.stringify throws on a bigint).
import { formatHex } from '@vmkit/machine';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function bigintAsNumber(_key: string, v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : formatHex(v);
}

/** Pretty JSON (2-space indent) with 64-bit values as above. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, bigintAsNumber, 2);
}
