// A guest reset is a system reset (QEMU `-machine pc`): every device's reset runs, the CPU restarts
// at the reset vector, RAM is kept, and the run goes on — unless the config says `onReset: 'stop'`
// (QEMU -no-reboot), which ends the run with reason 'reset' (or 'triple-fault'). A guest that
// resets in a loop ends at its instruction budget.
import { existsSync, readFileSync } from 'node:fs';
import { DeviceRegistry, type DeviceType } from '@vmkit/device';
import { PciDevice } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, type MachineConfigInput, type MachineEvent } from '../src/index.js';
import { createMachine, tinyImage } from './helpers.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const haveBios = existsSync(BIOS);
if (!haveBios && process.env.VMKIT_REQUIRE_TOOLS === '1')
  throw new Error(`${BIOS} is required (apt-get install seabios)`);

/** mov al, 6; mov dx, 0xcf9; out dx, al; jmp $ — a system reset through the PIIX3 RCR. */
const CF9_RESET = [0xb0, 0x06, 0xba, 0xf9, 0x0c, 0xee, 0xeb, 0xfe];
/** cli; lidt [an empty IDT]; int3 — #GP, #DF, then a triple fault. */
const TRIPLE_FAULT = [0xfa, 0x0f, 0x01, 0x1e, 0x08, 0xf0, 0xcc];

const tiny = (code: number[], more: MachineConfigInput = {}): MachineConfigInput => ({
  firmware: { kind: 'image', image: tinyImage(code), name: 'tiny' },
  ...more,
});

function resets(m: ReturnType<typeof createMachine>): MachineEvent[] {
  const seen: MachineEvent[] = [];
  m.events.subscribe((e) => {
    if (e.kind === 'machine-reset') seen.push(e);
  });
  return seen;
}

describe('guest resets (image firmware)', () => {
  it('0xCF9 resets the machine and it runs on; a reset loop ends at its instruction budget', () => {
    const m = createMachine(tiny(CF9_RESET));
    const seen = resets(m);
    const r = m.run(30_000);
    expect(r.reason).toBe('instruction-budget');
    expect(r.instructions).toBe(30_000);
    // Each pass runs the 3 instructions up to the OUT (the jmp at the reset vector, two MOVs, OUT).
    expect(seen.length).toBeGreaterThan(5_000);
    expect(seen[0]).toMatchObject({ kind: 'machine-reset', cause: 'guest-request' });
    expect(m.cpu!.getRegisters().segments.cs.selector).toBe(0xf000);
  });

  it("onReset: 'stop' (QEMU -no-reboot) ends the run with reason 'reset', for good", () => {
    const m = createMachine(tiny(CF9_RESET, { onReset: 'stop' }));
    const seen = resets(m);
    const r = m.run(30_000);
    expect(r).toMatchObject({ reason: 'reset', detail: 'the guest requested a system reset' });
    expect(r.instructions).toBeLessThan(10);
    expect(seen).toEqual([]);
    expect(m.run(1000).instructions).toBe(r.instructions);
  });

  it("a triple fault is a guest reset; under onReset: 'stop' it ends the run", () => {
    const m = createMachine(tiny(TRIPLE_FAULT));
    const seen = resets(m);
    expect(m.run(20_000)).toMatchObject({ reason: 'instruction-budget', instructions: 20_000 });
    expect(seen.length).toBeGreaterThan(1000);
    expect(seen[0]).toMatchObject({ cause: 'triple-fault' });
    const stop = createMachine(tiny(TRIPLE_FAULT, { onReset: 'stop' })).run(20_000);
    expect(stop.reason).toBe('triple-fault');
  });

  it('a reset restores the devices, keeps RAM, and a snapshot across it replays exactly', () => {
    // Leave RAM, the PIC and the PAM registers changed, then reset through the 8042.
    const code = [
      0xb8,
      0x34,
      0x12, // mov ax, 0x1234
      0xa3,
      0x00,
      0x05, // mov [0x500], ax
      0xb0,
      0x5a,
      0xe6,
      0x21, // mov al, 0x5a; out 0x21, al (PIC master IMR)
      0xb0,
      0xfe,
      0xe6,
      0x64, // mov al, 0xfe; out 0x64, al (8042 reset pulse)
      0xeb,
      0xfe, // jmp $
    ];
    const fresh = createMachine(tiny(code));
    const m = createMachine(tiny(code));
    const seen = resets(m);
    m.run(7); // the reset vector's jmp, the stores, up to the 8042 pulse
    expect(seen).toHaveLength(1);
    expect(m.memory.read16(0x500)).toBe(0x1234);
    // A board that never ran, but at this virtual time: the PIT, RTC, PM timer and LAPIC timer
    // count from the clock.
    const now = m.platform.getState();
    const never = fresh.platform.getState();
    expect(now).toEqual({
      ...never,
      ...pick(now, ['pit', 'rtc', 'acpi']),
      lapic: { ...never.lapic!, loadTime: now.lapic!.loadTime },
    });
    expect(m.cpu!.getRegisters()).toMatchObject({ eip: 0xfff0, cr0: fresh.cpu!.getRegisters().cr0 });
    const snap = decodeSnapshot(encodeSnapshot(m.snapshot()));
    m.run(20_000);
    const b = createMachine(tiny(code));
    resets(b); // the same consumers (a subscriber makes every kind wanted, which numbers events)
    b.restore(snap);
    b.run(20_000);
    expect(b.instructions).toBe(m.instructions);
    expect(b.snapshot().state).toEqual(m.snapshot().state);
  });
});

