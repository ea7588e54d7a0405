// The DSDT of a QEMU 7.2 `-machine pc` (i440FX + PIIX3/PIIX4-PM), generated with our AML builder.
// Structure and values follow QEMU hw/i386/acpi-build.c build_dsdt() for the i440FX path
// (build_piix4_isa_bridge, build_isa_devices_aml → the ISA devices' build_aml hooks in
// hw/input/pckbd.c, hw/rtc/mc146818rtc.c, hw/block/fdc-isa.c; build_piix4_pci0_int with build_prt,
// build_iqst_method, build_iqcr_method, build_link_dev; the HPET device; the fw_cfg device from
// hw/nvram/fw_cfg-acpi; \_S3/\_S4/\_S5). PCI/CPU/memory hotplug AML is not emitted (no hotplug here).

import {
  type Aml,
  add,
  amlJoin,
  and,
  arg,
  buffer,
  createDWordField,
  device,
  eisaId,
  elseDo,
  FieldAccess,
  field,
  ifThen,
  increment,
  index,
  int,
  lEqual,
  lGreater,
  lLess,
  lOr,
  local,
  method,
  name,
  One,
  operationRegion,
  or,
  packageOf,
  processor,
  RegionSpace,
  ref,
  resourceTemplate,
  ret,
  scope,
  shiftLeft,
  shiftRight,
  store,
  str,
  whileDo,
  Zero,
} from './aml.js';
import {
  resAddressSpace,
  resDma,
  resInterrupt,
  resIo,
  resIrqNoFlags,
  resMemory32Fixed,
} from './resources.js';

export interface DsdtOptions {
  cpus: number;
  /** 32-bit PCI window [start, end) (QEMU pci-hole: below_4g_mem_size .. IO-APIC 0xFEC00000). */
  pciHole: { start: number; end: number };
  /** 64-bit PCI window [start, end); omitted when start >= end. */
  pciHole64: { start: bigint; end: bigint };
  hpet: boolean;
  hpetBase: number;
  fdc: boolean;
  s3: boolean;
  s4: boolean;
  /** _S4 SLP_TYP value (PIIX4 "s4_val", default 2). */
  s4Value: number;
  gpe0Base: number;
  gpe0Length: number;
  fwCfg: { base: number; dma: boolean } | null;
  /** Other devices on bus 0 (bdf = dev << 3 | fn); function-0 ones get an Sxx node like QEMU's. */
  pciDevices: Array<{ bdf: number; vga?: boolean }>;
  /** More ISA devices (plugged devices' descriptions): a Device with _HID and _CRS each. */
  isaDevices?: IsaDeviceDescription[];
}

export interface IsaDeviceDescription {
  /** AML name (1-4 characters A-Z, 0-9, _). */
  name: string;
  /** 'PNP0501'-style ids are EISA-compressed as QEMU's aml_eisaid; others are strings. */
  hid: string;
  io?: Array<{ base: number; size: number }>;
  irq?: number;
}

function pluggedIsaDevice(d: IsaDeviceDescription): Aml {
  const hid = /^[A-Z]{3}[0-9A-F]{4}$/.test(d.hid) ? eisaId(d.hid) : str(d.hid);
  const res = (d.io ?? []).map((r) => resIo(r.base, r.base, 1, r.size));
  if (d.irq !== undefined) res.push(resIrqNoFlags(d.irq));
  return device(d.name, name('_HID', hid), name('_STA', int(0x0f)), name('_CRS', resourceTemplate(...res)));
}

/**
 * QEMU 7.2 build_append_pci_bus_devices (PCI hotplug AML off): one Device(S<devfn>) with _ADR per
 * function-0 device on bus 0 (multi-function siblings are not described); display-class devices
 * also get _S1D/_S2D/_S3D returning 0 ("VGA is not wakeable from S1-S3").
 */
function pciSlotDevices(devs: DsdtOptions['pciDevices']): Aml[] {
  const vgaByBdf = new Map<number, boolean>();
  for (const d of devs)
    if ((d.bdf & 7) === 0 && d.bdf >> 3 > 1 && d.bdf < 0x100)
      vgaByBdf.set(d.bdf, (vgaByBdf.get(d.bdf) ?? false) || d.vga === true);
  return [...vgaByBdf]
    .sort((a, b) => a[0] - b[0])
    .map(([bdf, vga]) => {
      const n = `S${bdf.toString(16).toUpperCase().padStart(2, '0')}`;
      const terms: Aml[] = [name('_ADR', int((bdf >> 3) << 16))];
      if (vga) for (const m of ['_S1D', '_S2D', '_S3D']) terms.push(method(m, 0, false, ret(Zero)));
      return device(n, ...terms);
    });
}

