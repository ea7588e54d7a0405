// snapshot()/restore(): restoring a snapshot taken at any instruction boundary of a real SeaBIOS
// boot and running on gives exactly the uninterrupted boot's instruction count, event stream, log
// and report; snapshots of another config or version, and damaged files, are refused clearly.
import { existsSync, readFileSync } from 'node:fs';
import { catalogueSource } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  decodeSnapshot,
  encodeSnapshot,
  type MachineConfigInput,
  SNAPSHOT_VERSION,
  SnapshotError,
} from '../src/index.js';
import { createMachine } from './helpers.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const haveBios = existsSync(BIOS);
if (!haveBios && process.env.VMKIT_REQUIRE_TOOLS === '1')
  throw new Error(`${BIOS} is required (apt-get install seabios)`);
const config = (more: MachineConfigInput = {}): MachineConfigInput => ({
  firmware: { kind: 'image', image: new Uint8Array(readFileSync(BIOS)), name: 'bios-256k.bin' },
  igd: { source: catalogueSource('kbl'), policy: 'map' },
  trace: ['all'],
  ...more,
});
/** The report without the trace compiler's counters (how much ran compiled depends on how warm the
 * code cache is, which a restored machine starts without; results never do). */
const guestView = (m: ReturnType<typeof createMachine>) => ({ ...m.report(), traces: null });

describe.skipIf(!haveBios)('snapshot and restore with real SeaBIOS', () => {
  const whole = haveBios ? createMachine(config()) : null;
  const ref = whole?.boot();

  for (const at of [1, 123_457, 900_001, 1_500_003]) {
    it(`restored at instruction ${at}, the run goes on exactly as the uninterrupted boot`, () => {
      const a = createMachine(config());
      a.run(at);
      const snap = decodeSnapshot(encodeSnapshot(a.snapshot()));
      expect(snap.instructions).toBe(at);
      const b = createMachine(config());
      b.restore(snap);
      expect(b.instructions).toBe(at);
      expect(b.boot().result).toEqual(ref!.result);
      expect(b.instructions).toBe(whole!.instructions);
      expect(b.log).toEqual(whole!.log);
      expect(b.events.recorded).toEqual(whole!.events.recorded);
      expect(guestView(b)).toEqual(guestView(whole!));
      // The snapshotted machine itself also runs on unchanged.
      a.boot();
      expect(guestView(a)).toEqual(guestView(whole!));
    });
  }

  it('the config id is the same whenever first asked for, and differs for another config', () => {
    const booted = createMachine(config());
    booted.boot();
    const fresh = createMachine(config());
    expect(booted.configId).toBe(fresh.configId);
    expect(createMachine(config({ memory: '256M' })).configId).not.toBe(fresh.configId);
  });

  it('a finished machine restores finished; the snapshot is small', () => {
    const snap = whole!.snapshot();
    const bytes = encodeSnapshot(snap);
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
    const b = createMachine(config());
    b.restore(decodeSnapshot(bytes));
    expect(b.run(1000).reason).toBe('boot-attempted');
    expect(guestView(b)).toEqual(guestView(whole!));
  });

  it('refuses another config, another version and damaged files, leaving the machine as it was', () => {
    const snap = whole!.snapshot();
    const other = createMachine(config({ memory: '256M' }));
    expect(() => other.restore(snap)).toThrow(SnapshotError);
    expect(() => other.restore(snap)).toThrow(/another config/);
    expect(other.instructions).toBe(0);
    expect(() => createMachine(config()).restore({ ...snap, version: SNAPSHOT_VERSION + 1 })).toThrow(
      new RegExp(`snapshot version ${SNAPSHOT_VERSION + 1} is not supported`),
    );
    // A version-1 snapshot (before the board's device list) is refused with the documented error.
    expect(() => createMachine(config()).restore({ ...snap, version: 1 })).toThrow(
      `snapshot version 1 is not supported (this vmkit reads ${SNAPSHOT_VERSION})`,
    );
    // A snapshot whose board lists other devices (e.g. one saved before a board device was added)
    // is refused before anything changes.
    const { ide0: _gone, ...platform } = (snap.state as { platform: Record<string, unknown> }).platform;
    const fresh = createMachine(config());
    expect(() => fresh.restore({ ...snap, state: { ...snap.state, platform } })).toThrow(
      "snapshot board does not match this machine: no state for board device 'ide0'",
    );
    expect(fresh.instructions).toBe(0);
    const bytes = encodeSnapshot(snap);
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated or corrupted/);
    const flipped = bytes.slice();
    flipped[flipped.length >> 1] ^= 0x40;
    expect(() => decodeSnapshot(flipped)).toThrow(/truncated or corrupted/);
    const next = bytes.slice();
    next[8] = SNAPSHOT_VERSION + 1;
    expect(() => decodeSnapshot(next)).toThrow(
      new RegExp(`version ${SNAPSHOT_VERSION + 1} is not supported`),
    );
    const v1 = bytes.slice();
    v1[8] = 1;
    expect(() => decodeSnapshot(v1)).toThrow(
      `snapshot version 1 is not supported by this vmkit (it reads version ${SNAPSHOT_VERSION})`,
    );
    expect(() => decodeSnapshot(new Uint8Array(100))).toThrow(/bad magic/);
    expect(() => decodeSnapshot(bytes.subarray(0, 12))).toThrow(SnapshotError);
  });
});

describe('snapshot and restore with the TypeScript firmware', () => {
  it('hle: a booted machine restores to the same report', () => {
    const cfg: MachineConfigInput = { firmware: { kind: 'hle' }, igd: { source: catalogueSource('kbl') } };
    const a = createMachine(cfg);
    const r = a.boot();
    const b = createMachine(cfg);
    b.restore(decodeSnapshot(encodeSnapshot(a.snapshot())));
    expect(b.report()).toEqual(r);
  });
});

describe("crc32 (the config fingerprint's checksum; its table is built on first use)", () => {
  it("gives zlib's CRC-32: the standard check value and a value continued across chunks", () => {
    const text = new TextEncoder().encode('123456789');
    // The CRC-32/ISO-HDLC check value (zlib's crc32 of "123456789").
    expect(crc32(text)).toBe(0xcbf43926);
    expect(crc32(text.subarray(4), crc32(text.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