const pick = <T extends Record<string, unknown>>(o: T, keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, o[k]]));

/**
 * A PCI function whose option ROM resets the machine the first time SeaBIOS runs it: it reads CMOS
 * byte 0x7E (kept across a reset, as QEMU's rtc_reset keeps CMOS RAM), and when it is 0 sets it to 1
 * and writes 0x06 to 0xCF9; the second time it returns (retf).
 */
function resetRomType(): DeviceType<Record<string, never>, Record<string, never>> {
  const rom = new Uint8Array(512);
  rom.set([0x55, 0xaa, 0x01], 0); // signature, 1 × 512 bytes
  rom.set([0xeb, 0x1b], 3); // init entry: jmp 0x20
  rom.set([0x40, 0x00], 0x18); // PCI data structure at 0x40
  rom.set(
    [
      0xb0,
      0x7e,
      0xe6,
      0x70, // mov al, 0x7e; out 0x70, al
      0xe4,
      0x71, // in al, 0x71
      0x84,
      0xc0, // test al, al
      0x75,
      0x0c, // jnz done
      0xb0,
      0x01,
      0xe6,
      0x71, // mov al, 1; out 0x71, al
      0xb0,
      0x06,
      0xba,
      0xf9,
      0x0c,
      0xee, // mov al, 6; mov dx, 0xcf9; out dx, al
      0xeb,
      0xfe, // jmp $
      0xcb, // done: retf
    ],
    0x20,
  );
  // "PCIR", vendor 1234, device 0001, VPD 0, length 0x18, rev 0, class 0xff0000, 1 × 512, rev 0,
  // code type 0 (x86), last image.
  rom.set(
    [0x50, 0x43, 0x49, 0x52, 0x34, 0x12, 0x01, 0x00, 0, 0, 0x18, 0, 0, 0, 0, 0xff, 1, 0, 0, 0, 0, 0x80],
    0x40,
  );
  rom[511] = (256 - (rom.reduce((a, b) => a + b, 0) & 0xff)) & 0xff; // checksum
  return {
    driver: 'reset-rom',
    bus: 'pci',
    description: 'test: an option ROM that resets the machine once',
    props: {},
    realize: (_p, ctx) => {
      const pci = new PciDevice({
        name: ctx.id,
        vendorId: 0x1234,
        deviceId: 1,
        classCode: 0xff0000,
        rom: { data: rom },
      });
      return { pci, reset: () => {}, getState: () => ({}), setState: () => {} };
    },
  };
}

describe.skipIf(!haveBios)('Debian SeaBIOS reset by the guest', () => {
  const config: MachineConfigInput = {
    firmware: {
      kind: 'image',
      image: new Uint8Array(haveBios ? readFileSync(BIOS) : []),
      name: 'bios-256k.bin',
    },
    devices: [{ driver: 'reset-rom', addr: '05.0' }],
    trace: ['machine'],
  };
  const registry = new DeviceRegistry([resetRomType()]);

  it('boots again after the reset: the banner twice, the same POST, then the boot attempt', () => {
    const m = createMachine(config, { registry });
    const r = m.boot();
    expect(r.result.reason).toBe('boot-attempted');
    const resetAt = m.events.recorded.filter((e) => e.kind === 'machine-reset');
    expect(resetAt).toEqual([expect.objectContaining({ cause: 'guest-request' })]);
    // The first POST ends in the option ROM; the reset starts the second one at once.
    const rom = r.log.indexOf('Running option rom at c000:0003');
    expect(r.log[0]).toMatch(/^SeaBIOS \(version 1\.16\.2/);
    expect(r.log[rom + 1]).toBe(r.log[0]);
    // It finds the same machine and repeats the first POST line for line up to the ROM, which
    // returns this time (CMOS 0x7E survived the reset), and the boot goes on.
    const first = r.log.slice(0, rom + 1);
    const second = r.log.slice(rom + 1);
    expect(second.slice(0, first.length)).toEqual(first);
    expect(second.length).toBeGreaterThan(first.length + 2);
    expect(r.log.at(-1)).toMatch(/^No bootable device/);
  }, 120_000);
});
