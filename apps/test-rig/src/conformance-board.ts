// `rig conformance board`: the i440FX board's own PCI functions — which are not registry device types
// (the board is fixed per machine type, @vmkit/pc-platform builds them) — against the checks of the
// device contract that apply to them, through the guest's path (mechanism #1 at 0xCF8/0xCFC):
//   bars        BAR sizing per PCI 3.0 §6.2.5.1 (the IDE's bus-master BAR4; the others have none)
//   read-only   vendor/device/revision/class/header type ignore writes (§6.2.1)
//   fuzz        seeded random config accesses (and accesses to the placed BARs) never throw and leave
//               guest RAM as it was — PAM, SMRAM, PIRQ routing, PMBASE and the IDE BAR included
//   reset       the board's reset twice gives the same board state
//   state       the board state is JSON-safe and survives setState(getState())
//   determinism two machines driven by the same seed record the same events and end in the same state
// Per function, on a fresh 128 MiB machine with no firmware run (as for registry types).
import { isDeepStrictEqual } from 'node:util';
import { DeviceRegistry } from '@vmkit/device';
import { createMachine, type Machine } from '@vmkit/machine';
import {
  type CheckName,
  type CheckResult,
  type ConformanceOptions,
  firstDiff,
  fuzzCheck,
  type Outcome,
  oneLine,
  pciChecks,
  prng,
  type Region,
  resetCheck,
  stateCheck,
} from './conformance.js';
import { ConfigPort } from './conformance-pci.js';

/** The board's functions by QEMU type name (hw/pci-host/i440fx.c, hw/isa/piix3.c, hw/ide/piix.c,
 * hw/acpi/piix4.c) and devfn. */
export const BOARD_FUNCTIONS: ReadonlyArray<{ driver: string; devfn: number }> = [
  { driver: 'i440FX', devfn: 0x00 },
  { driver: 'PIIX3', devfn: 0x08 },
  { driver: 'piix3-ide', devfn: 0x09 },
  { driver: 'PIIX4_PM', devfn: 0x0b },
];

function boardMachine(): Machine {
  return createMachine(
    { memory: '128M', debugconPort: null, trace: ['all'] },
    { registry: new DeviceRegistry([]) },
  );
}

function boardSequence(m: Machine, devfn: number, n: number, seed: number) {
  const out = new Map<CheckName, Outcome>();
  const board = {
    reset: () => m.platform.reset(),
    getState: () => m.platform.getState(),
    setState: (s: unknown) => m.platform.setState(s as ReturnType<Machine['platform']['getState']>),
  };
  out.set('reset', resetCheck(board));
  const cfg = new ConfigPort(m.io, devfn);
  const regions: Region[] = pciChecks(cfg, out);
  out.set('fuzz', fuzzCheck(m, { regions: [], dma: [], device: null }, regions, cfg, n, prng(seed)));
  out.set('state', stateCheck(board));
  return { out, events: m.events.recorded, state: m.platform.getState() };
}

/** Every board function, each on two machines (the second for determinism). */
export function runBoardConformance(opts: ConformanceOptions = {}): CheckResult[] {
  const seed = opts.seed ?? 1;
  const n = opts.accesses ?? 2000;
  return BOARD_FUNCTIONS.flatMap(({ driver, devfn }) => {
    const row = (
      check: CheckResult['check'],
      status: CheckResult['status'],
      detail: string,
    ): CheckResult => ({
      driver,
      variant: 'board',
      check,
      status,
      detail,
    });
    let first: ReturnType<typeof boardSequence>;
    let second: ReturnType<typeof boardSequence>;
    try {
      first = boardSequence(boardMachine(), devfn, n, seed);
      second = boardSequence(boardMachine(), devfn, n, seed);
    } catch (e) {
      return [row('realize', 'fail', oneLine(e))];
    }
    const rows: CheckResult[] = [];
    for (const [c, o] of first.out) rows.push(row(c, o.ok ? 'pass' : 'fail', o.detail));
    const sameEvents = isDeepStrictEqual(first.events, second.events);
    const same = sameEvents && isDeepStrictEqual(first.state, second.state);
    rows.push(
      row(
        'determinism',
        same ? 'pass' : 'fail',
        same
          ? `${first.events.length} events`
          : sameEvents
            ? `final states differ: ${firstDiff(first.state, second.state)}`
            : `event streams differ: ${firstDiff(first.events, second.events)}`,
      ),
    );
    return rows;
  });
}
