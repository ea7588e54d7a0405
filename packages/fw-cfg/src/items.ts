// Builders for the standard fw_cfg items a PC machine publishes. Layouts and defaults from QEMU
// hw/nvram/fw_cfg.c (fw_cfg_common_realize, fw_cfg_bootsplash, fw_cfg_reboot), hw/i386/fw_cfg.c
// (fw_cfg_arch_create), include/hw/timer/hpet.h (struct hpet_fw_config) and
// hw/i386/e820_memory_layout.h (struct e820_entry).

import { u16, u32, u64, utf8Encode } from './bytes.js';
import { FwCfgKey } from './constants.js';
import type { FwCfg } from './device.js';

export interface E820Entry {
  addr: number | bigint;
  len: number | bigint;
  /** E820Type.RAM (1), RESERVED (2), ACPI (3), NVS (4), UNUSABLE (5), or any u32. */
  type: number;
}

/** `etc/e820`: packed little-endian `{u64 addr; u64 len; u32 type}` (20 bytes each). */
export function encodeE820(entries: readonly E820Entry[]): Uint8Array {
  const out = new Uint8Array(entries.length * 20);
  const dv = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const what = `encodeE820 entry ${i}`;
    out.set(u64(e.addr, `${what} addr`), i * 20);
    out.set(u64(e.len, `${what} len`), i * 20 + 8);
    u32(e.type, `${what} type`);
    dv.setUint32(i * 20 + 16, e.type, true);
  });
  return out;
}

