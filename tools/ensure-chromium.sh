#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (`playwright install` needs a network
# this machine lacks). Installs the package once; later runs find it and do nothing.
set -euo pipefail
if [ -n "${BRIDGE_CHROMIUM:-}" ] && [ -x "$BRIDGE_CHROMIUM" ]; then exit 0; fi
if command -v chromium > /dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo > /dev/null; then
  echo "ensure-chromium: not root and no sudo; install Debian's chromium, or the browser tests skip" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "ensure-chromium: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium > /dev/null || {
  $sudo apt-get update -q > /dev/null
  $sudo apt-get install -y -q chromium > /dev/null
}
chromium --version
