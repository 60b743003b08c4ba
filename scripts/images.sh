#!/usr/bin/env bash
# make images: build the language images from images/ with this tree's configuration and
# server binary (the installed package's `runbox images build` runs the same images/build.sh).
#   scripts/images.sh [LANGUAGE-OR-FOLDER...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export RUNBOX_CONF=${RUNBOX_CONF:-$top/runbox.conf} RUNBOX_FCGI=${RUNBOX_FCGI:-$top/build/runbox-fcgi}
cd "$top"
exec bash images/build.sh "$@"