/** Decode `etc/e820` bytes (length must be a multiple of 20). */
export function decodeE820(bytes: Uint8Array): E820Entry[] {
  if (bytes.length % 20 !== 0) {
    throw new RangeError(`decodeE820: length ${bytes.length} is not a multiple of 20`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: E820Entry[] = [];
  for (let o = 0; o < bytes.length; o += 20) {
    out.push({
      addr: dv.getBigUint64(o, true),
      len: dv.getBigUint64(o + 8, true),
      type: dv.getUint32(o + 16, true),
    });
  }
  return out;
}

/** UUID (key 0x02): the 16 bytes in the textual order (QEMU qemu_uuid_parse; fw_cfg-test uuid). */
export function encodeUuid(uuid: string | Uint8Array): Uint8Array {
  if (uuid instanceof Uint8Array) {
    if (uuid.length !== 16) throw new RangeError(`encodeUuid: expected 16 bytes, got ${uuid.length}`);
    return uuid.slice();
  }
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(uuid);
  if (!m)
    throw new RangeError(`encodeUuid: "${uuid}" is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`);
  const hex = m.slice(1).join('');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export interface NumaConfig {
  /** Node of each APIC ID below the APIC-ID limit (index = APIC ID). */
  apicToNode: readonly number[];
  /** Memory of each node in bytes. */
  nodeMemory: readonly (number | bigint)[];
}

/** FW_CFG_NUMA: u64 LE words — node count, one per APIC ID (its node), one per node (its memory)
 * (QEMU hw/i386/fw_cfg.c fw_cfg_arch_create). */
export function encodeNuma(cfg: NumaConfig): Uint8Array {
  const words = 1 + cfg.apicToNode.length + cfg.nodeMemory.length;
  const out = new Uint8Array(words * 8);
  out.set(u64(cfg.nodeMemory.length, 'encodeNuma node count'), 0);
  cfg.apicToNode.forEach((n, i) => {
    out.set(u64(n, `encodeNuma apicToNode[${i}]`), 8 + i * 8);
  });
  cfg.nodeMemory.forEach((m, i) => {
    out.set(u64(m, `encodeNuma nodeMemory[${i}]`), 8 * (1 + cfg.apicToNode.length + i));
  });
  return out;
}

export interface HpetBlock {
  eventTimerBlockId: number;
  address: number | bigint;
  minTick: number;
  pageProt: number;
}

/** FW_CFG_HPET: packed `struct hpet_fw_config { u8 count; struct { u32 event_timer_block_id;
 * u64 address; u16 min_tick; u8 page_prot; } hpet[8]; }` (121 bytes, LE). QEMU's default before an
 * HPET is realized is count = 0xff (hw/i386/fw_cfg.c hpet_cfg). */
export function encodeHpet(blocks: readonly HpetBlock[] | null): Uint8Array {
  const out = new Uint8Array(1 + 8 * 15);
  if (blocks === null) {
    out[0] = 0xff;
    return out;
  }
  if (blocks.length > 8) throw new RangeError(`encodeHpet: at most 8 HPET blocks, got ${blocks.length}`);
  out[0] = blocks.length;
  const dv = new DataView(out.buffer);
  blocks.forEach((b, i) => {
    const o = 1 + i * 15;
    out.set(u32(b.eventTimerBlockId, `encodeHpet[${i}].eventTimerBlockId`), o);
    out.set(u64(b.address, `encodeHpet[${i}].address`), o + 4);
    out.set(u16(b.minTick, `encodeHpet[${i}].minTick`), o + 12);
    if (!Number.isInteger(b.pageProt) || b.pageProt < 0 || b.pageProt > 0xff) {
      throw new RangeError(`encodeHpet[${i}].pageProt: ${b.pageProt} is not a u8`);
    }
    dv.setUint8(o + 14, b.pageProt);
  });
  return out;
}

/** `bootorder`: newline-separated OpenFirmware device paths, NUL-terminated (QEMU
 * get_boot_devices_list). */
export function encodeBootOrder(paths: readonly string[]): Uint8Array {
  const b = utf8Encode(paths.map((p) => `${p}\n`).join(''));
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

export interface StandardItems {
  /** FW_CFG_UUID; default all zeros (QEMU's qemu_uuid when -uuid is not given). */
  uuid?: string | Uint8Array;
  /** FW_CFG_RAM_SIZE (u64). */
  ramSize?: number | bigint;
  /** FW_CFG_NB_CPUS (u16): boot CPUs. */
  nbCpus?: number;
  /** FW_CFG_MAX_CPUS (u16): on x86 the APIC-ID limit. */
  maxCpus?: number;
  /** FW_CFG_NOGRAPHIC (u16); default false. */
  nographic?: boolean;
  /** FW_CFG_BOOT_MENU (u16); default false. */
  bootMenu?: boolean;
  /** `etc/boot-menu-wait` (u16 LE, ms), only when given (QEMU -boot splash-time). 0..65535. */
  splashTime?: number;
  /** `etc/boot-fail-wait` (u32 LE, ms); -1 = never reboot (0xffffffff). Default -1. -1..65535. */
  rebootTimeout?: number;
  /** FW_CFG_NUMA. Default when maxCpus is given: no nodes, maxCpus zero words. */
  numa?: NumaConfig;
  /** FW_CFG_IRQ0_OVERRIDE (u32), x86: QEMU always publishes 1. */
  irq0Override?: boolean;
  /** FW_CFG_HPET; null = QEMU's "no HPET configured" (count 0xff). */
  hpet?: readonly HpetBlock[] | null;
  /** `etc/e820`. */
  e820?: readonly E820Entry[];
  /** `bootorder`. */
  bootOrder?: readonly string[];
}

/** Register the standard items (each optional field only when given, except the ones QEMU always
 * publishes: UUID, NOGRAPHIC, BOOT_MENU, etc/boot-fail-wait). */
export function addStandardItems(fw: FwCfg, cfg: StandardItems = {}): void {
  fw.addItem(FwCfgKey.UUID, encodeUuid(cfg.uuid ?? new Uint8Array(16)));
  fw.addItem(FwCfgKey.NOGRAPHIC, u16(cfg.nographic ? 1 : 0));
  fw.addItem(FwCfgKey.BOOT_MENU, u16(cfg.bootMenu ? 1 : 0));
  if (cfg.splashTime !== undefined) fw.addFile('etc/boot-menu-wait', u16(cfg.splashTime, 'splashTime'));
  const rt = cfg.rebootTimeout ?? -1;
  if (rt !== -1 && (!Number.isInteger(rt) || rt < 0 || rt > 0xffff)) {
    throw new RangeError(`rebootTimeout: ${rt} must be -1 or an integer in 0..65535 (QEMU fw_cfg_reboot)`);
  }
  fw.addFile('etc/boot-fail-wait', u32(rt === -1 ? 0xffffffff : rt, 'rebootTimeout'));
  if (cfg.nbCpus !== undefined) fw.addItem(FwCfgKey.NB_CPUS, u16(cfg.nbCpus, 'nbCpus'));
  if (cfg.maxCpus !== undefined) fw.addItem(FwCfgKey.MAX_CPUS, u16(cfg.maxCpus, 'maxCpus'));
  if (cfg.ramSize !== undefined) fw.addItem(FwCfgKey.RAM_SIZE, u64(cfg.ramSize, 'ramSize'));
  if (cfg.numa !== undefined) fw.addItem(FwCfgKey.NUMA, encodeNuma(cfg.numa));
  else if (cfg.maxCpus !== undefined) {
    fw.addItem(FwCfgKey.NUMA, encodeNuma({ apicToNode: new Array(cfg.maxCpus).fill(0), nodeMemory: [] }));
  }
  if (cfg.irq0Override !== undefined) fw.addItem(FwCfgKey.IRQ0_OVERRIDE, u32(cfg.irq0Override ? 1 : 0));
  if (cfg.hpet !== undefined) fw.addItem(FwCfgKey.HPET, encodeHpet(cfg.hpet));
  if (cfg.e820 !== undefined) fw.addFile('etc/e820', encodeE820(cfg.e820));
  if (cfg.bootOrder !== undefined) fw.addFile('bootorder', encodeBootOrder(cfg.bootOrder));
}

/** What QEMU's `-kernel`/`-initrd`/`-append` publish (hw/i386/x86.c x86_load_linux): addresses and
 * sizes as u32 items, the bytes as data items. The caller computes placement and header patches. */
export interface LinuxBootItems {
  setupAddr: number;
  setup: Uint8Array;
  kernelAddr: number;
  kernel: Uint8Array;
  cmdlineAddr: number;
  /** NUL-terminated. */
  cmdline: Uint8Array;
  initrdAddr: number | null;
  initrd: Uint8Array | null;
}

/** Register FW_CFG_{KERNEL,SETUP,INITRD,CMDLINE}_{ADDR,SIZE,DATA} as QEMU does (no INITRD_* items
 * without an initrd; FW_CFG_CMDLINE_SIZE counts the NUL). linuxboot_dma.bin reads exactly these. */
export function addLinuxBootItems(fw: FwCfg, items: LinuxBootItems): void {
  const u32item = (key: number, v: number, what: string) => fw.addItem(key, u32(v, what));
  u32item(FwCfgKey.CMDLINE_ADDR, items.cmdlineAddr, 'cmdlineAddr');
  u32item(FwCfgKey.CMDLINE_SIZE, items.cmdline.length, 'cmdline size');
  fw.addItem(FwCfgKey.CMDLINE_DATA, items.cmdline);
  if (items.initrd && items.initrdAddr !== null) {
    u32item(FwCfgKey.INITRD_ADDR, items.initrdAddr, 'initrdAddr');
    u32item(FwCfgKey.INITRD_SIZE, items.initrd.length, 'initrd size');
    fw.addItem(FwCfgKey.INITRD_DATA, items.initrd);
  }
  u32item(FwCfgKey.KERNEL_ADDR, items.kernelAddr, 'kernelAddr');
  u32item(FwCfgKey.KERNEL_SIZE, items.kernel.length, 'kernel size');
  fw.addItem(FwCfgKey.KERNEL_DATA, items.kernel);
  u32item(FwCfgKey.SETUP_ADDR, items.setupAddr, 'setupAddr');
  u32item(FwCfgKey.SETUP_SIZE, items.setup.length, 'setup size');
  fw.addItem(FwCfgKey.SETUP_DATA, items.setup);
}
