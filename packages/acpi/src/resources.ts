// ACPI resource descriptors (ACPI 6.5 §6.4 "Resource Data Types for ACPI"): encoders used by the
// DSDT builder (QEMU hw/acpi/aml-build.c aml_io / aml_irq_no_flags / aml_word_bus_number /
// aml_word_io / aml_dword_memory / aml_qword_memory / aml_interrupt / aml_memory32_fixed) and a
// decoder used by the AML decoder and tests. The decoder never throws.

export type AmlResource =
  | { type: 'irq'; irqs: number[]; flags?: number }
  | { type: 'dma'; channels: number[]; flags: number }
  | { type: 'io'; decode16: boolean; min: number; max: number; align: number; length: number }
  | { type: 'fixed-io'; base: number; length: number }
  | { type: 'memory32-fixed'; writable: boolean; base: number; length: number }
  | {
      type: 'word' | 'dword' | 'qword';
      /** 0 memory, 1 I/O, 2 bus number */
      resourceType: number;
      generalFlags: number;
      typeFlags: number;
      granularity: bigint;
      min: bigint;
      max: bigint;
      translation: bigint;
      length: bigint;
    }
  | { type: 'extended-irq'; flags: number; irqs: number[] }
  | { type: 'end'; checksum: number }
  | { type: 'unknown'; tag: number; bytes: Uint8Array };

function le(b: Uint8Array, p: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]);
  return v;
}

/** Decodes a resource template (the bytes of a _CRS/_PRS Buffer). */
export function decodeResources(b: Uint8Array): { resources: AmlResource[]; issues: string[] } {
  const resources: AmlResource[] = [];
  const issues: string[] = [];
  let p = 0;
  while (p < b.length) {
    const tag = b[p];
    if (!(tag & 0x80)) {
      const name = (tag >> 3) & 0x0f;
      const len = tag & 7;
      if (p + 1 + len > b.length) {
        issues.push(`small item 0x${tag.toString(16)} at ${p} runs past the buffer`);
        break;
      }
      const d = b.subarray(p + 1, p + 1 + len);
      if (name === 0x04 && (len === 2 || len === 3)) {
        const mask = d[0] | (d[1] << 8);
        const irqs: number[] = [];
        for (let i = 0; i < 16; i++) if (mask & (1 << i)) irqs.push(i);
        resources.push(len === 3 ? { type: 'irq', irqs, flags: d[2] } : { type: 'irq', irqs });
      } else if (name === 0x05 && len === 2) {
        const channels: number[] = [];
        for (let i = 0; i < 8; i++) if (d[0] & (1 << i)) channels.push(i);
        resources.push({ type: 'dma', channels, flags: d[1] });
      } else if (name === 0x08 && len === 7) {
        resources.push({
          type: 'io',
          decode16: (d[0] & 1) === 1,
          min: d[1] | (d[2] << 8),
          max: d[3] | (d[4] << 8),
          align: d[5],
          length: d[6],
        });
      } else if (name === 0x09 && len === 3) {
        resources.push({ type: 'fixed-io', base: d[0] | (d[1] << 8), length: d[2] });
      } else if (name === 0x0f && len === 1) {
        resources.push({ type: 'end', checksum: d[0] });
        p += 2;
        if (p !== b.length) issues.push(`${b.length - p} bytes after the end tag`);
        return { resources, issues };
      } else {
        resources.push({ type: 'unknown', tag, bytes: b.slice(p, p + 1 + len) });
      }
      p += 1 + len;
    } else {
      if (p + 3 > b.length) {
        issues.push(`large item 0x${tag.toString(16)} at ${p} has no length`);
        break;
      }
      const len = b[p + 1] | (b[p + 2] << 8);
      if (p + 3 + len > b.length) {
        issues.push(`large item 0x${tag.toString(16)} at ${p} runs past the buffer`);
        break;
      }
      const d = b.subarray(p + 3, p + 3 + len);
      const name = tag & 0x7f;
      const w = name === 0x08 ? 2 : name === 0x07 ? 4 : name === 0x0a ? 8 : 0;
      if (w && len >= 3 + 5 * w) {
        resources.push({
          type: w === 2 ? 'word' : w === 4 ? 'dword' : 'qword',
          resourceType: d[0],
          generalFlags: d[1],
          typeFlags: d[2],
          granularity: le(d, 3, w),
          min: le(d, 3 + w, w),
          max: le(d, 3 + 2 * w, w),
          translation: le(d, 3 + 3 * w, w),
          length: le(d, 3 + 4 * w, w),
        });
      } else if (name === 0x06 && len === 9) {
        resources.push({
          type: 'memory32-fixed',
          writable: (d[0] & 1) === 1,
          base: Number(le(d, 1, 4)),
          length: Number(le(d, 5, 4)),
        });
      } else if (name === 0x09 && len >= 2 && len >= 2 + 4 * d[1]) {
        const irqs: number[] = [];
        for (let i = 0; i < d[1]; i++) irqs.push(Number(le(d, 2 + 4 * i, 4)));
        resources.push({ type: 'extended-irq', flags: d[0], irqs });
      } else {
        resources.push({ type: 'unknown', tag, bytes: b.slice(p, p + 3 + len) });
      }
      p += 3 + len;
    }
  }
  issues.push('no end tag');
  return { resources, issues };
}

