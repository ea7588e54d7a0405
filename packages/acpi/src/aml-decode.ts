// A small AML decoder: walks a DSDT/SSDT term list (ACPI 6.x §20 "AML Specification") and reports
// the namespace objects it declares (Scope, Device, Name, Method, OperationRegion, Field, Mutex,
// Processor) with their values, plus the device tree with _HID/_UID/_ADR/_CRS. Method bodies are
// parsed too (a table of operand shapes for the Type1/Type2 opcodes) so a malformed body is reported.
// Never throws on the bytes it is given: problems are collected as issues with offsets.

import { type AmlResource, decodeResources } from './resources.js';

export type AmlValue =
  | { type: 'integer'; value: bigint; offset: number }
  | { type: 'string'; value: string; offset: number }
  | { type: 'buffer'; size: bigint | null; bytes: Uint8Array; offset: number }
  | { type: 'package'; count: number; elements: AmlValue[]; offset: number }
  | { type: 'name'; path: string; offset: number }
  | { type: 'expression'; opcode: number; offset: number };

export interface AmlObject {
  kind:
    | 'scope'
    | 'device'
    | 'name'
    | 'method'
    | 'opregion'
    | 'field'
    | 'mutex'
    | 'processor'
    | 'alias'
    | 'external';
  /** Absolute path, e.g. `\_SB_.PCI0.ISA_.KBD_`. */
  path: string;
  /** Offset of the opcode and of the first byte after the object (relative to the bytes given to decodeAml). */
  offset: number;
  end: number;
  /** Name: the value. */
  value?: AmlValue;
  /** Method: argument count and serialize flag. */
  argCount?: number;
  serialized?: boolean;
  /** OperationRegion: space, offset, length when constant. */
  region?: { space: number; offset: bigint | null; length: bigint | null };
  /** Field: the named field units (absolute paths) with bit offset/width. */
  fields?: Array<{ path: string; bitOffset: number; bitWidth: number }>;
  children: AmlObject[];
}

export interface AmlIssue {
  offset: number;
  message: string;
}

export interface AmlDevice {
  path: string;
  /** _HID as text: EISA ids decoded ("PNP0303"), strings verbatim; undefined when absent or a method. */
  hid?: string;
  /** True when _HID is a method (not evaluable statically). */
  hidIsMethod?: boolean;
  uid?: bigint | string;
  adr?: bigint;
  /** _STA: constant value, 'method', or undefined (absent = present). */
  sta?: bigint | 'method';
  /** _CRS decoded when it is a Name(_CRS, Buffer); 'method' when a method. */
  crs?: AmlResource[] | 'method';
  crsIssues?: string[];
}

export interface AmlDecodeResult {
  objects: AmlObject[];
  devices: AmlDevice[];
  issues: AmlIssue[];
  /** Every named object by absolute path. */
  index: Map<string, AmlObject>;
}

/** Decode a compressed EISA id (the 32-bit integer as AML stores it) into "PNP0303". */
export function decodeEisaId(value: number | bigint): string {
  const v = Number(BigInt(value) & 0xffffffffn);
  // The id is stored big-endian inside the little-endian dword (ACPI 6.5 §6.1.5 _HID, EISAID macro).
  const be = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  const c1 = ((be >>> 26) & 0x1f) + 0x40;
  const c2 = ((be >>> 21) & 0x1f) + 0x40;
  const c3 = ((be >>> 16) & 0x1f) + 0x40;
  const prod = (be & 0xffff).toString(16).toUpperCase().padStart(4, '0');
  return String.fromCharCode(c1, c2, c3) + prod;
}

const MAX_DEPTH = 64;

