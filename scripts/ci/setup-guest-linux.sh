#!/usr/bin/env bash
# Builds the Linux guest (Debian bookworm's i386 686 kernel + a busybox initramfs whose /init prints
# `VMKIT-GUEST:` lines and powers off) into .cache/guest-linux/ with scripts/guest-linux.sh, and makes
# sure QEMU's linuxboot_dma.bin option ROM (package qemu-system-data) is installed: vmkit's
# `--kernel` boot with real SeaBIOS runs it. Used by packages/machine/test/linux-guest.test.ts and
# the bench. Idempotent (the guest script reuses what it built); needs root for apt.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -s /usr/share/qemu/linuxboot_dma.bin ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-system-data >/dev/null
fi
bash "$root/scripts/guest-linux.sh" "$root/.cache/guest-linux"