// Interrupt flags for the PCI link devices: ResourceConsumer, Level, ActiveHigh, Shared
// (QEMU aml_interrupt(AML_CONSUMER, AML_LEVEL, AML_ACTIVE_HIGH, AML_SHARED, ...)).
const LINK_IRQ_FLAGS = 0x09;

/** \_SB.PCI0 _CRS — QEMU build_dsdt: bus 0-0xFF, config ports, I/O and memory windows. */
function pci0Crs(o: DsdtOptions): Aml {
  // General flags 0x0C: MinFixed | MaxFixed, producer, positive decode (aml_word_bus_number etc.).
  const GF = 0x0c;
  const items: Aml[] = [
    resAddressSpace(2, 2, GF, 0, 0n, 0n, 0xffn, 0n, 0x100n),
    resIo(0x0cf8, 0x0cf8, 0x01, 0x08),
    // WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange) — type flags 3
    resAddressSpace(2, 1, GF, 3, 0n, 0n, 0x0cf7n, 0n, 0x0cf8n),
    resAddressSpace(2, 1, GF, 3, 0n, 0x0d00n, 0xffffn, 0n, 0xf300n),
    // VGA window: DWordMemory(..., Cacheable, ReadWrite) — type flags 3
    resAddressSpace(4, 0, GF, 3, 0n, 0xa0000n, 0xbffffn, 0n, 0x20000n),
  ];
  const { start, end } = o.pciHole;
  if (end > start)
    // 32-bit hole: NonCacheable, ReadWrite — type flags 1
    items.push(resAddressSpace(4, 0, GF, 1, 0n, BigInt(start), BigInt(end - 1), 0n, BigInt(end - start)));
  const h = o.pciHole64;
  if (h.end > h.start) items.push(resAddressSpace(8, 0, GF, 3, 0n, h.start, h.end - 1n, 0n, h.end - h.start));
  return resourceTemplate(...items);
}

/** ISA devices as QEMU's build_aml hooks emit them (i8042 → KBD + MOU, FDC, RTC). */
function isaDevices(o: DsdtOptions): Aml[] {
  const out: Aml[] = [
    // hw/input/pckbd.c i8042_build_aml
    device(
      'KBD',
      name('_HID', eisaId('PNP0303')),
      name('_STA', int(0x0f)),
      name('_CRS', resourceTemplate(resIo(0x60, 0x60, 1, 1), resIo(0x64, 0x64, 1, 1), resIrqNoFlags(1))),
    ),
    device(
      'MOU',
      name('_HID', eisaId('PNP0F13')),
      name('_STA', int(0x0f)),
      name('_CRS', resourceTemplate(resIrqNoFlags(12))),
    ),
  ];
  if (o.fdc) {
    // hw/block/fdc-isa.c fdc_isa_build_aml: no drives → _FDE {0,0,0,0, 2 (= "unknown tape")}
    const fde = new Uint8Array(20);
    fde[16] = 2;
    out.push(
      device(
        'FDC0',
        name('_HID', eisaId('PNP0700')),
        name(
          '_CRS',
          resourceTemplate(
            resIo(0x3f2, 0x3f2, 0, 4),
            resIo(0x3f7, 0x3f7, 0, 1),
            resIrqNoFlags(6),
            resDma(0, false, 0, 2),
          ),
        ),
        name('_FDE', buffer(fde)),
      ),
    );
  }
  // hw/rtc/mc146818rtc.c rtc_build_aml
  out.push(
    device(
      'RTC',
      name('_HID', eisaId('PNP0B00')),
      name('_CRS', resourceTemplate(resIo(0x70, 0x70, 1, 8), resIrqNoFlags(8))),
    ),
  );
  for (const d of o.isaDevices ?? []) out.push(pluggedIsaDevice(d));
  return out;
}

/** QEMU build_prt_entry: Package(4) { 0, 0, LNKx, 0 }. */
function prtEntry(link: string): Aml {
  return packageOf([Zero, Zero, ref(link), Zero]);
}

