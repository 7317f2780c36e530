#!/usr/bin/env bash
# Makes sure a Chromium binary exists for the browser DPoP suite (test/browser): it is used as
# found on PATH (or $CHROMIUM, a path); when missing, Debian's chromium package is installed with
# apt-get where that is possible (Debian/Ubuntu, as root or with sudo). Playwright never
# downloads a browser here: the suite launches this one, and is skipped when there is none.
set -euo pipefail
binary="${CHROMIUM:-chromium}"
if command -v "$binary" >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  echo "chromium is missing: installing it with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq chromium >/dev/null 2>&1; }
fi
if ! command -v "$binary" >/dev/null 2>&1; then
  echo "chromium not found: install it (apt-get install chromium) or set CHROMIUM to its path; the browser DPoP suite will be skipped" >&2
  exit 1
fi
