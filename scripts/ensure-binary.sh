#!/usr/bin/env bash
# `ensure-binary.sh <binary> <debian-package>`: makes sure <binary> (a name on PATH, or a path)
# exists; when it is missing, installs <debian-package> with apt-get where that is possible
# (Debian/Ubuntu, as root or with sudo). Exits non-zero, saying so, when it still is missing.
# Used by ensure-redis.sh and ensure-chromium.sh.
set -euo pipefail
binary="$1"
package="$2"
if command -v "$binary" >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  echo "$binary is missing: installing $package with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq "$package" >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$package" >/dev/null 2>&1; }
fi
command -v "$binary" >/dev/null 2>&1