/** QEMU build_prt(true): the PIIX PCI interrupt routing computed in a While loop over 128 entries. */
function prtMethod(): Aml {
  const res = local(0);
  const pin = local(1);
  const slot = local(2);
  const lnk = local(3);
  const route = local(4);
  return method(
    '_PRT',
    0,
    false,
    store(packageOf([], 128), res),
    store(Zero, pin),
    whileDo(
      lLess(pin, int(128)),
      // slot = pin >> 2
      store(shiftRight(pin, int(2)), slot),
      // lnk_idx = (slot + pin) & 3
      store(and(add(pin, slot), int(3)), lnk),
      ifThen(lEqual(lnk, Zero), store(prtEntry('LNKD'), route)),
      // device 1 (the PIIX) INTA → the SCI link LNKS
      ifThen(
        lEqual(lnk, One),
        ifThen(lEqual(pin, int(4)), store(prtEntry('LNKS'), route)),
        elseDo(store(prtEntry('LNKA'), route)),
      ),
      ifThen(lEqual(lnk, int(2)), store(prtEntry('LNKB'), route)),
      ifThen(lEqual(lnk, int(3)), store(prtEntry('LNKC'), route)),
      // route[0] = 0x[slot]FFFF; route[1] = pin & 3; res[pin] = route
      store(or(shiftLeft(slot, int(16)), int(0xffff)), index(route, Zero)),
      store(and(pin, int(3)), index(route, One)),
      store(route, index(res, pin)),
      increment(pin),
    ),
    ret(res),
  );
}

/** PCI interrupt link LNKx driven by PIIX PIRQ route register PRQn (QEMU build_link_dev). */
function linkDevice(n: string, uid: number, reg: string): Aml {
  return device(
    n,
    name('_HID', eisaId('PNP0C0F')),
    name('_UID', int(uid)),
    name('_PRS', resourceTemplate(resInterrupt(LINK_IRQ_FLAGS, [5, 10, 11]))),
    method('_STA', 0, false, ret(ref('IQST', ref(reg)))),
    method('_DIS', 0, false, or(ref(reg), int(0x80), ref(reg))),
    method('_CRS', 0, false, ret(ref('IQCR', ref(reg)))),
    method('_SRS', 1, false, createDWordField(arg(0), int(5), 'PRRI'), store(ref('PRRI'), ref(reg))),
  );
}

/** QEMU build_piix4_pci0_int: _PRT, IQST/IQCR helpers and the link devices (PRQn live in S08). */
function pci0Interrupts(): Aml {
  return scope(
    '\\_SB',
    scope('PCI0', prtMethod()),
    // IQST: bit 7 set = routing disabled → 0x09 (present, not enabled), else 0x0B
    method('IQST', 1, false, ifThen(and(int(0x80), arg(0)), ret(int(0x09))), ret(int(0x0b))),
    method(
      'IQCR',
      1,
      true,
      name('PRR0', resourceTemplate(resInterrupt(LINK_IRQ_FLAGS, [0]))),
      createDWordField(ref('PRR0'), int(5), 'PRRI'),
      ifThen(lLess(arg(0), int(0x80)), store(arg(0), ref('PRRI'))),
      ret(ref('PRR0')),
    ),
    linkDevice('LNKA', 0, 'PRQ0'),
    linkDevice('LNKB', 1, 'PRQ1'),
    linkDevice('LNKC', 2, 'PRQ2'),
    linkDevice('LNKD', 3, 'PRQ3'),
    // LNKS: the SCI, fixed at GSI 9
    device(
      'LNKS',
      name('_HID', eisaId('PNP0C0F')),
      name('_UID', int(4)),
      name('_PRS', resourceTemplate(resInterrupt(LINK_IRQ_FLAGS, [9]))),
      method('_STA', 0, false, ret(int(0x0b))),
      method('_DIS', 0, false),
      method('_CRS', 0, false, ret(ref('_PRS'))),
      method('_SRS', 1, false),
    ),
  );
}

/** QEMU build_hpet_aml: HPET device with _STA checking the vendor id and period. */
function hpetDevice(base: number): Aml {
  return scope(
    '\\_SB',
    device(
      'HPET',
      name('_HID', eisaId('PNP0103')),
      name('_UID', Zero),
      operationRegion('HPTM', RegionSpace.SystemMemory, int(base), 0x400),
      field(
        'HPTM',
        FieldAccess.DWord,
        [
          ['VEND', 32],
          ['PRD', 32],
        ],
        true, // Lock
      ),
      method(
        '_STA',
        0,
        false,
        store(ref('VEND'), local(0)),
        store(ref('PRD'), local(1)),
        shiftRight(local(0), int(16), local(0)),
        ifThen(lOr(lEqual(local(0), Zero), lEqual(local(0), int(0xffff))), ret(Zero)),
        ifThen(lOr(lEqual(local(1), Zero), lGreater(local(1), int(100000000))), ret(Zero)),
        ret(int(0x0f)),
      ),
      name('_CRS', resourceTemplate(resMemory32Fixed(base, 0x400, false))),
    ),
  );
}

