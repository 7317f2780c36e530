#!/usr/bin/env bash
# Makes sure a redis-server binary exists for the Redis store's tests: it is used as found on
# PATH (or $REDIS_SERVER); when missing, it is installed with apt-get where that is possible
# (Debian/Ubuntu, as root or with sudo). The tests start their own server on a free port.
set -euo pipefail
binary="${REDIS_SERVER:-redis-server}"
if command -v "$binary" >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  echo "redis-server is missing: installing it with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq redis-server >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq redis-server >/dev/null 2>&1; }
  # Debian starts a system service on install; the tests run their own servers.
  { $sudo systemctl stop redis-server || $sudo service redis-server stop || true; } >/dev/null 2>&1
fi
if ! command -v "$binary" >/dev/null 2>&1; then
  echo "redis-server not found: install it (apt-get install redis-server, brew install redis) or set REDIS_SERVER" >&2
  exit 1
fi
