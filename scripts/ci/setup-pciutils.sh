#!/usr/bin/env bash
# pciutils' lspci, the oracle for `vmkit lspci` (apps/cli/test/lspci.test.ts reads vmkit's output
# back with `lspci -F <dump> -i <ids>` and compares). Idempotent; needs root.
set -euo pipefail
if ! command -v lspci >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pciutils >/dev/null
fi
lspci --version
