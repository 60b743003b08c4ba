#!/usr/bin/env bash
# What the tests need beyond the server's own packages (scripts/deps.sh): Node.js and npm
# from Debian when there is no node, clang for the fuzzers, and the npm clients of the APIs runbox speaks, exactly
# as tests/clients/package-lock.json pins them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "the tests need Node.js and npm (Debian packages nodejs and npm); install them" >&2
        exit 1
    fi
    echo "installing: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
fi
# clang and its runtime (libFuzzer, the sanitizers) for make fuzz.
missing=()
for p in clang libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "the tests need these Debian packages: ${missing[*]}" >&2; exit 1; }
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! (cd tests/clients && npm ls --silent >/dev/null 2>&1); then
    echo "installing the npm clients (tests/clients/package-lock.json)"
    (cd tests/clients && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
