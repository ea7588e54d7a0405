// Bus/device/function addressing. A BDF is a 16-bit number: bus << 8 | device << 3 | function
// (the "requester ID" layout of PCI Express and of QEMU's PCI_BUILD_BDF).

/** Build a BDF number. Throws on out-of-range components (host-side misuse). */
export function bdf(bus: number, dev: number, fn: number): number {
  if (!Number.isInteger(bus) || bus < 0 || bus > 255) throw new Error(`bdf: bus ${bus} out of range 0..255`);
  if (!Number.isInteger(dev) || dev < 0 || dev > 31) throw new Error(`bdf: device ${dev} out of range 0..31`);
  if (!Number.isInteger(fn) || fn < 0 || fn > 7) throw new Error(`bdf: function ${fn} out of range 0..7`);
  return (bus << 8) | (dev << 3) | fn;
}

/** devfn = device << 3 | function (the low byte of a BDF). */
export function devfn(dev: number, fn: number): number {
  return ((dev & 0x1f) << 3) | (fn & 7);
}

export function bdfBus(b: number): number {
  return (b >>> 8) & 0xff;
}
export function bdfDevice(b: number): number {
  return (b >>> 3) & 0x1f;
}
export function bdfFunction(b: number): number {
  return b & 7;
}
export function bdfDevfn(b: number): number {
  return b & 0xff;
}

function hex(v: number, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}

/** Format as lspci does: '00:02.0'. With `domain`, '0000:00:02.0'. */
export function formatBdf(b: number, domain?: number): string {
  const s = `${hex(bdfBus(b), 2)}:${hex(bdfDevice(b), 2)}.${bdfFunction(b)}`;
  return domain === undefined ? s : `${hex(domain, 4)}:${s}`;
}

const BDF_RE = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/** Parse '00:02.0' or '0000:00:02.0' (domain must be 0). Throws a clear Error on bad input. */
export function parseBdf(text: string): number {
  const m = BDF_RE.exec(text.trim());
  if (!m) throw new Error(`parseBdf: '${text}' is not of the form [dddd:]bb:dd.f`);
  if (m[1] !== undefined && Number.parseInt(m[1], 16) !== 0) {
    throw new Error(`parseBdf: '${text}': only PCI domain 0000 is supported`);
  }
  const dev = Number.parseInt(m[3], 16);
  if (dev > 31) throw new Error(`parseBdf: '${text}': device ${dev} out of range 0..0x1f`);
  return bdf(Number.parseInt(m[2], 16), dev, Number.parseInt(m[4], 10));
}
