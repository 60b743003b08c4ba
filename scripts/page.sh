#!/usr/bin/env bash
# Build the editor page into build/page: Monaco and the page's own code bundled by esbuild
# (both pinned by nginx/page/package-lock.json, installed with npm ci), minified, plus the
# editor's worker; nginx serves the folder at / and gzips it. Nothing is fetched at run time.
#   scripts/page.sh [OUT=build/page]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/page}
src=$top/nginx/page
cd "$src"
if ! npm ls --silent >/dev/null 2>&1; then
    echo "installing the page's npm packages (nginx/page/package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
esbuild=$src/node_modules/.bin/esbuild
mkdir -p "$out.new"
# The page: its code and the parts of Monaco it uses; CSS imported by Monaco lands in app.css,
# the codicon font next to it.
"$esbuild" src/app.js --bundle --minify --format=esm --target=es2020 --log-level=warning \
    --loader:.ttf=file --asset-names=[name] --outfile="$out.new/app.js"
cat src/style.css >> "$out.new/app.css"
# The editor's worker (tokenizing, diffing); the languages need no other.
"$esbuild" node_modules/monaco-editor/esm/vs/editor/editor.worker.js --bundle --minify \
    --format=iife --target=es2020 --log-level=warning --outfile="$out.new/editor.worker.js"
cp src/index.html "$out.new/index.html"
cp node_modules/monaco-editor/esm/vs/base/browser/ui/codicons/codicon/codicon.ttf "$out.new/"
# Compressed once here, at the highest level, rather than by nginx on every first load
# (gzip_static): a 2.3 MB script costs nginx tens of ms to compress each time.
for f in "$out.new"/*.js "$out.new"/*.css "$out.new"/*.ttf "$out.new"/index.html; do
    gzip -9 -k -n "$f"
done
rm -rf "$out"
mv "$out.new" "$out"
echo "page: $out ($(cat "$out"/*.js "$out"/*.css "$out"/*.ttf "$out"/index.html | wc -c | awk '{ printf "%d", $1 / 1024 }') KB, $(cat "$out"/*.gz | wc -c | awk '{ printf "%d", $1 / 1024 }') KB gzipped)"
