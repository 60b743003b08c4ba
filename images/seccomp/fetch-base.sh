#!/usr/bin/env bash
# Fetch Docker's default seccomp profile as Debian ships it (package
# golang-github-docker-docker-dev, the source of the Docker that runs here) into $1.
# make-profile.c then brings it up to the current upstream default.
set -euo pipefail
out=$(realpath -m "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download golang-github-docker-docker-dev >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get download golang-github-docker-docker-dev >/dev/null
}
dpkg-deb -x golang-github-docker-docker-dev_*.deb x
cp x/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json "$out"
