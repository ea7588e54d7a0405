// The IGD's virtualised config registers (docs/igd-passthrough.md §5):
//   0x50 GMCH/GGC (16-bit)  read-only, host value with an optional validated GMS override
//   0x5C BDSM (32-bit, gen < 11) / 0xC0 BDSM (64-bit, gen ≥ 11)  reads 0 until written, writable
//   0xE8 SWSCI (32-bit)     emulated: a guest trigger never reaches the host
//   0xFC ASLS (32-bit)      reads 0 until written, writable; the write drives the OpRegion policy
// QEMU hw/vfio/igd.c virtualises GMCH, BDSM and ASLS (emulated_config_bits) but passes SWSCI through;
// SWSCI semantics from Linux i915 intel_opregion.c swsci()/swsci_setup().
import { u32 } from './bytes.js';
import type { IgdEvent, IgdEventListener, SwsciResult } from './events.js';
import {
  bdsmOffset,
  decodeGmch,
  gmchWithGms,
  IGD_ASLS,
  IGD_GMCH,
  IGD_SWSCI,
  type IgdGeneration,
  type StolenMemory,
  validateGmsOverride,
} from './generation.js';
import type { IgdHostSource } from './host.js';
import { type IgdGuestMemory, type OpRegionPolicy, OpRegionPolicyController } from './policy.js';

// Linux intel_opregion.c
export const SWSCI_GSSCIE = 1 << 0; // SWSCI trigger
export const SWSCI_SCISEL = 1 << 15; // SCI (1) / SMI (0) select
export const SWSCI_SCIC_INDICATOR = 1 << 0;
export const SWSCI_GBDA = 4;
export const SWSCI_SBCB = 6;
export const SWSCI_EXIT_SUCCESS = 1;
/** Exit status written for every request we do not serve (i915 treats anything but 1 as -EIO). */
export const SWSCI_EXIT_FAILURE = 4;
const SWSCI_MAILBOX = 0x200;

const NONE = 0;
const GMCH = 1;
const BDSM = 2;
const SWSCI = 3;
const ASLS = 4;
const BDSM_RO = 5;

export interface IgdVirtualOptions {
  readonly source: IgdHostSource;
  readonly policy?: OpRegionPolicy;
  readonly memory?: IgdGuestMemory;
  /** x-igd-gms style override of the GMS field; validated per generation (throws if invalid). */
  readonly gmsOverride?: number;
  /** Override the generation derived from the device id (e.g. for ids missing from the table). */
  readonly generation?: IgdGeneration;
  /** PARM bitmaps answered for GBDA/SBCB sub-function 0 (default 0: nothing beyond the query). */
  readonly swsci?: { readonly gbdaSupported?: number; readonly sbcbSupported?: number };
  readonly onEvent?: IgdEventListener;
}

export interface IgdVirtualState {
  asls: number;
  bdsmLo: number;
  bdsmHi: number;
  swsci: number;
}

/** The virtual register file; config accessors return/accept only the bytes it owns. */
export class IgdVirtualRegisters {
  readonly generation: IgdGeneration;
  readonly gmch: number;
  readonly stolen: StolenMemory;
  /** 0x5C, 0xC0, or -1 when the device has no BDSM register. */
  readonly bdsmOffset: number;
  readonly policy: OpRegionController;
  private readonly kind: Uint8Array;
  private readonly bytes = new Uint8Array(4096);
  private readonly listener: IgdEventListener | undefined;
  private readonly memory: IgdGuestMemory | undefined;
  private readonly gbdaSupported: number;
  private readonly sbcbSupported: number;
  private aslsTouched = false;
  private swsciTouched = false;
  private bdsmTouched = false;

