// -numa and the -object memory backends it names, as QEMU 7.2 checks them (hw/core/numa.c
// parse_numa_node / parse_numa_distance / set_numa_options / numa_complete_configuration) for the
// pc-i440fx-7.2 machine: `mem=` is refused there (numa_mem_supported is false since 5.1), node
// memory comes from `memdev=` backends, node ids must be dense and the nodes' memory must add up to
// -m. What a guest sees of the result in vmkit is fw_cfg FW_CFG_NUMA, filled as QEMU's
// fw_cfg_arch_create does (node count, the node of each APIC ID, each node's memory).

import type { NumaConfig } from '@vmkit/fw-cfg';
import { parseKeyval, parseSizeMiB, QemuUsageError } from './qemu-args.js';

/** QEMU include/sysemu/numa.h */
const MAX_NODES = 128;
const NUMA_DISTANCE_MIN = 10;

export interface MemoryBackend {
  id: string;
  size: number;
}

interface NumaNode {
  mem: number;
  cpus: number[];
}

/** -object qom-type,id=…,size=… — only memory-backend-ram (plain RAM is all vmkit has). */
export function parseObjectOption(opt: string, arg: string): MemoryBackend {
  const kv = parseKeyval(arg, 'qom-type');
  const type = kv.get('qom-type');
  if (type !== 'memory-backend-ram')
    throw new QemuUsageError(`${opt}: vmkit's qtest shim supports only -object memory-backend-ram`);
  const id = kv.get('id');
  if (!id) throw new QemuUsageError(`${opt}: Parameter 'id' is missing`);
  for (const k of kv.keys()) {
    if (!['qom-type', 'id', 'size', 'share', 'merge', 'dump', 'prealloc'].includes(k))
      throw new QemuUsageError(`${opt}: Property 'memory-backend-ram.${k}' not found`);
  }
  const size = parseSizeMiB(kv.get('size') ?? '0');
  if (size === null) throw new QemuUsageError(`${opt}: Parameter 'size' expects a size`);
  // host_memory_backend_memory_complete: a backend needs a size.
  if (size === 0) throw new QemuUsageError(`${opt}: can't create backend with size 0`);
  return { id, size };
}

/** The -numa options and backends of one command line, checked in order as QEMU does. */
export class NumaBuilder {
  private readonly nodes = new Map<number, NumaNode>();
  /** -numa dist entries, checked (QEMU puts them in the ACPI SLIT, which vmkit does not build). */
  readonly distances: Array<{ src: number; dst: number; val: number }> = [];
  /** APIC ID 0 (the one CPU) → node, when -numa node,cpus= or -numa cpu placed it. */
  private cpuNode: number | null = null;

  constructor(private readonly backends: readonly MemoryBackend[]) {}

  /** One -numa option (`opt` is "-numa ARG" for messages). */
  add(opt: string, arg: string): void {
    const kv = parseKeyval(arg, 'type');
    const type = kv.get('type');
    kv.delete('type');
    if (type === 'node') this.node(opt, kv);
    else if (type === 'dist') this.dist(opt, kv);
    else if (type === 'cpu') this.cpu(opt, kv);
    else if (type === 'hmat-lb' || type === 'hmat-cache')
      // -machine hmat=on is not a property the shim accepts, so HMAT is always disabled.
      throw new QemuUsageError(
        `${opt}: ACPI Heterogeneous Memory Attribute Table (HMAT) is disabled, enable it with -machine hmat=on before using any of hmat specific options`,
      );
    else throw new QemuUsageError(`${opt}: Parameter 'type' does not accept value '${type ?? ''}'`);
  }

  private node(opt: string, kv: Map<string, string>): void {
    for (const k of kv.keys()) {
      if (!['nodeid', 'cpus', 'mem', 'memdev', 'initiator'].includes(k))
        throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
    }
    const nodeid = kv.has('nodeid') ? uint(opt, 'nodeid', kv.get('nodeid')!, 0xffff) : this.nodes.size;
    if (nodeid >= MAX_NODES) throw new QemuUsageError(`${opt}: Max number of NUMA nodes reached: ${nodeid}`);
    if (this.nodes.has(nodeid)) throw new QemuUsageError(`${opt}: Duplicate NUMA nodeid: ${nodeid}`);
    if (kv.has('initiator'))
      throw new QemuUsageError(
        `${opt}: ACPI Heterogeneous Memory Attribute Table (HMAT) is disabled, enable it with -machine hmat=on before using any of hmat specific options`,
      );
    const cpus = kv.has('cpus') ? cpuList(opt, kv.get('cpus')!) : [];
    for (const c of cpus) {
      // One CPU: max_cpus is 1 (-smp 1).
      if (c >= 1) throw new QemuUsageError(`${opt}: CPU index (${c}) should be smaller than maxcpus (1)`);
      this.cpuNode = nodeid;
    }
    if (kv.has('mem'))
      throw new QemuUsageError(
        `${opt}: Parameter -numa node,mem is not supported by this machine type\nUse -numa node,memdev instead`,
      );
    let mem = 0;
    const memdev = kv.get('memdev');
    if (memdev !== undefined) {
      const b = this.backends.find((x) => x.id === memdev);
      // QEMU's wording for a memdev that resolves to no backend.
      if (!b) throw new QemuUsageError(`${opt}: memdev=${memdev} is ambiguous`);
      mem = b.size;
    }
    this.nodes.set(nodeid, { mem, cpus });
  }

