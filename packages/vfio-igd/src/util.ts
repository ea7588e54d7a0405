/** Normalises "0000:00:02.0" / "00:02.0" / "0:2.0" to "bb:dd.f"; returns the input when unparsable. */
export function formatBdfText(s: string): string {
  const m = /^(?:[0-9a-fA-F]{1,4}:)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(s.trim());
  if (!m) return s;
  const bus = Number.parseInt(m[1], 16);
  const dev = Number.parseInt(m[2], 16);
  return `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${m[3]}`;
}