// Operand shapes of the Type1/Type2 opcodes (ACPI 6.5 §20.2.5): T = TermArg, S = SuperName/Target,
// N = NameString, B = ByteData, W = WordData.
const OPS = new Map<number, string>([
  [0x70, 'TS'], // Store
  [0x71, 'S'], // RefOf
  [0x72, 'TTS'], // Add
  [0x73, 'TTS'], // Concat
  [0x74, 'TTS'], // Subtract
  [0x75, 'S'], // Increment
  [0x76, 'S'], // Decrement
  [0x77, 'TTS'], // Multiply
  [0x78, 'TTSS'], // Divide
  [0x79, 'TTS'], // ShiftLeft
  [0x7a, 'TTS'], // ShiftRight
  [0x7b, 'TTS'], // And
  [0x7c, 'TTS'], // NAnd
  [0x7d, 'TTS'], // Or
  [0x7e, 'TTS'], // NOr
  [0x7f, 'TTS'], // XOr
  [0x80, 'TS'], // Not
  [0x81, 'TS'], // FindSetLeftBit
  [0x82, 'TS'], // FindSetRightBit
  [0x83, 'T'], // DerefOf
  [0x84, 'TTS'], // ConcatRes
  [0x85, 'TTS'], // Mod
  [0x86, 'ST'], // Notify
  [0x87, 'S'], // SizeOf
  [0x88, 'TTS'], // Index
  [0x89, 'TBTBTT'], // Match
  [0x8a, 'TTN'], // CreateDWordField
  [0x8b, 'TTN'], // CreateWordField
  [0x8c, 'TTN'], // CreateByteField
  [0x8d, 'TTN'], // CreateBitField
  [0x8e, 'S'], // ObjectType
  [0x8f, 'TTN'], // CreateQWordField
  [0x90, 'TT'], // LAnd
  [0x91, 'TT'], // LOr
  [0x92, 'T'], // LNot
  [0x93, 'TT'], // LEqual
  [0x94, 'TT'], // LGreater
  [0x95, 'TT'], // LLess
  [0x96, 'TS'], // ToBuffer
  [0x97, 'TS'], // ToDecimalString
  [0x98, 'TS'], // ToHexString
  [0x99, 'TS'], // ToInteger
  [0x9c, 'TTS'], // ToString
  [0x9d, 'TS'], // CopyObject
  [0x9e, 'TTTS'], // Mid
  [0x9f, ''], // Continue
  [0xa3, ''], // Noop
  [0xa4, 'T'], // Return
  [0xa5, ''], // Break
  [0xcc, ''], // BreakPoint
]);
const EXT_OPS = new Map<number, string>([
  [0x12, 'SS'], // CondRefOf
  [0x13, 'TTTN'], // CreateField
  [0x21, 'T'], // Stall
  [0x22, 'T'], // Sleep
  [0x23, 'SW'], // Acquire
  [0x24, 'S'], // Signal
  [0x27, 'S'], // Release
  [0x28, 'TS'], // FromBCD
  [0x29, 'TS'], // ToBCD
  [0x30, ''], // Revision
  [0x31, ''], // Debug
  [0x32, 'BWT'], // Fatal
  [0x33, ''], // Timer
  [0x25, 'ST'], // Wait
  [0x26, 'S'], // Reset
]);

function isLeadChar(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || b === 0x5f;
}

class Decoder {
  readonly issues: AmlIssue[] = [];
  readonly index = new Map<string, AmlObject>();
  /** Method arg counts by absolute path (first pass). */
  readonly methods = new Map<string, number>();
  private depth = 0;

  constructor(
    readonly b: Uint8Array,
    readonly base: number,
  ) {}

  issue(offset: number, message: string): void {
    if (this.issues.length < 1000) this.issues.push({ offset: offset + this.base, message });
  }

  u8(p: number, end: number): number {
    if (p >= end) throw new AmlError(p, 'unexpected end of data');
    return this.b[p];
  }

  /** PkgLength at p: returns [length, bytes used]. The length counts from p. */
  pkgLength(p: number, end: number): [number, number] {
    const lead = this.u8(p, end);
    const follow = lead >> 6;
    if (follow === 0) return [lead & 0x3f, 1];
    if (lead & 0x30) throw new AmlError(p, `PkgLength lead byte 0x${lead.toString(16)} has bits 5:4 set`);
    let len = lead & 0x0f;
    for (let i = 1; i <= follow; i++) len |= this.u8(p + i, end) << (4 + 8 * (i - 1));
    return [len >>> 0, follow + 1];
  }

