#!/usr/bin/env bash
# Build the language images (default: all under images/ that have a Dockerfile), each
# only when its folder or the base changed: a label records what it was built from.
set -euo pipefail
cd "$(dirname "$0")/.."

bash images/base/bootstrap.sh
base=${BASE_IMAGE:-runbox/debian-base:bookworm}
base_id=$(docker image inspect -f '{{.Id}}' "$base")

# The language registry says which image each language runs in: runbox/<folder>:latest is
# built from images/<folder>/. Arguments are language ids (c, java) or image folders (gcc).
export RUNBOX_CONF=${RUNBOX_CONF:-$PWD/runbox.conf}
registry=$(build/runbox-fcgi --print-config 2>/dev/null | sed -n "s/^languages='\(.*\)'$/\1/p" || true)
registry=${registry:-images/languages.conf}
folder_of() { # language id -> image folder, from the registry
    awk -v id="$1" '/^\[/ { sec = substr($0, 2, index($0, "]") - 2) }
        sec == id && $1 == "image" { sub(/^[^=]*= */, ""); sub(/:.*/, ""); sub(/^runbox\//, ""); print; exit }' "$registry"
}
wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
    mapfile -t wanted < <(sed -n 's/^\[\(.*\)\]$/\1/p' "$registry")
fi
langs=()
for w in "${wanted[@]}"; do
    f=$(folder_of "$w")
    [ -z "$f" ] && f=$w
    case " ${langs[*]} " in *" $f "*) ;; *) langs+=("$f") ;; esac
done

for lang in "${langs[@]}"; do
    dir=images/$lang
    [ -f "$dir/Dockerfile" ] || { echo "no image folder $dir (known: $(ls images))" >&2; exit 1; }
    tag=runbox/$lang:latest
    src=$( (echo "$base_id"; find "$dir" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
    have=$(docker image inspect -f '{{index .Config.Labels "runbox.src"}}' "$tag" 2>/dev/null || true)
    if [ "$have" = "$src" ]; then
        echo "image $tag: up to date"
        continue
    fi
    echo "image $tag: building"
    docker build -q --build-arg BASE="$base" -t "$tag.tmp" "$dir" >/dev/null
    # The version students see is what the built image reports, not a typed-in number.
    version=$(docker run --rm --network none --entrypoint /bin/sh "$tag.tmp" -c "$(cat "$dir/version-cmd")" 2>&1 | head -1)
    printf 'FROM %s\nLABEL runbox.src="%s" runbox.version="%s"\n' "$tag.tmp" "$src" "$version" |
        docker build -q -t "$tag" - >/dev/null
    docker rmi "$tag.tmp" >/dev/null
    echo "image $tag: built ($version)"
done
