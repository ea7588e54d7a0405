// The nasm test ROM drives edu as a guest driver would (ID, liveness, factorial, INTx, DMA) on
// vmkit's x86 core, through the machine API: its results, the same run with and without the JIT,
// in small slices, and continued from snapshots taken at several points (device timers armed
// inside a slice fire at their deadline whatever the slice grid).
import { createMachine, type MachineConfigInput } from '@vmkit/machine';
import { describe, expect, it } from 'vitest';
import { registry } from './helpers.js';
import { assembleRom, gate, onPath, ROM_EXPECTED } from './tools.js';

const skip = gate('nasm', onPath('nasm'), 'apt-get install nasm');

describe.skipIf(skip)('edu test ROM through the machine', () => {
  const { image } = skip ? { image: new Uint8Array() } : assembleRom();
  const cfg = (jit = true): MachineConfigInput => ({
    firmware: { kind: 'image', image, name: 'edu-test.bin' },
    devices: [{ driver: 'edu', addr: '03.0' }],
    trace: ['edu', 'pci-intx', 'dma'],
    jit,
  });
  const fresh = (jit = true) => createMachine(cfg(jit), { registry });
  const outcome = (m: ReturnType<typeof fresh>) => ({
    instructions: m.instructions,
    now: m.now(),
    log: m.report().log,
    events: m.events.recorded.map(({ seq, ...e }) => e),
  });

  const whole = fresh();
  const r = whole.runUntil('EDU DONE', 5_000_000);
  const reference = outcome(whole);

  it('prints what QEMU 7.2 edu makes a guest see', () => {
    expect(r.reason).toBe('until');
    expect(reference.log).toEqual(ROM_EXPECTED);
    // Two DMAs, each 100 ms of virtual time; the guest HLTs while waiting.
    expect(reference.now).toBeGreaterThan(200e6);
    expect(reference.now).toBeLessThan(201e6);
    expect(reference.events.filter((e) => e.kind === 'edu-dma')).toHaveLength(2);
    expect(reference.events.filter((e) => e.kind === 'pci-intx' && e.level === true)).toHaveLength(4);
  });

  it('the interpreter alone gives the same run', () => {
    const m = fresh(false);
    m.runUntil('EDU DONE', 5_000_000);
    expect(outcome(m)).toEqual(reference);
  });

  it('run in slices of 997 instructions: same run', () => {
    const m = fresh();
    while (m.runUntil('EDU DONE', 997).reason === 'instruction-budget');
    expect(outcome(m)).toEqual(reference);
  });

  for (const cut of [1500, 3000, 4200, 6000, 7500]) {
    it(`snapshot after ${cut} instructions, restored into a new machine, runs on identically`, () => {
      const a = fresh();
      a.run(cut);
      const snap = a.snapshot();
      const b = fresh();
      b.restore(snap);
      b.runUntil('EDU DONE', 5_000_000);
      expect(outcome(b).instructions).toBe(reference.instructions);
      expect(outcome(b).log).toEqual(reference.log);
      expect(outcome(b).now).toBe(reference.now);
    });
  }
});
