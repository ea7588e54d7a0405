#!/usr/bin/env node
// Writes a gzip'd newc ("070701") cpio archive of a staging directory, as the Linux kernel's
// initramfs unpacker reads it (Documentation/driver-api/early-userspace/buffer-format.rst), plus
// the device nodes an initramfs needs before devtmpfs is mounted (/dev/console, /dev/null) — the
// archive carries them, so no root and no mknod are needed to build it. Owner root, fixed mtime 0:
// the same inputs give the same bytes.
// Usage: node scripts/lib/newc.mjs <staging-dir> <out.img>
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** One newc entry: 110-byte header, name + NUL padded to 4, data padded to 4. */
function entry(ino, name, mode, data = new Uint8Array(0), rdev = [0, 0]) {
  const field = (n) => (n >>> 0).toString(16).padStart(8, '0');
  const nameBytes = Buffer.from(`${name}\0`);
  const header =
    '070701' +
    [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0].map(field).join('');
  const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  return Buffer.concat([
    Buffer.from(header),
    nameBytes,
    pad(110 + nameBytes.length),
    Buffer.from(data),
    pad(data.length),
  ]);
}

function* walk(dir, prefix = '') {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(full);
    if (st.isDirectory()) {
      yield { rel, mode: S_IFDIR | 0o755 };
      yield* walk(full, rel);
    } else if (st.isSymbolicLink()) {
      yield { rel, mode: S_IFLNK | 0o777, data: Buffer.from(readlinkSync(full)) };
    } else {
      yield { rel, mode: S_IFREG | (st.mode & 0o111 ? 0o755 : 0o644), data: readFileSync(full) };
    }
  }
}

const [staging, out] = process.argv.slice(2);
if (!staging || !out) {
  console.error('usage: node scripts/lib/newc.mjs <staging-dir> <out.img>');
  process.exit(2);
}
const parts = [];
let ino = 1;
const names = new Set();
for (const e of walk(staging)) {
  names.add(e.rel);
  parts.push(entry(ino++, e.rel, e.mode, e.data));
}
if (!names.has('dev')) parts.push(entry(ino++, 'dev', S_IFDIR | 0o755));
parts.push(entry(ino++, 'dev/console', S_IFCHR | 0o600, undefined, [5, 1]));
parts.push(entry(ino++, 'dev/null', S_IFCHR | 0o666, undefined, [1, 3]));
parts.push(entry(ino++, 'TRAILER!!!', 0));
writeFileSync(out, gzipSync(Buffer.concat(parts), { level: 9 }));
