// x86 core: Memory
// Behavioural references (no code copied): QEMU target/i386/tcg/excp_helper.c (page walk), v86
// src/rust/cpu/cpu.rs (TLB, translation).

import { CpuFlags } from './flags.js';
import { CR0_WP, CR4_PSE, FAULT, GP, PFV } from './state.js';

/** The TLB entry's permission bit an access needs (1 read, 2 supervisor write, 4 user read, 8 user
 * write: the entry walk() fills, jit-host.ts TraceHost.tlb). */
function tlbNeed(user: boolean, write: boolean): number {
  return user ? (write ? 8 : 4) : write ? 2 : 1;
}

/** Memory: paging (TLB, page walk), linear and segmented reads/writes with limit checks,
 * instruction fetch through the cached EIP window. */
export abstract class CpuMemory extends CpuFlags {
  /** Side-effect-free byte read used for diagnostics (never faults). */
  protected peekLin8(lin: number): number {
    let a = lin | 0;
    if (this.paging) {
      const e = this.tlb[a >>> 12];
      if (e & 1) a = (e & ~0xfff) | (a & 0xfff);
      else {
        const p = this.walkNoFault(a);
        if (p < 0 && p !== -0x1000) return 0xff;
        a = p;
      }
    }
    a &= this.a20Mask;
    const pg = a >>> 12;
    const buf = this.bufs[this.readIdx[pg]];
    if (buf !== null) return buf[this.readOff[pg] + (a & 0xfff)];
    return 0xff;
  }