  /** NameString at p → [text (AML form with dots), bytes used]. */
  nameString(p: number, end: number): [string, number] {
    let q = p;
    let prefix = '';
    let c = this.u8(q, end);
    if (c === 0x5c) {
      prefix = '\\';
      q++;
    } else {
      while (c === 0x5e) {
        prefix += '^';
        q++;
        c = this.u8(q, end);
      }
    }
    c = this.u8(q, end);
    let count: number;
    if (c === 0x00) return [prefix, q + 1 - p];
    if (c === 0x2e) {
      count = 2;
      q++;
    } else if (c === 0x2f) {
      count = this.u8(q + 1, end);
      q += 2;
    } else if (isLeadChar(c)) count = 1;
    else throw new AmlError(q, `invalid NameString byte 0x${c.toString(16)}`);
    const segs: string[] = [];
    for (let i = 0; i < count; i++) {
      if (q + 4 > end) throw new AmlError(q, 'NameSeg runs past the end');
      if (!isLeadChar(this.b[q]))
        throw new AmlError(q, `invalid NameSeg lead byte 0x${this.b[q].toString(16)}`);
      for (let k = 1; k < 4; k++) {
        const ch = this.b[q + k];
        if (!(isLeadChar(ch) || (ch >= 0x30 && ch <= 0x39)))
          throw new AmlError(q + k, `invalid NameSeg byte 0x${ch.toString(16)}`);
      }
      segs.push(String.fromCharCode(this.b[q], this.b[q + 1], this.b[q + 2], this.b[q + 3]));
      q += 4;
    }
    return [prefix + segs.join('.'), q - p];
  }

  resolve(scope: string, name: string): string {
    if (name.startsWith('\\')) return name.length === 1 ? '\\' : name;
    let s = scope;
    let n = name;
    while (n.startsWith('^')) {
      n = n.slice(1);
      const dot = s.lastIndexOf('.');
      s = dot < 0 ? '\\' : s.slice(0, dot);
    }
    if (s === '\\') return `\\${n}`;
    return `${s}.${n}`;
  }

  /** Find a method visible from scope by ACPI's upward search rules for single-segment names. */
  methodArgs(scope: string, name: string): number | undefined {
    if (name.startsWith('\\') || name.startsWith('^') || name.includes('.'))
      return this.methods.get(this.resolve(scope, name));
    let s = scope;
    for (;;) {
      const path = s === '\\' ? `\\${name}` : `${s}.${name}`;
      const m = this.methods.get(path);
      if (m !== undefined) return m;
      if (s === '\\') return undefined;
      const dot = s.lastIndexOf('.');
      s = dot < 0 ? '\\' : s.slice(0, dot);
    }
  }

  /** Parses a TermList in [p, end) under scope into `out`. */
  termList(p: number, end: number, scope: string, out: AmlObject[], inMethod: boolean): void {
    while (p < end) {
      try {
        const before = out.length;
        const start = p;
        p = this.termObj(p, end, scope, out, inMethod);
        for (let i = before; i < out.length; i++)
          if (out[i].offset === start + this.base) out[i].end = p + this.base;
      } catch (e) {
        if (e instanceof AmlError) {
          this.issue(e.offset, e.message);
          return; // like SeaBIOS: give up on the rest of this term list
        }
        throw e;
      }
    }
    if (p > end) this.issue(end, `term list overrun by ${p - end} bytes`);
  }

  private enter(p: number): void {
    if (++this.depth > MAX_DEPTH) throw new AmlError(p, 'nesting too deep');
  }

  private add(out: AmlObject[], obj: AmlObject): AmlObject {
    out.push(obj);
    if (!this.index.has(obj.path)) this.index.set(obj.path, obj);
    return obj;
  }

