// The machine's life cycle: run(budget) / step() / runUntil() / pause() / boot(), events streamed
// to subscribers, and bounded windows of log lines and recorded events under guest floods.
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { MachineConfigInput, MachineEvent } from '../src/index.js';
import { createMachine, PCI_READ_FOREVER, PRINT_FAST_FOREVER, PRINT_FOREVER, tinyImage } from './helpers.js';

// A full collection on demand, so a heap check measures what the machine keeps rather than garbage
// the collector has not reached yet (which, with the whole suite running in parallel, was once
// 102 MB after the 50 MB print below).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const BIOS = '/usr/share/seabios/bios-256k.bin';
const haveBios = existsSync(BIOS);
if (!haveBios && process.env.VMKIT_REQUIRE_TOOLS === '1')
  throw new Error(`${BIOS} is required (apt-get install seabios)`);
const seabios = (): MachineConfigInput => ({
  firmware: { kind: 'image', image: new Uint8Array(readFileSync(BIOS)), name: 'bios-256k.bin' },
  trace: ['all'],
});
const tiny = (code: number[], more: MachineConfigInput = {}): MachineConfigInput => ({
  firmware: { kind: 'image', image: tinyImage(code), name: 'tiny' },
  ...more,
});
const strip = (r: ReturnType<ReturnType<typeof createMachine>['report']>) => ({ ...r, traces: null });

describe.skipIf(!haveBios)('life cycle with real SeaBIOS', () => {
  it('a boot cut into run()/step()/runUntil() pieces equals one uninterrupted boot()', () => {
    const whole = createMachine(seabios());
    const ref = whole.boot();
    expect(ref.result.reason).toBe('boot-attempted');

    const m = createMachine(seabios());
    const seen: MachineEvent[] = [];
    const off = m.events.subscribe((e) => seen.push(e));
    expect(m.run(1_234_567).reason).toBe('instruction-budget');
    expect(m.instructions).toBe(1_234_567);
    for (let i = 0; i < 5; i++) expect(m.step().instructions).toBe(1_234_568 + i);
    const u = m.runUntil('Space available for UMB');
    expect(u.reason).toBe('until');
    expect(m.log.at(-1)).toContain('Space available for UMB');
    m.run(777);
    const rep = m.boot();
    off();
    expect(rep.result).toEqual(ref.result);
    expect(strip(rep)).toEqual(strip(ref));
    expect(m.events.recorded).toEqual(whole.events.recorded);
    // Subscribers saw every event, in order, as it happened.
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + seen[0]!.seq));
    // A finished machine stays finished.
    expect(m.run(1000)).toMatchObject({ reason: 'boot-attempted', instructions: ref.result.instructions });
  });

  it('runUntil(predicate) and pause() from a subscriber stop at an instruction boundary', () => {
    const m = createMachine(seabios());
    let pciWrites = 0;
    const off = m.events.subscribe((e) => {
      if (e.kind === 'pci-config-write' && ++pciWrites === 3) m.pause();
    });
    const p = m.run();
    off();
    expect(p.reason).toBe('paused');
    expect(pciWrites).toBe(3);
    // pause() before a run stops that run at once.
    m.pause();
    expect(m.run(10).instructions).toBe(p.instructions);
    const start = p.instructions;
    const r = m.runUntil((mm) => mm.instructions >= start + 200_000);
    expect(r.reason).toBe('until');
    expect(r.instructions).toBeGreaterThanOrEqual(start + 200_000);
    expect(r.instructions).toBeLessThan(start + 210_001);
  });
});

