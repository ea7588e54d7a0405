// A TypeScript rendering of SeaBIOS rel-1.16.2's DSDT parser (src/fw/biostables.c: parse_termlist,
// parse_termobj, parse_pkg_*, acpi_dsdt_find_eisaid, acpi_dsdt_present, parse_resource/find_resource),
// kept faithful — including its quirks: Name(_HID/_STA/_CRS) is attributed to the most recently
// *created* device even after its scope has closed, Method/Package/Field/Processor bodies are skipped
// by PkgLength, and any other opcode stops the current term list. Test-only.

export interface SeaDevice {
  name: string;
  hidAml?: number;
  staAml?: number;
  crsData?: number;
  crsSize?: number;
}

export class SeaBiosDsdt {
  devices: SeaDevice[] = []; // hlist_add_head: newest first
  private name = '';
  private dev: SeaDevice | null = null;
  private error = false;
  errors: string[] = [];

  constructor(readonly b: Uint8Array) {
    const length = (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0;
    this.termlist(0, 0x24, length);
  }

  private nameseg(p: number, dst: string[]): number {
    dst.push(String.fromCharCode(this.b[p]));
    for (let i = 1; i < 4; i++) if (this.b[p + i] !== 0x5f) dst.push(String.fromCharCode(this.b[p + i]));
    return 4;
  }

  private namestring(p: number): number {
    const dst: string[] = [];
    let off = 0;
    for (;;) {
      const c = this.b[p + off];
      if (c === 0x5c || c === 0x5e) {
        dst.push(String.fromCharCode(c));
        off++;
        continue;
      }
      if (c === 0) off++;
      else if (c === 0x2e) {
        off++;
        off += this.nameseg(p + off, dst);
        dst.push('.');
        off += this.nameseg(p + off, dst);
      } else if (c === 0x2f) {
        off++;
        const count = this.b[p + off];
        off++;
        for (let i = 0; i < count; i++) {
          if (i) dst.push('.');
          off += this.nameseg(p + off, dst);
        }
      } else if ((c >= 0x41 && c <= 0x5a) || c === 0x5f) off += this.nameseg(p, dst);
      else {
        this.error = true;
        this.errors.push(`namestring 0x${c.toString(16)} at ${p}`);
      }
      break;
    }
    this.name = dst.join('');
    return off;
  }

  termargInt(p: number, err = true): [number, bigint] {
    const b = this.b;
    switch (b[p]) {
      case 0x00:
        return [1, 0n];
      case 0x01:
        return [1, 1n];
      case 0x0a:
        return [2, BigInt(b[p + 1])];
      case 0x0b:
        return [3, BigInt(b[p + 1] | (b[p + 2] << 8))];
      case 0x0c:
        return [5, BigInt((b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24)) >>> 0)];
      default:
        if (err) {
          this.error = true;
          this.errors.push(`termarg_int 0x${b[p].toString(16)} at ${p}`);
        }
        return [1, 0n];
    }
  }

  private pkglength(p: number): [number, number] {
    const b = this.b;
    switch (b[p] >> 6) {
      case 3:
        return [4, (b[p + 3] << 20) | (b[p + 2] << 12) | (b[p + 1] << 4) | (b[p] & 0x0f)];
      case 2:
        return [3, (b[p + 2] << 12) | (b[p + 1] << 4) | (b[p] & 0x0f)];
      case 1:
        return [2, (b[p + 1] << 4) | (b[p] & 0x0f)];
      default:
        return [1, b[p] & 0x3f];
    }
  }

  private pkgCommon(p: number): [number, number] {
    const [o, len] = this.pkglength(p);
    return [o + this.namestring(p + o), len];
  }

  private termobj(p: number): number {
    const b = this.b;
    let off = 1;
    switch (b[p]) {
      case 0x00:
      case 0x01:
        break;
      case 0x08:
        off += this.namestring(p + off);
        off += this.termobj(p + off);
        if (this.name === '_HID' && this.dev) this.dev.hidAml = p;
        if (this.name === '_STA' && this.dev) this.dev.staAml = p;
        break;
      case 0x0a:
        off++;
        break;
      case 0x0b:
        off += 2;
        break;
      case 0x0c:
        off += 4;
        break;
      case 0x0d:
        while (b[p + off]) off++;
        off++;
        break;
      case 0x10: {
        const [o, len] = this.pkgCommon(p + off);
        this.termlist(p + off, o, len);
        off += len;
        break;
      }
      case 0x11: {
        const q = p + off;
        const [o, len] = this.pkglength(q);
        const [n, blen] = this.termargInt(q + o);
        if (this.name === '_CRS' && this.dev) {
          this.dev.crsData = q + o + n;
          this.dev.crsSize = Number(blen);
        }
        off += len;
        break;
      }
      case 0x12:
      case 0x13:
        off += this.pkglength(p + off)[1];
        break;
      case 0x14: {
        const [o, len] = this.pkglength(p + off);
        this.namestring(p + off + o);
        off += len;
        if (this.name === '_STA' && this.dev) this.dev.staAml = p;
        break;
      }
      case 0x5b:
        off++;
        switch (b[p + 1]) {
          case 0x01:
            off += this.namestring(p + off);
            off++;
            break;
          case 0x80:
            off += this.namestring(p + off);
            off++;
            off += this.termargInt(p + off)[0];
            off += this.termargInt(p + off)[0];
            break;
          case 0x81:
          case 0x83:
          case 0x84:
          case 0x85: {
            const [o, len] = this.pkglength(p + off);
            this.namestring(p + off + o);
            off += len;
            break;
          }
          case 0x82: {
            const q = p + off;
            const [o, len] = this.pkgCommon(q);
            this.dev = { name: this.name };
            this.devices.unshift(this.dev);
            this.termlist(q, o, len);
            off += len;
            break;
          }
          default:
            this.error = true;
            this.errors.push(`ext op 0x${b[p + 1].toString(16)} at ${p}`);
        }
        break;
      default:
        this.error = true;
        this.errors.push(`op 0x${b[p].toString(16)} at ${p}`);
    }
    return off;
  }

