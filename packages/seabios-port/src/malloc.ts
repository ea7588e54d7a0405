// SeaBIOS's physical memory zones (rel-1.16.2 src/malloc.c): each zone is a list of blocks kept in
// descending address order; a block [rangeStart, rangeEnd) holds an allocation of allocSize bytes
// at rangeStart and free space above it. alloc_new carves new allocations from the top of the first
// block (in list order) with room, and every tracked allocation also costs a bookkeeping record
// (struct allocdetail_s, 44 bytes on i386) in ZoneTmpHigh, falling back to ZoneTmpLow.

/** MALLOC_MIN_ALIGN (src/malloc.h). */
export const MALLOC_MIN_ALIGN = 16;
/** sizeof(struct allocdetail_s) on i386: two allocinfo_s (hlist_node 8 + 3 × u32) + u32 handle. */
export const ALLOCDETAIL_SIZE = 44;
/** src/config.h */
export const BUILD_MIN_HIGHTABLE = 256 * 1024;
export const BUILD_MAX_HIGHTABLE = 16 * 1024 * 1024;
export const BUILD_STACK_ADDR = 0x7000;
export const BUILD_EBDA_MINIMUM = 0x90000;
export const BUILD_LOWRAM_END = 0xa0000;
export const BUILD_BIOS_ADDR = 0xf0000;
export const BUILD_BIOS_SIZE = 0x10000;
export const PAGE_SIZE = 4096;

export type ZoneName = 'tmplow' | 'low' | 'fseg' | 'tmphigh' | 'high';

interface AllocInfo {
  rangeStart: number;
  rangeEnd: number;
  allocSize: number;
}

/** ALIGN_DOWN with SeaBIOS's u32 mask semantics (x & ~(a-1)). */
function alignDown32(x: number, a: number): number {
  return (x & ~((a - 1) >>> 0)) >>> 0;
}

export class Zone {
  readonly blocks: AllocInfo[] = [];
  constructor(readonly name: ZoneName) {}
}

export interface ZoneSummary {
  zone: ZoneName;
  blocks: Array<{ start: number; end: number; allocated: number }>;
}

export class SeabiosMalloc {
  readonly tmpLow = new Zone('tmplow');
  readonly low = new Zone('low');
  readonly fseg = new Zone('fseg');
  readonly tmpHigh = new Zone('tmphigh');
  readonly high = new Zone('high');
  private readonly zones = [this.tmpLow, this.low, this.fseg, this.tmpHigh, this.high];

  zone(name: ZoneName): Zone {
    return this.zones.find((z) => z.name === name)!;
  }

  /** alloc_new: returns the address, or 0 when no block has room. */
  private allocNew(zone: Zone, size: number, align: number, fill: AllocInfo): number {
    const list = zone.blocks;
    for (let i = 0; i < list.length; i++) {
      const info = list[i];
      const allocEnd = info.rangeStart + info.allocSize;
      const rangeEnd = info.rangeEnd;
      if (rangeEnd - size < 0) continue; // u32 wrap: never fits
      const newRangeEnd = alignDown32(rangeEnd - size, align);
      if (newRangeEnd >= allocEnd && newRangeEnd <= rangeEnd) {
        fill.rangeStart = newRangeEnd;
        fill.rangeEnd = rangeEnd;
        fill.allocSize = size;
        info.rangeEnd = newRangeEnd;
        list.splice(i, 0, fill);
        return newRangeEnd;
      }
    }
    return 0;
  }

  /** alloc_new_detail: the bookkeeping record, in ZoneTmpHigh else ZoneTmpLow. */
  private allocDetail(): { zone: Zone; info: AllocInfo } | null {
    const d: AllocInfo = { rangeStart: 0, rangeEnd: 0, allocSize: 0 };
    if (this.allocNew(this.tmpHigh, ALLOCDETAIL_SIZE, MALLOC_MIN_ALIGN, d))
      return { zone: this.tmpHigh, info: d };
    if (this.allocNew(this.tmpLow, ALLOCDETAIL_SIZE, MALLOC_MIN_ALIGN, d))
      return { zone: this.tmpLow, info: d };
    return null;
  }

  private readonly details = new Map<AllocInfo, { zone: Zone; info: AllocInfo }>();

  /** alloc_add: give [start, end) to a zone. Returns false when no bookkeeping space was found. */
  add(name: ZoneName, start: number, end: number): boolean {
    const zone = this.zone(name);
    const list = zone.blocks;
    let pos = 0;
    while (pos < list.length && !(list[pos].rangeStart < start)) pos++;
    const info: AllocInfo = { rangeStart: start, rangeEnd: end, allocSize: 0 };
    list.splice(pos, 0, info);
    if (!this.allocDetail()) {
      list.splice(list.indexOf(info), 1);
      return false;
    }
    return true;
  }

  /** malloc_palloc: tracked allocation; 0 on failure (size 0 also fails, as in SeaBIOS). */
  alloc(name: ZoneName, size: number, align: number): number {
    size = size >>> 0;
    if (!size) return 0;
    const zone = this.zone(name);
    const info: AllocInfo = { rangeStart: 0, rangeEnd: 0, allocSize: 0 };
    const data = this.allocNew(zone, size, align, info);
    if (!data) return 0;
    const detail = this.allocDetail();
    if (!detail) {
      this.allocFree(zone, info);
      return 0;
    }
    this.details.set(info, detail);
    return data;
  }

  /** memalign_tmp: ZoneTmpHigh, then ZoneTmpLow (src/malloc.h). */
  allocTmp(size: number, align = MALLOC_MIN_ALIGN): number {
    return this.alloc('tmphigh', size, align) || this.alloc('tmplow', size, align);
  }

  /** alloc_free: merge the block back into the next (lower) block when adjacent. */
  private allocFree(zone: Zone, info: AllocInfo): void {
    const list = zone.blocks;
    const i = list.indexOf(info);
    if (i < 0) return;
    const next = list[i + 1];
    if (next && next.rangeEnd === info.rangeStart) next.rangeEnd = info.rangeEnd;
    list.splice(i, 1);
  }

  /** malloc_pfree: release a tracked allocation and its bookkeeping record. */
  free(addr: number): boolean {
    for (const z of this.zones) {
      const info = z.blocks.find((b) => b.rangeStart === addr && b.allocSize > 0 && this.details.has(b));
      if (info) {
        const d = this.details.get(info)!;
        this.details.delete(info);
        this.allocFree(z, info);
        this.allocFree(d.zone, d.info);
        return true;
      }
    }
    return false;
  }

  /** alloc_find_lowest: the last block of the zone. */
  lowest(name: ZoneName): { start: number; end: number; allocated: number } | null {
    const list = this.zone(name).blocks;
    const b = list[list.length - 1];
    return b ? { start: b.rangeStart, end: b.rangeEnd, allocated: b.allocSize } : null;
  }

  /** malloc_getspace-like: the largest free gap in a zone. */
  freeSpace(name: ZoneName): number {
    let max = 0;
    for (const b of this.zone(name).blocks) max = Math.max(max, b.rangeEnd - b.rangeStart - b.allocSize);
    return max;
  }

  summary(): ZoneSummary[] {
    return this.zones.map((z) => ({
      zone: z.name,
      blocks: z.blocks.map((b) => ({ start: b.rangeStart, end: b.rangeEnd, allocated: b.allocSize })),
    }));
  }
}