  protected walkNoFault(lin: number): number {
    const pde = this.memory.read32(((this.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0);
    if ((pde & 1) === 0) return -1;
    if (pde & 0x80 && this.cr4 & CR4_PSE) return (pde & 0xffc00000) | (lin & 0x3fffff);
    const pte = this.memory.read32(((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0);
    if ((pte & 1) === 0) return -1;
    return (pte & ~0xfff) | (lin & 0xfff);
  }

  protected flushTlb(): void {
    if (this.tlbCount > this.tlbList.length) this.tlb.fill(0);
    else for (let i = 0; i < this.tlbCount; i++) this.tlb[this.tlbList[i]] = 0;
    this.tlbCount = 0;
    this.fetchHi = -1;
  }

  /** Linear → physical; raises #PF. access: 0 read, 1 write, 2 fetch. */
  protected translate(lin: number, write: boolean): number {
    const vp = lin >>> 12;
    const e = this.tlb[vp];
    const user = this.cpl === 3;
    if ((e & tlbNeed(user, write)) !== 0) return (e & ~0xfff) | (lin & 0xfff);
    return this.walk(lin, write, user);
  }

  /** The page walk for an access the TLB does not allow: fills the TLB and returns the physical
   * address, or raises #PF. */
  protected walk(lin: number, write: boolean, user: boolean): number {
    const a = this.walkTry(lin, write, user);
    if (this.walkFaulted) {
      this.walkFaulted = false;
      throw FAULT;
    }
    return a;
  }

  /** An interpreter access that is about to take a #PF, found before the instruction changed
   * anything: paging on, [off, off+size) inside segment s (else the access raises #GP/#SS first),
   * within one page, not allowed by the TLB, and the walk faults. The #PF is then recorded (CR2,
   * error code) and pending (faultPending): the handler returns at once and execute() delivers it
   * as it would a thrown fault, without the throw (most of a #PF round trip's cost in V8). Any
   * other case returns false with the walk's side effects done (TLB fill, accessed/dirty bits),
   * and the access proceeds as usual. */
  protected pageFaultFirst(s: number, off: number, size: number, write: boolean): boolean {
    off >>>= 0;
    if (off < this.segLo[s] || off + size - 1 > this.segHi[s] || (write && this.segWritable[s] === 0))
      return false;
    return this.pfFirst((this.segBase[s] + off) | 0, size, write);
  }

  /** @internal (TraceHost) pageFaultFirst() past the segment checks, for the linear access
   * [lin, lin+size) (paging on): true when it lies within one page, the TLB does not allow it and
   * the walk faults — the #PF is then recorded and pending (faultPending), for the caller to
   * deliver without a throw (compiled code leaves its trace: jit-memory.ts). Otherwise false, with
   * the walk's side effects done, and the access proceeds through the readLin and writeLin helpers. */
  pfFirst(lin: number, size: number, write: boolean): boolean {
    if ((lin & 0xfff) > 0x1000 - size) return false;
    const user = this.cpl === 3;
    if ((this.tlb[lin >>> 12] & tlbNeed(user, write)) !== 0) return false;
    this.walkTry(lin, write, user);
    if (!this.walkFaulted) return false;
    this.walkFaulted = false;
    this.faultPending = true;
    return true;
  }

  /** walk() without the throw: a fault sets CR2, excVector/excCode and walkFaulted. */
  private walkTry(lin: number, write: boolean, user: boolean): number {
    const pdeAddr = (((this.cr3 & ~0xfff) + ((lin >>> 22) << 2)) & this.a20Mask) >>> 0;
    let pde = this.physRead32(pdeAddr);
    const errBase = (write ? 2 : 0) | (user ? 4 : 0);
    if ((pde & 1) === 0) return this.pageFault(lin, errBase);
    const wp = (this.cr0 & CR0_WP) !== 0;
    let frame: number;
    let rw: number;
    let us: number;
    let dirty: number;
    if (pde & 0x80 && this.cr4 & CR4_PSE) {
      // 4 MiB page.
      rw = pde & 2;
      us = pde & 4;
      if ((user && !us) || (write && !rw && (user || wp))) return this.pageFault(lin, errBase | 1);
      const want = 0x20 | (write ? 0x40 : 0);
      if ((pde & want) !== want) {
        pde |= want;
        this.physWrite(pdeAddr, pde, 4);
      }
      dirty = pde & 0x40;
      frame = (pde & 0xffc00000) | (lin & 0x3ff000);
    } else {
      const pteAddr = (((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & this.a20Mask) >>> 0;
      let pte = this.physRead32(pteAddr);
      if ((pte & 1) === 0) return this.pageFault(lin, errBase);
      rw = pde & pte & 2;
      us = pde & pte & 4;
      if ((user && !us) || (write && !rw && (user || wp))) return this.pageFault(lin, errBase | 1);
      if ((pde & 0x20) === 0) this.physWrite(pdeAddr, pde | 0x20, 4);
      const want = 0x20 | (write ? 0x40 : 0);
      if ((pte & want) !== want) {
        pte |= want;
        this.physWrite(pteAddr, pte, 4);
      }
      dirty = pte & 0x40;
      frame = pte & ~0xfff;
    }
    // TLB permission bits; writes are only cached once the dirty bit is set.
    let bits = 1;
    if (us) bits |= 4;
    if (dirty) {
      if (rw || !wp) bits |= 2;
      if (us && rw) bits |= 8;
    }
    const vp = lin >>> 12;
    const old = this.tlb[vp];
    if (old === 0) {
      if (this.tlbCount < this.tlbList.length) this.tlbList[this.tlbCount] = vp;
      this.tlbCount++;
    } else if ((old & ~0xfff) !== frame) {
      // A walk for a permission the entry lacked found the page moved (its table entry was edited
      // without INVLPG): instruction fetch and a running trace must not go on with the old frame.
      this.fetchHi = -1;
      if (this.jitActive) this.jitBreak = true;
    }
    this.tlb[vp] = frame | bits;
    return frame | (lin & 0xfff);
  }

  /** The 4 bytes at physical `a` (within one page), as this CPU's reads take them: from RAM, else
   * from the bus (device memory: the interrupt line is polled after it). */
  private physRead32(a: number): number {
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf !== null) {
      const i = this.readOff[p] + (a & 0xfff);
      return buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    }
    this.intrPoll = true;
    return this.memory.read32(a >>> 0) | 0;
  }

  /** A store of `size` (1, 2 or 4) bytes at physical `a` (within one page), as this CPU's stores
   * make it: to RAM, where the traces compiled from those bytes die (codeWrite), else to the bus.
   * One path for every size (see rdS/wrS); the page walk's accessed/dirty stores are made so too. */
  private physWrite(a: number, v: number, size: number): void {
    const p = a >>> 12;
    const buf = this.bufs[this.writeIdx[p]];
    if (buf !== null) {
      const i = this.writeOff[p] + (a & 0xfff);
      for (let k = 0; k < size; k++) buf[i + k] = v >> (k << 3);
      if (this.codePages[p] !== 0) this.codeWrite(a, size);
      return;
    }
    this.intrPoll = true;
    if (size === 4) this.memory.write32(a >>> 0, v >>> 0);
    else if (size === 2) this.memory.write16(a >>> 0, v & 0xffff);
    else this.memory.write8(a >>> 0, v & 0xff);
  }

  private pageFault(lin: number, code: number): number {
    this.cr2 = lin;
    this.excVector = PFV;
    this.excCode = code;
    this.walkFaulted = true;
    return 0;
  }

  /** The physical address a read (writeAddr: a write) of `lin` goes to: translated with paging on
   * (a #PF throws), A20 applied. */
  private readAddr(lin: number): number {
    return (this.paging ? this.translate(lin, false) : lin) & this.a20Mask;
  }

  private writeAddr(lin: number): number {
    return (this.paging ? this.translate(lin, true) : lin) & this.a20Mask;
  }

  /** @internal (TraceHost) */
  readLin8(lin: number): number {
    const a = this.readAddr(lin);
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf !== null) return buf[this.readOff[p] + (a & 0xfff)];
    this.intrPoll = true;
    return this.memory.read8(a >>> 0);
  }

  /** @internal (TraceHost) */
  readLin16(lin: number): number {
    if ((lin & 0xfff) === 0xfff) return this.readLin8(lin) | (this.readLin8(lin + 1) << 8);
    const a = this.readAddr(lin);
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf !== null) {
      const i = this.readOff[p] + (a & 0xfff);
      return buf[i] | (buf[i + 1] << 8);
    }
    this.intrPoll = true;
    return this.memory.read16(a >>> 0);
  }

  /** @internal (TraceHost) */
  readLin32(lin: number): number {
    if ((lin & 0xfff) > 0xffc) return this.readLin16(lin) | (this.readLin16(lin + 2) << 16);
    return this.physRead32(this.readAddr(lin));
  }

  /** @internal (TraceHost) */
  writeLin8(lin: number, v: number): void {
    this.physWrite(this.writeAddr(lin), v, 1);
  }

  /** @internal (TraceHost) */
  writeLin16(lin: number, v: number): void {
    if ((lin & 0xfff) === 0xfff) {
      // Check both pages before writing either (no partial store on #PF).
      if (this.paging) {
        this.translate(lin, true);
        this.translate(lin + 1, true);
      }
      this.writeLin8(lin, v);
      this.writeLin8(lin + 1, v >> 8);
      return;
    }
    this.physWrite(this.writeAddr(lin), v, 2);
  }

  /** @internal (TraceHost) */
  writeLin32(lin: number, v: number): void {
    if ((lin & 0xfff) > 0xffc) {
      if (this.paging) {
        // The second page faults at its first byte (CR2), as QEMU's and Bochs's split accesses do.
        this.translate(lin, true);
        this.translate(((lin + 3) & ~0xfff) | 0, true);
      }
      this.writeLin8(lin, v);
      this.writeLin8(lin + 1, v >> 8);
      this.writeLin8(lin + 2, v >> 16);
      this.writeLin8(lin + 3, v >> 24);
      return;
    }
    this.physWrite(this.writeAddr(lin), v, 4);
  }

  protected rd8(s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off > this.segHi[s]) this.segFault(s);
    return this.readLin8((this.segBase[s] + off) | 0);
  }

  protected rd16(s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off + 1 > this.segHi[s]) this.segFault(s);
    return this.readLin16((this.segBase[s] + off) | 0);
  }

  protected rd32(s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off + 3 > this.segHi[s]) this.segFault(s);
    return this.readLin32((this.segBase[s] + off) | 0);
  }

