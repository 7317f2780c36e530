#!/usr/bin/env bash
# Makes sure a redis-server binary exists for the Redis store's tests: it is used as found on
# PATH (or $REDIS_SERVER); when missing, it is installed with apt-get where that is possible
# (Debian/Ubuntu, as root or with sudo). The tests start their own server on a free port.
set -euo pipefail
binary="${REDIS_SERVER:-redis-server}"
command -v "$binary" >/dev/null 2>&1 && exit 0
if ! bash "$(dirname "$0")/ensure-binary.sh" "$binary" redis-server; then
  echo "redis-server not found: install it (apt-get install redis-server, brew install redis) or set REDIS_SERVER" >&2
  exit 1
fi
# Debian starts a system service on install; the tests run their own servers.
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
{ $sudo systemctl stop redis-server || $sudo service redis-server stop || true; } >/dev/null 2>&1
