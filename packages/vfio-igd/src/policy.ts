// OpRegion policies applied when the guest (firmware) writes ASLS (config 0xFC).
// docs/igd-passthrough.md §1 (2016 design options) and §6 (why copies beat maps).
//
//  - 'fw-cfg'      QEMU today (hw/vfio/igd.c): latch only. Firmware copied etc/igd-opregion itself.
//  - 'map'         option 1 "mmap": overlay the host OpRegion read-only at the written address;
//                  guest writes are dropped and reported.
//  - 'map-rw'      as 'map' but guest writes reach the host OpRegion image (opt-in, loud warning:
//                  SWSCI mailbox contents then come from the guest).
//  - 'copy-on-asls' the VMM copies the OpRegion into guest RAM at the written address, so
//                  firmware that only allocates and writes ASLS still works.
import { u32 } from './bytes.js';
import type { IgdEvent } from './events.js';

export type OpRegionPolicy = 'fw-cfg' | 'map' | 'map-rw' | 'copy-on-asls';

export const OPREGION_POLICIES: readonly OpRegionPolicy[] = ['fw-cfg', 'map', 'map-rw', 'copy-on-asls'];

/** MMIO-style handler the machine maps at a guest-physical address (structurally an IoHandler). */
export interface OverlayHandler {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

export interface OverlayHandle {
  remove(): void;
  /** Optional: move to a new base (a MemoryBus RegionHandle has it). */
  move?(base: number): void;
}

/** Guest memory as the IGD model needs it; the machine wires it to its MemoryBus. */
export interface IgdGuestMemory {
  readGuest(addr: number, len: number): Uint8Array;
  writeGuest(addr: number, data: Uint8Array): void;
  /** Map `handler` over guest-physical [addr, addr+size) at a priority above RAM. Needed by 'map'. */
  mapOverlay?(addr: number, size: number, handler: OverlayHandler): OverlayHandle;
}

/** Serves guest accesses to a mapped host OpRegion image. */
export class OpRegionOverlay implements OverlayHandler {
  base = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly writable: boolean,
    private readonly emit: (e: IgdEvent) => void,
  ) {}

  read(offset: number, size: 1 | 2 | 4): number {
    const b = this.bytes;
    if (offset < 0 || offset + size > b.length) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    if (size === 1) return b[offset];
    if (size === 2) return b[offset] | (b[offset + 1] << 8);
    return u32(b, offset);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const b = this.bytes;
    if (!this.writable || offset < 0 || offset + size > b.length) {
      this.emit({
        kind: 'igd-opregion-write-dropped',
        addr: this.base + offset,
        offset,
        size,
        value: value >>> 0,
      });
      return;
    }
    for (let i = 0; i < size; i++) b[offset + i] = (value >>> (8 * i)) & 0xff;
    this.emit({
      kind: 'igd-opregion-host-write',
      addr: this.base + offset,
      offset,
      size,
      value: value >>> 0,
    });
  }
}

/** Applies a policy to ASLS writes. One instance per device. */
export class OpRegionPolicyController {
  private overlay: OpRegionOverlay | null = null;
  private handle: OverlayHandle | null = null;
  private mappedAt = 0;

  constructor(
    readonly policy: OpRegionPolicy,
    private readonly opRegion: Uint8Array | undefined,
    private readonly memory: IgdGuestMemory | undefined,
    private readonly emit: (e: IgdEvent) => void,
  ) {
    if (!OPREGION_POLICIES.includes(policy)) {
      throw new Error(
        `IGD: unknown OpRegion policy "${String(policy)}" (use ${OPREGION_POLICIES.join(', ')})`,
      );
    }
    if (policy !== 'fw-cfg' && !opRegion)
      throw new Error(`IGD: OpRegion policy "${policy}" needs a host OpRegion`);
    if ((policy === 'map' || policy === 'map-rw') && !memory?.mapOverlay) {
      throw new Error(`IGD: OpRegion policy "${policy}" needs a memory interface with mapOverlay()`);
    }
    if (policy === 'copy-on-asls' && !memory)
      throw new Error('IGD: OpRegion policy "copy-on-asls" needs a memory interface');
    if (policy === 'map-rw') {
      emit({
        kind: 'igd-opregion-map-rw-warning',
        message:
          'OpRegion policy map-rw: guest writes reach the host OpRegion image, including the SWSCI mailbox that drives host ACPI/SMM firmware. Use only for debugging.',
      });
    }
  }

  /** True when the guest's OpRegion is the mapped host image (map policies, currently mapped). */
  get mapped(): boolean {
    return this.handle !== null;
  }

  get mappedAddress(): number | null {
    return this.handle ? this.mappedAt : null;
  }

  /** Called after every guest write to ASLS with the new 32-bit value. Never throws. */
  onAslsWrite(addr: number): void {
    const op = this.opRegion;
    try {
      switch (this.policy) {
        case 'fw-cfg':
          this.emit({ kind: 'igd-opregion-latched', addr });
          return;
        case 'copy-on-asls':
          if (addr === 0 || !op) return;
          this.memory!.writeGuest(addr, op);
          this.emit({ kind: 'igd-opregion-copied', addr, size: op.length });
          return;
        case 'map':
        case 'map-rw': {
          if (!op) return;
          if (addr === 0) {
            this.unmap();
            return;
          }
          if (this.handle) {
            if (this.mappedAt === addr) return;
            const from = this.mappedAt;
            if (this.handle.move) {
              this.handle.move(addr);
              this.mappedAt = addr;
              this.overlay!.base = addr;
              this.emit({ kind: 'igd-opregion-moved', from, to: addr, size: op.length });
              return;
            }
            this.unmap();
          }
          const ov = new OpRegionOverlay(op, this.policy === 'map-rw', this.emit);
          ov.base = addr;
          this.handle = this.memory!.mapOverlay!(addr, op.length, ov);
          this.overlay = ov;
          this.mappedAt = addr;
          this.emit({ kind: 'igd-opregion-mapped', addr, size: op.length, writable: ov.writable });
          return;
        }
      }
    } catch (err) {
      // The address is guest-chosen: a refusal by the memory side is reported, never thrown.
      this.emit({
        kind: 'igd-opregion-error',
        addr,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  unmap(): void {
    if (!this.handle) return;
    const at = this.mappedAt;
    this.handle.remove();
    this.handle = null;
    this.overlay = null;
    this.mappedAt = 0;
    this.emit({ kind: 'igd-opregion-unmapped', addr: at });
  }
}