  protected wr8(s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    this.writeLin8((this.segBase[s] + off) | 0, v);
  }

  protected wr16(s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + 1 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    this.writeLin16((this.segBase[s] + off) | 0, v);
  }

  protected wr32(s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + 3 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    this.writeLin32((this.segBase[s] + off) | 0, v);
  }

  // rdS/wrS take one path for every operand size (the segment check, then a linear access whose
  // RAM fast path is the same code for 1, 2 and 4 bytes: physWrite for a store), so the 16-bit code SeaBIOS runs after its
  // 32-bit POST meets no branch V8 has not seen run in the functions these are inlined into
  // (modrm.ts's register helpers, docs/performance.md "The cold boot"). Accesses near a page's end
  // and device memory go through the sized functions above.
  protected rdS(size: number, s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off + size - 1 > this.segHi[s]) this.segFault(s);
    const lin = (this.segBase[s] + off) | 0;
    if ((lin & 0xfff) > 0xffc) return this.readLinSized(size, lin);
    const a = this.readAddr(lin);
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf === null) return this.readLinSized(size, lin);
    // Four bytes of the page are read whatever the size; the mask keeps the operand's.
    const i = this.readOff[p] + (a & 0xfff);
    const v = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    return v & (size === 4 ? -1 : size === 2 ? 0xffff : 0xff);
  }

  private readLinSized(size: number, lin: number): number {
    if (size === 1) return this.readLin8(lin);
    if (size === 2) return this.readLin16(lin);
    return this.readLin32(lin);
  }

  protected wrS(size: number, s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + size - 1 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    const lin = (this.segBase[s] + off) | 0;
    if ((lin & 0xfff) > 0x1000 - size) {
      this.writeLinSized(size, lin, v);
      return;
    }
    this.physWrite(this.writeAddr(lin), v, size);
  }

  private writeLinSized(size: number, lin: number, v: number): void {
    if (size === 1) this.writeLin8(lin, v);
    else if (size === 2) this.writeLin16(lin, v);
    else this.writeLin32(lin, v);
  }

  /** Bytes from linear `lin` (its first page already translated, for this access, to physical `a`,
   * whose page the caller has found in RAM) up to `want`, that lie in pages which follow each other
   * both physically and in one backing array, each further page's translation already in the TLB
   * with this access's permission and for a write none holding compiled code: a bulk string step (strings.ts)
   * is then one fill or copy instead of one per page, with the same stores, faults and A/D bits as
   * page by page (a page the TLB does not allow ends the run; the next step translates it). */
  protected ramRun(lin: number, a: number, want: number, write: boolean): number {
    let bytes = 0x1000 - (lin & 0xfff);
    let p = a >>> 12;
    if (bytes >= want || (write && this.codePages[p] !== 0)) return Math.min(bytes, want);
    const idx = write ? this.writeIdx : this.readIdx;
    const off = write ? this.writeOff : this.readOff;
    const need = tlbNeed(this.cpl === 3, write);
    let vp = lin >>> 12;
    while (bytes < want) {
      vp = (vp + 1) & 0xfffff;
      let q = vp;
      if (this.paging) {
        const e = this.tlb[vp];
        if ((e & need) === 0) break;
        q = e >>> 12;
      }
      q = ((q << 12) & this.a20Mask) >>> 12;
      if (q !== p + 1 || idx[q] !== idx[p] || off[q] !== off[p] + 0x1000) break;
      if (write && this.codePages[q] !== 0) break;
      p = q;
      bytes += 0x1000;
    }
    return Math.min(bytes, want);
  }

  /** Check that [off, off+len) is writable in segment s (used before multi-part stores). */
  protected checkWrite(s: number, off: number, len: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + len - 1 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    if (this.paging) {
      const lin = (this.segBase[s] + off) | 0;
      this.translate(lin, true);
      // The last page, at its first byte (CR2 of a split access, as writeLin32).
      const last = (lin + len - 1) | 0;
      if (((lin ^ last) & ~0xfff) !== 0) this.translate(last & ~0xfff, true);
    }
  }

  protected fetch8(): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip <= this.fetchHi) {
      this.eip = eip + 1;
      return this.fetchBuf[this.fetchDelta + eip];
    }
    return this.fetchSlow();
  }

  /** The next instruction byte, not consumed. */
  protected peek8(): number {
    const eip = this.eip;
    const b = this.fetch8();
    this.eip = eip;
    return b;
  }

  /** Fetch one byte outside the cached window: limit check, translation, and a new window when the
   * page is directly readable. */
  protected fetchSlow(): number {
    const eip = this.eip;
    if (eip > this.csLimit) this.fault(GP, 0);
    const lin = (this.csBase + eip) | 0;
    const a = this.readAddr(lin);
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    this.eip = eip + 1;
    if (buf !== null) {
      const lo = eip - (lin & 0xfff);
      this.fetchLo = lo;
      this.fetchHi = Math.min(lo + 0xfff, this.csLimit);
      this.fetchBuf = buf;
      this.fetchDelta = this.readOff[p] + (a & 0xfff) - eip;
      return buf[this.readOff[p] + (a & 0xfff)];
    }
    this.fetchHi = -1;
    this.intrPoll = true;
    return this.memory.read8(a >>> 0);
  }

  protected fetch16(): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip + 1 <= this.fetchHi) {
      this.eip = eip + 2;
      const i = this.fetchDelta + eip;
      const b = this.fetchBuf;
      return b[i] | (b[i + 1] << 8);
    }
    const lo = this.fetch8();
    return lo | (this.fetch8() << 8);
  }

  protected fetch32(): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip + 3 <= this.fetchHi) {
      this.eip = eip + 4;
      const i = this.fetchDelta + eip;
      const b = this.fetchBuf;
      return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    }
    const a = this.fetch8();
    const b = this.fetch8();
    const c = this.fetch8();
    return a | (b << 8) | (c << 16) | (this.fetch8() << 24);
  }

  /** An immediate of `size` bytes. One path for every size while four bytes from EIP are in the
   * window (the bytes past the immediate are read and masked off), so 16- and 32-bit code share
   * it (see modrm.ts's register helpers); otherwise byte by byte. */
  protected fetchS(size: number): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip + 3 <= this.fetchHi) {
      this.eip = eip + size;
      const i = this.fetchDelta + eip;
      const b = this.fetchBuf;
      const v = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
      return v & (size === 4 ? -1 : size === 2 ? 0xffff : 0xff);
    }
    return this.fetchSBytes(size);
  }

  private fetchSBytes(size: number): number {
    if (size === 1) return this.fetch8();
    if (size === 2) return this.fetch16();
    return this.fetch32();
  }
}
