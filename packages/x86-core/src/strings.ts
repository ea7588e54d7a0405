// x86 core: String instructions
// Behavioural references (no code copied): v86 src/rust/cpu/string.rs, Intel SDM vol. 2 (MOVS …
// OUTS, REP).

import { CpuControl } from './control.js';
import { DF, DS, EAX, ECX, EDI, EDX, ES, ESI, REP_CHUNK } from './state.js';

/** String instructions: MOVS/STOS (with page-run bulk copies and fills)/LODS/CMPS/SCAS/INS/OUTS and
 * the REP chunking. */
export abstract class CpuStrings extends CpuControl {
  /** A long REP is split into chunks: re-execute the same instruction later (an interrupt window
   * opens in between, as on hardware), so no single step of run() is unbounded. */
  protected repRestart(): void {
    this.eip = this.startEip;
  }

  /** Elements a REP string instruction may process in this step. Each element retires as one
   * instruction (as QEMU's icount counts each iteration, which TCG runs as its own pass through the
   * instruction), so the quota is what is left of execute()'s budget, at most REP_CHUNK (the
   * interrupt window), at least one: run()'s budget, virtual time and the machine's instruction
   * budget then hold for REP work too. */
  protected repQuota(): number {
    const left = this.execEnd - this.instructionCount;
    return left >= REP_CHUNK ? REP_CHUNK : Math.max(left, 1);
  }

  /** Count the `k` elements a REP step processed as retired instructions (execute() counts one). */
  protected repRetire(k: number): void {
    if (k > 1) this.instructionCount += k - 1;
  }

  protected strSrcSeg(): number {
    return this.segOvr >= 0 ? this.segOvr : DS;
  }

  /** Number of iterations requested (ECX or CX) for a REP prefix. */
  protected repCount(): number {
    return this.a32 ? this.regs[ECX] >>> 0 : this.regs[ECX] & 0xffff;
  }

  protected setRepCount(n: number): void {
    if (this.a32) this.regs[ECX] = n;
    else this.regs[ECX] = (this.regs[ECX] & ~0xffff) | (n & 0xffff);
  }

  protected idx(i: number): number {
    return this.a32 ? this.regs[i] : this.regs[i] & 0xffff;
  }

  protected advance(i: number, delta: number): void {
    if (this.a32) this.regs[i] = this.regs[i] + delta;
    else this.regs[i] = (this.regs[i] & ~0xffff) | ((this.regs[i] + delta) & 0xffff);
  }

