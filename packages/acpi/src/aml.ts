// A small AML builder (ACPI 6.5 §20 "ACPI Machine Language Specification"). Each helper returns the
// encoded bytes of one term as a plain number[]; containers take their children as arguments.
// Encodings follow QEMU hw/acpi/aml-build.c so that equal trees give equal bytes:
// build_prepend_package_length (PkgLength size choice), build_append_namestring (NameSeg padding
// with '_', DualNamePrefix/MultiNamePrefix), build_append_int (Zero/One/Byte/Word/DWord/QWord).
// Host-side misuse (bad names, out-of-range values) throws an Error naming the argument.

export type Aml = number[];

/** Concatenate terms. */
export function amlJoin(...terms: Aml[]): Aml {
  // Indexed appends: this runs for every nesting level of every table, mostly cold (once per
  // machine), where an iterator per term and a push call per byte cost several times more.
  const out: number[] = [];
  let k = 0;
  for (let j = 0; j < terms.length; j++) {
    const t = terms[j];
    for (let i = 0; i < t.length; i++) out[k++] = t[i];
  }
  return out;
}

/**
 * PkgLength for a body of `length` bytes (QEMU build_prepend_package_length with incl_self).
 * Returns the PkgLength bytes; the encoded value counts the PkgLength bytes themselves when
 * `inclSelf` (package-like terms) and not otherwise (field unit widths).
 */
export function pkgLength(length: number, inclSelf = true): Aml {
  if (!Number.isInteger(length) || length < 0)
    throw new Error(`pkgLength: length ${length} is not a non-negative integer`);
  let n: number;
  if (length + 1 < 1 << 6) n = 1;
  else if (length + 2 < 1 << 12) n = 2;
  else if (length + 3 < 1 << 20) n = 3;
  else n = 4;
  const v = inclSelf ? length + n : length;
  if (v >= 1 << 28) throw new Error(`pkgLength: length ${length} does not fit in 28 bits`);
  if (n === 1) return [v];
  const out = [((n - 1) << 6) | (v & 0x0f)];
  for (let i = 1; i < n; i++) out.push((v >>> (4 + 8 * (i - 1))) & 0xff);
  return out;
}

function pkg(prefix: Aml, body: Aml): Aml {
  return amlJoin(prefix, pkgLength(body.length), body);
}

function nameSeg(seg: string, full: string): Aml {
  if (seg.length < 1 || seg.length > 4)
    throw new Error(`AML name ${JSON.stringify(full)}: segment ${JSON.stringify(seg)} is not 1-4 characters`);
  const s = seg.padEnd(4, '_');
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const c = s.charCodeAt(i);
    const lead = (c >= 0x41 && c <= 0x5a) || c === 0x5f;
    if (!(lead || (i > 0 && c >= 0x30 && c <= 0x39)))
      throw new Error(
        `AML name ${JSON.stringify(full)}: invalid character ${JSON.stringify(s[i])} in segment ${JSON.stringify(seg)}`,
      );
    out.push(c);
  }
  return out;
}

/** NameString: "\\_SB.PCI0", "^^FOO", "_HID" (segments padded with '_' like QEMU). "" = NullName. */
export function nameString(name: string): Aml {
  const out: number[] = [];
  let rest = name;
  if (rest.startsWith('\\')) {
    out.push(0x5c);
    rest = rest.slice(1);
  } else {
    while (rest.startsWith('^')) {
      out.push(0x5e);
      rest = rest.slice(1);
    }
  }
  if (rest === '') {
    out.push(0x00);
    return out;
  }
  const segs = rest.split('.');
  if (segs.length === 2) out.push(0x2e);
  else if (segs.length > 2) {
    if (segs.length > 255) throw new Error(`AML name ${JSON.stringify(name)}: too many segments`);
    out.push(0x2f, segs.length);
  }
  for (const s of segs) out.push(...nameSeg(s, name));
  return out;
}