  private termlist(base: number, offset: number, pkglength: number): void {
    let off = offset;
    for (;;) {
      off += this.termobj(base + off);
      if (off === pkglength) return;
      if (off > pkglength) {
        this.error = true;
        this.errors.push(`overrun ${off}/${pkglength} at ${base}`);
        return;
      }
      if (this.error) {
        this.errors.push(`skip from ${off}/${pkglength} at ${base}`);
        this.error = false;
        return;
      }
    }
  }

  /** acpi_dsdt_find_eisaid + acpi_dsdt_present: 1 present, 0 absent, -1 unknown. */
  presentEisaId(eisaid: number): number {
    if (this.devices.length === 0) return -1;
    const want = [0x0c, 0x41, 0xd0, eisaid >> 8, eisaid & 0xff];
    const dev = this.devices.find(
      (d) => d.hidAml !== undefined && want.every((v, i) => this.b[(d.hidAml as number) + 5 + i] === v),
    );
    if (!dev) return 0;
    if (dev.staAml === undefined) return 1;
    if (this.b[dev.staAml] === 0x14) return -1;
    if (this.b[dev.staAml] === 0x08) return this.termargInt(dev.staAml + 5, false)[1] === 0n ? 0 : 1;
    return -1;
  }

  findEisaId(eisaid: number): SeaDevice | undefined {
    const want = [0x0c, 0x41, 0xd0, eisaid >> 8, eisaid & 0xff];
    return this.devices.find(
      (d) => d.hidAml !== undefined && want.every((v, i) => this.b[(d.hidAml as number) + 5 + i] === v),
    );
  }

  /** find_resource(kind): 0 mem, 1 io, 3 irq → [min, max] or undefined. */
  findResource(dev: SeaDevice, kind: number): [bigint, bigint] | undefined {
    if (dev.crsData === undefined || dev.crsSize === undefined) return undefined;
    const b = this.b;
    const le = (p: number, n: number) => {
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]);
      return v;
    };
    let off = 0;
    for (;;) {
      const p = dev.crsData + off;
      let type = -1;
      let min = 0n;
      let max = 0n;
      let size: number;
      if (!(b[p] & 0x80)) {
        const rname = (b[p] >> 3) & 0x0f;
        size = (b[p] & 7) + 1;
        if (rname === 0x04) {
          let bit = 0;
          // parse_resource_bit(ptr + 1, rsize): scans rsize bytes (one past a 2-byte mask)
          for (; bit < size * 8; bit++) if (b[p + 1 + (bit >> 3)] & (1 << (bit & 7))) break;
          if (bit === size * 8) bit = 0;
          min = max = BigInt(bit);
          type = 3;
        } else if (rname === 0x0f) size = 0;
        else if (rname === 0x08) {
          min = le(p + 2, 2);
          max = le(p + 4, 2);
          if (min === max) {
            max = min + BigInt(b[p + 7]) - 1n;
            type = 1;
          }
        } else if (rname === 0x09) {
          min = le(p + 2, 2);
          max = min + BigInt(b[p + 4]) - 1n;
          type = 1;
        }
      } else {
        const rname = b[p] & 0x7f;
        size = ((b[p + 2] << 8) | b[p + 1]) + 3;
        if (rname === 0x06) {
          min = le(p + 4, 4);
          max = min + le(p + 8, 4) - 1n;
          type = 0;
        } else if (rname === 0x07) {
          min = le(p + 10, 4);
          max = le(p + 14, 4);
          type = b[p + 3];
        } else if (rname === 0x08) {
          min = le(p + 8, 2);
          max = le(p + 10, 2);
          type = b[p + 3];
        } else if (rname === 0x09) {
          min = max = le(p + 5, 4);
          type = 3;
        } else if (rname === 0x0a) {
          min = le(p + 14, 8);
          max = le(p + 22, 8);
          type = b[p + 3];
        }
      }
      if (type === kind) return [min, max];
      off += size;
      if (!(size > 0 && off < dev.crsSize)) return undefined;
    }
  }
}