  /** One TermObj at p; returns the offset after it. */
  termObj(p: number, end: number, scope: string, out: AmlObject[], inMethod: boolean): number {
    this.enter(p);
    try {
      const op = this.u8(p, end);
      switch (op) {
        case 0x08: {
          // NameOp NameString DataRefObject
          const [name, n] = this.nameString(p + 1, end);
          const path = this.resolve(scope, name);
          const [value, next] = this.dataRefObject(p + 1 + n, end, scope);
          this.add(out, { kind: 'name', path, offset: p + this.base, end: 0, value, children: [] });
          return next;
        }
        case 0x10: {
          const [len, lb] = this.pkgLength(p + 1, end);
          const pkgEnd = p + 1 + len;
          if (pkgEnd > end) throw new AmlError(p, `Scope PkgLength ${len} runs past its parent`);
          const [name, n] = this.nameString(p + 1 + lb, pkgEnd);
          const path = this.resolve(scope, name);
          const obj = this.add(out, { kind: 'scope', path, offset: p + this.base, end: 0, children: [] });
          this.termList(p + 1 + lb + n, pkgEnd, path, obj.children, inMethod);
          return pkgEnd;
        }
        case 0x14: {
          const [len, lb] = this.pkgLength(p + 1, end);
          const pkgEnd = p + 1 + len;
          if (pkgEnd > end) throw new AmlError(p, `Method PkgLength ${len} runs past its parent`);
          const [name, n] = this.nameString(p + 1 + lb, pkgEnd);
          const path = this.resolve(scope, name);
          const flags = this.u8(p + 1 + lb + n, pkgEnd);
          const obj = this.add(out, {
            kind: 'method',
            path,
            offset: p + this.base,
            end: 0,
            argCount: flags & 7,
            serialized: (flags & 8) !== 0,
            children: [],
          });
          this.methods.set(path, flags & 7);
          this.termList(p + 2 + lb + n, pkgEnd, path, obj.children, true);
          return pkgEnd;
        }
        case 0x06: {
          const [src, n1] = this.nameString(p + 1, end);
          const [alias, n2] = this.nameString(p + 1 + n1, end);
          this.add(out, {
            kind: 'alias',
            path: this.resolve(scope, alias),
            offset: p + this.base,
            end: 0,
            value: { type: 'name', path: this.resolve(scope, src), offset: p + 1 + this.base },
            children: [],
          });
          return p + 1 + n1 + n2;
        }
        case 0x15: {
          const [name, n] = this.nameString(p + 1, end);
          const objType = this.u8(p + 1 + n, end);
          const argc = this.u8(p + 2 + n, end);
          const path = this.resolve(scope, name);
          if (objType === 8) this.methods.set(path, argc & 7);
          this.add(out, {
            kind: 'external',
            path,
            offset: p + this.base,
            end: 0,
            argCount: argc,
            children: [],
          });
          return p + 3 + n;
        }
        case 0xa0:
        case 0xa1:
        case 0xa2: {
          // If / Else / While: PkgLength (Predicate) TermList
          const [len, lb] = this.pkgLength(p + 1, end);
          const pkgEnd = p + 1 + len;
          if (pkgEnd > end) throw new AmlError(p, `If/Else/While PkgLength ${len} runs past its parent`);
          let q = p + 1 + lb;
          if (op !== 0xa1) q = this.termArg(q, pkgEnd, scope);
          this.termList(q, pkgEnd, scope, out, inMethod);
          return pkgEnd;
        }
        case 0x5b:
          return this.extTerm(p, end, scope, out, inMethod);
        default:
          if (!inMethod && !OPS.has(op))
            throw new AmlError(p, `unexpected opcode 0x${op.toString(16)} in a term list`);
          return this.termArg(p, end, scope);
      }
    } finally {
      this.depth--;
    }
  }