  private dist(opt: string, kv: Map<string, string>): void {
    for (const k of kv.keys()) {
      if (!['src', 'dst', 'val'].includes(k)) throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
    }
    for (const k of ['src', 'dst', 'val']) {
      if (!kv.has(k)) throw new QemuUsageError(`${opt}: Parameter '${k}' is missing`);
    }
    const src = uint(opt, 'src', kv.get('src')!, 0xffff);
    const dst = uint(opt, 'dst', kv.get('dst')!, 0xffff);
    const val = uint(opt, 'val', kv.get('val')!, 0xff);
    if (src >= MAX_NODES || dst >= MAX_NODES)
      throw new QemuUsageError(
        `${opt}: Parameter '${src >= MAX_NODES ? 'src' : 'dst'}' expects an integer between 0 and ${MAX_NODES - 1}`,
      );
    if (!this.nodes.has(src) || !this.nodes.has(dst))
      throw new QemuUsageError(
        `${opt}: Source/Destination NUMA node is missing. Please use '-numa node' option to declare it first.`,
      );
    if (val < NUMA_DISTANCE_MIN)
      throw new QemuUsageError(
        `${opt}: NUMA distance (${val}) is invalid, it shouldn't be less than ${NUMA_DISTANCE_MIN}.`,
      );
    if (src === dst && val !== NUMA_DISTANCE_MIN)
      throw new QemuUsageError(`${opt}: Local distance of node ${src} should be ${NUMA_DISTANCE_MIN}.`);
    this.distances.push({ src, dst, val });
  }

  private cpu(opt: string, kv: Map<string, string>): void {
    for (const k of kv.keys()) {
      if (!['node-id', 'socket-id', 'die-id', 'core-id', 'thread-id'].includes(k))
        throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
    }
    if (!kv.has('node-id')) throw new QemuUsageError(`${opt}: Missing mandatory node-id property`);
    const node = uint(opt, 'node-id', kv.get('node-id')!, 2 ** 31);
    if (!this.nodes.has(node))
      throw new QemuUsageError(
        `${opt}: Invalid node-id=${node}, NUMA node must be defined with -numa node,nodeid=ID before it's used with -numa cpu,node-id=ID`,
      );
    // machine_set_cpu_numa_node: the ids must match a possible CPU; the one CPU is socket 0,
    // die 0, core 0, thread 0.
    for (const k of ['socket-id', 'die-id', 'core-id', 'thread-id']) {
      const v = kv.get(k);
      if (v !== undefined && uint(opt, k, v, 2 ** 31) !== 0)
        throw new QemuUsageError(`${opt}: no match found`);
    }
    this.cpuNode = node;
  }

  /** numa_complete_configuration + fw_cfg_arch_create: null when no node was given. */
  complete(ramSize: number): NumaConfig | null {
    if (this.nodes.size === 0) return null;
    const max = Math.max(...this.nodes.keys()) + 1;
    for (let i = max - 1; i >= 0; i--) {
      if (!this.nodes.has(i)) throw new QemuUsageError(`numa: Node ID missing: ${i}`);
    }
    const mems = [...Array(max).keys()].map((i) => this.nodes.get(i)!.mem);
    const total = mems.reduce((a, b) => a + b, 0);
    if (total !== ramSize)
      throw new QemuUsageError(
        `total memory for NUMA nodes (0x${total.toString(16)}) should equal RAM size (0x${ramSize.toString(16)})`,
      );
    // A CPU no option placed goes to x86_get_default_cpu_node_id: pkg_id % nodes = node 0.
    return { apicToNode: [this.cpuNode ?? 0], nodeMemory: mems };
  }
}

function uint(opt: string, key: string, v: string, max: number): number {
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(v))
    throw new QemuUsageError(`${opt}: Parameter '${key}' expects a number`);
  const n = Number(v);
  if (n > max)
    throw new QemuUsageError(
      `${opt}: Parameter '${key}' expects uint${max === 0xff ? 8 : max === 0xffff ? 16 : 32}`,
    );
  return n;
}

/** opts-visitor uint16 list: "N" or "N-M". */
function cpuList(opt: string, v: string): number[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  if (!m) throw new QemuUsageError(`${opt}: Parameter 'cpus' expects a number or range`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw new QemuUsageError(`${opt}: Parameter 'cpus' expects an increasing range`);
  const out: number[] = [];
  for (let c = lo; c <= hi && out.length < 1024; c++) out.push(c);
  return out;
}
