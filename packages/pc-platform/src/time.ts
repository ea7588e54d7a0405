// Exact conversions between virtual nanoseconds and device clock ticks without overflowing
// 2^53: split the nanosecond count into whole seconds and a remainder.

const NS_PER_S = 1_000_000_000;

/** Whole ticks of a `hz` clock elapsed in `ns` nanoseconds (ns ≥ 0, floor). */
export function nsToTicks(ns: number, hz: number): number {
  if (ns <= 0) return 0;
  const s = Math.floor(ns / NS_PER_S);
  const r = ns - s * NS_PER_S;
  return s * hz + Math.floor((r * hz) / NS_PER_S);
}

/** Smallest nanosecond count at which `ticks` ticks of a `hz` clock have elapsed (ceil). */
export function ticksToNs(ticks: number, hz: number): number {
  if (ticks <= 0) return 0;
  const s = Math.floor(ticks / hz);
  const r = ticks - s * hz;
  return s * NS_PER_S + Math.ceil((r * NS_PER_S) / hz);
}

export function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0x0f);
}
