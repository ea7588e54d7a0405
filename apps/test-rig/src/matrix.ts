// The firmware × policy × model × memory matrix: every cell boots a fresh machine in this process
// and checks the guest-visible result documented for it (docs/igd-passthrough.md, @vmkit/vfio-igd
// README "OpRegion policies", SeaBIOS 1.16 intel_igd_setup): where ASLS points, what the guest
// reads there, where BDSM points, the e820 reservations, and that nothing wrote the host OpRegion.
// A failed cell names each expectation it missed.

import { type BootReport, createMachine, type MachineConfigInput, type OpRegionPolicy } from '@vmkit/machine';
import { catalogueKeys, catalogueModel, catalogueSource } from '@vmkit/vfio-igd';
import { registry } from './registry.js';

export type MatrixFirmware = 'bios-256k.bin' | 'bios.bin' | 'ts-port';
export type MatrixPolicy = OpRegionPolicy | 'linker';

export const FIRMWARES: readonly MatrixFirmware[] = ['bios-256k.bin', 'bios.bin', 'ts-port'];
export const POLICIES: readonly MatrixPolicy[] = ['fw-cfg', 'map', 'map-rw', 'copy-on-asls', 'linker'];
export const MEMORIES: readonly string[] = ['128M', '2G', '3584M'];

export interface MatrixCell {
  firmware: MatrixFirmware;
  policy: MatrixPolicy;
  model: string;
  memory: string;
}

export interface Expectation {
  name: string;
  ok: boolean;
  /** What was expected and what was seen, for a failed expectation. */
  detail: string;
}

export interface CellResult {
  cell: MatrixCell;
  ok: boolean;
  expectations: Expectation[];
  instructions: number;
  wallMs: number;
  asls: number;
  bdsm: number;
}

export interface MatrixSelection {
  firmwares?: readonly MatrixFirmware[];
  policies?: readonly MatrixPolicy[];
  models?: readonly string[];
  memories?: readonly string[];
}

export function matrixCells(sel: MatrixSelection = {}): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const firmware of sel.firmwares ?? FIRMWARES)
    for (const policy of sel.policies ?? POLICIES)
      for (const model of sel.models ?? catalogueKeys())
        for (const memory of sel.memories ?? MEMORIES) cells.push({ firmware, policy, model, memory });
  return cells;
}

/** The CI slice: every firmware and policy, three generations (gen 6 at 0x5C with a 2.0 OpRegion,
 * gen 9 with BDSM at 0x5C, gen 12 with BDSM at 0xC0), all three memory sizes for one of them. */
export function ciSlice(): MatrixCell[] {
  return [
    ...matrixCells({ models: ['snb', 'kbl', 'tgl'], memories: ['128M'] }),
    ...matrixCells({ models: ['kbl'], memories: ['2G', '3584M'] }),
  ];
}

export const cellName = (c: MatrixCell): string => `${c.firmware}/${c.policy}/${c.model}/${c.memory}`;

function machineConfig(c: MatrixCell, images: Record<string, Uint8Array>): MachineConfigInput {
  const policy: OpRegionPolicy = c.policy === 'linker' ? 'fw-cfg' : c.policy;
  const firmware: MachineConfigInput['firmware'] =
    c.firmware === 'ts-port'
      ? { kind: 'hle', options: { tableLoader: 'seabios-1.16' } }
      : { kind: 'image', image: images[c.firmware]!, name: c.firmware };
  return {
    memory: c.memory,
    firmware,
    igd: { source: catalogueSource(c.model), policy, linker: c.policy === 'linker' },
  };
}

/** Boot one cell and judge it. `images` maps the two Debian image names to their bytes. */
export function runCell(c: MatrixCell, images: Record<string, Uint8Array>, now: () => number): CellResult {
  const t0 = now();
  const m = createMachine(machineConfig(c, images), { registry });
  const report = m.boot({ maxInstructions: 60_000_000 });
  const wallMs = now() - t0;
  const expectations = judge(c, report, (addr, len) => m.memory.readBytes(addr, len), m.layout.below4g);
  return {
    cell: c,
    ok: expectations.every((e) => e.ok),
    expectations,
    instructions: report.result.instructions,
    wallMs,
    asls: report.igd?.asls ?? 0,
    bdsm: report.igd?.bdsm ?? 0,
  };
}

const hex = (n: number) => `0x${n.toString(16)}`;

function expect(name: string, ok: boolean, detail: string): Expectation {
  return { name, ok, detail: ok ? '' : detail };
}

