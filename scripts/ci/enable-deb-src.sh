#!/usr/bin/env bash
# Adds a deb-src entry for Debian bookworm (same URIs and keyring as the binary entry) so that
# `apt-get source --download-only <pkg>` works, then refreshes the lists. Idempotent; needs root.
# Used by CI steps that build from Debian's source packages (SeaBIOS, QEMU's qtest programs).
set -euo pipefail
src=/etc/apt/sources.list.d/vmkit-deb-src.sources
if [ ! -e "$src" ]; then
  cat >"$src" <<'EOT'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
  apt-get update -qq
fi
