#!/usr/bin/env bash
# Makes sure a Chromium binary exists for the browser DPoP suite (test/browser): it is used as
# found on PATH (or $CHROMIUM, a path); when missing, Debian's chromium package is installed with
# apt-get where that is possible (Debian/Ubuntu, as root or with sudo). Playwright never
# downloads a browser here: the suite launches this one, and is skipped when there is none.
set -euo pipefail
if ! bash "$(dirname "$0")/ensure-binary.sh" "${CHROMIUM:-chromium}" chromium; then
  echo "chromium not found: install it (apt-get install chromium) or set CHROMIUM to its path; the browser DPoP suite will be skipped" >&2
  exit 1
fi
