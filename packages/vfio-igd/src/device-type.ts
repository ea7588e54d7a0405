// The assigned IGD as a pluggable device (@vmkit/device): `-device vfio-igd,…` builds the IGD
// function with its OpRegion policy, the legacy-mode chipset plan, the etc/igd-* fw_cfg files, the
// table-loader fragment and the IGD section of the boot report — everything QEMU's hw/vfio/igd.c
// and vfio-pci's x-igd-opregion do for `-device vfio-pci,host=…,x-igd-opregion=on`.

import type { BoardInfo, DeviceContext, DeviceType, ReportContext } from '@vmkit/device';
import {
  IGD_BDSM_SIZE_FILE,
  IGD_OPREGION_FILE,
  igdBdsmSizeBlob,
  igdFwCfgFiles,
  linkerFragment,
} from './blobs.js';
import { hex } from './bytes.js';
import { IgdPciDevice } from './device.js';
import { validateGmsOverride } from './generation.js';
import { hostBarProblems, type IgdHostSource } from './host.js';
import { applyHostBridgePatches, createLegacyLpcBridge, planLegacyMode } from './legacy.js';
import { decodeOpRegion } from './opregion.js';
import { OPREGION_POLICIES, type OpRegionPolicy } from './policy.js';
import { formatIgdReport } from './report-format.js';

export interface IgdDeviceProps {
  source: IgdHostSource;
  policy: OpRegionPolicy;
  gms?: number;
  bdsmSize: number | 'auto';
  legacy: boolean;
  linker: boolean;
  opregion: boolean;
  classCode?: number;
}

/** The IGD section of the boot report. */
export interface IgdReport {
  bdf: string;
  model: string;
  generation: number | null;
  policy: string;
  /** config 0xFC as the guest reads it */
  asls: number;
  opregionSize: number;
  /** the guest-visible bytes at ASLS parse as a valid OpRegion */
  guestOpregionValid: boolean;
  guestOpregionProblems: string[];
  /** config 0x5C (or 0xC0 for gen ≥ 11) as the guest reads it */
  bdsm: number;
  bdsmSize: number;
  /** the BDSM range is reserved in the final e820 map (null: the firmware reported no map) */
  bdsmReserved: boolean | null;
  /** the OpRegion range is not usable RAM in the final e820 map (null: no map reported) */
  opregionReserved: boolean | null;
  /** guest writes that would have reached the host OpRegion (must be 0 for every safe policy) */
  hostOpregionWrites: number;
  /** true when the linker automation command was published */
  linkerAutomation: boolean;
  /** human-readable findings: why something did not happen */
  notes: string[];
}

interface IgdDeviceState {
  hostOpregionWrites: number;
}

const MiB = 1024 * 1024;

function isSource(v: unknown): string | null {
  const s = v as IgdHostSource;
  return s?.identity && s.config instanceof Uint8Array
    ? null
    : 'must be an IGD host source (@vmkit/vfio-igd)';
}

function bdsmSizeProblem(v: unknown): string | null {
  return v === 'auto' || (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) % MiB === 0)
    ? null
    : `${String(v)} must be a whole number of MiB (or auto)`;
}

function parseBdsmSize(text: string): { value: unknown } | { problem: string } {
  if (text === 'auto') return { value: 'auto' };
  const m = /^(\d+)([MG]?)$/i.exec(text);
  const n = m ? Number(m[1]) * (m[2]?.toUpperCase() === 'G' ? 1024 * MiB : m[2] ? MiB : 1) : Number.NaN;
  const p = bdsmSizeProblem(n);
  return p ? { problem: `'${text}' must be a size such as 64M (whole MiB) or auto` } : { value: n };
}

const mib = (n: number) => (n % (1024 * MiB) === 0 ? `${n / (1024 * MiB)} GiB` : `${n / MiB} MiB`);

function crossCheck(p: IgdDeviceProps, board: BoardInfo): string[] {
  const problems: string[] = [];
  for (const x of hostBarProblems(p.source.config, p.source.bars)) problems.push(`source: ${x}`);
  if (typeof p.bdsmSize === 'number' && p.bdsmSize >= board.ramBelow4g) {
    // SeaBIOS intel_igd_setup allocates stolen memory from RAM below 4 GiB (memalign_tmphigh):
    // a size that does not fit there leaves BDSM unprogrammed ("WARNING - Unable to allocate").
    problems.push(
      `bdsm size ${mib(p.bdsmSize)} does not fit in guest RAM below 4 GiB (memory ${mib(board.memory)})`,
    );
  }
  if (p.policy !== 'fw-cfg' && !p.source.opRegion)
    problems.push(`opregion policy '${p.policy}' needs a host OpRegion, and this IGD source has none`);
  if (p.gms !== undefined) {
    const e = validateGmsOverride(p.source.generation, p.gms);
    if (e) problems.push(`gms override: ${e}`);
  }
  return problems;
}

