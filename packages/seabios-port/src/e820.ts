// The BIOS e820 map, with SeaBIOS rel-1.16.2 src/e820map.c semantics: e820_add keeps the list sorted,
// splits and merges overlapping entries, and E820_HOLE removes ranges. BUILD_MAX_E820 = 32
// (src/config.h); inserts beyond that are dropped with warn_noalloc.

import { hexPad } from './format.js';

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;
const E820_HOLE = -1;
export const BUILD_MAX_E820 = 32;

export interface E820Entry {
  start: number;
  size: number;
  type: number;
}

export function e820TypeName(type: number): string {
  switch (type) {
    case E820_RAM:
      return 'RAM';
    case E820_RESERVED:
      return 'RESERVED';
    case E820_ACPI:
      return 'ACPI';
    case E820_NVS:
      return 'NVS';
    case E820_UNUSABLE:
      return 'UNUSABLE';
    default:
      return 'UNKNOWN';
  }
}

export class E820Map {
  readonly list: E820Entry[] = [];
  /** Called when an insert is dropped because the table is full (SeaBIOS warn_noalloc). */
  onOverflow: (() => void) | null = null;

  private insert(i: number, start: number, size: number, type: number): void {
    if (this.list.length >= BUILD_MAX_E820) {
      this.onOverflow?.();
      return;
    }
    this.list.splice(i, 0, { start, size, type });
  }

  /** e820_add: add [start, start+size) as `type`, replacing what overlaps (src/e820map.c). */
  add(start: number, size: number, type: number): void {
    if (!size) return;
    const end = start + size;
    const l = this.list;
    let i = 0;
    for (; i < l.length; i++) {
      const e = l[i];
      const eEnd = e.start + e.size;
      if (start > eEnd) continue;
      if (start > e.start) {
        if (type === e.type) {
          size += start - e.start;
          start = e.start;
        } else {
          e.size = start - e.start;
          i++;
          if (eEnd > end) this.insert(i, end, eEnd - end, e.type);
        }
      }
      break;
    }
    while (i < l.length) {
      const e = l[i];
      if (end < e.start) break;
      const eEnd = e.start + e.size;
      if (end >= eEnd) {
        l.splice(i, 1);
        continue;
      }
      e.start = end;
      e.size = eEnd - end;
      if (type === e.type) {
        size += e.size;
        l.splice(i, 1);
      }
      break;
    }
    if (type !== E820_HOLE) this.insert(i, start, size, type);
  }

  /** e820_remove: make a hole. */
  remove(start: number, size: number): void {
    this.add(start, size, E820_HOLE);
  }

  /** dump_map lines (src/e820map.c), as printed by e820_prepboot. */
  dump(): string[] {
    const out = [`e820 map has ${this.list.length} items:`];
    this.list.forEach((e, i) => {
      out.push(
        `  ${i}: ${hexPad(e.start, 16)} - ${hexPad(e.start + e.size, 16)} = ${e.type} ${e820TypeName(e.type)}`,
      );
    });
    return out;
  }

  entries(): E820Entry[] {
    return this.list.map((e) => ({ ...e }));
  }
}