  protected movs(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    if (this.rep === 0) {
      const v = this.rdS(size, src, this.idx(ESI));
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    while (n > 0 && budget > 0) {
      if (delta > 0 && n > 1 && budget > 1) {
        const done = this.bulkMovs(size, src, Math.min(n, budget));
        if (done > 0) {
          n -= done;
          budget -= done;
          this.setRepCount(n);
          continue;
        }
      }
      const v = this.rdS(size, src, this.idx(ESI));
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      n--;
      budget--;
      this.setRepCount(n);
    }
    if (n > 0) this.repRestart();
    this.repRetire(quota - budget);
  }

  /** Bulk forward copy over RAM on both sides: within one page, or over a run of pages that follow
   * each other (memory.ts ramRun). Returns the number of elements copied (0 when the fast path does
   * not apply). */
  protected bulkMovs(size: number, src: number, n: number): number {
    const si = this.idx(ESI) >>> 0;
    const di = this.idx(EDI) >>> 0;
    const linS = (this.segBase[src] + si) | 0;
    const linD = (this.segBase[ES] + di) | 0;
    let count = n;
    if (!this.a32)
      count = Math.min(count, Math.floor((0x10000 - si) / size), Math.floor((0x10000 - di) / size));
    const roomS = Math.floor((0x1000 - (linS & 0xfff)) / size);
    const roomD = Math.floor((0x1000 - (linD & 0xfff)) / size);
    const first = Math.min(count, roomS, roomD);
    if (first < 2) return 0;
    // Segment checks for the first page's run (the whole run's below).
    if (!this.segSpan(src, si, first * size, false) || !this.segSpan(ES, di, first * size, true)) return 0;
    let ps = linS;
    let pd = linD;
    if (this.paging) {
      ps = this.translate(linS, false);
      pd = this.translate(linD, true);
    }
    ps &= this.a20Mask;
    pd &= this.a20Mask;
    const pgS = ps >>> 12;
    const pgD = pd >>> 12;
    const bs = this.bufs[this.readIdx[pgS]];
    const bd = this.bufs[this.writeIdx[pgD]];
    if (bs === null || bd === null) return 0;
    const run = Math.min(
      this.ramRun(linS, ps, count * size, false),
      this.ramRun(linD, pd, count * size, true),
    );
    count = Math.floor(run / size);
    if (
      count > first &&
      !(this.segSpan(src, si, count * size, false) && this.segSpan(ES, di, count * size, true))
    )
      count = first;
    const bytes = count * size;
    const s0 = this.readOff[pgS] + (ps & 0xfff);
    const d0 = this.writeOff[pgD] + (pd & 0xfff);
    if (bs === bd) {
      if (d0 > s0 && d0 < s0 + bytes) return 0; // overlapping forward copy must replicate bytes
      bd.copyWithin(d0, s0, s0 + bytes);
    } else {
      // Different backing arrays (e.g. firmware ROM -> RAM, as SeaBIOS's relocation out of the
      // high BIOS alias does). Views of one ArrayBuffer may still overlap: compare absolute offsets.
      if (bs.buffer === bd.buffer) {
        const as = bs.byteOffset + s0;
        const ad = bd.byteOffset + d0;
        if (ad > as && ad < as + bytes) return 0;
      }
      for (let i = 0; i < bytes; i++) bd[d0 + i] = bs[s0 + i];
    }
    if (this.codePages[pgD] !== 0) this.codeWrite(pd, bytes);
    this.advance(ESI, bytes);
    this.advance(EDI, bytes);
    return count;
  }

  /** [off, off+bytes) lies within segment s (and s is writable, for a write). */
  private segSpan(s: number, off: number, bytes: number, write: boolean): boolean {
    if (off < this.segLo[s] || off + bytes - 1 > this.segHi[s]) return false;
    return !write || this.segWritable[s] !== 0;
  }

  protected stos(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const v = this.getReg(size, EAX);
    if (this.rep === 0) {
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    while (n > 0 && budget > 0) {
      if (delta > 0 && n > 1 && budget > 1) {
        const done = this.bulkStos(size, v, Math.min(n, budget));
        if (done > 0) {
          n -= done;
          budget -= done;
          this.setRepCount(n);
          continue;
        }
      }
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      n--;
      budget--;
      this.setRepCount(n);
    }
    if (n > 0) this.repRestart();
    this.repRetire(quota - budget);
  }

  /** Bulk forward fill over RAM: within one page, or over a run of pages that follow each other
   * (memory.ts ramRun). Returns the number of elements stored (0 when the fast path does not apply). */
  protected bulkStos(size: number, v: number, n: number): number {
    const di = this.idx(EDI) >>> 0;
    const linD = (this.segBase[ES] + di) | 0;
    let count = n;
    if (!this.a32) count = Math.min(count, Math.floor((0x10000 - di) / size));
    const first = Math.min(count, Math.floor((0x1000 - (linD & 0xfff)) / size));
    if (first < 2) return 0;
    if (!this.segSpan(ES, di, first * size, true)) return 0;
    let pd = linD;
    if (this.paging) pd = this.translate(linD, true);
    pd &= this.a20Mask;
    const pg = pd >>> 12;
    const bd = this.bufs[this.writeIdx[pg]];
    if (bd === null) return 0;
    count = Math.floor(this.ramRun(linD, pd, count * size, true) / size);
    if (count > first && !this.segSpan(ES, di, count * size, true)) count = first;
    const bytes = count * size;
    const d0 = this.writeOff[pg] + (pd & 0xfff);
    if (size === 1) bd.fill(v & 0xff, d0, d0 + bytes);
    else {
      const b0 = v & 0xff;
      const b1 = (v >> 8) & 0xff;
      if (size === 2 && b0 === b1) bd.fill(b0, d0, d0 + bytes);
      else if (size === 4 && v === ((b0 * 0x01010101) | 0)) bd.fill(b0, d0, d0 + bytes);
      else {
        for (let i = 0; i < bytes; i += size) {
          bd[d0 + i] = v;
          bd[d0 + i + 1] = v >> 8;
          if (size === 4) {
            bd[d0 + i + 2] = v >> 16;
            bd[d0 + i + 3] = v >> 24;
          }
        }
      }
    }
    if (this.codePages[pg] !== 0) this.codeWrite(pd, bytes);
    this.advance(EDI, bytes);
    return count;
  }

  protected lods(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    if (this.rep === 0) {
      this.setReg(size, EAX, this.rdS(size, src, this.idx(ESI)));
      this.advance(ESI, delta);
      return;
    }
    let n = this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    while (n > 0 && budget > 0) {
      this.setReg(size, EAX, this.rdS(size, src, this.idx(ESI)));
      this.advance(ESI, delta);
      n--;
      budget--;
      this.setRepCount(n);
    }
    if (n > 0) this.repRestart();
    this.repRetire(quota - budget);
  }

  protected cmps(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    if (this.rep === 0) {
      const a = this.rdS(size, src, this.idx(ESI));
      const b = this.rdS(size, ES, this.idx(EDI));
      this.alu(7, size, a, b);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    for (;;) {
      if (n === 0) break;
      if (budget === 0) {
        this.repRestart();
        break;
      }
      const a = this.rdS(size, src, this.idx(ESI));
      const b = this.rdS(size, ES, this.idx(EDI));
      this.alu(7, size, a, b);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      n--;
      budget--;
      this.setRepCount(n);
      const z = this.getZF();
      if (this.rep === 1 ? !z : z) break;
    }
    this.repRetire(quota - budget);
  }

  protected scas(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const a = this.getReg(size, EAX);
    if (this.rep === 0) {
      this.alu(7, size, a, this.rdS(size, ES, this.idx(EDI)));
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    for (;;) {
      if (n === 0) break;
      if (budget === 0) {
        this.repRestart();
        break;
      }
      this.alu(7, size, a, this.rdS(size, ES, this.idx(EDI)));
      this.advance(EDI, delta);
      n--;
      budget--;
      this.setRepCount(n);
      const z = this.getZF();
      if (this.rep === 1 ? !z : z) break;
    }
    this.repRetire(quota - budget);
  }

  protected ins(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const port = this.regs[EDX] & 0xffff;
    let n = this.rep === 0 ? 1 : this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    while (n > 0 && budget > 0) {
      this.checkWrite(ES, this.idx(EDI), size);
      const v = this.ioIn(size, port);
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      n--;
      budget--;
      if (this.rep !== 0) this.setRepCount(n);
    }
    if (n > 0) this.repRestart();
    this.repRetire(quota - budget);
  }

  protected outs(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    const port = this.regs[EDX] & 0xffff;
    let n = this.rep === 0 ? 1 : this.repCount();
    const quota = this.repQuota();
    let budget = quota;
    while (n > 0 && budget > 0) {
      const v = this.rdS(size, src, this.idx(ESI));
      this.ioOut(size, port, v);
      this.advance(ESI, delta);
      n--;
      budget--;
      if (this.rep !== 0) this.setRepCount(n);
    }
    if (n > 0) this.repRestart();
    this.repRetire(quota - budget);
  }
}
