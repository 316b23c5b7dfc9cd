#!/usr/bin/env bash
# Debian's Chromium for the browser tests (make test). Playwright drives this binary; it never
# downloads a browser of its own. Installs with apt-get when /usr/bin/chromium is missing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
echo "browser.sh: $CHROMIUM is missing; installing Debian's chromium package with apt-get" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "browser.sh: cannot install Chromium: not root and no sudo. Install it with 'apt-get install chromium'." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -q >/dev/null || \
   ! $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
  echo "browser.sh: 'apt-get install chromium' failed; the browser tests need Debian's Chromium at $CHROMIUM." >&2
  exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "browser.sh: the chromium package did not provide $CHROMIUM." >&2
  exit 1
fi
"$CHROMIUM" --version >&2
