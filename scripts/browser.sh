#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (Playwright cannot download its own
# browsers here). Install the package when it is missing and we run as root.
set -euo pipefail
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "browser: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
else
  echo "browser: chromium is missing; install Debian's 'chromium' package, or set CHROMIUM_PATH" >&2
  exit 1
fi
