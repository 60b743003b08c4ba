#!/usr/bin/env bash
# The latency table of runbox for Python print("hello"), in one run on this machine:
#   - the floor: the interpreter itself inside an already running container
#   - runbox with the warm pool: p50 and p95 through nginx (curl, hyperfine)
#   - runbox with an empty pool and no reuse (a container made per run)
#   - `docker run --rm` of the same image and program via the CLI
#   - throughput with 1, 4 and 16 concurrent clients for D seconds each (wrk), errors counted
# Starts its own stacks (ports 18091 and 18092, instance bench) and stops them at the end.
#   tests/bench/pool.sh [runs=30] [seconds=30]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/bench/hello.sh
runs=${1:-30}
secs=${2:-30}
dir=$(mktemp -d /tmp/runbox-bench.XXXXXX)
chmod 755 "$dir"
export RUNBOX_INSTANCE=bench RUNBOX_FCGI_PROCESSES=4
export RUNBOX_QUOTA_PER_MINUTE=1000000 RUNBOX_QUOTA_PER_DAY=100000000 RUNBOX_QUOTA_CONCURRENT=1000
printf '[python]\n' > "$dir/languages.conf"
sed -n '/^\[python\]/,/^$/p' images/languages.conf | tail -n +2 >> "$dir/languages.conf"
export RUNBOX_LANGUAGES=$dir/languages.conf
body=$dir/hello.json
printf '%s' '{"language": "python", "code": "print(\"hello\")"}' > "$body"
image=$(sed -n 's/^image *= *//p' "$dir/languages.conf")

stack() { # start|stop NAME PORT POOL (pool 0: no reuse either, a container per run)
    RUNBOX_RUN_DIR=$dir/$2 RUNBOX_DB_PATH=$dir/$2/db/runbox.db RUNBOX_LISTEN=127.0.0.1:$3 \
        RUNBOX_POOL_SIZE=$4 RUNBOX_REUSE_RUNS=$([ "$4" = 0 ] && echo 0 || build/runbox-fcgi --print-config | sed -n 's/^reuse_runs=//p') \
        scripts/stack.sh "$1" >/dev/null
}
cleanup() {
    stack stop warm 18091 3 || true
    stack stop cold 18092 0 || true
    [ -n "${floor_c:-}" ] && docker rm -f "$floor_c" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
ms() { jq -r "$1" "$2"; }

# The floor: python3 inside a running container, timed inside it (no Docker in between).
floor_c=$(docker run -d --network none --entrypoint /bin/sh "$image" -c 'sleep 600')
floor=$(docker exec "$floor_c" sh -c 'python3 -c "print(1)" >/dev/null; s=$(date +%s%N);
    for i in $(seq 20); do python3 -c "print(\"hello\")" >/dev/null; done;
    echo $(( ($(date +%s%N) - s) / 20000000 ))')

stack start warm 18091 3
stack start cold 18092 0
# Wait for the warm pool to fill.
for _ in $(seq 1 60); do
    n=$(idle_at 18091)
    [ "$n" -ge 3 ] && break
    sleep 0.5
done
req() { echo "curl -sf http://127.0.0.1:$1/api/editor/run -H 'Content-Type: application/json' --data-binary @$body"; }
for p in 18091 18092; do
    grep -q '"stdout":"hello\\n"' <(eval "$(req $p)") || { echo "runbox on $p did not answer hello" >&2; exit 1; }
done

# Request latency as curl itself reports it (time_total: connect, send, answer), so the
# ~20 ms it takes to start a curl process is not counted. Warm: a pause before each run
# (not timed) lets the master refill the pool (about 0.5 s of Docker work per container),
# as between a class's requests; back-to-back load is the throughput part below.
measure() { # port runs pause out-file
    local i
    for i in $(seq 1 "$2"); do
        sleep "$3"
        curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$1/api/editor/run" \
            -H 'Content-Type: application/json' --data-binary @"$body"
    done | jq -s '{results: [{times: .}]}' > "$4"
}
measure 18091 3 1.5 /dev/null
measure 18091 "$runs" 1.5 "$dir/warm.json"
measure 18092 "$((runs / 2))" 0 "$dir/cold.json"
# docker run is a process: hyperfine times it whole.
hyperfine -N --warmup 1 --runs "$((runs / 2))" --export-json "$dir/docker.json" \
    "docker run --rm --network none $image python3 -c 'print(\"hello\")'" >/dev/null 2>&1

pct() { # file percentile
    jq -r --argjson p "$2" '.results[0].times | sort | .[((length - 1) * $p / 100 | floor)] * 1000 | floor' "$1"
}
post_lua "$body" "$dir/post.lua"

echo "Python print(\"hello\"), $(nproc) cores, $(date -u +%Y-%m-%d):"
printf '  %-52s %6s %6s\n' "" p50 p95
printf '  %-52s %6s %6s\n' "floor: python3 inside a running container" "${floor} ms" ""
printf '  %-52s %6s %6s\n' "runbox, warm pool (curl -> nginx -> FastCGI -> agent)" \
    "$(pct "$dir/warm.json" 50) ms" "$(pct "$dir/warm.json" 95) ms"
printf '  %-52s %6s %6s\n' "runbox, empty pool (a container per run)" \
    "$(pct "$dir/cold.json" 50) ms" "$(pct "$dir/cold.json" 95) ms"
printf '  %-52s %6s %6s\n' "docker run --rm (CLI)" \
    "$(pct "$dir/docker.json" 50) ms" "$(pct "$dir/docker.json" 95) ms"
echo "throughput, warm pool of 3, ${secs} s each (wrk):"
for c in 1 4 16; do
    out=$(wrk -t 1 -c "$c" -d "${secs}s" --timeout 30s -s "$dir/post.lua" http://127.0.0.1:18091/api/editor/run 2>&1)
    total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
    rps=$(sed -n 's/^Requests\/sec: *//p' <<<"$out")
    errs=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
    sock=$(sed -n 's/^ *Socket errors: *//p' <<<"$out")
    printf '  %2d clients: %6s runs/s (%s runs, %s non-2xx, socket errors: %s)\n' \
        "$c" "${rps:-?}" "${total:-?}" "${errs:-0}" "${sock:-none}"
done
