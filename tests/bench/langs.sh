#!/usr/bin/env bash
# Latency of hello world in every language runbox serves, end to end: curl -> nginx ->
# FastCGI -> a fresh container -> compile (where the language compiles) -> run -> answer.
# Prints, per language, the version GET /api/languages reports and the median, min and max
# of N runs (default 10, after 2 warm-up runs) measured with hyperfine. Needs a running
# stack (`make start`); the address is runbox.conf's listen, or RUNBOX_LISTEN.
#   tests/bench/langs.sh [N]
#
# Every run counts against the per-minute quota of the address the runs come from. When
# the server's quota_per_minute is too small for all the runs, the script waits a minute
# for earlier runs to leave the quota's window, then leaves 60/quota s between runs (not
# part of the timings). Start the stack with RUNBOX_QUOTA_PER_MINUTE=1000 to skip that.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-10}
warmup=2
export RUNBOX_CONF=${RUNBOX_CONF:-$top/runbox.conf}
eval "$("$top/build/runbox-fcgi" --print-config)"
base=http://$listen
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

. "$top/tests/bench/hello.sh"

curl -sf "$base/api/languages" > "$dir/languages.json" ||
    { echo "runbox is not running on $listen: run 'make start' first" >&2; exit 1; }
ids=() versions=()
while IFS=$'\t' read -r id version; do
    if [ -z "$(hello "$id")" ]; then echo "no hello world for '$id' here: skipped" >&2; continue; fi
    ids+=("$id") versions+=("$version")
done < <(jq -r '.languages[] | [.id, (.version // "?")] | @tsv' "$dir/languages.json")
[ ${#ids[@]} -gt 0 ] || { echo "the server lists no language this script knows" >&2; exit 1; }

pace=()
runs=$(( ${#ids[@]} * (1 + warmup + n) ))
if [ "$quota_per_minute" -lt $(( runs + 30 )) ]; then
    gap=$(( (60000 / quota_per_minute + 100 + 99) / 100 ))   # tenths of a second, rounded up
    pace=(--prepare "sleep $((gap / 10)).$((gap % 10))")
    echo "quota_per_minute is $quota_per_minute and this takes $runs runs: waiting 60 s, then" \
         "$((gap / 10)).$((gap % 10)) s between runs (not timed)" >&2
    sleep 60
fi
pause() { [ ${#pace[@]} = 0 ] || sleep "${pace[1]#sleep }"; }

# Each program must really say hello, or the timing means nothing.
cmds=()
for id in "${ids[@]}"; do
    hello "$id" | jq -Rs --arg l "$id" '{language: $l, code: .}' > "$dir/$id.json"
    pause
    code=$(curl -s -o "$dir/$id.out" -w '%{http_code}' "$base/api/editor/run" \
        -H 'Content-Type: application/json' --data-binary "@$dir/$id.json")
    if [ "$code" != 200 ] || ! jq -e '.status == "ok" and .output.stdout == "hello world\n"' "$dir/$id.out" >/dev/null; then
        echo "$id did not answer hello world (HTTP $code):" >&2
        head -c 600 "$dir/$id.out" >&2; echo >&2
        exit 1
    fi
    cmds+=(-n "$id" "curl -sf $base/api/editor/run -H 'Content-Type: application/json' --data-binary @$dir/$id.json")
done

hyperfine -N --warmup "$warmup" --runs "$n" "${pace[@]}" --export-json "$dir/times.json" "${cmds[@]}" >/dev/null ||
    { echo "a run failed (curl -f: an HTTP error, e.g. 429 over a quota this address has)" >&2; exit 1; }

# Each language's image (from the registry) and its size as Docker reports it (the Debian
# base, 114 MB, is shared by all of them).
image_of() {
    awk -v s="[$1]" '/^\[/ { sec = ($1 == s) } sec && $1 == "image" { print $3; exit }' "$languages"
}
echo "hello world through runbox (nginx, fresh container, compile + run), $n runs each:"
printf '  %-11s %-34s %8s %8s %8s  %-16s %s\n' language version "median" min max image size
for i in "${!ids[@]}"; do
    img=$(image_of "${ids[$i]}")
    size=$(docker image inspect -f '{{.Size}}' "$img" 2>/dev/null | awk '{ printf "%d MB", $1 / 1000000 }')
    jq -r --arg id "${ids[$i]}" '.results[] | select(.command == $id)
        | [.median, .min, .max] | map(. * 1000 | floor | tostring) | @tsv' "$dir/times.json" |
    while IFS=$'\t' read -r med min max; do
        printf '  %-11s %-34s %5s ms %5s ms %5s ms  %-16s %s\n' "${ids[$i]}" "${versions[$i]:0:34}" \
            "$med" "$min" "$max" "${img%:latest}" "${size:-?}"
    done
done
