#!/usr/bin/env bash
# Builds SeaBIOS 1.16.2 from Debian's source package with vmkit's patch series (patches/*.patch):
#   <outdir>/bios-256k-linker.bin      CONFIG_INTEL_IGD_SETUP=n: the table-loader is the only IGD path
#   <outdir>/bios-256k-linker-igd.bin  the same patches with intel_igd_setup kept (Debian's default)
# Both use Debian's bios-256k configuration (debian/rules: QEMU=y ROM_SIZE=256) and Debian's own
# patches. Reuses the outputs when they exist and were built from the same patches and script.
# Needs: build-essential, python3; the source comes from `apt-get source --download-only seabios`
# (run scripts/ci/enable-deb-src.sh once for the deb-src entry) unless <outdir>/dl already has it.
# Not needed: iasl (Debian regenerates src/fw/*.hex with it; the tarball ships them, and they only
# matter when no etc/table-loader provides ACPI tables).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: firmware/seabios/build.sh <outdir>}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
version=1.16.2
debver=1.16.2-1

stamp="$( (cat "$here"/patches/*.patch "$here/build.sh") | sha256sum | cut -c1-16)"
if [ -f "$out/bios-256k-linker.bin" ] && [ -f "$out/bios-256k-linker-igd.bin" ] &&
  [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "seabios-linker: up to date in $out"
  exit 0
fi

dl="$out/dl"
mkdir -p "$dl"
if ! ls "$dl"/seabios_${version}.orig.tar.gz "$dl"/seabios_${debver}.debian.tar.xz >/dev/null 2>&1; then
  (cd "$dl" && apt-get source --download-only "seabios=$debver") || {
    echo "seabios-linker: apt-get source failed; add a deb-src entry first (scripts/ci/enable-deb-src.sh)" >&2
    exit 1
  }
fi

src="$out/src"
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$dl/seabios_${version}.orig.tar.gz" -C "$src" --strip-components=1
tar -xJf "$dl/seabios_${debver}.debian.tar.xz" -C "$src"
while read -r p; do
  case "$p" in '' | '#'*) continue ;; esac
  patch -d "$src" -p1 -s <"$src/debian/patches/$p"
done <"$src/debian/patches/series"
for p in "$here"/patches/*.patch; do
  patch -d "$src" -p1 -s <"$p"
done

# build <name> <config lines...>: one Debian-style build directory per variant.
build() {
  local name="$1"
  shift
  local b="$src/build/$name"
  mkdir -p "$b"
  printf 'CONFIG_%s\n' "$@" >"$b/.config"
  make -C "$src" -s PYTHON="python3 -B" KCONFIG_CONFIG="$b/.config" OUT="$b/" oldnoconfig >/dev/null
  make -C "$src" -j"$(nproc)" PYTHON="python3 -B" EXTRAVERSION="-debian-${debver}+vmkit-linker" \
    KCONFIG_CONFIG="$b/.config" OUT="$b/" "$b/bios.bin" >"$b/build.log" 2>&1 || {
    tail -30 "$b/build.log" >&2
    exit 1
  }
  grep -q "^CONFIG_INTEL_IGD_SETUP=y" "$b/.config" && igd=y || igd=n
  echo "seabios-linker: $name built (CONFIG_INTEL_IGD_SETUP=$igd)"
  cp "$b/bios.bin" "$out/$name.bin"
}
build bios-256k-linker QEMU=y ROM_SIZE=256 INTEL_IGD_SETUP=n
build bios-256k-linker-igd QEMU=y ROM_SIZE=256
echo "$stamp" >"$out/.stamp"
