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
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      if (delta > 0 && n > 1) {
        const done = this.bulkMovs(size, src, n);
        if (done > 0) {
          n -= done;
          this.setRepCount(n);
          if (n === 0) break;
        }
      }
      const v = this.rdS(size, src, this.idx(ESI));
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
    }
  }

  /** Bulk forward copy within one page on both sides when both are plain RAM. Returns the number of
   * elements copied (0 when the fast path does not apply). */
  protected bulkMovs(size: number, src: number, n: number): number {
    const si = this.idx(ESI) >>> 0;
    const di = this.idx(EDI) >>> 0;
    const linS = (this.segBase[src] + si) | 0;
    const linD = (this.segBase[ES] + di) | 0;
    let count = n;
    const roomS = (0x1000 - (linS & 0xfff)) / size;
    const roomD = (0x1000 - (linD & 0xfff)) / size;
    count = Math.min(count, Math.floor(roomS), Math.floor(roomD));
    if (!this.a32)
      count = Math.min(count, Math.floor((0x10000 - si) / size), Math.floor((0x10000 - di) / size));
    if (count < 2) return 0;
    const bytes = count * size;
    // Segment checks for the whole run.
    if (si < this.segLo[src] || si + bytes - 1 > this.segHi[src]) return 0;
    if (di < this.segLo[ES] || di + bytes - 1 > this.segHi[ES] || this.segWritable[ES] === 0) return 0;
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

  protected stos(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const v = this.getReg(size, EAX);
    if (this.rep === 0) {
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      if (delta > 0 && n > 1) {
        const done = this.bulkStos(size, v, n);
        if (done > 0) {
          n -= done;
          this.setRepCount(n);
          if (n === 0) break;
        }
      }
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
    }
  }

  protected bulkStos(size: number, v: number, n: number): number {
    const di = this.idx(EDI) >>> 0;
    const linD = (this.segBase[ES] + di) | 0;
    let count = Math.min(n, Math.floor((0x1000 - (linD & 0xfff)) / size));
    if (!this.a32) count = Math.min(count, Math.floor((0x10000 - di) / size));
    if (count < 2) return 0;
    const bytes = count * size;
    if (di < this.segLo[ES] || di + bytes - 1 > this.segHi[ES] || this.segWritable[ES] === 0) return 0;
    let pd = linD;
    if (this.paging) pd = this.translate(linD, true);
    pd &= this.a20Mask;
    const pg = pd >>> 12;
    const bd = this.bufs[this.writeIdx[pg]];
    if (bd === null) return 0;
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
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      this.setReg(size, EAX, this.rdS(size, src, this.idx(ESI)));
      this.advance(ESI, delta);
      n--;
      this.setRepCount(n);
    }
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
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      const a = this.rdS(size, src, this.idx(ESI));
      const b = this.rdS(size, ES, this.idx(EDI));
      this.alu(7, size, a, b);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
      const z = this.getZF();
      if (this.rep === 1 ? !z : z) break;
    }
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
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      this.alu(7, size, a, this.rdS(size, ES, this.idx(EDI)));
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
      const z = this.getZF();
      if (this.rep === 1 ? !z : z) break;
    }
  }

  protected ins(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const port = this.regs[EDX] & 0xffff;
    let n = this.rep === 0 ? 1 : this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      this.checkWrite(ES, this.idx(EDI), size);
      const v = this.ioIn(size, port);
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      n--;
      if (this.rep !== 0) this.setRepCount(n);
    }
  }

  protected outs(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    const port = this.regs[EDX] & 0xffff;
    let n = this.rep === 0 ? 1 : this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      const v = this.rdS(size, src, this.idx(ESI));
      this.ioOut(size, port, v);
      this.advance(ESI, delta);
      n--;
      if (this.rep !== 0) this.setRepCount(n);
    }
  }
}