  private extTerm(p: number, end: number, scope: string, out: AmlObject[], inMethod: boolean): number {
    const ext = this.u8(p + 1, end);
    switch (ext) {
      case 0x82:
      case 0x83:
      case 0x84:
      case 0x85: {
        // Device / Processor / PowerResource / ThermalZone
        const [len, lb] = this.pkgLength(p + 2, end);
        const pkgEnd = p + 2 + len;
        if (pkgEnd > end)
          throw new AmlError(p, `PkgLength ${len} of 0x5b 0x${ext.toString(16)} runs past its parent`);
        const [name, n] = this.nameString(p + 2 + lb, pkgEnd);
        const path = this.resolve(scope, name);
        let q = p + 2 + lb + n;
        if (ext === 0x83) q += 6; // ProcID, PblkAddr (4), PblkLen
        if (ext === 0x84) q += 3; // SystemLevel, ResourceOrder (2)
        if (q > pkgEnd) throw new AmlError(p, 'object header runs past its PkgLength');
        const kind = ext === 0x83 ? 'processor' : 'device';
        const obj = this.add(out, { kind, path, offset: p + this.base, end: 0, children: [] });
        this.termList(q, pkgEnd, path, obj.children, inMethod);
        return pkgEnd;
      }
      case 0x80: {
        // OperationRegion NameString RegionSpace RegionOffset RegionLen
        const [name, n] = this.nameString(p + 2, end);
        const space = this.u8(p + 2 + n, end);
        let q = p + 3 + n;
        const off = this.constInt(q, end);
        q = this.termArg(q, end, scope);
        const len = this.constInt(q, end);
        q = this.termArg(q, end, scope);
        this.add(out, {
          kind: 'opregion',
          path: this.resolve(scope, name),
          offset: p + this.base,
          end: 0,
          region: { space, offset: off, length: len },
          children: [],
        });
        return q;
      }
      case 0x81:
      case 0x86:
      case 0x87: {
        // Field / IndexField / BankField
        const [len, lb] = this.pkgLength(p + 2, end);
        const pkgEnd = p + 2 + len;
        if (pkgEnd > end) throw new AmlError(p, `Field PkgLength ${len} runs past its parent`);
        let q = p + 2 + lb;
        const [, n1] = this.nameString(q, pkgEnd);
        q += n1;
        if (ext !== 0x81) {
          const [, n2] = this.nameString(q, pkgEnd);
          q += n2;
        }
        if (ext === 0x87) q = this.termArg(q, pkgEnd, scope);
        q++; // FieldFlags
        const fields: Array<{ path: string; bitOffset: number; bitWidth: number }> = [];
        let bit = 0;
        while (q < pkgEnd) {
          const c = this.b[q];
          if (c === 0x00) {
            const [w, wb] = this.pkgLength(q + 1, pkgEnd);
            bit += w;
            q += 1 + wb;
          } else if (c === 0x01) q += 3;
          else if (c === 0x03) q += 4;
          else if (isLeadChar(c)) {
            if (q + 4 > pkgEnd) throw new AmlError(q, 'field name runs past the Field');
            const [nm] = this.nameString(q, q + 4);
            const [w, wb] = this.pkgLength(q + 4, pkgEnd);
            fields.push({ path: this.resolve(scope, nm), bitOffset: bit, bitWidth: w });
            bit += w;
            q += 4 + wb;
          } else throw new AmlError(q, `invalid FieldElement byte 0x${c.toString(16)}`);
        }
        if (q !== pkgEnd) throw new AmlError(q, 'field list overruns its PkgLength');
        const obj = this.add(out, {
          kind: 'field',
          path: scope,
          offset: p + this.base,
          end: 0,
          fields,
          children: [],
        });
        for (const f of fields) if (!this.index.has(f.path)) this.index.set(f.path, obj);
        return pkgEnd;
      }
      case 0x01: {
        const [name, n] = this.nameString(p + 2, end);
        this.u8(p + 2 + n, end);
        this.add(out, {
          kind: 'mutex',
          path: this.resolve(scope, name),
          offset: p + this.base,
          end: 0,
          children: [],
        });
        return p + 3 + n;
      }
      case 0x02: {
        const [name, n] = this.nameString(p + 2, end);
        this.add(out, {
          kind: 'mutex',
          path: this.resolve(scope, name),
          offset: p + this.base,
          end: 0,
          children: [],
        });
        return p + 2 + n;
      }
      default:
        if (!inMethod && !EXT_OPS.has(ext))
          throw new AmlError(p, `unexpected opcode 0x5b 0x${ext.toString(16)} in a term list`);
        return this.termArg(p, end, scope);
    }
  }

