#!/usr/bin/env bash
# Make the Debian base image (runbox/debian-base:bookworm) when it is missing.
#
# A school VM with a registry could simply pull debian:bookworm-slim; this machine
# reaches no registry, only its apt mirror. So we debootstrap a minimal bookworm
# from the mirror apt is already configured with and `docker import` it. Later
# Dockerfiles build FROM this tag (or from a pulled base: see images/python/Dockerfile).
set -euo pipefail

tag=${BASE_IMAGE:-runbox/debian-base:bookworm}
suite=${BASE_SUITE:-bookworm}

if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "base image $tag: present"
    exit 0
fi

# Read the mirror from apt's own configuration (deb822 .sources first, then
# one-line .list files), so the bootstrap uses exactly what this machine reaches.
mirror=${BASE_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
fi
if [ -z "$mirror" ]; then
    mirror=$(awk '$1=="deb" && $2 !~ /security/ && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

if ! command -v debootstrap >/dev/null; then
    echo "debootstrap is not installed: run 'apt-get install debootstrap' and try again" >&2
    exit 1
fi

work=$(mktemp -d /var/tmp/runbox-base.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT

echo "base image $tag: bootstrapping Debian $suite from $mirror (takes a few minutes, once)"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$work/root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# Slim it the way the official slim images are: no apt lists, no docs, no logs.
chroot "$work/root" apt-get clean
rm -rf "$work/root"/var/lib/apt/lists/* "$work/root"/usr/share/doc/* \
       "$work/root"/usr/share/man/* "$work/root"/var/log/* "$work/root"/var/cache/apt/*.bin
# Point the image's apt at the same mirror.
printf 'deb %s %s main\n' "$mirror" "$suite" > "$work/root/etc/apt/sources.list"

tar -C "$work/root" -c . | docker import \
    --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
echo "base image $tag: built"
