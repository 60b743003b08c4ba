#!/usr/bin/env bash
# Latency of a Python print("hello"): through runbox (nginx -> FastCGI -> a fresh
# container) next to `docker run --rm` of the same image and program. Prints medians of
# N runs (default 20) measured with hyperfine. Needs a running stack (`make start`).
#   tests/bench/latency.sh [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-20}
export RUNBOX_CONF=${RUNBOX_CONF:-$top/runbox.conf}
eval "$("$top/build/runbox-fcgi" --print-config)"
body=$(mktemp)
trap 'rm -f "$body" "$body.json"' EXIT
printf '%s' '{"language": "python", "code": "print(\"hello\")"}' > "$body"

curl -sf "http://$listen/api/health" >/dev/null || { echo "runbox is not running on $listen: run 'make start' first" >&2; exit 1; }
# Each command must really succeed, or the timing means nothing.
grep -q '"stdout":"hello\\n"' <(curl -s "http://$listen/api/editor/run" -H 'Content-Type: application/json' --data-binary "@$body") ||
    { echo "runbox did not answer hello" >&2; exit 1; }

hyperfine -N --warmup 3 --runs "$n" --export-json "$body.json" \
    -n "runbox (nginx, fresh container)" \
    "curl -sf http://$listen/api/editor/run -H 'Content-Type: application/json' --data-binary @$body" \
    -n "docker run --rm" \
    "docker run --rm --network none runbox/python:latest python3 -c 'print(\"hello\")'" >/dev/null

echo "median of $n runs, print(\"hello\") in Python:"
jq -r '.results[] | "  \(.command): \(.median * 1000 | floor) ms (min \(.min * 1000 | floor), max \(.max * 1000 | floor))"' "$body.json"