export const igdDeviceType: DeviceType<IgdDeviceProps, IgdDeviceState> = {
  driver: 'vfio-igd',
  bus: 'pci',
  description:
    'an assigned Intel IGD (vfio-pci with x-igd-opregion): OpRegion/BDSM handshake, policies, legacy mode',
  props: {
    source: {
      type: 'object',
      doc: 'the host IGD (catalogue model, config dump or sysfs capture)',
      what: 'an IGD host source',
      required: true,
      check: isSource,
    },
    policy: {
      type: 'enum',
      doc: 'how the guest gets the OpRegion',
      values: OPREGION_POLICIES,
      default: 'fw-cfg',
    },
    gms: { type: 'int', doc: 'GMCH GMS override (raw field value)', min: 0, max: 0xff },
    bdsmSize: {
      type: 'object',
      doc: 'etc/igd-bdsm-size; auto = the stolen size decoded from GMCH',
      what: 'a whole number of MiB or auto',
      check: bdsmSizeProblem,
      parse: parseBdsmSize,
    },
    legacy: { type: 'bool', doc: 'legacy (VGA) mode chipset tweaks', default: false },
    linker: {
      type: 'bool',
      doc: 'also publish ALLOCATE + WRITE_PCI_CONFIG in etc/table-loader',
      default: false,
    },
    opregion: { type: 'bool', doc: 'publish etc/igd-opregion', default: true },
    classCode: { type: 'int', doc: 'class code the guest sees (e.g. 0x038000)', min: 0, max: 0xffffff },
  },
  check: crossCheck,
  realize: realizeIgd,
  formatReport: (section) => formatIgdReport(section as IgdReport),
};

function realizeIgd(p: IgdDeviceProps, ctx: DeviceContext) {
  const bdfNumber = ctx.bdf ?? 0x10;
  const bdf = formatBusBdf(bdfNumber);
  const source =
    p.classCode === undefined
      ? p.source
      : { ...p.source, identity: { ...p.source.identity, classCode: p.classCode } };
  const bdsmSize = p.bdsmSize ?? 'auto';
  let hostOpregionWrites = 0;
  const guestError = (addr: number, len: number) =>
    new Error(`guest range 0x${addr.toString(16)}+${len} is not RAM`);
  const igd = new IgdPciDevice({
    name: ctx.id,
    source,
    policy: p.policy,
    gmsOverride: p.gms,
    // The IGD model may only touch guest RAM (the DMA contract): an ASLS pointing into MMIO or a
    // hole makes its accesses fail (reported as igd events), never reach a device or vanish.
    memory: {
      readGuest: (addr, len) => {
        const r = ctx.guest.read(addr, len);
        if (!(r instanceof Uint8Array)) throw guestError(addr, len);
        return r;
      },
      writeGuest: (addr, data) => {
        if (ctx.guest.write(addr, data)) throw guestError(addr, data.length);
      },
      mapOverlay: (addr, size, handler) =>
        ctx.mapMmio(`igd-opregion-overlay@${addr.toString(16)}`, addr, size, handler, 10),
    },
    onEvent: (e) => {
      if (e.kind === 'igd-opregion-host-write') hostOpregionWrites++;
      ctx.emit({ ...e });
    },
  });
  if (p.legacy) realizeLegacy(ctx, source, bdf);
  // etc/igd-opregion (a copy: the host image stays the host's) and etc/igd-bdsm-size.
  let publishedBdsmSize = 0;
  for (const f of igdFwCfgFiles(source, igd.regs)) {
    if (f.name === IGD_OPREGION_FILE && !p.opregion) continue;
    const data = f.name === IGD_BDSM_SIZE_FILE && bdsmSize !== 'auto' ? igdBdsmSizeBlob(bdsmSize) : f.data;
    if (f.name === IGD_BDSM_SIZE_FILE)
      publishedBdsmSize = Number(new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true));
    ctx.addFwCfgFile(f.name, data);
  }
  const linker = p.linker && p.opregion && !!source.opRegion;
  if (linker) ctx.addLoaderCommands(linkerFragment({ bdf }));
  return {
    pci: igd,
    reset: () => igd.reset(),
    getState: (): IgdDeviceState => ({ hostOpregionWrites }),
    setState: (s: IgdDeviceState) => {
      hostOpregionWrites = s.hostOpregionWrites;
    },
    report: (r: ReportContext): IgdReport =>
      igdReport(
        igd,
        {
          bdf,
          bdfNumber,
          policy: p.policy,
          opregion: p.opregion,
          linker,
          publishedBdsmSize,
          hostOpregionWrites,
        },
        r,
      ),
  };
}

