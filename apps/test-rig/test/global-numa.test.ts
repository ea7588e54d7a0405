// -global and -numa in the qtest shim: QEMU 7.2's grammar and error texts (softmmu/qdev-monitor.c
// qemu_global_option, qom/object.c object_apply_global_props, hw/core/numa.c), their effect seen
// the way a qtest sees it (ports, fw_cfg through @vmkit/qos).
import { FwCfgKey } from '@vmkit/fw-cfg';
import { qfwCfg } from '@vmkit/qos';
import { describe, expect, it } from 'vitest';
import { parseQemuArgs, QemuUsageError } from '../src/qemu-args.js';
import { buildQtestMachine, type HostEnv } from '../src/qemu-machine.js';

function host(warnings: string[] = []): HostEnv {
  return {
    readFile: () => null,
    findDataFile: (name) =>
      name === 'bios-256k.bin' ? Uint8Array.from({ length: 65536 }, (_, i) => i & 0xff) : null,
    wallClock: () => ({ utc: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), tzOffsetMinutes: 0 }),
    warn: (w) => warnings.push(w),
  };
}

const build = (args: string, env = host()) => buildQtestMachine(parseQemuArgs(args.split(' ')), env);

function refused(args: string): string {
  try {
    build(args);
  } catch (e) {
    expect(e).toBeInstanceOf(QemuUsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${args}`);
}

const u64s = (b: Uint8Array) => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: b.length / 8 }, (_, i) => Number(v.getBigUint64(i * 8, true)));
};

describe('-global', () => {
  it('parses both forms QEMU accepts', () => {
    expect(parseQemuArgs(['-global', 'isa-debugcon.iobase=0x403']).globals).toEqual([
      { driver: 'isa-debugcon', property: 'iobase', value: '0x403' },
    ]);
    expect(parseQemuArgs(['-global', 'driver=edu,property=dma_mask,value=0xffffffff']).globals).toEqual([
      { driver: 'edu', property: 'dma_mask', value: '0xffffffff' },
    ]);
    expect(() => parseQemuArgs(['-global', 'driver=edu,value=1'])).toThrow(
      "-global driver=edu,value=1: options 'driver', 'property', and 'value' are required",
    );
  });

  it("sets a registry device's property as a default; values set explicitly (by the board, by -device) win", () => {
    // The board plugs its isa-debugcon with iobase=0x402 set, as QEMU boards set their own
    // properties after the globals: the global's iobase does not move it, its readback applies.
    const m = build('-global isa-debugcon.readback=0x5a -global isa-debugcon.iobase=0x403');
    expect(m.target.in(0x402, 1)).toBe(0x5a);
    // A -device without its own iobase takes the global's; one with its own keeps it.
    const n = build(
      '-global isa-debugcon.iobase=0x404 -device isa-debugcon,id=d2 -device isa-debugcon,id=d3,iobase=0x405',
    );
    expect(n.target.in(0x404, 1)).toBe(0xe9);
    expect(n.target.in(0x405, 1)).toBe(0xe9);
    expect(n.target.in(0x403, 1)).toBe(0xff); // nothing there
  });

  it('the registry checks a global value as it checks -device text', () => {
    expect(refused('-global isa-debugcon.readback=0x1ff')).toMatch(/readback/);
  });

  it("refuses a property vmkit does not have with QEMU's text", () => {
    expect(refused('-global isa-debugcon.chardev=foo')).toBe(
      "can't apply global isa-debugcon.chardev=foo: Property 'isa-debugcon.chardev' not found",
    );
    expect(refused('-global PIIX4_PM.disable_s3=1')).toBe(
      "can't apply global PIIX4_PM.disable_s3=1: Property 'PIIX4_PM.disable_s3' not found",
    );
    expect(refused('-global driver=edu,property=nothere,value=1')).toBe(
      "can't apply global edu.nothere=1: Property 'edu.nothere' not found",
    );
  });

  it('board properties vmkit has: fw_cfg_io.dma_enabled=on is what the board does, off is refused', () => {
    const m = build('-global fw_cfg_io.dma_enabled=on');
    expect(qfwCfg(m.target).detect()).toEqual({ present: true, dma: true });
    expect(refused('-global fw_cfg_io.dma_enabled=off')).toBe(
      "can't apply global fw_cfg_io.dma_enabled=off: vmkit's fw_cfg always offers the DMA interface (dma_enabled=on)",
    );
    expect(refused('-global fw_cfg_io.dma_enabled=maybe')).toMatch(/expects 'on' or 'off'/);
  });

  it('a driver nobody knows is a warning, as QEMU (qdev_prop_check_globals)', () => {
    const warnings: string[] = [];
    build('-global virtio-blk-pci.foo=1', host(warnings));
    expect(warnings).toEqual(['global virtio-blk-pci.foo has invalid class name']);
  });
});

describe('-numa', () => {
  const numaItem = (args: string) => {
    const m = build(args);
    return u64s(qfwCfg(m.target).readItem(FwCfgKey.NUMA, 8 * 4));
  };

  it('without -numa, FW_CFG_NUMA says no nodes (one APIC ID word)', () => {
    expect(u64s(qfwCfg(build('-m 128M').target).readItem(FwCfgKey.NUMA, 16))).toEqual([0, 0]);
  });

  it('one node backed by a memory-backend-ram: node count, the CPU node, the node memory', () => {
    expect(
      numaItem('-m 128M -object memory-backend-ram,id=m0,size=128M -numa node,memdev=m0').slice(0, 3),
    ).toEqual([1, 0, 128 * 2 ** 20]);
  });

  it('two nodes, the CPU placed on node 1 by -numa cpu, distances checked', () => {
    const args =
      '-m 256M -object memory-backend-ram,id=a,size=64M -object memory-backend-ram,id=b,size=192M ' +
      '-numa node,nodeid=0,memdev=a -numa node,nodeid=1,memdev=b -numa cpu,node-id=1,socket-id=0 ' +
      '-numa dist,src=0,dst=1,val=20';
    expect(numaItem(args)).toEqual([2, 1, 64 * 2 ** 20, 192 * 2 ** 20]);
    expect(
      numaItem('-m 128M -object memory-backend-ram,id=a,size=128M -numa node,memdev=a,cpus=0').slice(0, 3),
    ).toEqual([1, 0, 128 * 2 ** 20]);
  });

  it("refuses what QEMU 7.2's pc-i440fx-7.2 refuses, with its texts", () => {
    expect(refused('-numa node,mem=128M')).toBe(
      '-numa node,mem=128M: Parameter -numa node,mem is not supported by this machine type\nUse -numa node,memdev instead',
    );
    expect(refused('-numa node')).toBe('total memory for NUMA nodes (0x0) should equal RAM size (0x8000000)');
    expect(refused('-object memory-backend-ram,id=a,size=64M -numa node,memdev=a')).toBe(
      'total memory for NUMA nodes (0x4000000) should equal RAM size (0x8000000)',
    );
    expect(refused('-numa node,memdev=zz')).toBe('-numa node,memdev=zz: memdev=zz is ambiguous');
    expect(refused('-numa node,nodeid=1')).toBe('numa: Node ID missing: 0');
    expect(refused('-numa node -numa node,nodeid=0')).toBe('-numa node,nodeid=0: Duplicate NUMA nodeid: 0');
    expect(refused('-numa node,cpus=1')).toBe(
      '-numa node,cpus=1: CPU index (1) should be smaller than maxcpus (1)',
    );
    expect(refused('-numa node -numa dist,src=0,dst=1,val=20')).toMatch(
      /Source\/Destination NUMA node is missing/,
    );
    expect(refused('-numa node -numa dist,src=0,dst=0,val=20')).toMatch(
      /Local distance of node 0 should be 10\./,
    );
    expect(refused('-numa node -numa dist,src=0,dst=0,val=5')).toMatch(/NUMA distance \(5\) is invalid/);
    expect(refused('-numa cpu,socket-id=0')).toBe(
      '-numa cpu,socket-id=0: Missing mandatory node-id property',
    );
    expect(refused('-numa cpu,node-id=3')).toMatch(/Invalid node-id=3, NUMA node must be defined/);
    expect(refused('-numa hmat-lb,initiator=0')).toMatch(/HMAT\) is disabled/);
    expect(refused('-numa bogus')).toBe("-numa bogus: Parameter 'type' does not accept value 'bogus'");
    expect(refused('-machine none -numa node')).toBe(
      '-numa node: NUMA is not supported by this machine-type',
    );
    expect(refused('-object memory-backend-file,id=a,size=1M')).toMatch(/only -object memory-backend-ram/);
    expect(refused('-object memory-backend-ram,id=a')).toBe(
      "-object memory-backend-ram,id=a: can't create backend with size 0",
    );
  });
});