describe('bounded memory under guest floods', () => {
  it('a guest printing more than 50 MB ends normally with a bounded log', () => {
    let chars = 0;
    const m = createMachine(tiny(PRINT_FAST_FOREVER, { logWindow: { lines: 500 } }), {
      debugcon: (l) => {
        chars += l.length + 1;
      },
    });
    collect();
    const before = process.memoryUsage().heapUsed;
    const r = m.run(50_500_000);
    expect(r.reason).toBe('instruction-budget');
    expect(chars).toBeGreaterThan(50_000_000);
    expect(m.log.length).toBe(500);
    expect(m.droppedLogLines).toBeGreaterThan(600_000);
    expect(m.log.at(-1)).toBe('x'.repeat(79));
    collect();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 1024 * 1024);
    expect(JSON.stringify(m.report()).length).toBeLessThan(100_000);
  });

  it('the log window also bounds characters; the default windows are bounded', () => {
    const m = createMachine(tiny(PRINT_FOREVER, { logWindow: { lines: 1000, chars: 800 } }));
    m.run(100_000);
    expect(m.log.length).toBe(10);
    expect(createMachine({}).config.logWindow).toEqual({ lines: 100_000, chars: 8 * 1024 * 1024 });
    expect(createMachine({}).config.eventWindow).toBe(100_000);
  });

  it('a guest flooding traced PCI config reads ends normally with a bounded event window', () => {
    const m = createMachine(tiny(PCI_READ_FOREVER, { trace: ['pci'], eventWindow: 1000 }));
    const probe = m.events.subscribe(() => {}, { traced: true });
    expect(m.events.wants('pci-config-read')).toBe(true);
    expect(m.events.wants('debugcon')).toBe(false); // a traced subscriber wants no other kind
    probe();
    let streamed = 0;
    let tracedSeq = -1;
    let inOrder = true;
    const off = m.events.subscribe(() => streamed++);
    const offTraced = m.events.subscribe(
      (e) => {
        inOrder &&= e.seq > tracedSeq && e.kind === 'pci-config-read';
        tracedSeq = e.seq;
      },
      { traced: true },
    );
    const r = m.run(60_000);
    off();
    offTraced();
    expect(r.reason).toBe('instruction-budget');
    expect(streamed).toBeGreaterThan(29_000);
    // The traced subscriber saw the recorded kinds only, in stream order, up to the last one kept.
    expect(inOrder).toBe(true);
    expect(tracedSeq).toBe(m.events.recorded.at(-1)!.seq);
    expect(m.events.recorded.length).toBe(1000);
    expect(m.events.droppedRecords).toBe(streamed - 1000);
    expect(m.events.recorded.at(-1)).toMatchObject({ kind: 'pci-config-read', bdf: '00:00.0', offset: 0 });
  });

  it('rejects bad windows and budgets', () => {
    expect(() => createMachine({ eventWindow: 0 })).toThrow(/eventWindow 0 must be a positive integer/);
    expect(() => createMachine({ logWindow: { lines: 1.5 } })).toThrow(/logWindow.lines/);
    expect(() => createMachine(tiny(PRINT_FOREVER)).run(-1)).toThrow(/budget -1/);
  });
});

// The x87 error path of the PC as the machine wires it: the CPU's FERR# to ISA IRQ 13, port F0h
// to the CPU's IGNNE# (QEMU hw/i386/pc.c ioportF0, x86_register_ferr_irq). CR0.NE is 0 after
// reset, so an unmasked x87 error pending at FWAIT asserts FERR# instead of raising #MF.
describe('x87 FERR# and IGNNE# through the machine', () => {
  it('FWAIT with an unmasked error raises IRQ 13; OUT F0h asserts IGNNE# and drops FERR#', () => {
    const code = [
      0xdb,
      0xe3, // fninit
      0x2e,
      0xd9,
      0x2e,
      0x00,
      0xf1, // fldcw [cs:0xf100]: image offset 0x100 (the image runs at F000:F000), 037Bh: ZM = 0
      0xd9,
      0xee, // fldz
      0xd9,
      0xe8, // fld1
      0xd8,
      0xf1, // fdiv st0, st1
      0x9b, // fwait: FERR#
      0xe6,
      0xf0, // out 0xf0, al: IGNNE#
      0xf4, // hlt
    ];
    const image = tinyImage(code);
    image.set([0x7b, 0x03], 0x100);
    const m = createMachine({ firmware: { kind: 'image', image, name: 'x87-ferr' } });
    m.run(100);
    const cpu = m.cpu as NonNullable<typeof m.cpu>;
    const fpu = cpu.getState().fpu;
    expect(fpu.fsw & 0x80).toBe(0x80); // ES: the error is still pending
    expect(fpu.ignne).toBe(true);
    expect(fpu.ferr).toBe(false);
    expect((m.platform.pic.registers().slave.irr >> 5) & 1).toBe(1); // IRQ 13 was raised
    expect(cpu.exceptionCounts[16]).toBe(0);
  });
});