function realizeLegacy(ctx: DeviceContext, source: IgdHostSource, bdf: string): void {
  const at1f = ctx.pci.functionAt(0x1f << 3);
  const plan = planLegacyMode({
    source,
    guestAddress: bdf,
    occupantAt1f: at1f ? at1f.name : undefined,
    romSize: source.romSize,
  });
  if (!plan.ok) throw new Error(plan.errors.map((e) => `legacy mode: ${e}`).join('; '));
  applyHostBridgePatches(plan, ctx.pci.hostBridge);
  ctx.pci.addFunction(createLegacyLpcBridge(plan), 0x1f << 3);
  ctx.emit({ kind: 'igd-legacy-mode', lpc: plan.lpcBridge, hostBridgePatches: plan.hostBridgePatches });
}

function formatBusBdf(n: number): string {
  const h2 = (v: number) => v.toString(16).padStart(2, '0');
  return `${h2((n >> 8) & 0xff)}:${h2((n >> 3) & 31)}.${n & 7}`;
}

interface ReportFacts {
  bdf: string;
  bdfNumber: number;
  policy: OpRegionPolicy;
  opregion: boolean;
  linker: boolean;
  publishedBdsmSize: number;
  hostOpregionWrites: number;
}

/** The IGD part of the report, judged against the final e820 map (empty: unknown). */
function igdReport(igd: IgdPciDevice, f: ReportFacts, r: ReportContext): IgdReport {
  const regs = igd.regs;
  const asls = regs.asls >>> 0;
  const opregionSize = f.opregion ? (igd.source.opRegion?.length ?? 0) : 0;
  const notes: string[] = [];
  let guestOpregionValid = false;
  let problems: string[] = [];
  const probeLen = Math.max(opregionSize, 0x2000);
  // What the guest sees at ASLS: RAM (a firmware or VMM copy) or the 'map' overlay.
  if (asls && !r.readsAsRam(asls, probeLen)) {
    problems = [`ASLS 0x${asls.toString(16)} does not point at guest RAM`];
  } else if (asls) {
    const d = decodeOpRegion(r.readGuest(asls, probeLen));
    guestOpregionValid = d.ok;
    problems = d.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.field}@0x${p.offset.toString(16)}: ${p.message}`);
  } else {
    notes.push(
      'ASLS is 0: the firmware never wrote an OpRegion address (the guest driver will run without one)',
    );
  }
  notes.push(...configNotes(igd, f.bdfNumber, f.bdf));
  const bdsm = Number(regs.bdsm);
  // Without a final map (the firmware stopped early) reservation is unknown, not false.
  const covered = (start: number, len: number, pred: (type: number) => boolean) =>
    r.e820.length === 0
      ? null
      : len > 0 && r.e820.some((e) => e.start <= start && e.end >= start + len && pred(e.type));
  const id = igd.source.identity;
  return {
    bdf: f.bdf,
    model: `${igd.source.origin} ${hex(id.vendorId, 4).slice(2)}:${hex(id.deviceId, 4).slice(2)}`,
    generation: regs.generation > 0 ? regs.generation : null,
    policy: f.policy,
    asls,
    opregionSize,
    guestOpregionValid,
    guestOpregionProblems: problems,
    bdsm,
    bdsmSize: f.publishedBdsmSize,
    bdsmReserved: bdsm === 0 ? false : covered(bdsm, f.publishedBdsmSize, (t) => t === 2),
    opregionReserved: asls === 0 ? false : covered(asls, opregionSize || 0x2000, (t) => t !== 1),
    hostOpregionWrites: f.hostOpregionWrites,
    linkerAutomation: f.linker,
    notes,
  };
}

function configNotes(igd: IgdPciDevice, bdfNumber: number, bdf: string): string[] {
  const notes: string[] = [];
  const cls = (igd.configRead(0x08, 4) >>> 8) & 0xffffff;
  if (cls !== 0x030000) {
    notes.push(
      `class code is ${cls.toString(16).padStart(6, '0')}, not 030000: SeaBIOS's intel_igd_setup only handles class exactly 0x0300 (VGA), so it ignored this device`,
    );
  }
  if (bdfNumber !== 0x10)
    notes.push(`the IGD is at ${bdf}, not 00:02.0: SeaBIOS programs BDSM only for 00:02.0`);
  if (igd.regs.bdsmOffset === 0xc0) {
    notes.push('generation ≥ 11: BDSM is the 64-bit register at 0xC0, which SeaBIOS never programs');
  } else if (igd.regs.bdsmOffset < 0) {
    notes.push('this generation has no BDSM register');
  }
  return notes;
}
