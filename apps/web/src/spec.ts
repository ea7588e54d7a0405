// What the user picked, as plain data that fits in a URL (so a link reproduces a run) and crosses
// to the worker. Files the user dropped (a BIOS image, host dumps) cannot live in a URL: the spec
// names them ('file', 'dump') and the page says a link alone will not reproduce them.
import { OPREGION_POLICIES, type OpRegionPolicy } from '@vmkit/vfio-igd';
import { queryFirmware } from './firmware.js';

export type FirmwareChoice = 'seabios' | 'hle' | 'file';

export interface RunSpec {
  /** seabios: Debian's bios-256k.bin copied into the site; hle: the TypeScript SeaBIOS port;
   * file: a BIOS image the user dropped. */
  firmware: FirmwareChoice;
  /** 'none', a catalogue key ('kbl'), or 'dump' (the files the user dropped). */
  igd: string;
  /** Catalogue model whose config space a dump without a config image borrows. */
  model: string;
  policy: OpRegionPolicy;
  linker: boolean;
  memory: string;
  /** Extra devices in QEMU's -device syntax (see devices.ts). */
  devices: string[];
  /** Instruction budget (image firmware): a guest that never stops ends here. */
  budget: number;
  jit: boolean;
}

export const DEFAULT_SPEC: RunSpec = {
  firmware: 'seabios',
  igd: 'kbl',
  model: 'kbl',
  policy: 'fw-cfg',
  linker: false,
  memory: '128M',
  devices: [],
  budget: 200_000_000,
  jit: true,
};

/** The fields a compare run may override (`compare=policy:map`). */
export const COMPARE_FIELDS = ['policy', 'firmware', 'linker', 'memory', 'igd', 'jit'] as const;
export type CompareField = (typeof COMPARE_FIELDS)[number];

export interface PageState {
  spec: RunSpec;
  /** The second run of the compare view: the field changed and its value. */
  compare: { field: CompareField; value: string } | null;
  autoboot: boolean;
  /** Open view (tab). */
  view: string;
}

export const VIEWS = ['timeline', 'console', 'map', 'pci', 'opregion', 'compare'] as const;

const BOOL_TRUE = new Set(['1', 'true', 'on', 'yes', '']);

/** Reads the page state from a query string. Unknown or bad values fall back to defaults and are
 * listed in `problems` (the page shows them: a mistyped link must not silently run something else). */
export function parseQuery(search: string): { state: PageState; problems: string[] } {
  const q = new URLSearchParams(search);
  const problems: string[] = [];
  const spec: RunSpec = { ...DEFAULT_SPEC, devices: [] };
  const firmware = queryFirmware(q);
  spec.firmware = firmware.firmware;
  if (firmware.problem) problems.push(firmware.problem);
  const igd = q.get('igd');
  if (igd !== null) spec.igd = igd.replace(/^synthetic:/, '');
  const model = q.get('model');
  if (model !== null) spec.model = model;
  const policy = q.get('policy');
  if (policy !== null) {
    if ((OPREGION_POLICIES as readonly string[]).includes(policy)) spec.policy = policy as OpRegionPolicy;
    else problems.push(`policy '${policy}' is unknown (${OPREGION_POLICIES.join(', ')})`);
  }
  const linker = q.get('linker');
  if (linker !== null) spec.linker = BOOL_TRUE.has(linker);
  const memory = q.get('memory');
  if (memory !== null) spec.memory = memory;
  spec.devices = q.getAll('device').filter(Boolean);
  const budget = q.get('budget');
  if (budget !== null) {
    const n = Number(budget);
    if (Number.isSafeInteger(n) && n > 0) spec.budget = n;
    else problems.push(`budget '${budget}' must be a positive whole number of instructions`);
  }
  const jit = q.get('jit');
  if (jit !== null) spec.jit = BOOL_TRUE.has(jit);

  let compare: PageState['compare'] = null;
  const c = q.get('compare');
  if (c) {
    const i = c.indexOf(':');
    const field = (i < 0 ? c : c.slice(0, i)) as CompareField;
    if (i < 0 || !COMPARE_FIELDS.includes(field)) {
      problems.push(`compare '${c}' must be <field>:<value> with field one of ${COMPARE_FIELDS.join(', ')}`);
    } else compare = { field, value: c.slice(i + 1) };
  }
  const view = q.get('view') ?? (compare ? 'compare' : 'timeline');
  return {
    state: {
      spec,
      compare,
      autoboot: q.has('autoboot'),
      view: (VIEWS as readonly string[]).includes(view) ? view : 'timeline',
    },
    problems,
  };
}

/** The query string for a page state: only what differs from the defaults, in a stable order. */
export function toQuery(state: PageState): string {
  const q = new URLSearchParams();
  const { spec } = state;
  const d = DEFAULT_SPEC;
  if (spec.firmware !== d.firmware && spec.firmware !== 'file') q.set('firmware', spec.firmware);
  if (spec.igd !== d.igd) q.set('igd', spec.igd);
  if (spec.model !== d.model) q.set('model', spec.model);
  if (spec.policy !== d.policy) q.set('policy', spec.policy);
  if (spec.linker !== d.linker) q.set('linker', spec.linker ? '1' : '0');
  if (spec.memory !== d.memory) q.set('memory', spec.memory);
  for (const dev of spec.devices) q.append('device', dev);
  if (spec.budget !== d.budget) q.set('budget', String(spec.budget));
  if (spec.jit !== d.jit) q.set('jit', spec.jit ? '1' : '0');
  if (state.compare) q.set('compare', `${state.compare.field}:${state.compare.value}`);
  if (state.view !== 'timeline') q.set('view', state.view);
  if (state.autoboot) q.set('autoboot', '');
  return q.toString().replace(/autoboot=(&|$)/, 'autoboot$1');
}

/** The second run of a compare: the spec with one field changed. */
export function compareSpec(spec: RunSpec, c: { field: CompareField; value: string }): RunSpec {
  const out = { ...spec };
  switch (c.field) {
    case 'linker':
    case 'jit':
      out[c.field] = BOOL_TRUE.has(c.value);
      break;
    case 'policy':
      out.policy = c.value as OpRegionPolicy;
      break;
    case 'firmware':
      out.firmware = c.value as FirmwareChoice;
      break;
    default:
      out[c.field] = c.value;
  }
  return out;
}

/** A one-line label of a spec, for headings ("SeaBIOS · kbl · map"). */
export function specLabel(spec: RunSpec): string {
  const fw = { seabios: 'SeaBIOS', hle: 'TS firmware', file: 'your BIOS' }[spec.firmware];
  const igd = spec.igd === 'none' ? 'no IGD' : spec.igd === 'dump' ? 'host dump' : spec.igd;
  return [fw, igd, spec.policy, spec.linker ? 'linker' : '', spec.memory].filter(Boolean).join(' · ');
}