  constructor(opts: IgdVirtualOptions) {
    const src = opts.source;
    this.listener = opts.onEvent;
    this.memory = opts.memory;
    this.generation = opts.generation ?? src.generation;
    const gen = this.generation;
    let gmch = src.stolen?.gmch ?? (src.configLength > 0x51 ? src.config[0x50] | (src.config[0x51] << 8) : 0);
    if (opts.gmsOverride !== undefined) {
      const e = validateGmsOverride(gen, opts.gmsOverride);
      if (e) throw new Error(`IGD: gmsOverride: ${e}`);
      gmch = gmchWithGms(gen, gmch, opts.gmsOverride);
    }
    this.gmch = gmch;
    this.stolen = decodeGmch(gen, gmch);
    this.bdsmOffset = gen >= 6 ? bdsmOffset(gen) : -1;
    this.gbdaSupported = opts.swsci?.gbdaSupported ?? 0;
    this.sbcbSupported = opts.swsci?.sbcbSupported ?? 0;
    const k = new Uint8Array(4096);
    k[IGD_GMCH] = GMCH;
    k[IGD_GMCH + 1] = GMCH;
    if (this.bdsmOffset === 0x5c) k.fill(BDSM, 0x5c, 0x60);
    if (this.bdsmOffset === 0xc0) {
      k.fill(BDSM, 0xc0, 0xc8);
      k.fill(BDSM_RO, 0x5c, 0x60); // never leak the host's value in the old register
    }
    k.fill(SWSCI, IGD_SWSCI, IGD_SWSCI + 4);
    k.fill(ASLS, IGD_ASLS, IGD_ASLS + 4);
    this.kind = k;
    this.bytes[IGD_GMCH] = gmch & 0xff;
    this.bytes[IGD_GMCH + 1] = gmch >>> 8;
    this.policy = new OpRegionPolicyController(opts.policy ?? 'fw-cfg', src.opRegion, opts.memory, (e) =>
      this.emit(e),
    );
  }

  private emit(e: IgdEvent): void {
    this.listener?.(e);
  }

  /** True when config byte `offset` is virtualised here. */
  owns(offset: number): boolean {
    return offset >= 0 && offset < 4096 && this.kind[offset] !== NONE;
  }

  /** True when any byte of the access is virtualised here. */
  overlaps(offset: number, size: number): boolean {
    for (let i = 0; i < size; i++) if (this.owns(offset + i)) return true;
    return false;
  }

  readByte(offset: number): number {
    return this.bytes[offset];
  }

  get asls(): number {
    return u32(this.bytes, IGD_ASLS);
  }

  /** Current BDSM value (low 32 bits for gen < 11; 64-bit for gen ≥ 11). */
  get bdsm(): bigint {
    if (this.bdsmOffset < 0) return 0n;
    const lo = BigInt(u32(this.bytes, this.bdsmOffset));
    return this.bdsmOffset === 0xc0 ? lo | (BigInt(u32(this.bytes, 0xc4)) << 32n) : lo;
  }

  get swsci(): number {
    return u32(this.bytes, IGD_SWSCI);
  }

