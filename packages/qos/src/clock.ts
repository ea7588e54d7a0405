// A virtual clock driven from outside, with QEMU qtest's semantics (softmmu/qtest.c
// qtest_clock_warp): time only moves when the test says so, and on the way to the destination it
// stops at every timer deadline and fires the timers due there, in order.

import type { QosClock } from './target.js';

/** What a machine exposes for its timers (vmkit's PcPlatform and Machine fit this shape). */
export interface TimerHost {
  /** Current virtual time, ns. */
  now(): number;
  /** Move the virtual clock forward to `ns` (never backwards). */
  warpTo(ns: number): void;
  /** Earliest pending deadline (virtual ns), or null when no timer is armed. */
  nextDeadline(): number | null;
  /** Fire every timer event due at or before `now`. */
  update(now: number): void;
}

/** Upper bound on deadlines visited by one warp: a device that re-arms at the same instant
 * forever cannot hang the caller (the rest of the interval is skipped in one step). */
const MAX_STOPS = 10_000_000;

/** QEMU qtest_clock_warp: advance to `dest`, stopping at each deadline on the way. */
export function warpClock(host: TimerHost, dest: number): number {
  let stops = 0;
  let firedAt = Number.NaN;
  for (;;) {
    const now = host.now();
    if (now >= dest) break;
    const d = host.nextDeadline();
    if (d !== null && d <= now && firedAt !== now) {
      // Due already (armed in the past): fire it at the current time first, as QEMU's warp
      // loop does with a zero-length step.
      firedAt = now;
      host.update(now);
      continue;
    }
    // A deadline beyond dest waits for a later warp; one that stays due after firing (a device
    // that does not clear it) lets time move on by 1 ns.
    let t = d === null || d > dest ? dest : Math.max(d, now + 1);
    if (++stops > MAX_STOPS) t = dest;
    host.warpTo(Math.min(t, dest));
    host.update(host.now());
  }
  return host.now();
}

/** A QosClock over a TimerHost: `step()` without an argument goes to the next deadline (QEMU:
 * clock_step with no argument; nothing armed → time does not move). */
export function timerClock(host: TimerHost): QosClock {
  return {
    now: () => host.now(),
    step: (ns?: number) => {
      const now = host.now();
      if (ns === undefined) {
        const d = host.nextDeadline();
        if (d === null) return now;
        return warpClock(host, Math.max(d, now));
      }
      return warpClock(host, now + Math.max(0, ns));
    },
    set: (ns: number) => warpClock(host, ns),
  };
}