/** Integer constant (QEMU aml_int / build_append_int). */
export function int(v: number | bigint): Aml {
  const x = BigInt(v);
  if (x < 0n || x > 0xffffffffffffffffn) throw new Error(`AML int: ${v} is outside 0..2^64-1`);
  if (x === 0n) return [0x00];
  if (x === 1n) return [0x01];
  let size: number;
  let prefix: number;
  if (x <= 0xffn) [size, prefix] = [1, 0x0a];
  else if (x <= 0xffffn) [size, prefix] = [2, 0x0b];
  else if (x <= 0xffffffffn) [size, prefix] = [4, 0x0c];
  else [size, prefix] = [8, 0x0e];
  const out = [prefix];
  for (let i = 0; i < size; i++) out.push(Number((x >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** ZeroOp / OneOp / OnesOp. */
export const Zero: Aml = [0x00];
export const One: Aml = [0x01];
export const Ones: Aml = [0xff];

/** String literal (ASCII, no NUL). */
export function str(s: string): Aml {
  const out = [0x0d];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 1 || c > 0x7f)
      throw new Error(`AML string ${JSON.stringify(s)}: character ${i} is not 7-bit ASCII`);
    out.push(c);
  }
  out.push(0);
  return out;
}

/** Compressed EISA id, always as a DWordConst (QEMU aml_eisaid). */
export function eisaId(id: string): Aml {
  if (!/^[A-Z@[\\\]^_]{3}[0-9A-F]{4}$/.test(id))
    throw new Error(`eisaId: ${JSON.stringify(id)} is not like "PNP0303"`);
  const c = (i: number) => (id.charCodeAt(i) - 0x40) & 0x1f;
  const prod = Number.parseInt(id.slice(3), 16);
  const be = ((c(0) << 26) | (c(1) << 21) | (c(2) << 16) | prod) >>> 0;
  // stored big-endian: the first byte in memory is the most significant byte of `be`
  return [0x0c, be >>> 24, (be >>> 16) & 0xff, (be >>> 8) & 0xff, be & 0xff];
}

/** Buffer(size) { bytes } — QEMU aml_buffer; size defaults to the initializer length. */
export function buffer(bytes: ArrayLike<number>, size?: number): Aml {
  const body = amlJoin(int(size ?? bytes.length), Array.from(bytes));
  return pkg([0x11], body);
}

/** ResourceTemplate() { items } — a Buffer ending with an EndTag (checksum 0), QEMU aml_resource_template. */
export function resourceTemplate(...items: Aml[]): Aml {
  return buffer(amlJoin(...items, [0x79, 0x00]));
}

/** Package(n) { elements } — QEMU aml_package; count defaults to the number of elements. */
export function packageOf(elements: Aml[], count?: number): Aml {
  const n = count ?? elements.length;
  if (n > 255) throw new Error(`Package: ${n} elements need VarPackage`);
  return pkg([0x12], amlJoin([n], ...elements));
}

/** Name(name, value). */
export function name(n: string, value: Aml): Aml {
  return amlJoin([0x08], nameString(n), value);
}

/** Scope(name) { terms }. */
export function scope(n: string, ...terms: Aml[]): Aml {
  return pkg([0x10], amlJoin(nameString(n), ...terms));
}

/** Device(name) { terms }. */
export function device(n: string, ...terms: Aml[]): Aml {
  return pkg([0x5b, 0x82], amlJoin(nameString(n), ...terms));
}

/** Method(name, argCount, Serialized/NotSerialized) { terms }. */
export function method(n: string, argCount: number, serialized: boolean, ...terms: Aml[]): Aml {
  if (!Number.isInteger(argCount) || argCount < 0 || argCount > 7)
    throw new Error(`Method ${n}: argCount ${argCount} is not 0..7`);
  return pkg([0x14], amlJoin(nameString(n), [argCount | (serialized ? 8 : 0)], ...terms));
}

/** Processor(name, procId, pblkAddr, pblkLen) { terms } (deprecated in ACPI 6.4 but what QEMU emits). */
export function processor(
  n: string,
  procId: number,
  pblkAddr: number,
  pblkLen: number,
  ...terms: Aml[]
): Aml {
  const a = pblkAddr >>> 0;
  return pkg(
    [0x5b, 0x83],
    amlJoin(
      nameString(n),
      [procId & 0xff, a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, a >>> 24, pblkLen & 0xff],
      ...terms,
    ),
  );
}

export const RegionSpace = { SystemMemory: 0, SystemIO: 1, PCI_Config: 2 } as const;

/** OperationRegion(name, space, offset, length) — QEMU aml_operation_region. */
export function operationRegion(n: string, space: number, offset: Aml, length: number): Aml {
  return amlJoin([0x5b, 0x80], nameString(n), [space], offset, int(length));
}

export const FieldAccess = { Any: 0, Byte: 1, Word: 2, DWord: 3, QWord: 4, Buffer: 5 } as const;

/**
 * Field(region, access, NoLock, Preserve) { name, bits ... } — QEMU aml_field/aml_named_field/
 * aml_reserved_field. A unit with name "" is a reserved (Offset) gap.
 */
export function field(
  region: string,
  access: number,
  units: Array<[string, number]>,
  lock = false,
  update = 0,
): Aml {
  const body: number[] = [...nameString(region), access | (lock ? 0x10 : 0) | (update << 5)];
  for (const [n, bits] of units) {
    if (n === '') body.push(0x00, ...pkgLength(bits, false));
    else body.push(...nameSeg(n, n), ...pkgLength(bits, false));
  }
  return pkg([0x5b, 0x81], body);
}

/** Mutex(name, syncLevel). */
export function mutex(n: string, syncLevel: number): Aml {
  return amlJoin([0x5b, 0x01], nameString(n), [syncLevel & 0x0f]);
}

// ---- Type1/Type2 opcodes used in method bodies ----

export function arg(i: number): Aml {
  if (i < 0 || i > 6) throw new Error(`Arg${i} does not exist`);
  return [0x68 + i];
}
export function local(i: number): Aml {
  if (i < 0 || i > 7) throw new Error(`Local${i} does not exist`);
  return [0x60 + i];
}
/** A name reference (or a method call when followed by its arguments). */
export function ref(n: string, ...args: Aml[]): Aml {
  return amlJoin(nameString(n), ...args);
}
const NULL_TARGET: Aml = [0x00];
const t = (target?: Aml) => target ?? NULL_TARGET;

export const store = (value: Aml, target: Aml): Aml => amlJoin([0x70], value, target);
export const add = (a: Aml, b: Aml, target?: Aml): Aml => amlJoin([0x72], a, b, t(target));
export const and = (a: Aml, b: Aml, target?: Aml): Aml => amlJoin([0x7b], a, b, t(target));
export const or = (a: Aml, b: Aml, target?: Aml): Aml => amlJoin([0x7d], a, b, t(target));
export const shiftLeft = (a: Aml, b: Aml, target?: Aml): Aml => amlJoin([0x79], a, b, t(target));
export const shiftRight = (a: Aml, b: Aml, target?: Aml): Aml => amlJoin([0x7a], a, b, t(target));
export const increment = (target: Aml): Aml => amlJoin([0x75], target);
export const index = (src: Aml, idx: Aml, target?: Aml): Aml => amlJoin([0x88], src, idx, t(target));
export const lAnd = (a: Aml, b: Aml): Aml => amlJoin([0x90], a, b);
export const lOr = (a: Aml, b: Aml): Aml => amlJoin([0x91], a, b);
export const lNot = (a: Aml): Aml => amlJoin([0x92], a);
export const lEqual = (a: Aml, b: Aml): Aml => amlJoin([0x93], a, b);
export const lGreater = (a: Aml, b: Aml): Aml => amlJoin([0x94], a, b);
export const lLess = (a: Aml, b: Aml): Aml => amlJoin([0x95], a, b);
export const ret = (v: Aml): Aml => amlJoin([0xa4], v);
export const notify = (obj: Aml, value: Aml): Aml => amlJoin([0x86], obj, value);
export const createDWordField = (buf: Aml, byteIndex: Aml, n: string): Aml =>
  amlJoin([0x8a], buf, byteIndex, nameString(n));
export const ifThen = (predicate: Aml, ...terms: Aml[]): Aml => pkg([0xa0], amlJoin(predicate, ...terms));
export const elseDo = (...terms: Aml[]): Aml => pkg([0xa1], amlJoin(...terms));
export const whileDo = (predicate: Aml, ...terms: Aml[]): Aml => pkg([0xa2], amlJoin(predicate, ...terms));

// ---- Resource descriptors as AML helpers (bytes inside a ResourceTemplate) ----
export {
  resAddressSpace,
  resDma,
  resEnd,
  resInterrupt,
  resIo,
  resIrqNoFlags,
  resMemory32Fixed,
} from './resources.js';

/**
 * An ACPI table: 36-byte header (ACPI 6.5 §5.2.6) + body. OEM ids as QEMU (hw/acpi/aml-build.c
 * build_header / acpi_table_begin: "BOCHS ", "BXPC" + padding, creator "BXPC" rev 1).
 * The checksum byte is left 0 (the table-loader's ADD_CHECKSUM fills it), unless `checksum`.
 */
export function acpiTable(
  signature: string,
  revision: number,
  body: ArrayLike<number>,
  opts: { oemId?: string; oemTableId?: string; checksum?: boolean } = {},
): Uint8Array {
  if (!/^[A-Z0-9_]{4}$/.test(signature))
    throw new Error(`acpiTable: signature ${JSON.stringify(signature)} is not 4 characters`);
  const oemId = (opts.oemId ?? 'BOCHS ').padEnd(6, ' ');
  const oemTableId = (opts.oemTableId ?? 'BXPC').padEnd(8, ' ');
  if (oemId.length !== 6 || oemTableId.length !== 8)
    throw new Error('acpiTable: oemId is 6 and oemTableId 8 characters at most');
  const len = 36 + body.length;
  const t8 = new Uint8Array(len);
  for (let i = 0; i < 4; i++) t8[i] = signature.charCodeAt(i);
  const dv = new DataView(t8.buffer);
  dv.setUint32(4, len, true);
  t8[8] = revision;
  for (let i = 0; i < 6; i++) t8[10 + i] = oemId.charCodeAt(i);
  for (let i = 0; i < 8; i++) t8[16 + i] = oemTableId.charCodeAt(i);
  dv.setUint32(24, 1, true); // OEM revision
  for (let i = 0; i < 4; i++) t8[28 + i] = 'BXPC'.charCodeAt(i); // creator id
  dv.setUint32(32, 1, true); // creator revision
  t8.set(body, 36);
  if (opts.checksum) t8[9] = checksum8(t8, 0, len);
  return t8;
}

/** The byte that makes sum8(bytes[start..start+len)) zero when stored in a byte currently 0. */
export function checksum8(bytes: Uint8Array, start: number, len: number): number {
  let s = 0;
  for (let i = start; i < start + len; i++) s = (s + bytes[i]) & 0xff;
  return (0x100 - s) & 0xff;
}
