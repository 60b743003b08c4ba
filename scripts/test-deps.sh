#!/usr/bin/env bash
# What the tests need beyond the server's own packages (scripts/deps.sh): Node.js and npm
# from Debian when there is no node, clang for the fuzzers, and the npm clients of the APIs
# runbox speaks, exactly as tests/clients/package-lock.json pins them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt.sh
# Debian's Node.js and npm, unless a node is there already.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_need "the tests" nodejs npm || true
fi
# clang and its runtime (libFuzzer, the sanitizers) for make fuzz.
apt_need "make fuzz" clang libclang-rt-14-dev || true
# Debian's chromium for the editor page's browser tests (never a browser download).
apt_need "the browser tests" chromium || true
# Debian's Apache, for the suites through Apache (they start it on a port of their own), and
# lintian, for the package's check. Installing apache2 would start it on port 80: a
# policy-rc.d that refuses service starts is in place while it installs.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ] && [ "$(id -u)" = 0 ]; then
    printf '#!/bin/sh\n# runbox test-deps: no service starts while packages install\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    own_policy=1
fi
apt_need "the Apache and package tests" apache2 lintian dpkg-dev systemd || true
[ -z "$own_policy" ] || rm -f "$policy"
if ! (cd tests/browser && npm ls --silent >/dev/null 2>&1); then
    echo "installing playwright-core (tests/browser/package-lock.json)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if ! (cd tests/clients && npm ls --silent >/dev/null 2>&1); then
    echo "installing the npm clients (tests/clients/package-lock.json)"
    (cd tests/clients && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
