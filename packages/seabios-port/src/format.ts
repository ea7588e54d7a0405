// printf-style helpers matching SeaBIOS's dprintf output (src/output.c: %x lowercase, zero padding,
// %p as 0x%08x, %pP as bus:dev.fn).

export function hexPad(v: number | bigint, width: number): string {
  return v.toString(16).padStart(width, '0');
}

/** SeaBIOS %pP for a PCI device: "%02x:%02x.%x" (src/output.c). */
export function formatBdf(bdf: number): string {
  return `${hexPad((bdf >> 8) & 0xff, 2)}:${hexPad((bdf >> 3) & 0x1f, 2)}.${(bdf & 7).toString(16)}`;
}

export function alignDown(v: number, a: number): number {
  return Math.floor(v / a) * a;
}

export function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}
