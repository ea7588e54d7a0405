// Region handles shared by MemoryBus and IoBus. A region is a leaf (RAM, ROM, MMIO/PIO handler) or
// an alias of another region; the owning bus flattens the enabled regions into a map where, at every
// address, the highest priority wins (QEMU's memory_region_add_subregion_overlap model,
// softmmu/memory.c render_memory_region).

import type { IoHandler, RegionHandle } from './types.js';

/** Extra registration options (the pinned contract only has `priority`). */
export interface RegionOptions {
  /** Higher wins where regions overlap. Default 0. */
  priority?: number;
  /** Start disabled (e.g. a PCI BAR whose decode bit is clear). Default true. */
  enabled?: boolean;
  /** Allow overlapping other regions of the same priority (the most recently mapped one wins).
   * Meant for guest-programmed windows such as PCI BARs, which a guest may overlap at will. */
  mayOverlap?: boolean;
}

export interface RamOptions extends RegionOptions {
  /** Bytes per lazily allocated chunk: a power of two ≥ 4096. Default: the whole region when it is
   * ≤ 32 MiB, else 1 MiB. */
  chunkSize?: number;
}

export const KIND_NONE = 0;
export const KIND_RAM = 1;
export const KIND_ROM = 2;
export const KIND_IO = 3;
export const KIND_ALIAS = 4;

/** What a bus does for its regions; called by the handles. */
export interface RegionOwner {
  readonly label: string;
  moveRegion(r: BusRegion, base: number): void;
  enableRegion(r: BusRegion, enabled: boolean): void;
  removeRegion(r: BusRegion): void;
}

export class BusRegion implements RegionHandle {
  // Plain mutable fields (not getters) so bus dispatch reads them directly; the public type
  // (RegionHandle) exposes them read-only.
  base: number;
  size: number;
  priority: number;
  enabled: boolean;
  removed = false;
  /** Monotonic "last mapped" stamp: among same-priority mayOverlap regions the newest wins. */
  stamp: number;
  /** RAM payload. */
  chunks: (Uint8Array | null)[] | null = null;
  chunkSize = 0;
  /** ROM payload (a private copy). */
  rom: Uint8Array | null = null;
  /** MMIO / PIO payload. */
  handler: IoHandler | null = null;
  /** Alias payload. */
  target: BusRegion | null = null;
  targetOffset = 0;

  constructor(
    readonly owner: RegionOwner,
    readonly name: string,
    readonly kind: number,
    base: number,
    size: number,
    priority: number,
    enabled: boolean,
    readonly mayOverlap: boolean,
    stamp: number,
  ) {
    this.base = base;
    this.size = size;
    this.priority = priority;
    this.enabled = enabled;
    this.stamp = stamp;
  }

  get end(): number {
    return this.base + this.size;
  }

  move(base: number): void {
    this.owner.moveRegion(this, base);
  }

  setEnabled(enabled: boolean): void {
    this.owner.enableRegion(this, enabled);
  }

  remove(): void {
    this.owner.removeRegion(this);
  }
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function describe(r: { name: string; base: number; size: number; priority: number }): string {
  return `"${r.name}" [${hex(r.base)}, ${hex(r.base + r.size)}) priority ${r.priority}`;
}

/** Validate a base/size pair against the space limit; throws a clear host-side Error. */
export function checkRange(label: string, what: string, base: number, size: number, limit: number): void {
  if (!Number.isSafeInteger(base) || base < 0 || base >= limit) {
    throw new Error(`${label}: ${what}: base ${String(base)} is not an integer in [0, ${hex(limit)})`);
  }
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new Error(`${label}: ${what}: size ${String(size)} is not a positive integer`);
  }
  if (base + size > limit) {
    throw new Error(
      `${label}: ${what}: range [${hex(base)}, ${hex(base + size)}) extends past ${hex(limit)}`,
    );
  }
}

export function checkPriority(label: string, what: string, priority: number): void {
  if (!Number.isFinite(priority)) {
    throw new Error(`${label}: ${what}: priority ${String(priority)} is not a finite number`);
  }
}

/** Throws if [base, base+size) of `cand` overlaps an enabled same-priority region (unless either
 * side allows overlap). The message names both regions. */
export function checkOverlap(
  label: string,
  regions: readonly BusRegion[],
  cand: { name: string; priority: number; mayOverlap: boolean },
  self: BusRegion | null,
  base: number,
  size: number,
): void {
  if (cand.mayOverlap) return;
  const end = base + size;
  for (const r of regions) {
    if (r === self || !r.enabled || r.mayOverlap || r.priority !== cand.priority) continue;
    if (r.base < end && base < r.base + r.size) {
      throw new Error(
        `${label}: region ${describe({ name: cand.name, base, size, priority: cand.priority })} overlaps region ${describe(r)} at the same priority; give one a different priority`,
      );
    }
  }
}

/** True when `a` wins over `b` where both cover an address. */
export function wins(a: BusRegion, b: BusRegion): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.stamp > b.stamp);
}

export function checkHandler(label: string, what: string, handler: IoHandler): void {
  if (
    handler === null ||
    typeof handler !== 'object' ||
    typeof handler.read !== 'function' ||
    typeof handler.write !== 'function'
  ) {
    throw new Error(
      `${label}: ${what}: handler must be an object with read(offset, size) and write(offset, size, value)`,
    );
  }
}
