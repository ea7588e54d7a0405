#!/usr/bin/env bash
# Builds QEMU 7.2's qtest programs (fw_cfg-test, rtc-test, i440fx-test, boot-order-test) from Debian
# bookworm's `qemu` source package into .cache/qemu-qtest/ (gitignored). apps/test-rig runs them against
# its qemu-system-x86_64 shim. Idempotent: does nothing when the four programs are already there.
# Needs root (apt-get). Build dependencies are only what configure demands with the flags below.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.cache/qemu-qtest"
progs=(fw_cfg-test rtc-test i440fx-test boot-order-test)
have=1
for p in "${progs[@]}"; do [ -x "$out/$p" ] || have=0; done
if [ "$have" = 1 ]; then echo "setup-qemu-qtest: $out already has ${progs[*]}"; exit 0; fi

bash "$root/scripts/ci/enable-deb-src.sh"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends \
  build-essential dpkg-dev meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev python3 >/dev/null

src="$root/.cache/qemu-src"
mkdir -p "$src" "$out"
cd "$src"
if ! ls -d qemu-7.2*/ >/dev/null 2>&1; then
  apt-get source -qq --download-only qemu/bookworm
  dpkg-source --no-check -x qemu_7.2*.dsc >/dev/null
fi
dir=$(ls -d qemu-7.2*/ | head -1)
cd "$dir"
# The dfsg tarball has no edk2 blobs: meson.build would try to unpack them.
sed -i 's/^unpack_edk2_blobs = .*/unpack_edk2_blobs = false/' meson.build
grep -q '^unpack_edk2_blobs = false' meson.build
mkdir -p build-qtest
cd build-qtest
if [ ! -e build.ninja ]; then
  # Debian's python3 and meson first on PATH (not a user's pyenv shim); QEMU 7.2 rejects
  # --python together with a system meson.
  PATH=/usr/bin:$PATH ../configure --target-list=x86_64-softmmu \
    --without-default-features --disable-docs --disable-tools --disable-user --disable-install-blobs \
    >configure.log 2>&1 || { tail -30 configure.log; rm -f build.ninja; exit 1; }
fi
PATH=/usr/bin:$PATH ninja $(printf 'tests/qtest/%s ' "${progs[@]}")
for p in "${progs[@]}"; do cp "tests/qtest/$p" "$out/$p"; done
echo "setup-qemu-qtest: built ${progs[*]} into $out"
