#!/usr/bin/env bash
# CI step: builds vmkit's patched SeaBIOS (firmware/seabios: WRITE_PCI_CONFIG, RESERVE_PCI_MEMORY,
# CONFIG_INTEL_IGD_SETUP) into .cache/seabios-linker/ for packages/machine's tests. Idempotent:
# firmware/seabios/build.sh reuses its outputs when the patches did not change. Needs root for
# apt-get; the build itself takes ~15-60 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
need=()
command -v make >/dev/null && command -v gcc >/dev/null || need+=(build-essential)
command -v python3 >/dev/null || need+=(python3)
command -v patch >/dev/null || need+=(patch)
command -v xz >/dev/null || need+=(xz-utils)
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if ! ls "$root"/.cache/seabios-linker/dl/seabios_1.16.2.orig.tar.gz >/dev/null 2>&1; then
  bash "$root/scripts/ci/enable-deb-src.sh"
fi
bash "$root/firmware/seabios/build.sh" "$root/.cache/seabios-linker"
