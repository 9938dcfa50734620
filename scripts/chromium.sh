#!/usr/bin/env bash
# Debian's headless Chromium (+ chromium-driver) for the browser tests (pytest -m browser).
# Playwright drives it via executable_path=/usr/bin/chromium; `playwright install` is never used.
# Idempotent: does nothing when chromium is already there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "scripts/chromium.sh: need root (or sudo) to apt-get install chromium" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
