#!/usr/bin/env bash
# Installs what the browser tests (crates/web/tests/browser.rs) need: Debian's chromium and
# playwright-core and axe-core (tools/browser-tests, from its package-lock.json). Does nothing when both
# are there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
    echo "browser tests: installing chromium" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "browser tests: npm is missing; install Node.js 18+ (apt-get install -y nodejs npm)" >&2
    exit 1
fi

if [ ! -d "$root/tools/browser-tests/node_modules/playwright-core" ] \
    || [ ! -d "$root/tools/browser-tests/node_modules/axe-core" ]; then
    echo "browser tests: installing playwright-core and axe-core" >&2
    (cd "$root/tools/browser-tests" && npm ci --no-audit --no-fund)
fi
