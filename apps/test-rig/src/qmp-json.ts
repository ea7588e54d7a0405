// QMP's JSON on the wire, as QEMU 7.2 writes and reads it (qobject/qjson.c, qobject/json-lexer.c,
// json-streamer.c): output with ": " and ", " separators, non-ASCII escaped as \uXXXX, one object
// per line ending in "\r\n" (monitor_puts turns "\n" into "\r\n"); input as a stream of JSON
// values that may arrive split or several per read, with single-quoted strings accepted.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function formatQmpJson(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(v)) return `[${v.map(formatQmpJson).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${formatQmpJson(k)}: ${formatQmpJson(x)}`)
    .join(', ')}}`;
}

/** Longest single QMP input accepted (QEMU's streamer: MAX_TOKEN_SIZE 64 MiB, nesting 1024). */
const MAX_VALUE_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 1024;

export type JsonItem = { ok: true; value: Json } | { ok: false; error: string };

/** Splits a byte stream into top-level JSON values (objects, arrays, or stray tokens). */
export class JsonStream {
  private buf = '';
  private depth = 0;
  private quote: '"' | "'" | null = null;
  private escape = false;
  private scanned = 0;

  feed(chunk: string): JsonItem[] {
    this.buf += chunk;
    const out: JsonItem[] = [];
    let i = this.scanned;
    for (; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.quote) {
        if (this.escape) this.escape = false;
        else if (c === '\\') this.escape = true;
        else if (c === this.quote) this.quote = null;
        continue;
      }
      if (c === '"' || c === "'") {
        this.quote = c;
        continue;
      }
      if (c === '{' || c === '[') {
        if (++this.depth > MAX_DEPTH) {
          out.push({ ok: false, error: 'JSON parse error, nesting too deep' });
          this.reset(i + 1);
          i = -1;
        }
        continue;
      }
      if (c === '}' || c === ']') {
        if (this.depth === 0) {
          out.push({ ok: false, error: `JSON parse error, unexpected '${c}'` });
          this.buf = this.buf.slice(i + 1);
          i = -1;
          continue;
        }
        if (--this.depth === 0) {
          out.push(parseValue(this.buf.slice(0, i + 1)));
          this.buf = this.buf.slice(i + 1);
          i = -1;
        }
        continue;
      }
      if (this.depth === 0 && !/\s/.test(c)) {
        // A bare token at top level (a number, a keyword, garbage): QEMU parses it as a value
        // and then rejects it as "QMP input must be a JSON object".
        const m = /^[^\s{}[\]"']+/.exec(this.buf.slice(i));
        const tok = m ? m[0] : c;
        if (i + tok.length >= this.buf.length) break; // may continue in the next chunk
        out.push(parseValue(tok));
        this.buf = this.buf.slice(i + tok.length);
        i = -1;
      }
    }
    this.scanned = Math.max(0, i);
    if (this.buf.length > MAX_VALUE_BYTES) {
      out.push({ ok: false, error: 'JSON parse error, value too long' });
      this.reset(this.buf.length);
    }
    if (this.depth === 0 && /^\s*$/.test(this.buf)) {
      this.buf = '';
      this.scanned = 0;
    }
    return out;
  }

  private reset(from: number): void {
    this.buf = this.buf.slice(from);
    this.depth = 0;
    this.quote = null;
    this.escape = false;
    this.scanned = 0;
  }
}

/** JSON.parse after turning QEMU's single-quoted strings into double-quoted ones. */
function parseValue(text: string): JsonItem {
  try {
    return { ok: true, value: JSON.parse(singleToDouble(text)) as Json };
  } catch (e) {
    return { ok: false, error: `JSON parse error, ${(e as Error).message}` };
  }
}

function singleToDouble(s: string): string {
  if (!s.includes("'")) return s;
  let out = '';
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q === null) {
      if (c === "'") {
        q = "'";
        out += '"';
      } else {
        if (c === '"') q = '"';
        out += c;
      }
    } else if (c === '\\') {
      const n = s[i + 1] ?? '';
      out += q === "'" && n === "'" ? "'" : c + n;
      i++;
    } else if (c === q) {
      q = null;
      out += '"';
    } else out += q === "'" && c === '"' ? '\\"' : c;
  }
  return out;
}
