// Trace compiler: memory operands in generated code (loads and stores through the segment checks,
// A20, the TLB with paging on, and the bus's page tables). Split from jit.ts; see there for the
// design. Behavioural references (no code copied): v86 src/rust/cpu/cpu.rs (TLB lookups inlined into
// generated code), QEMU accel/tcg/cputlb.c (softmmu fast path: TLB hit -> host pointer, miss -> helper).

import { HOST as C } from './jit-host.js';

function readLin(size: number): string {
  return size === 1 ? C.readLin8 : size === 2 ? C.readLin16 : C.readLin32;
}

function writeLin(size: number): string {
  return size === 1 ? C.writeLin8 : size === 2 ? C.writeLin16 : C.writeLin32;
}

/** Markers traceSource (jit.ts) replaces: store the registers the trace assigns back to the Cpu
 * (before anything outside the trace may look at them), and reload ESP after setSp. */
export const WB = '/*WB*/';
export const RL4 = '/*RL4*/';

/** Where a memory operand's bytes are: `x` = physical address (A20 applied), `p` its page, `m`
 * the page's buffer or null. Paging off: linear = physical. Paging on: the TLB entry of the linear
 * page when it grants the access (`need`: the local holding the permission bit for this CPL), else
 * null so the access takes the interpreter's readLin/writeLin (page walk, TLB fill, #PF), exactly
 * what the interpreter's translate() does. `idx` names the page table's index array (ri / wi). */
function locate(paged: boolean, seg: number, idx: string, need: string): string {
  if (!paged) return `x = (sB[${seg}] + o) & am; p = x >>> 12; m = bufs[${idx}[p]];`;
  return `l = (sB[${seg}] + o) | 0; e = tlb[l >>> 12]; x = ((e & -4096) | (l & 0xfff)) & am; p = x >>> 12; m = (e & ${need}) !== 0 ? bufs[${idx}[p]] : null;`;
}

/** Load `size` bytes at segment `seg`, offset `off` (a JS expression) into local `dst`. */
export function load(size: number, seg: number, off: string, dst: string, paged: boolean): string {
  const last = size - 1;
  const check = `o = (${off}) >>> 0; if (o < sLo[${seg}] || o${last ? ` + ${last}` : ''} > sHi[${seg}]) ${C.segFault}(${seg});`;
  let fast: string;
  if (size === 1) fast = `${dst} = m[ro[p] + (x & 0xfff)];`;
  else if (size === 2) fast = `i = ro[p] + (x & 0xfff); ${dst} = m[i] | (m[i + 1] << 8);`;
  else
    fast = `i = ro[p] + (x & 0xfff); ${dst} = m[i] | (m[i + 1] << 8) | (m[i + 2] << 16) | (m[i + 3] << 24);`;
  const inPage = size === 1 ? '' : ` && (x & 0xfff) <= ${0x1000 - size}`;
  return `${check} ${locate(paged, seg, 'ri', 'nr')} if (m !== null${inPage}) { ${fast} } else { ${WB} ${dst} = ${readLin(size)}((sB[${seg}] + o) | 0); slowMem = true; }`;
}

/** Store local/expression `val` (evaluated once, into w) as `size` bytes at seg:off. */
export function store(size: number, seg: number, off: string, val: string, paged: boolean): string {
  const last = size - 1;
  const check = `w = ${val}; o = (${off}) >>> 0; if (o < sLo[${seg}] || o${last ? ` + ${last}` : ''} > sHi[${seg}] || sW[${seg}] === 0) ${C.segFault}(${seg});`;
  let fast = 'i = wo[p] + (x & 0xfff); m[i] = w;';
  if (size >= 2) fast += ' m[i + 1] = w >> 8;';
  if (size === 4) fast += ' m[i + 2] = w >> 16; m[i + 3] = w >> 24;';
  const inPage = size === 1 ? '' : ` && (x & 0xfff) <= ${0x1000 - size}`;
  return `${check} ${locate(paged, seg, 'wi', 'nw')} if (m !== null && cp[p] === 0${inPage}) { ${fast} } else { ${WB} ${writeLin(size)}((sB[${seg}] + o) | 0, w); slowMem = true; }`;
}
