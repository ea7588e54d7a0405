// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { runSeabiosPort } from '@vmkit/seabios-port';

// A machine with nothing on its ports: no PCI host, no fw_cfg, CMOS reading all-ones.
const io = {
  in8: () => 0xff,
  in16: () => 0xffff,
  in32: () => 0xffffffff,
  out8() {},
  out16() {},
  out32() {},
};
const ram = new Uint8Array(0x10000);
const memory = {
  read8: (a) => ram[a] ?? 0xff,
  read32: (a) => (ram[a] | (ram[a + 1] << 8) | (ram[a + 2] << 16) | (ram[a + 3] << 24)) >>> 0,
  write32: (a, v) => {
    for (let i = 0; i < 4; i++) ram[a + i] = v >>> (8 * i);
  },
  readBytes: (a, n) => ram.slice(a, a + n),
  writeBytes: (a, d) => ram.set(d, a),
};
const r = runSeabiosPort({ io, memory });
if (!r.log.includes('Detected non-PCI system')) throw new Error(`unexpected log: ${r.log.join(' | ')}`);
if (r.fwCfg.present) throw new Error('fw_cfg detected on an empty bus');
