// Typed device properties: what a DeviceType declares (type, default, range, one-line doc), and
// the one function that turns a user's values — JavaScript values from a config object, or text
// from QEMU-style `-device driver,prop=value` options — into checked props, listing every problem.

/** A property whose value is a JavaScript number (integers only). Text accepts decimal or 0x hex. */
export interface IntProp {
  type: 'int';
  doc: string;
  default?: number;
  min?: number;
  max?: number;
  required?: boolean;
}

/** A byte count; text accepts K/M/G suffixes (binary units, as QEMU's size properties). */
export interface SizeProp {
  type: 'size';
  doc: string;
  default?: number;
  min?: number;
  max?: number;
  required?: boolean;
}

/** true/false; text accepts on/off, true/false, yes/no (QEMU's bool parser). */
export interface BoolProp {
  type: 'bool';
  doc: string;
  default?: boolean;
  required?: boolean;
}

export interface StringProp {
  type: 'string';
  doc: string;
  default?: string;
  /** Allowed shape, and how to say it in an error ("a PCI address like 00:02.0"). */
  pattern?: { re: RegExp; what: string };
  required?: boolean;
}

export interface EnumProp {
  type: 'enum';
  doc: string;
  values: readonly string[];
  default?: string;
  required?: boolean;
}

/**
 * A structured value (host data, a byte blob) the device gets as given. From a config object the
 * value is checked by `check`; from text it goes through `parse` (an app may pre-resolve such
 * values, e.g. read a file, before building the spec).
 */
export interface ObjectProp {
  type: 'object';
  doc: string;
  /** What the value is, for help output ("an IGD host source"). */
  what: string;
  required?: boolean;
  /** A problem with a given value, or null. */
  check?(value: unknown): string | null;
  /** Text form → value, or a problem string. Without it the property cannot be given as text. */
  parse?(text: string): { value: unknown } | { problem: string };
}

export type PropSpec = IntProp | SizeProp | BoolProp | StringProp | EnumProp | ObjectProp;

export type PropSpecs = Record<string, PropSpec>;

/** Names every spec may carry that are not device properties: the board handles them. */
export const COMMON_SPEC_KEYS = ['driver', 'id', 'addr'] as const;

const INT_TEXT = /^(?:0x[0-9a-f]+|-?\d+)$/i;
const SIZE_TEXT = /^(\d+)([kmgt]?)(?:i?b)?$/i;
const SIZE_UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function parseIntText(text: string): number | undefined {
  const t = text.trim();
  if (!INT_TEXT.test(t)) return undefined;
  const n = t.toLowerCase().startsWith('0x') ? Number.parseInt(t.slice(2), 16) : Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

function parseSizeText(text: string): number | undefined {
  const m = SIZE_TEXT.exec(text.trim());
  if (!m) return parseIntText(text);
  const n = Number(m[1]) * SIZE_UNIT[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(n) ? n : undefined;
}

function parseBoolText(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'on' || t === 'true' || t === 'yes') return true;
  if (t === 'off' || t === 'false' || t === 'no') return false;
  return undefined;
}

/** The allowed values of a property, as one phrase for errors and help. */
export function describeAllowed(spec: PropSpec): string {
  switch (spec.type) {
    case 'int':
    case 'size': {
      const unit = spec.type === 'size' ? ' bytes' : '';
      if (spec.min !== undefined && spec.max !== undefined)
        return `an integer from ${spec.min} to ${spec.max}${unit}`;
      if (spec.min !== undefined) return `an integer ≥ ${spec.min}${unit}`;
      if (spec.max !== undefined) return `an integer ≤ ${spec.max}${unit}`;
      return spec.type === 'size' ? 'a size such as 4096, 64K or 16M' : 'an integer';
    }
    case 'bool':
      return 'on or off';
    case 'string':
      return spec.pattern ? spec.pattern.what : 'text';
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'object':
      return spec.what;
  }
}

/** The default of a property as text for help output ('' when there is none). */
export function describeDefault(spec: PropSpec): string {
  if (spec.type === 'object' || spec.default === undefined) return '';
  if (spec.type === 'bool') return spec.default ? 'on' : 'off';
  return String(spec.default);
}

type Coerced = { value: unknown } | { problem: string };

function coerceNumber(spec: IntProp | SizeProp, raw: unknown): Coerced {
  const n = typeof raw === 'string' ? (spec.type === 'size' ? parseSizeText(raw) : parseIntText(raw)) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    return { problem: `must be ${describeAllowed(spec)}` };
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))
    return { problem: `${n} is out of range: must be ${describeAllowed(spec)}` };
  return { value: n };
}

function coerce(spec: PropSpec, raw: unknown): Coerced {
  switch (spec.type) {
    case 'int':
    case 'size':
      return coerceNumber(spec, raw);
    case 'bool': {
      const b = typeof raw === 'string' ? parseBoolText(raw) : raw;
      return typeof b === 'boolean' ? { value: b } : { problem: 'must be on or off' };
    }
    case 'string':
      if (typeof raw !== 'string') return { problem: 'must be text' };
      if (spec.pattern && !spec.pattern.re.test(raw))
        return { problem: `'${raw}' is not ${spec.pattern.what}` };
      return { value: raw };
    case 'enum':
      return typeof raw === 'string' && spec.values.includes(raw)
        ? { value: raw }
        : { problem: `'${String(raw)}' is not ${describeAllowed(spec)}` };
    case 'object':
      return coerceObject(spec, raw);
  }
}

function coerceObject(spec: ObjectProp, raw: unknown): Coerced {
  if (typeof raw === 'string' && spec.parse) return spec.parse(raw);
  if (typeof raw === 'string' || raw === null || raw === undefined)
    return { problem: `must be ${spec.what}${spec.parse ? '' : ' (it has no text form)'}` };
  const p = spec.check ? spec.check(raw) : null;
  return p === null ? { value: raw } : { problem: p };
}

export interface ResolvedProps {
  props: Record<string, unknown>;
  /** Every problem, each naming the property and what is allowed. */
  problems: string[];
}

/**
 * Check the user's values against a property table: unknown names, missing required values,
 * mistyped and out-of-range values are all collected; defaults fill what was not given. `where`
 * prefixes each problem (e.g. "device edu0 (edu)"). Keys in COMMON_SPEC_KEYS are skipped.
 */
export function resolveProps(specs: PropSpecs, input: Record<string, unknown>, where: string): ResolvedProps {
  const props: Record<string, unknown> = {};
  const problems: string[] = [];
  const common = COMMON_SPEC_KEYS as readonly string[];
  for (const key of Object.keys(input)) {
    if (common.includes(key) || Object.hasOwn(specs, key)) continue;
    const known = Object.keys(specs);
    problems.push(
      `${where}: unknown property '${key}' (${known.length ? `properties: ${known.join(', ')}` : 'it has no properties'})`,
    );
  }
  for (const [name, spec] of Object.entries(specs)) {
    const raw = input[name];
    if (raw === undefined) {
      if (spec.type !== 'object' && spec.default !== undefined) props[name] = spec.default;
      else if (spec.required)
        problems.push(`${where}: property '${name}' is required (${describeAllowed(spec)})`);
      continue;
    }
    const r = coerce(spec, raw);
    if ('problem' in r) problems.push(`${where}: property '${name}' ${r.problem}`);
    else props[name] = r.value;
  }
  return { props, problems };
}
