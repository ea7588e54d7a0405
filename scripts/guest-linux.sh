#!/usr/bin/env bash
# Builds the vmkit Linux guest into <dir>: <dir>/vmlinuz (Debian bookworm's i386 linux-image-*-686
# bzImage) and <dir>/initrd.img (a gzip'd newc cpio: busybox-static and scripts/guest/init as /init,
# which prints `VMKIT-GUEST: …` lines on the serial console and powers off through ACPI S5).
# Fetches both packages with apt (`dpkg --add-architecture i386`, `apt-get download`); builds the
# cpio without root (scripts/lib/newc.mjs writes the device nodes into the archive). Idempotent:
# reuses <dir>/vmlinuz and <dir>/initrd.img when present (delete them to rebuild).
# Usage: scripts/guest-linux.sh <dir>      Needs root for apt-get update only when i386 is new.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 <dir>" >&2; exit 2; fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ]; then
  echo "guest-linux: $out/vmlinuz and $out/initrd.img already there"
  exit 0
fi

if ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
  apt-get update -qq
fi
debs="$out/debs"
mkdir -p "$debs"
# apt downloads as the _apt user when it can: give it a directory it may write.
chmod 0777 "$debs" 2>/dev/null || true
cd "$debs"
if ! ls linux-image-*-686_*_i386.deb >/dev/null 2>&1; then
  # linux-image-686 is a metapackage: the real image is the package it depends on.
  image=$(apt-cache depends linux-image-686:i386 | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-686\).*/\1/p' | head -1)
  if [ -z "$image" ]; then
    apt-get update -qq
    image=$(apt-cache depends linux-image-686:i386 | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-686\).*/\1/p' | head -1)
  fi
  [ -n "$image" ] || { echo "guest-linux: cannot resolve linux-image-686:i386" >&2; exit 1; }
  apt-get download -qq "$image:i386"
fi
if ! ls busybox-static_*_i386.deb >/dev/null 2>&1; then apt-get download -qq busybox-static:i386; fi

root="$out/root"
rm -rf "$root"
mkdir -p "$root"
dpkg-deb -x "$(ls linux-image-*-686_*_i386.deb | head -1)" "$root/kernel"
dpkg-deb -x "$(ls busybox-static_*_i386.deb | head -1)" "$root/busybox"

staging="$root/initramfs"
mkdir -p "$staging/bin"
cp "$root/busybox/bin/busybox" "$staging/bin/busybox"
cp "$here/guest/init" "$staging/init"
node "$here/lib/newc.mjs" "$staging" "$out/initrd.img.tmp"
cp "$(ls "$root"/kernel/boot/vmlinuz-* | head -1)" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
rm -rf "$root"
echo "guest-linux: wrote $out/vmlinuz ($(stat -c %s "$out/vmlinuz") bytes) and $out/initrd.img ($(stat -c %s "$out/initrd.img") bytes)"