  /**
   * Writes the bytes of an access that this register file owns (others are ignored), then runs the
   * side effects once: ASLS policy, SWSCI service. Never throws.
   */
  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const off = offset + i;
      if (off < 0 || off >= 4096) continue;
      const b = (value >>> (8 * i)) & 0xff;
      switch (this.kind[off]) {
        case GMCH:
        case BDSM_RO:
          break;
        case BDSM:
          this.bytes[off] = b;
          this.bdsmTouched = true;
          break;
        case SWSCI: {
          // Only GSSCIE (bit 0) and SCISEL (bit 15) are writable.
          const rel = off - IGD_SWSCI;
          const mask = rel === 0 ? 0x01 : rel === 1 ? 0x80 : 0;
          this.bytes[off] = (this.bytes[off] & ~mask) | (b & mask);
          this.swsciTouched = true;
          break;
        }
        case ASLS:
          this.bytes[off] = b;
          this.aslsTouched = true;
          break;
      }
    }
    if (this.overlapsKind(offset, size, GMCH)) {
      this.emit({ kind: 'igd-readonly-write', register: 'GMCH', offset, size, value: value >>> 0 });
    }
    if (this.overlapsKind(offset, size, BDSM_RO)) {
      this.emit({ kind: 'igd-readonly-write', register: 'BDSM', offset, size, value: value >>> 0 });
    }
    if (this.bdsmTouched) {
      this.bdsmTouched = false;
      this.emit({ kind: 'igd-bdsm-write', offset: this.bdsmOffset, value: Number(this.bdsm) });
    }
    if (this.aslsTouched) {
      this.aslsTouched = false;
      const prev = this.lastAsls;
      const now = this.asls;
      this.lastAsls = now;
      this.emit({ kind: 'igd-asls-write', value: now, previous: prev, policy: this.policy.policy });
      this.policy.onAslsWrite(now);
    }
    if (this.swsciTouched) {
      this.swsciTouched = false;
      this.emit({ kind: 'igd-swsci-write', value: this.swsci });
      if (this.bytes[IGD_SWSCI] & SWSCI_GSSCIE) this.serviceSwsci();
    }
  }

  private lastAsls = 0;

  private overlapsKind(offset: number, size: number, kind: number): boolean {
    for (let i = 0; i < size; i++) {
      const off = offset + i;
      if (off >= 0 && off < 4096 && this.kind[off] === kind) return true;
    }
    return false;
  }

  /**
   * The guest set GSSCIE: serve the request from mailbox 2 of the guest's OpRegion copy
   * (ASLS + 0x200: SCIC, PARM). GBDA/SBCB sub-function 0 (capability queries) → success with the
   * configured bitmap in PARM; anything else → failure status. The trigger bit is then cleared,
   * as platform firmware does. Nothing reaches the host device.
   */
  private serviceSwsci(): void {
    this.bytes[IGD_SWSCI] &= ~SWSCI_GSSCIE;
    const asls = this.asls;
    const report = (result: SwsciResult, scic: number, parm: number) =>
      this.emit({
        kind: 'igd-swsci',
        result,
        scic,
        func: (scic >>> 1) & 0xf,
        subFunction: (scic >>> 8) & 0xff,
        parm,
      });
    if (asls === 0 || !this.memory) {
      report('no-opregion', 0, 0);
      return;
    }
    let scic: number;
    let parm: number;
    try {
      const mb = this.memory.readGuest(asls + SWSCI_MAILBOX, 8);
      scic = u32(mb, 0);
      parm = u32(mb, 4);
    } catch {
      report('no-opregion', 0, 0);
      return;
    }
    if ((scic & SWSCI_SCIC_INDICATOR) === 0) {
      report('not-pending', scic, parm);
      return;
    }
    if (this.policy.mapped) {
      // The guest's OpRegion is the (read-only or host) image: never write an answer there.
      report('opregion-mapped', scic, parm);
      return;
    }
    const func = (scic >>> 1) & 0xf;
    const sub = (scic >>> 8) & 0xff;
    let outScic: number;
    let outParm = parm;
    let result: SwsciResult;
    if (sub === 0 && (func === SWSCI_GBDA || func === SWSCI_SBCB)) {
      outParm = (func === SWSCI_GBDA ? this.gbdaSupported : this.sbcbSupported) >>> 0;
      outScic = SWSCI_EXIT_SUCCESS << 5;
      result = 'answered';
    } else {
      outScic = SWSCI_EXIT_FAILURE << 5;
      result = 'unsupported';
    }
    const out = new Uint8Array(8);
    out[0] = outScic & 0xff;
    out[1] = (outScic >>> 8) & 0xff;
    for (let i = 0; i < 4; i++) out[4 + i] = (outParm >>> (8 * i)) & 0xff;
    try {
      this.memory.writeGuest(asls + SWSCI_MAILBOX, out);
    } catch {
      // A guest-chosen address the memory side refuses: reported below as served anyway.
    }
    report(result, scic, outParm);
  }

  /** Firmware-visible reset: ASLS, BDSM, SWSCI back to 0; a mapped overlay is removed. */
  reset(): void {
    this.bytes.fill(0, 0x5c, 0x60);
    this.bytes.fill(0, 0xc0, 0xc8);
    this.bytes.fill(0, IGD_SWSCI, IGD_SWSCI + 4);
    this.bytes.fill(0, IGD_ASLS, IGD_ASLS + 4);
    this.lastAsls = 0;
    this.policy.unmap();
  }

  /** Restores state captured by getState(); re-applies the OpRegion policy for a non-zero ASLS. */
  setState(state: IgdVirtualState): void {
    const put = (off: number, v: number) => {
      for (let i = 0; i < 4; i++) this.bytes[off + i] = (v >>> (8 * i)) & 0xff;
    };
    this.policy.unmap();
    if (this.bdsmOffset >= 0) put(this.bdsmOffset, state.bdsmLo >>> 0);
    if (this.bdsmOffset === 0xc0) put(0xc4, state.bdsmHi >>> 0);
    put(IGD_SWSCI, (state.swsci >>> 0) & (SWSCI_SCISEL | SWSCI_GSSCIE) & ~SWSCI_GSSCIE);
    put(IGD_ASLS, state.asls >>> 0);
    this.lastAsls = state.asls >>> 0;
    if (this.policy.policy === 'map' || this.policy.policy === 'map-rw') {
      if (this.lastAsls !== 0) this.policy.onAslsWrite(this.lastAsls);
    }
  }

  getState(): IgdVirtualState {
    return {
      asls: this.asls,
      bdsmLo: this.bdsmOffset < 0 ? 0 : u32(this.bytes, this.bdsmOffset),
      bdsmHi: this.bdsmOffset === 0xc0 ? u32(this.bytes, 0xc4) : 0,
      swsci: this.swsci,
    };
  }
}

type OpRegionController = OpRegionPolicyController;