/** Processor objects for the CPUs (the MADT is authoritative; these give the OS a namespace node). */
function cpuObjects(cpus: number): Aml {
  const procs: Aml[] = [];
  for (let i = 0; i < cpus; i++) {
    const id = i.toString(16).toUpperCase().padStart(3, '0');
    // _MAT: the MADT Processor Local APIC entry of this CPU (type 0, len 8, uid, apic id, enabled)
    procs.push(
      processor(`C${id}`, i, 0, 0, name('_MAT', buffer([0, 8, i, i, 1, 0, 0, 0])), name('_STA', int(0x0f))),
    );
  }
  return scope(
    '\\_SB',
    device('CPUS', name('_HID', str('ACPI0010')), name('_CID', eisaId('PNP0A05')), ...procs),
  );
}

/** Builds the complete DSDT (header included; checksum left 0 for the loader). */
export function buildDsdtBody(o: DsdtOptions): Aml {
  const terms: Aml[] = [];
  // \_SB.PCI0 — QEMU build_dsdt (i440FX): PNP0A03, _ADR 0, _UID 0
  terms.push(
    scope('\\_SB', device('PCI0', name('_HID', eisaId('PNP0A03')), name('_ADR', Zero), name('_UID', Zero))),
  );
  terms.push(pci0Interrupts());
  if (o.hpet) terms.push(hpetDevice(o.hpetBase));
  terms.push(scope('\\_GPE', name('_HID', str('ACPI0006'))));
  terms.push(cpuObjects(o.cpus));
  // PCI0 resources + the GPE0 block reservation (QEMU build_dsdt "GPE0 resources")
  terms.push(
    scope(
      '\\_SB.PCI0',
      name('_CRS', pci0Crs(o)),
      device(
        'GPE0',
        name('_HID', str('PNP0A06')),
        name('_UID', str('GPE0 resources')),
        name('_STA', int(0x0b)),
        name('_CRS', resourceTemplate(resIo(o.gpe0Base, o.gpe0Base, 1, o.gpe0Length))),
      ),
    ),
  );
  // \_S3/\_S4/\_S5 (QEMU build_dsdt: Package(4) { SLP_TYPa, SLP_TYPb, 0, 0 })
  const sleep: Aml[] = [];
  if (o.s3) sleep.push(name('_S3', packageOf([One, One, Zero, Zero])));
  if (o.s4) sleep.push(name('_S4', packageOf([int(o.s4Value), int(o.s4Value), Zero, Zero])));
  sleep.push(name('_S5', packageOf([Zero, Zero, Zero, Zero])));
  terms.push(scope('\\', ...sleep));
  if (o.fwCfg) {
    // hw/nvram/fw_cfg-acpi (fw_cfg_add_acpi_dsdt): QEMU0002, I/O ports base..base+0x0B with DMA
    terms.push(
      scope(
        '\\_SB.PCI0',
        device(
          'FWCF',
          name('_HID', str('QEMU0002')),
          name('_STA', int(0x0b)),
          name('_CRS', resourceTemplate(resIo(o.fwCfg.base, o.fwCfg.base, 1, o.fwCfg.dma ? 0x0c : 0x02))),
        ),
      ),
    );
  }
  // The root bus devices as QEMU 7.2 build_append_pci_bus_devices names them (S%02X by devfn):
  // the host bridge S00 and the PIIX3 ISA bridge S08 at 00:01.0, whose build_aml hook
  // (hw/isa/piix3.c / build_piix4_isa_bridge) adds the PIRQ route registers and the ISA devices.
  terms.push(
    scope(
      '\\_SB',
      scope(
        'PCI0',
        device('S00', name('_ADR', Zero)),
        device(
          'S08',
          name('_ADR', int(0x00010000)),
          operationRegion('P40C', RegionSpace.PCI_Config, int(0x60), 4),
          // PIIX3 PIRQRC[A:D] at config 0x60..0x63 (used by the LNKx methods)
          scope(
            '\\_SB',
            field('PCI0.S08.P40C', FieldAccess.Byte, [
              ['PRQ0', 8],
              ['PRQ1', 8],
              ['PRQ2', 8],
              ['PRQ3', 8],
            ]),
          ),
          ...isaDevices(o),
        ),
        ...pciSlotDevices(o.pciDevices),
      ),
    ),
  );
  return amlJoin(...terms);
}
