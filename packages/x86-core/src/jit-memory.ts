// Trace compiler: memory operands in generated code (loads and stores through the segment checks,
// A20, the TLB with paging on, and the bus's page tables). Split from jit.ts; see there for the
// design. Behavioural references (no code copied): v86 src/rust/cpu/cpu.rs (TLB lookups inlined into
// generated code), QEMU accel/tcg/cputlb.c (softmmu fast path: TLB hit -> host pointer, miss -> helper).
//
// Three tiers, fastest first:
//   1. the direct table (trace.ts `direct`, `dn` entries): one Int32Array lookup by physical page gives the page's
//      offset in ONE backing array (`ram`: the longest, with a DataView `rv` over it for words and
//      dwords) with a bit each for plain reads and plain writes, or 0 (not seen yet, another
//      array, ROM for writes, MMIO, unmapped, a page a trace was compiled from for writes). `ram`
//      and `rv` are constant for the whole trace, so V8 checks them once rather than per access;
//   2. the bus's page tables (`bufs[ri[p]]` / `bufs[wi[p]]`, offsets `ro`/`wo`; for stores the
//      Cpu's code-page map `cp`): RAM chunks other than `ram`, ROM reads, and a page of `ram` the
//      first time (which fills its direct entry: directFill);
//   3. the interpreter's readLin*/writeLin*: a TLB miss (page walk, accessed/dirty bits, #PF), MMIO,
//      unmapped, a page crossing, a store to a code page.

import { HOST as C } from './jit-host.js';

function readLin(size: number): string {
  return size === 1 ? C.readLin8 : size === 2 ? C.readLin16 : C.readLin32;
}

function writeLin(size: number): string {
  return size === 1 ? C.writeLin8 : size === 2 ? C.writeLin16 : C.writeLin32;
}

/** The label of the trace's main loop (jit.ts traceSource): `break`ing out of it leaves the trace with
 * a #PF pending (the fault exit after the loop reports it as the catch would a thrown one). */
export const PF_EXIT = 'pf';

/** Paging on, before a slow access: a #PF the access would raise is found by the Cpu's pfFirst
 * (memory.ts) and the trace leaves with it pending instead of the helper throwing it (a JavaScript
 * throw and unwind cost about as much as the rest of a #PF round trip). */
function pfProbe(paged: boolean, size: number, write: boolean): string {
  return paged ? `if (${C.pfFirst}(l, ${size}, ${write})) break ${PF_EXIT};` : '';
}

/** Markers traceSource (jit.ts) replaces: store the registers the trace assigns back to the Cpu
 * (before anything outside the trace may look at them), and reload ESP after setSp. */
export const WB = '/*WB*/';
export const RL4 = '/*RL4*/';

/** The prologue constants the memory emitters name (jit.ts traceSource puts them in the trace). */
export function memoryConsts(paged: boolean): string {
  const pg = paged ? `, tlb = ${C.tlb}` : '';
  return `bufs = ${C.bufs}, ri = ${C.readIdx}, ro = ${C.readOff}, wi = ${C.writeIdx}, wo = ${C.writeOff}, cp = ${C.codePages}, am = ${C.a20Mask}, dt = ${C.direct}, dn = dt.length, ram = ${C.ram}, rv = ${C.ramView}${pg}`;
}

/** Where a memory operand's bytes are: `x` = physical address (A20 applied), `p` its page, `i` its
 * direct entry. Paging off: linear = physical. Paging on: the TLB entry of the linear page when it
 * grants the access (`need`: the local holding the permission bit for this CPL), else i = 0 and
 * `m` null (`generic`), so the access takes the interpreter's readLin/writeLin (page walk, TLB
 * fill, #PF), exactly what the interpreter's translate() does. */
function locate(paged: boolean, seg: number, need: string): string {
  if (!paged) return `x = (sB[${seg}] + o) & am; p = x >>> 12; i = p < dn ? dt[p] : 0;`;
  return `l = (sB[${seg}] + o) | 0; e = tlb[l >>> 12]; x = ((e & -4096) | (l & 0xfff)) & am; p = x >>> 12; i = (e & ${need}) !== 0 && p < dn ? dt[p] : 0;`;
}

