// fw_cfg helpers over a QosTarget: @vmkit/fw-cfg's guest-side client (the accesses SeaBIOS and
// QEMU's libqos fw_cfg.c make: selector 0x510, data 0x511, DMA address 0x514/0x518, the file
// directory at key 0x19) driven through the target's ports and memory.

import { FwCfgClient, type FwCfgClientOptions, type PhysMem, type PortIo } from '@vmkit/fw-cfg';
import type { QosTarget } from './target.js';

/** The target's port space as a CPU sees it. */
export function targetPorts(t: QosTarget): PortIo {
  return {
    in8: (p) => t.in(p, 1),
    in16: (p) => t.in(p, 2),
    in32: (p) => t.in(p, 4),
    out8: (p, v) => t.out(p, 1, v),
    out16: (p, v) => t.out(p, 2, v),
    out32: (p, v) => t.out(p, 4, v),
  };
}

/** The target's physical memory (for DMA descriptors and buffers). */
export function targetMemory(t: QosTarget): PhysMem {
  return {
    read8: (a) => Number(t.read(a, 1)),
    read32: (a) => Number(t.read(a, 4)),
    write32: (a, v) => t.write(a, 4, BigInt(v >>> 0)),
    readBytes: (a, len) => t.readBytes(a, len),
    writeBytes: (a, d) => t.writeBytes(a, d),
  };
}

/** A fw_cfg client on the target (I/O ports at `opts.base`, default 0x510; DMA scratch in guest
 * RAM at `opts.dmaDescriptorAddr`, default 0x6000, saved and restored around each transfer). */
export function qfwCfg(t: QosTarget, opts: FwCfgClientOptions = {}): FwCfgClient {
  return new FwCfgClient(targetPorts(t), targetMemory(t), opts);
}
