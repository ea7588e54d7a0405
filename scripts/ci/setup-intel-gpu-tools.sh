#!/usr/bin/env bash
# Installs Debian's intel-gpu-tools (igt-gpu-tools 1.27.1 on bookworm) when it is missing: its
# intel_vbt_decode and intel_opregion_decode are the outside oracles of the differential tests in
# packages/vfio-igd/test/vbt-oracle.test.ts and opregion-oracle.test.ts. They work on files, without
# Intel hardware. Idempotent; needs root.
set -euo pipefail
if command -v intel_vbt_decode >/dev/null && command -v intel_opregion_decode >/dev/null; then
  echo "setup-intel-gpu-tools: already installed ($(dpkg-query -W -f '${Version}' intel-gpu-tools 2>/dev/null || echo '?'))"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends intel-gpu-tools >/dev/null
command -v intel_vbt_decode >/dev/null
command -v intel_opregion_decode >/dev/null
echo "setup-intel-gpu-tools: installed $(dpkg-query -W -f '${Version}' intel-gpu-tools)"