/** Tier 2's array from the bus's page tables (`idx`: ri / wi), null when paging denies the access. */
function generic(paged: boolean, idx: string, need: string): string {
  return paged ? `m = (e & ${need}) !== 0 ? bufs[${idx}[p]] : null;` : `m = bufs[${idx}[p]];`;
}

/** Load `size` bytes at segment `seg`, offset `off` (a JS expression) into local `dst`. */
export function load(size: number, seg: number, off: string, dst: string, paged: boolean): string {
  const last = size - 1;
  const check = `o = (${off}) >>> 0; if (o < sLo[${seg}] || o${last ? ` + ${last}` : ''} > sHi[${seg}]) ${C.segFault}(${seg});`;
  const at = '(i & -4096) + (x & 0xfff)';
  let direct: string;
  let bytes: string;
  if (size === 1) {
    direct = `${dst} = ram[${at}];`;
    bytes = `${dst} = m[ro[p] + (x & 0xfff)];`;
  } else if (size === 2) {
    direct = `${dst} = rv.getUint16(${at}, true);`;
    bytes = `i = ro[p] + (x & 0xfff); ${dst} = m[i] | (m[i + 1] << 8);`;
  } else {
    direct = `${dst} = rv.getInt32(${at}, true);`;
    bytes = `i = ro[p] + (x & 0xfff); ${dst} = m[i] | (m[i + 1] << 8) | (m[i + 2] << 16) | (m[i + 3] << 24);`;
  }
  const inPage = size === 1 ? '' : ` && (x & 0xfff) <= ${0x1000 - size}`;
  const slow = `{ ${WB} ${pfProbe(paged, size, false)} ${dst} = ${readLin(size)}((sB[${seg}] + o) | 0); slowMem = true; }`;
  const fill = `if (m === ram) ${C.directFill}(p, ro[p], 1);`;
  return `${check} ${locate(paged, seg, 'nr')} if (i !== 0${inPage}) { ${direct} } else { ${generic(paged, 'ri', 'nr')} if (m !== null${inPage}) { ${bytes} ${fill} } else ${slow} }`;
}

/** Store local/expression `val` (evaluated once, into w) as `size` bytes at seg:off. */
export function store(size: number, seg: number, off: string, val: string, paged: boolean): string {
  const last = size - 1;
  const check = `w = ${val}; o = (${off}) >>> 0; if (o < sLo[${seg}] || o${last ? ` + ${last}` : ''} > sHi[${seg}] || sW[${seg}] === 0) ${C.segFault}(${seg});`;
  const at = '(i & -4096) + (x & 0xfff)';
  let direct: string;
  let bytes = 'i = wo[p] + (x & 0xfff); m[i] = w;';
  if (size === 1) direct = `ram[${at}] = w;`;
  else if (size === 2) direct = `rv.setInt16(${at}, w, true);`;
  else direct = `rv.setInt32(${at}, w, true);`;
  if (size >= 2) bytes += ' m[i + 1] = w >> 8;';
  if (size === 4) bytes += ' m[i + 2] = w >> 16; m[i + 3] = w >> 24;';
  const inPage = size === 1 ? '' : ` && (x & 0xfff) <= ${0x1000 - size}`;
  const slow = `{ ${WB} ${pfProbe(paged, size, true)} ${writeLin(size)}((sB[${seg}] + o) | 0, w); slowMem = true; }`;
  const fill = `if (m === ram) ${C.directFill}(p, wo[p], 2);`;
  return `${check} ${locate(paged, seg, 'nw')} if ((i & 2) !== 0${inPage}) { ${direct} } else { ${generic(paged, 'wi', 'nw')} if (m !== null && cp[p] === 0${inPage}) { ${bytes} ${fill} } else ${slow} }`;
}
