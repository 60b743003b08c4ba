#!/usr/bin/env bash
# The same hello world through each API face of one stack, side by side in one run: the
# editor API, the Jobe API (as CodeRunner sends it) and the Piston API. Requests go round
# the faces (editor, jobe, piston, editor...) with a pause before each (not timed) so the
# warm pool refills, so the machine's noise falls on all alike. Prints p50, p95, min and
# max of curl's own time_total for each (starting curl is not counted).
#   tests/bench/faces.sh [LANG=python] [N=20]
# Starts its own stack (port 18095, instance bench-faces) and stops it at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
lang=${1:-python}
n=${2:-20}
[ -x build/runbox-fcgi ] || { echo "build first: make" >&2; exit 1; }
. "$top/tests/bench/hello.sh"
[ -n "$(hello "$lang")" ] || { echo "no hello world for '$lang' here" >&2; exit 1; }
dir=$(mktemp -d /tmp/runbox-faces.XXXXXX)
chmod 755 "$dir"
port=18095
jobe_id=$(case $lang in python) echo python3 ;; javascript) echo nodejs ;; *) echo "$lang" ;; esac)
piston_id=$(case $lang in cpp) echo c++ ;; *) echo "$lang" ;; esac)
hello "$lang" | jq -Rs --arg l "$lang" '{language: $l, code: .}' > "$dir/editor.json"
hello "$lang" | jq -Rs --arg l "$jobe_id" \
    '{run_spec: {language_id: $l, sourcecode: ., input: "", file_list: [], parameters: {}}}' > "$dir/jobe.json"
hello "$lang" | jq -Rs --arg l "$piston_id" '{language: $l, version: "*", files: [{content: .}]}' > "$dir/piston.json"
awk -v s="[$lang]" '/^\[/ { p = ($0 == s) } p' images/languages.conf > "$dir/languages.conf"

export RUNBOX_QUOTA_PER_MINUTE=1000000 RUNBOX_QUOTA_PER_DAY=100000000 RUNBOX_QUOTA_CONCURRENT=1000
export RUNBOX_LANGUAGES=$dir/languages.conf RUNBOX_POOL_SIZE=3 RUNBOX_INSTANCE=bench-faces
export RUNBOX_RUN_DIR=$dir/run RUNBOX_DB_PATH=$dir/run/db/runbox.db RUNBOX_LISTEN=127.0.0.1:$port
cleanup() { scripts/stack.sh stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
scripts/stack.sh start >/dev/null
idle() { idle_at "$port"; }
for _ in $(seq 1 120); do [ "$(idle)" -ge 3 ] && break; sleep 0.5; done

post() { # face out-file
    local path
    case $1 in editor) path=/api/editor/run ;; jobe) path=/jobe/index.php/restapi/runs ;;
               piston) path=/api/v2/execute ;; esac
    curl -s -o "$2" -w '%{time_total}\n' "http://127.0.0.1:$port$path" \
        -H 'Content-Type: application/json; charset=utf-8' --data-binary @"$dir/$1.json"
}
ok() { # face file
    case $1 in
    editor) jq -e '.status == "ok" and .output.stdout == "hello world\n"' "$2" ;;
    jobe) jq -e '.outcome == 15 and .stdout == "hello world\n"' "$2" ;;
    piston) jq -e '.run.code == 0 and .run.stdout == "hello world\n"' "$2" ;;
    esac >/dev/null
}
for f in editor jobe piston; do : > "$dir/$f.times"; done
for i in $(seq 1 $((n + 2))); do
    for f in editor jobe piston; do
        sleep 1.5
        t=$(post "$f" "$dir/$f.out")
        ok "$f" "$dir/$f.out" || { echo "run $i through $f failed:" >&2; head -c 600 "$dir/$f.out" >&2; exit 1; }
        [ "$i" -gt 2 ] && echo "$t" >> "$dir/$f.times"   # the first two of each: warm-up
    done
done
stats() { jq -rs 'sort | map(. * 1000) | [.[((length - 1) / 2 | floor)], .[((length - 1) * 95 / 100 | floor)], .[0], .[-1]]
                  | map(floor | tostring) | join(" ")' "$1"; }
echo "$lang hello world through each face, $n runs each, in turn, warm pool of 3, $(nproc) cores, $(date -u +%Y-%m-%d):"
printf '  %-8s %7s %7s %7s %7s\n' "" p50 p95 min max
for f in editor jobe piston; do
    read -r p50 p95 mn mx < <(stats "$dir/$f.times")
    printf '  %-8s %4s ms %4s ms %4s ms %4s ms\n' "$f" "$p50" "$p95" "$mn" "$mx"
done
