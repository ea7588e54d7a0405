// Runs under plain Node against the installed tarball (scripts/pack-check.mjs): a fw_cfg-style
// device answered through a QosTarget, and the clock warp visiting a deadline.
import { qfwCfg, warpClock } from '@vmkit/qos';

const sig = [0x51, 0x45, 0x4d, 0x55]; // "QEMU"
let pos = 0;
const target = {
  in: (port) => (port === 0x511 ? (sig[pos++] ?? 0) : 0xff),
  out: (port) => {
    if (port === 0x510) pos = 0;
  },
  read: () => 0n,
  write: () => {},
  readBytes: (_a, n) => new Uint8Array(n),
  writeBytes: () => {},
};
const got = Array.from(qfwCfg(target).readItem(0, 4));
if (got.join() !== sig.join()) throw new Error(`qfwCfg read ${got.join()} instead of "QEMU"`);

let now = 0;
const fired = [];
const end = warpClock(
  {
    now: () => now,
    warpTo: (t) => {
      now = Math.max(now, t);
    },
    nextDeadline: () => (fired.length ? null : 10),
    update: (t) => {
      if (t >= 10 && fired.length === 0) fired.push(t);
    },
  },
  25,
);
if (end !== 25 || fired.join() !== '10') throw new Error(`warpClock: end ${end}, fired ${fired.join()}`);