/** The documented guest-visible result of a cell, checked against its boot report. */
export function judge(
  c: MatrixCell,
  r: BootReport,
  read: (addr: number, len: number) => Uint8Array,
  /** Guest RAM installed below 4 GiB (the machine's layout, not the firmware's e820). */
  below4g: number,
): Expectation[] {
  const g = r.igd;
  const out: Expectation[] = [];
  out.push(
    expect(
      'boot',
      r.result.reason === 'boot-attempted',
      `firmware stopped with ${r.result.reason}: ${r.result.detail}`,
    ),
  );
  if (!g) return [...out, expect('igd', false, 'no IGD in the report')];
  const source = catalogueSource(c.model);
  const op = source.opRegion;
  // SeaBIOS intel_igd_setup (and the TS port) allocate the OpRegion copy in high memory below
  // 4 GiB and write its address to ASLS, whatever the VMM's policy.
  out.push(
    expect(
      'asls',
      g.asls !== 0 && g.asls + (op?.length ?? 0) <= below4g,
      `ASLS ${hex(g.asls)} is not in RAM below ${hex(below4g)}`,
    ),
  );
  out.push(
    expect(
      'guest-opregion-valid',
      g.guestOpregionValid,
      `guest OpRegion invalid: ${g.guestOpregionProblems.join('; ')}`,
    ),
  );
  if (op && g.asls) {
    // fw-cfg/copy-on-asls/linker: the firmware's or VMM's copy; map/map-rw: the host image
    // overlaid. Either way the guest reads the presented OpRegion's bytes.
    const seen = read(g.asls, op.length);
    const same = seen.every((b, i) => b === op[i]);
    out.push(
      expect(
        'guest-opregion-bytes',
        same,
        `guest bytes at ASLS differ from the presented OpRegion (${policyWord(c)})`,
      ),
    );
  }
  out.push(
    expect(
      'opregion-e820-reserved',
      g.opregionReserved === true,
      `OpRegion at ${hex(g.asls)} is not reserved in e820`,
    ),
  );
  out.push(
    expect(
      'host-opregion-untouched',
      g.hostOpregionWrites === 0,
      `${g.hostOpregionWrites} guest writes reached the host OpRegion`,
    ),
  );
  const gen = catalogueModel(c.model);
  if (g.generation !== null && g.generation >= 11) {
    // Gen11+: BDSM is the 64-bit register at 0xC0, which SeaBIOS 1.16 never programs.
    out.push(
      expect(
        'bdsm-unprogrammed-gen11+',
        g.bdsm === 0,
        `BDSM ${hex(g.bdsm)} on ${gen.codename}, expected 0 (SeaBIOS does not program 0xC0)`,
      ),
    );
  } else if (g.generation === null) {
    // A device id outside QEMU's igd_gen() table (Meteor Lake, 0x7dxx). vfio-igd follows QEMU since
    // Corvin Köhne's "vfio/igd: ... unknown devices" change (igd_gen returns -1: "Intel changes its
    // specification quite often", no generation quirks, no etc/igd-bdsm-size), so SeaBIOS has no
    // size and leaves BDSM alone. QEMU 7.2 itself still assumed gen 8 ("Assume newer is
    // compatible") and would have SeaBIOS write 0x5C, which is not BDSM on these parts (i915
    // reads the 64-bit 0xC0 from graphics version 11 on: i915_gem_stolen.c): no generation gets a
    // usable BDSM this way, and vmkit's choice keeps the guest from seeing a bogus one.
    out.push(
      expect(
        'bdsm-unprogrammed-unknown-gen',
        g.bdsm === 0,
        `BDSM ${hex(g.bdsm)} on ${gen.codename}, expected 0 (unknown generation: no etc/igd-bdsm-size)`,
      ),
    );
  } else {
    out.push(
      expect(
        'bdsm',
        g.bdsm !== 0 && g.bdsm + g.bdsmSize <= below4g,
        `BDSM ${hex(g.bdsm)} (+${hex(g.bdsmSize)}) is not in RAM below ${hex(below4g)}`,
      ),
    );
    out.push(
      expect(
        'bdsm-e820-reserved',
        g.bdsmReserved === true,
        `stolen memory at ${hex(g.bdsm)} is not reserved in e820`,
      ),
    );
  }
  return out;
}

function policyWord(c: MatrixCell): string {
  return c.policy === 'map' || c.policy === 'map-rw'
    ? 'the host image should be overlaid'
    : 'a copy should be there';
}
