import { describe, expect, it } from 'vitest';
import { buildSmbios } from '../src/index.js';
import { qemuFile, qemuSplit, sum8 } from './fixtures.js';

interface Struct {
  type: number;
  handle: number;
  formatted: Uint8Array;
  strings: string[];
}

/** Walks an SMBIOS structure table (DSP0134 §6.1): formatted area + double-NUL-terminated strings. */
function walk(t: Uint8Array): Struct[] {
  const out: Struct[] = [];
  let p = 0;
  while (p < t.length) {
    const len = t[p + 1];
    expect(len).toBeGreaterThanOrEqual(4);
    const formatted = t.subarray(p, p + len);
    let q = p + len;
    const strings: string[] = [];
    if (t[q] === 0 && t[q + 1] === 0) q += 2;
    else {
      while (t[q] !== 0) {
        const e = t.indexOf(0, q);
        strings.push(String.fromCharCode(...t.subarray(q, e)));
        q = e + 1;
      }
      q++;
    }
    out.push({ type: t[p], handle: t[p + 2] | (t[p + 3] << 8), formatted, strings });
    p = q;
  }
  expect(p).toBe(t.length);
  return out;
}

function files(r: { files: Array<{ name: string; data: Uint8Array }> }) {
  const get = (n: string) => r.files.find((f) => f.name === n)?.data as Uint8Array;
  return { tables: get('etc/smbios/smbios-tables'), anchor: get('etc/smbios/smbios-anchor') };
}

describe('buildSmbios', () => {
  for (const mem of [128, 4096] as const) {
    it(`generates the same tables and anchor as QEMU 7.2 -M pc -m ${mem}`, () => {
      const { tables, anchor } = files(buildSmbios({ ...qemuSplit(mem), cpus: 1 }));
      expect([...tables]).toEqual([...qemuFile(mem, 'etc/smbios/smbios-tables')]);
      expect([...anchor]).toEqual([...qemuFile(mem, 'etc/smbios/smbios-anchor')]);
    });
  }

  it('is well-formed: types 1,3,4,16,17,19,32,127, unique handles, strings referenced exist', () => {
    const { tables, anchor } = files(buildSmbios({ ...qemuSplit(4096), cpus: 2 }));
    const s = walk(tables);
    expect(s.map((x) => x.type)).toEqual([1, 3, 4, 4, 16, 17, 19, 19, 32, 127]);
    expect(new Set(s.map((x) => x.handle)).size).toBe(s.length);
    expect(s[2].strings[0]).toBe('CPU 0');
    expect(s[3].strings[0]).toBe('CPU 1');
    // SeaBIOS smbios_romfile_setup: 31-byte anchor, table length field == file size
    expect(anchor.length).toBe(31);
    expect(String.fromCharCode(...anchor.subarray(0, 4))).toBe('_SM_');
    expect(String.fromCharCode(...anchor.subarray(16, 21))).toBe('_DMI_');
    expect(anchor[22] | (anchor[23] << 8)).toBe(tables.length);
    expect(anchor[28] | (anchor[29] << 8)).toBe(s.length);
    expect(anchor[8] | (anchor[9] << 8)).toBe(Math.max(...s.map((x) => structSize(tables, x))));
  });

  it('SeaBIOS-style finalisation (fill address, recompute checksums) yields valid checksums', () => {
    const { anchor } = files(buildSmbios({ ...qemuSplit(128) }));
    const ep = anchor.slice();
    ep[24] = 0x00;
    ep[25] = 0x00;
    ep[26] = 0x0f;
    ep[27] = 0x00; // table address 0xF0000
    ep[4] = (ep[4] - sum8(ep, 0, 0x10)) & 0xff;
    ep[21] = (ep[21] - sum8(ep, 0x10, 31 - 0x10)) & 0xff;
    expect(sum8(ep, 0, 0x10)).toBe(0);
    expect(sum8(ep, 0x10, 15)).toBe(0);
  });

  it('splits RAM into 16 GiB DIMMs and uses the extended fields past the standard limits', () => {
    const GiB = 1024 ** 3;
    const ramSize = 40 * GiB;
    const s = walk(files(buildSmbios({ ramSize, below4g: 3 * GiB, above4g: 37 * GiB })).tables);
    const t17 = s.filter((x) => x.type === 17);
    expect(t17.map((x) => x.formatted[12] | (x.formatted[13] << 8))).toEqual([0x4000, 0x4000, 0x2000]); // MiB
    expect(t17.map((x) => x.handle)).toEqual([0x1100, 0x1101, 0x1102]);
    const t19 = s.filter((x) => x.type === 19);
    const dv = new DataView(t19[1].formatted.buffer, t19[1].formatted.byteOffset);
    expect(dv.getUint32(8, true)).toBe(41 * 1024 * 1024 - 1); // end in KiB
    expect(dv.getUint32(4, true)).toBe(4 * 1024 * 1024); // start in KiB
    const t16 = s.find((x) => x.type === 16) as Struct;
    expect(t16.formatted[13] | (t16.formatted[14] << 8)).toBe(3); // number of devices
  });

  it('rejects host misuse with an error naming the field', () => {
    expect(() => buildSmbios({ ramSize: 0, below4g: 0, above4g: 0 })).toThrow(/ramSize/);
    expect(() => buildSmbios({ ...qemuSplit(128), cpus: 0 })).toThrow(/cpus/);
    expect(() => buildSmbios({ ...qemuSplit(128), uuid: new Uint8Array(3) })).toThrow(/uuid/);
    expect(() => buildSmbios({ ...qemuSplit(128), product: 'bad\n' })).toThrow(/product|string/);
  });
});

function structSize(t: Uint8Array, s: Struct): number {
  const start = s.formatted.byteOffset - t.byteOffset;
  let q = start + s.formatted.length;
  if (t[q] === 0 && t[q + 1] === 0) return q + 2 - start;
  while (t[q] !== 0) q = t.indexOf(0, q) + 1;
  return q + 1 - start;
}