  /** Returns the constant integer at p when it is one (Zero/One/Ones/Byte/Word/DWord/QWord), else null. */
  constInt(p: number, end: number): bigint | null {
    if (p >= end) return null;
    const b = this.b;
    switch (b[p]) {
      case 0x00:
        return 0n;
      case 0x01:
        return 1n;
      case 0xff:
        return 0xffffffffffffffffn;
      case 0x0a:
        return p + 2 <= end ? BigInt(b[p + 1]) : null;
      case 0x0b:
        return p + 3 <= end ? BigInt(b[p + 1] | (b[p + 2] << 8)) : null;
      case 0x0c:
        return p + 5 <= end
          ? BigInt((b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24)) >>> 0)
          : null;
      case 0x0e: {
        if (p + 9 > end) return null;
        let v = 0n;
        for (let i = 8; i >= 1; i--) v = (v << 8n) | BigInt(b[p + i]);
        return v;
      }
      default:
        return null;
    }
  }

  /** DataRefObject (the value of a Name): integer, string, buffer, package, or a name reference. */
  dataRefObject(p: number, end: number, scope: string): [AmlValue, number] {
    const op = this.u8(p, end);
    const at = p + this.base;
    const k = this.constInt(p, end);
    if (k !== null) {
      const size = op === 0x0a ? 2 : op === 0x0b ? 3 : op === 0x0c ? 5 : op === 0x0e ? 9 : 1;
      return [{ type: 'integer', value: k, offset: at }, p + size];
    }
    switch (op) {
      case 0x0d: {
        let q = p + 1;
        while (q < end && this.b[q] !== 0) {
          if (this.b[q] > 0x7f) throw new AmlError(q, 'non-ASCII byte in a String');
          q++;
        }
        if (q >= end) throw new AmlError(p, 'String is not NUL-terminated');
        let s = '';
        for (let i = p + 1; i < q; i++) s += String.fromCharCode(this.b[i]);
        return [{ type: 'string', value: s, offset: at }, q + 1];
      }
      case 0x11: {
        const [len, lb] = this.pkgLength(p + 1, end);
        const pkgEnd = p + 1 + len;
        if (pkgEnd > end) throw new AmlError(p, `Buffer PkgLength ${len} runs past its parent`);
        const size = this.constInt(p + 1 + lb, pkgEnd);
        const q = this.termArg(p + 1 + lb, pkgEnd, scope);
        const bytes = this.b.slice(q, pkgEnd);
        if (size !== null && size < BigInt(bytes.length))
          throw new AmlError(p, `Buffer size ${size} is smaller than its ${bytes.length} initializer bytes`);
        return [{ type: 'buffer', size, bytes, offset: at }, pkgEnd];
      }
      case 0x12:
      case 0x13: {
        const [len, lb] = this.pkgLength(p + 1, end);
        const pkgEnd = p + 1 + len;
        if (pkgEnd > end) throw new AmlError(p, `Package PkgLength ${len} runs past its parent`);
        let q = p + 1 + lb;
        let count: number;
        if (op === 0x12) {
          count = this.u8(q, pkgEnd);
          q++;
        } else {
          const c = this.constInt(q, pkgEnd);
          q = this.termArg(q, pkgEnd, scope);
          count = c === null ? -1 : Number(c);
        }
        const elements: AmlValue[] = [];
        while (q < pkgEnd) {
          const c = this.b[q];
          if (c === 0x5c || c === 0x5e || c === 0x2e || c === 0x2f || isLeadChar(c)) {
            const [name, n] = this.nameString(q, pkgEnd);
            elements.push({ type: 'name', path: name, offset: q + this.base });
            q += n;
          } else {
            const [v, next] = this.dataRefObject(q, pkgEnd, scope);
            elements.push(v);
            q = next;
          }
        }
        if (q !== pkgEnd) throw new AmlError(q, 'package elements overrun the PkgLength');
        if (count >= 0 && elements.length > count)
          throw new AmlError(p, `Package NumElements ${count} is less than its ${elements.length} elements`);
        return [{ type: 'package', count, elements, offset: at }, pkgEnd];
      }
      default: {
        if (op === 0x5c || op === 0x5e || op === 0x2e || op === 0x2f || isLeadChar(op)) {
          const [name, n] = this.nameString(p, end);
          return [{ type: 'name', path: name, offset: at }, p + n];
        }
        // Any other expression (e.g. a computed value)
        const next = this.termArg(p, end, scope);
        return [{ type: 'expression', opcode: op, offset: at }, next];
      }
    }
  }

  /** Skips one TermArg (or SuperName/Target) at p; returns the offset after it. */
  termArg(p: number, end: number, scope: string): number {
    this.enter(p);
    try {
      const op = this.u8(p, end);
      if (this.constInt(p, end) !== null) {
        return p + (op === 0x0a ? 2 : op === 0x0b ? 3 : op === 0x0c ? 5 : op === 0x0e ? 9 : 1);
      }
      if (op >= 0x60 && op <= 0x6e) return p + 1; // LocalX / ArgX
      if (op === 0x0d || op === 0x11 || op === 0x12 || op === 0x13)
        return this.dataRefObject(p, end, scope)[1];
      if (op === 0x5c || op === 0x5e || op === 0x2e || op === 0x2f || isLeadChar(op)) {
        const [name, n] = this.nameString(p, end);
        let q = p + n;
        const argc = this.methodArgs(scope, name) ?? 0;
        for (let i = 0; i < argc; i++) q = this.termArg(q, end, scope);
        return q;
      }
      if (op === 0x5b) {
        const ext = this.u8(p + 1, end);
        const shape = EXT_OPS.get(ext);
        if (shape === undefined) throw new AmlError(p, `unknown opcode 0x5b 0x${ext.toString(16)}`);
        return this.operands(p + 2, end, scope, shape);
      }
      const shape = OPS.get(op);
      if (shape === undefined) throw new AmlError(p, `unknown opcode 0x${op.toString(16)}`);
      return this.operands(p + 1, end, scope, shape);
    } finally {
      this.depth--;
    }
  }

  private operands(p: number, end: number, scope: string, shape: string): number {
    let q = p;
    for (const s of shape) {
      if (s === 'B') q += 1;
      else if (s === 'W') q += 2;
      else if (s === 'N') q += this.nameString(q, end)[1];
      else if (s === 'S' && this.u8(q, end) === 0x00)
        q += 1; // NullName target
      else q = this.termArg(q, end, scope);
      if (q > end) throw new AmlError(p, 'operands run past the enclosing object');
    }
    return q;
  }
}

