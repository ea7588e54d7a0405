// The VBT block decoders on built VBTs: version gates, short blocks, the pointer checks i915 makes,
// block 58 (which no fixture has and igt 1.27.1 does not decode), robustness on garbage, and
// identifyBlob. The real-VBT differential test against intel_vbt_decode is vbt-oracle.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLoader, igdOpRegionLoaderFragment } from '@vmkit/bios-linker';
import {
  buildOpRegion,
  buildSyntheticVbt,
  buildVbt,
  catalogueSource,
  type Dtd,
  decodeVbt,
  decodeVbtContents,
  identifyBlob,
  type VbtBlockContent,
} from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import { VBT_DIR, VBT_FILES } from './igt-output.js';

function contentOf(vbt: Uint8Array, id: number, gen?: number): VbtBlockContent | undefined {
  return decodeVbtContents(vbt, decodeVbt(vbt), { gen }).blocks.find((b) => b.id === id)?.content;
}

/** 1920x1080@60 (CEA-861 VIC 16) as an 18-byte EDID detailed timing descriptor. */
function edidDtd1080p(): Uint8Array {
  const d = new Uint8Array(18);
  d.set([0x02, 0x3a]); // 14850 x 10 kHz
  d[2] = 1920 & 0xff;
  d[3] = 280 & 0xff;
  d[4] = ((1920 >> 8) << 4) | (280 >> 8);
  d[5] = 1080 & 0xff;
  d[6] = 45;
  d[7] = (1080 >> 8) << 4;
  d[8] = 88;
  d[9] = 44;
  d[10] = (4 << 4) | 5;
  d[11] = 0;
  d[12] = 1600 & 0xff; // 1600 x 900 mm
  d[13] = 900 & 0xff;
  d[14] = ((1600 >> 8) << 4) | (900 >> 8);
  d[17] = 0x18 | 0x40 | 0x20; // digital separate sync, +hsync, +vsync
  return d;
}

/** The same mode as a block 58 entry (struct generic_dtd_entry, 28 bytes). */
function genericDtd1080p(): Uint8Array {
  const e = new Uint8Array(28);
  const dv = new DataView(e.buffer);
  dv.setUint32(0, 148500, true);
  const fields = [1920, 280, 88, 44, 1080, 45, 4, 5, 1600, 900]; // hactive … vsync, width/height mm
  for (let i = 0; i < fields.length; i++) dv.setUint16(4 + i * 2, fields[i], true);
  e[24] = 0xc0; // hsync and vsync positive
  return e;
}