// ---- encoders (each returns the descriptor bytes) ----

/** IO(Decode16, min, max, align, length) — QEMU aml_io(AML_DECODE16, ...). */
export function resIo(min: number, max: number, align: number, length: number, decode16 = true): number[] {
  return [0x47, decode16 ? 1 : 0, min & 0xff, min >> 8, max & 0xff, max >> 8, align, length];
}

/** IRQNoFlags(irq) — QEMU aml_irq_no_flags: 2-byte IRQ descriptor, edge/high/exclusive implied. */
export function resIrqNoFlags(irq: number): number[] {
  const mask = 1 << irq;
  return [0x22, mask & 0xff, mask >> 8];
}

/** DMA(type, busMaster, transferSize, channel) — QEMU aml_dma. */
export function resDma(channelType: number, busMaster: boolean, xferSize: number, channel: number): number[] {
  return [0x2a, 1 << channel, (channelType << 5) | (busMaster ? 4 : 0) | xferSize];
}

/** Memory32Fixed(ReadWrite/ReadOnly, base, length) — QEMU aml_memory32_fixed. */
export function resMemory32Fixed(base: number, length: number, writable = true): number[] {
  const out = [0x86, 9, 0, writable ? 1 : 0];
  for (const v of [base, length]) out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  return out;
}

/** Interrupt(ResourceConsumer, Level, ActiveHigh, Shared, ...) extended IRQ — QEMU aml_interrupt. */
export function resInterrupt(flags: number, irqs: number[]): number[] {
  const len = 2 + 4 * irqs.length;
  const out = [0x89, len & 0xff, len >> 8, flags, irqs.length];
  for (const v of irqs) out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  return out;
}

function pushLe(out: number[], v: bigint, n: number): void {
  for (let i = 0; i < n; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
}

/**
 * Word/DWord/QWord address space descriptor — QEMU aml_word_as_desc / aml_dword_as_desc /
 * aml_qword_as_desc (hw/acpi/aml-build.c): resourceType 0 memory / 1 I/O / 2 bus number;
 * generalFlags = consumer/producer + decode + min/max fixed bits; typeFlags type-specific.
 */
export function resAddressSpace(
  width: 2 | 4 | 8,
  resourceType: number,
  generalFlags: number,
  typeFlags: number,
  granularity: bigint,
  min: bigint,
  max: bigint,
  translation: bigint,
  length: bigint,
): number[] {
  const tag = width === 2 ? 0x88 : width === 4 ? 0x87 : 0x8a;
  const len = 3 + 5 * width;
  const out = [tag, len & 0xff, len >> 8, resourceType, generalFlags, typeFlags];
  for (const v of [granularity, min, max, translation, length]) pushLe(out, v, width);
  return out;
}

/** End tag with checksum 0 ("checksum zero = treated as correct", as QEMU emits it). */
export function resEnd(): number[] {
  return [0x79, 0x00];
}
