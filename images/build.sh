#!/usr/bin/env bash
# Build the language images (default: every language of the registry), each only when its
# folder or the base changed: a label records what it was built from. This script lives in
# the images folder it builds from: images/ in the source tree (make images), or
# /usr/share/runbox/images when installed (runbox images build).
#   build.sh [LANGUAGE-OR-FOLDER...]
set -euo pipefail
# From the folder above images/, so that what an image was built from is named the same
# (images/gcc/...) in the source tree and in the installed one.
cd "$(dirname "$0")/.."
[ "$(basename "$PWD/images")" = images ] && [ -d images ] || { echo "build.sh must sit in a folder called images" >&2; exit 1; }

bash images/base/bootstrap.sh
base=${BASE_IMAGE:-runbox/debian-base:bookworm}

# The language registry says which image each language runs in: runbox/<folder>:latest is
# built from images/<folder>/. Arguments are language ids (c, java) or image folders (gcc).
# The registry the server reads (its languages key; runbox-fcgi says which, RUNBOX_FCGI
# names the binary), else the one beside this script.
registry=$("${RUNBOX_FCGI:-runbox-fcgi}" --print-config 2>/dev/null | sed -n "s/^languages='\(.*\)'$/\1/p" || true)
[ -n "$registry" ] && [ -f "$registry" ] || registry=images/languages.conf
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

# build_image FOLDER BASE-IMAGE: runbox/FOLDER:latest from images/FOLDER/ on BASE-IMAGE,
# unless it was already built from the same files on the same base.
build_image() {
    local dir=images/$1 tag=runbox/$1:latest from=$2 base_id src have out line version= labels=()
    [ -f "$dir/Dockerfile" ] || { echo "no image folder $dir (known: $(ls images))" >&2; exit 1; }
    base_id=$(docker image inspect -f '{{.Id}}' "$from")
    src=$( (echo "$base_id"; find "$dir" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
    have=$(docker image inspect -f '{{index .Config.Labels "runbox.src"}}' "$tag" 2>/dev/null || true)
    if [ "$have" = "$src" ]; then
        echo "image $tag: up to date"
        return 0
    fi
    echo "image $tag: building"
    docker build -q --build-arg BASE="$from" -t "$tag.tmp" "$dir" >/dev/null
    if [ -f "$dir/version-cmd" ]; then
        # The version students see is what the built image reports, not a typed-in number.
        # One line for the image, or "id: version" lines for an image that serves several
        # languages (runbox.version.<id> each; runbox.version is the first).
        out=$(docker run --rm --network none --entrypoint /bin/sh "$tag.tmp" -c "$(cat "$dir/version-cmd")" 2>&1 | tr -d '"\\')
        while IFS= read -r line; do
            if [[ $line =~ ^([a-z0-9_]+):\ (.+)$ ]]; then
                labels+=("runbox.version.${BASH_REMATCH[1]}=\"${BASH_REMATCH[2]}\"")
                [ -n "$version" ] || version=${BASH_REMATCH[2]}
            fi
        done <<< "$out"
        [ ${#labels[@]} -gt 0 ] || version=$(head -1 <<< "$out")
    fi
    printf 'FROM %s\nLABEL runbox.src="%s" runbox.version="%s" %s\n' "$tag.tmp" "$src" "$version" "${labels[*]}" |
        docker build -q -t "$tag" - >/dev/null
    docker rmi "$tag.tmp" >/dev/null
    echo "image $tag: built${version:+ ($version)}"
}

# What every language image shares (the runner user, /work), then the languages on it.
build_image runner "$base"
for lang in "${langs[@]}"; do
    build_image "$lang" runbox/runner:latest
done