describe('block 58 (generic DTD) and block 42 DTDs', () => {
  it('decode the same mode to the same timing (Linux parse_generic_dtd / fill_detail_timing_data)', () => {
    const g = genericDtd1080p();
    const data = new Uint8Array(2 + 2 * 28);
    data[0] = 28;
    data.set(g, 2);
    data.set(g, 30);
    data[30 + 24] = 0; // second entry: negative syncs
    const c = contentOf(buildVbt({ name: 'T', bdbVersion: 235, blocks: [{ id: 58, data }] }), 58);
    if (c?.kind !== 'generic-dtd') throw new Error('no block 58 content');
    expect(c.fields.dtds).toHaveLength(2);
    const expected = {
      clockKHz: 148500,
      hdisplay: 1920,
      hsyncStart: 2008,
      hsyncEnd: 2052,
      htotal: 2200,
      vdisplay: 1080,
      vsyncStart: 1084,
      vsyncEnd: 1089,
      vtotal: 1125,
      widthMm: 1600,
      heightMm: 900,
      hsyncPositive: true,
      vsyncPositive: true,
    };
    expect(c.fields.dtds[0]).toEqual({ panel: 0, ...expected });
    expect(c.fields.dtds[1]).toMatchObject({ hsyncPositive: false, vsyncPositive: false });

    // Block 42 without block 41 at BDB >= 155: pointers are generated (38 + 18 + 10 bytes per panel).
    const lfp = new Uint8Array(16 * 66 + 16 * 13);
    for (let i = 0; i < 16; i++) {
      lfp.set([0x80, 0x07, 0x38, 0x04], i * 66); // fp_timing x_res 1920, y_res 1080
      lfp.set(edidDtd1080p(), i * 66 + 38);
    }
    const vbt = buildVbt({ name: 'T', bdbVersion: 235, blocks: [{ id: 42, data: lfp }] });
    const data42 = contentOf(vbt, 42);
    if (data42?.kind !== 'lfp-data') throw new Error('no block 42 content');
    expect(data42.fields.panels[5].dtd).toEqual(expected);
    expect(data42.fields.panels[5].fpTiming).toMatchObject({ xRes: 1920, yRes: 1080 });
    const contents = decodeVbtContents(vbt, decodeVbt(vbt));
    expect(contents.blocks.map((b) => b.id)).toEqual([42]);
  });

  it("real VBTs with block 58: its DTD for the selected panel is block 42's mode", () => {
    let checked = 0;
    for (const f of VBT_FILES) {
      const bytes = new Uint8Array(readFileSync(join(VBT_DIR, f)));
      const c = decodeVbtContents(bytes, decodeVbt(bytes));
      const g = c.blocks.find((b) => b.id === 58)?.content;
      const l = c.blocks.find((b) => b.id === 42)?.content;
      if (g?.kind !== 'generic-dtd' || l?.kind !== 'lfp-data') continue;
      const pt = c.panelType ?? 0;
      const mode = ({
        clockKHz,
        hdisplay,
        hsyncStart,
        hsyncEnd,
        htotal,
        vdisplay,
        vsyncStart,
        vsyncEnd,
        vtotal,
      }: Dtd) => [clockKHz, hdisplay, hsyncStart, hsyncEnd, htotal, vdisplay, vsyncStart, vsyncEnd, vtotal];
      expect(mode(g.fields.dtds[pt]), f).toEqual(mode(l.fields.panels[pt].dtd));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('block 42 is not decoded when block 41 fails the checks i915 makes (validate_lfp_data_ptrs)', () => {
    const ptrs = new Uint8Array(148);
    ptrs[0] = 2; // lvds_entries must be 3
    const vbt = buildVbt({
      name: 'T',
      bdbVersion: 200,
      blocks: [
        { id: 41, data: ptrs },
        { id: 42, data: new Uint8Array(16 * 72) },
      ],
    });
    const p = contentOf(vbt, 41);
    expect(p?.kind === 'lfp-data-pointers' && p.fields.invalid).toBe('lvds_entries is 2, not 3');
    expect(contentOf(vbt, 42)).toBeUndefined();
  });
});

describe('child devices (block 2) follow the BDB version', () => {
  it('the synthetic VBT: eDP on DP-A, DP dual mode on DP-B', () => {
    const c = contentOf(buildSyntheticVbt('VMKIT', 221), 2);
    if (c?.kind !== 'general-definitions') throw new Error('no block 2');
    expect(c.fields.childDeviceSize).toBe(38);
    expect(c.fields.childDevices.map((d) => [d.handle.name, d.deviceType.name, d.dvoPort.name])).toEqual([
      ['LFP 1', 'eDP', 'DP-A'],
      ['EFP 1', 'DisplayPort dual mode (DP/HDMI/DVI)', 'DP-B'],
    ]);
    expect(c.fields.childDevices[0].deviceTypeFlags).toEqual([
      'power management',
      'hotplug signaling',
      'internal connector',
      'not HDMI output',
      'content protection',
      'high speed link',
      'DisplayPort output',
      'digital output',
    ]);
  });

  it('before BDB 152 the link fields are an ASCII id; before 155 bytes 23..26 are the second DVO port', () => {
    const child = new Uint8Array(33);
    child.set([0x04, 0x00, 0xd2, 0x60]); // EFP 1, HDMI
    child.set(
      [...'SDVO-HDMI!'].map((ch) => ch.charCodeAt(0)),
      4,
    );
    child[16] = 2; // DVO-C
    child[23] = 1; // dvo2_port DVO-B
    child[25] = 0x40; // after 155 this would be AUX-A
    const defs = new Uint8Array(5 + 33);
    defs[4] = 33;
    defs.set(child, 5);
    const old = contentOf(buildVbt({ name: 'T', bdbVersion: 140, blocks: [{ id: 2, data: defs }] }), 2);
    if (old?.kind !== 'general-definitions') throw new Error('no block 2');
    const o = old.fields.childDevices[0];
    expect(o.deviceId).toBe('SDVO-HDMI!');
    expect(o.i2cSpeed).toBeUndefined();
    expect(o.dvoPort.name).toBe('DVO-C');
    expect(o.dvo2?.port.name).toBe('DVO-B');
    expect(o.auxChannel).toBeUndefined();
    const nu = contentOf(buildVbt({ name: 'T', bdbVersion: 155, blocks: [{ id: 2, data: defs }] }), 2);
    if (nu?.kind !== 'general-definitions') throw new Error('no block 2');
    expect(nu.fields.childDevices[0].auxChannel?.name).toBe('AUX-A');
    expect(nu.fields.childDevices[0].dvoPort.name).toBe('HDMI-C');
    expect(nu.fields.childDevices[0].dvo2).toBeUndefined();
  });

  it('a child size smaller than the structure reads the missing tail as 0, like i915', () => {
    const defs = new Uint8Array(5 + 2 * 20);
    defs[4] = 20;
    defs.set([0x08, 0x00, 0xc6, 0x78], 5);
    defs.set([0x04, 0x00, 0xc6, 0x68, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9], 25);
    const c = contentOf(buildVbt({ name: 'T', bdbVersion: 230, blocks: [{ id: 2, data: defs }] }), 2);
    if (c?.kind !== 'general-definitions') throw new Error('no block 2');
    expect(c.fields.childDevices.map((d) => d.dvoPort.name)).toEqual(['HDMI-A', 'DP-D']);
    expect(c.fields.childDevices[1]).toMatchObject({
      auxChannel: { value: 0, name: 'none' },
      dpMaxLinkRate: { value: 0 },
    });
  });
});

describe('robustness', () => {
  it('a 1-byte general features block decodes with zeros and never throws', () => {
    const c = contentOf(
      buildVbt({ name: 'T', bdbVersion: 250, blocks: [{ id: 1, data: Uint8Array.of(0x03) }] }),
      1,
    );
    expect(c?.kind === 'general-features' && c.fields.panelFitting.name).toBe('text & graphics');
    expect(c?.kind === 'general-features' && c.fields.afcStartupConfig).toBe(0);
  });

  it('garbage block contents never throw (seeded pseudo-random bytes, every decoded id)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let round = 0; round < 40; round++) {
      const blocks = [1, 2, 9, 12, 27, 40, 41, 42, 43, 58].map((id) => ({
        id,
        data: Uint8Array.from({ length: rnd() * 8 }, rnd),
      }));
      const vbt = buildVbt({ name: 'FUZZ', bdbVersion: 100 + rnd(), blocks });
      expect(() => decodeVbtContents(vbt, decodeVbt(vbt))).not.toThrow();
    }
  });

  it('PSR wake-up times: x100 us before BDB 205 or before gen 9; the i915 enum after', () => {
    const psr = new Uint8Array(100);
    psr.set([0, 0, 3, 0, 1, 0]); // panel 0: tp1 3, tp2 1
    const at = (v: number, gen?: number) => {
      const c = contentOf(buildVbt({ name: 'T', bdbVersion: v, blocks: [{ id: 9, data: psr }] }), 9, gen);
      return c?.kind === 'psr'
        ? [c.fields.panels[0].tp1WakeupTime.us, c.fields.panels[0].tp2Tp3WakeupTime.us]
        : c;
    };
    expect(at(200)).toEqual([300, 100]);
    expect(at(210)).toEqual([0, 100]);
    expect(at(210, 8)).toEqual([300, 100]);
    expect(at(160)).toBeUndefined(); // id 9 was the ALM dot-clock table before BDB 165
    // PSR2 TP2/TP3 (BDB 226+), 2 bits per panel: i915 parse_psr() reads 3 as 50 us (igt 1.27.1's
    // table says 5 us; i915 is what drives the panel).
    const psr2 = psr.slice();
    psr2.set([0x03, 0, 0, 0], 96); // panel 0: 3
    const c = contentOf(buildVbt({ name: 'T', bdbVersion: 230, blocks: [{ id: 9, data: psr2 }] }), 9);
    expect(c?.kind === 'psr' && c.fields.panels[0].psr2Tp2Tp3WakeupTime).toEqual({
      value: 3,
      name: '50 us',
      us: 50,
    });
    expect(c?.kind === 'psr' && c.fields.panels[1].psr2Tp2Tp3WakeupTime?.us).toBe(500);
  });
});

describe('identifyBlob says what a file looks like', () => {
  const vbt = buildSyntheticVbt('VMKIT', 221);
  it.each([
    ['VBT', vbt, 'vbt'],
    ['OpRegion', buildOpRegion({ vbt }), 'opregion'],
    ['linker script', encodeLoader(igdOpRegionLoaderFragment({ bdf: '00:02.0' })), 'linker-script'],
    ['PCI config image', catalogueSource('kbl').config.subarray(0, 256), 'pci-config'],
    [
      'lspci text',
      new TextEncoder().encode('00:02.0 VGA\n00: 86 80 16 59 07 04 10 00 02 00 00 03 00 00 00 00\n'),
      'lspci-text',
    ],
    ['ELF', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0), 'elf'],
    ['gzip', Uint8Array.of(0x1f, 0x8b, 8, 0), 'gzip'],
    ['text', new TextEncoder().encode('hello\nworld\n'), 'text'],
    ['zeros', new Uint8Array(100), 'zeros'],
    ['empty', new Uint8Array(0), 'empty'],
    ['unknown', Uint8Array.of(1, 2, 3, 0xff, 0x80), 'unknown'],
  ] as const)('%s', (_name, bytes, kind) => {
    expect(identifyBlob(bytes).kind).toBe(kind);
  });

  it('an option ROM (55 AA, PCIR) with a VBT inside, and a BIOS image by its reset vector', () => {
    const rom = new Uint8Array(0x8000);
    rom.set([0x55, 0xaa, 0x40]);
    rom.set([0x40, 0x00], 0x18);
    rom.set(
      [...'PCIR'].map((c) => c.charCodeAt(0)),
      0x40,
    );
    rom.set([0x86, 0x80, 0x16, 0x59], 0x44);
    rom.set(vbt, 0x1000);
    expect(identifyBlob(rom)).toMatchObject({ kind: 'option-rom', vbtOffset: 0x1000 });
    expect(identifyBlob(rom).description).toMatch(/PCI 8086:5916, with a VBT at offset 0x1000/);
    const bios = new Uint8Array(0x20000);
    bios[0x20000 - 16] = 0xea;
    expect(identifyBlob(bios).description).toMatch(/x86 system BIOS image \(128 KiB/);
    // Only the head of a large file: size and last 16 bytes given separately.
    expect(identifyBlob(new Uint8Array(0xffff), { size: 0x40000, last16: Uint8Array.of(0xea) }).kind).toBe(
      'bios-image',
    );
  });
});