class AmlError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function findChild(obj: AmlObject, seg: string): AmlObject | undefined {
  for (const c of obj.children) {
    const last = c.path.slice(c.path.lastIndexOf('.') + 1).replace('\\', '');
    if (last === seg && (c.kind === 'name' || c.kind === 'method')) return c;
  }
  return undefined;
}

function collectDevices(objs: AmlObject[], out: AmlDevice[]): void {
  for (const o of objs) {
    if (o.kind === 'device') {
      const d: AmlDevice = { path: o.path };
      const hid = findChild(o, '_HID');
      if (hid?.kind === 'method') d.hidIsMethod = true;
      else if (hid?.value?.type === 'integer') d.hid = decodeEisaId(hid.value.value);
      else if (hid?.value?.type === 'string') d.hid = hid.value.value;
      const uid = findChild(o, '_UID');
      if (uid?.value?.type === 'integer' || uid?.value?.type === 'string') d.uid = uid.value.value;
      const adr = findChild(o, '_ADR');
      if (adr?.value?.type === 'integer') d.adr = adr.value.value;
      const sta = findChild(o, '_STA');
      if (sta?.kind === 'method') d.sta = 'method';
      else if (sta?.value?.type === 'integer') d.sta = sta.value.value;
      const crs = findChild(o, '_CRS');
      if (crs?.kind === 'method') d.crs = 'method';
      else if (crs?.value?.type === 'buffer') {
        const r = decodeResources(crs.value.bytes);
        d.crs = r.resources;
        if (r.issues.length) d.crsIssues = r.issues;
      }
      out.push(d);
    }
    collectDevices(o.children, out);
  }
}

function collectMethods(d: Decoder, objs: AmlObject[]): void {
  for (const o of objs) {
    if (o.kind === 'method' && o.argCount !== undefined) d.methods.set(o.path, o.argCount);
    collectMethods(d, o.children);
  }
}

/**
 * Decodes an AML term list. `bytes` may be a whole DSDT/SSDT (the 36-byte header is skipped when
 * it starts with a table signature and `start` is not given) or a bare term list.
 */
export function decodeAml(bytes: Uint8Array, opts: { start?: number; end?: number } = {}): AmlDecodeResult {
  const looksLikeTable =
    bytes.length >= 36 &&
    ((bytes[0] === 0x44 && bytes[1] === 0x53 && bytes[2] === 0x44 && bytes[3] === 0x54) ||
      (bytes[0] === 0x53 && bytes[1] === 0x53 && bytes[2] === 0x44 && bytes[3] === 0x54));
  const start = opts.start ?? (looksLikeTable ? 36 : 0);
  let end = opts.end ?? bytes.length;
  const pre: AmlIssue[] = [];
  if (looksLikeTable && opts.end === undefined) {
    const len = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
    if (len > bytes.length)
      pre.push({ offset: 4, message: `table length ${len} exceeds the ${bytes.length} bytes given` });
    else end = len;
  }
  // Pass 1 learns method arg counts (so calls in bodies parse); pass 2 is the real walk.
  const first = new Decoder(bytes, 0);
  const objs1: AmlObject[] = [];
  first.termList(start, end, '\\', objs1, false);
  const d = new Decoder(bytes, 0);
  collectMethods(d, objs1);
  for (const [k, v] of first.methods) d.methods.set(k, v);
  const objects: AmlObject[] = [];
  d.termList(start, end, '\\', objects, false);
  const devices: AmlDevice[] = [];
  collectDevices(objects, devices);
  return { objects, devices, issues: [...pre, ...d.issues], index: d.index };
}

/** Renders the namespace as indented text (one object a line), for tests and debugging. */
export function formatAml(objects: AmlObject[], indent = ''): string {
  let s = '';
  for (const o of objects) {
    const name = o.path;
    let extra = '';
    if (o.kind === 'method') extra = ` args=${o.argCount}${o.serialized ? ' serialized' : ''}`;
    if (o.kind === 'name' && o.value) extra = ` = ${formatValue(o.value)}`;
    if (o.kind === 'opregion' && o.region)
      extra = ` space=${o.region.space} offset=${o.region.offset === null ? '?' : `0x${o.region.offset.toString(16)}`} len=${o.region.length === null ? '?' : `0x${o.region.length.toString(16)}`}`;
    if (o.kind === 'field' && o.fields)
      extra = ` ${o.fields.map((f) => `${f.path.slice(f.path.lastIndexOf('.') + 1)}:${f.bitWidth}`).join(' ')}`;
    s += `${indent}${o.kind} ${name}${extra}\n`;
    if (o.kind !== 'method') s += formatAml(o.children, `${indent}  `);
  }
  return s;
}

function formatValue(v: AmlValue): string {
  switch (v.type) {
    case 'integer':
      return `0x${v.value.toString(16)}`;
    case 'string':
      return JSON.stringify(v.value);
    case 'buffer':
      return `Buffer(${v.size ?? '?'}) [${[...v.bytes].map((x) => x.toString(16).padStart(2, '0')).join(' ')}]`;
    case 'package':
      return `Package(${v.count}) {${v.elements.map(formatValue).join(', ')}}`;
    case 'name':
      return v.path;
    case 'expression':
      return `<expr 0x${v.opcode.toString(16)}>`;
  }
}
