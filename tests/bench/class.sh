#!/usr/bin/env bash
# A class pressing Run at once, against what the machine itself can do, in one run:
#   - the machine's own rate: Python hello world in a loop inside as many running
#     containers as there are cores, with runbox's limits (CPU share, memory, no network);
#   - runbox's throughput and p50 latency with 1, 4, 16 and 32 clients (wrk, SECS seconds
#     each, errors counted), as a share of that rate, with container reuse off (reuse_runs
#     0: a new container per run) and on (runbox.conf's reuse_runs), side by side; one
#     client's p50 against the floor (one hello world in a running container);
#   - a burst of 30 simultaneous runs, for both: the time to the last answer, against the
#     time the machine needs to run those 30 programs at its own rate;
#   - 16 clients with reuse_runs 10, the default and 1000: what replacing containers costs.
#   tests/bench/class.sh [SECS=30]
# Starts its own stack (port 18097, instance bench-class, Python only, warm pool of 3) for
# each setting, and its own containers (label runbox.bench=class), and removes them at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/bench/hello.sh
secs=${1:-30}
[ -x build/runbox-fcgi ] || { echo "build first: make" >&2; exit 1; }
dir=$(mktemp -d /tmp/runbox-class.XXXXXX)
chmod 755 "$dir"
port=18097
cores=$(nproc)
eval "$(build/runbox-fcgi --print-config | grep -E '^(memory_mb|cpus)=')"
image=runbox/python:latest
awk '/^\[/ { p = ($0 == "[python]") } p' images/languages.conf > "$dir/languages.conf"
jq -n '{language: "python", code: "print(\"hello world\")"}' > "$dir/body.json"
export RUNBOX_QUOTA_PER_MINUTE=1000000 RUNBOX_QUOTA_PER_DAY=100000000 RUNBOX_QUOTA_CONCURRENT=1000
export RUNBOX_LANGUAGES=$dir/languages.conf RUNBOX_POOL_SIZE=3 RUNBOX_INSTANCE=bench-class
export RUNBOX_RUN_DIR=$dir/run RUNBOX_DB_PATH=$dir/run/db/runbox.db RUNBOX_LISTEN=127.0.0.1:$port
cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1 || true
    docker ps -aq --filter label=runbox.bench=class | xargs -r docker rm -f >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

echo "== the machine's own rate: hello world in a loop in $cores running containers, ${secs} s"
ids=()
for _ in $(seq 1 "$cores"); do
    ids+=("$(docker run -d --label runbox.bench=class --network none --memory "${memory_mb}m" \
        --memory-swap "${memory_mb}m" --cpus "$cpus" --pids-limit 64 --entrypoint sleep "$image" 3600)")
done
for id in "${ids[@]}"; do
    docker exec "$id" sh -c "end=\$(( \$(date +%s) + $secs )); n=0
        while [ \$(date +%s) -lt \$end ]; do python3 -c 'print(\"hello world\")' >/dev/null; n=\$((n + 1)); done
        echo \$n" > "$dir/loop.$id" &
done
wait
own=$(cat "$dir"/loop.* | awk -v s="$secs" '{ n += $1 } END { printf "%.1f", n / s }')
docker rm -f "${ids[@]}" >/dev/null

floor=$(cat "$dir"/loop.* | awk -v s="$secs" '{ t += 1000 * s / $1; k++ } END { printf "%.0f", t / k }')
idle() { idle_at "$port"; }
post_lua "$dir/body.json" "$dir/post.lua"
# measure NAME REUSE_RUNS: a fresh stack with that setting; its rows go to $dir/rows.NAME
# ("clients runs/s p50 non-2xx socket-errors") and its burst to $dir/burst.NAME.
measure() {
    RUNBOX_REUSE_RUNS=$2 scripts/stack.sh start >/dev/null
    for _ in $(seq 1 120); do [ "$(idle)" -ge 3 ] && break; sleep 0.5; done
    : > "$dir/rows.$1"
    for c in 1 4 16 32; do
        out=$(wrk -t "$([ "$c" -ge 2 ] && echo 2 || echo 1)" -c "$c" -d "${secs}s" --timeout 60s --latency \
            -s "$dir/post.lua" "http://127.0.0.1:$port/api/editor/run" 2>&1) || true
        rps=$(sed -n 's/^Requests\/sec: *//p' <<<"$out")
        p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
        errs=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
        sock=$(sed -n 's/^ *Socket errors: *//p' <<<"$out" | tr -d ' ')
        echo "$c ${rps:-0} ${p50:-?} ${errs:-0} ${sock:-none}" >> "$dir/rows.$1"
        sleep 3   # let the pool refill before the next row
    done
    for _ in $(seq 1 120); do [ "$(idle)" -ge 3 ] && break; sleep 0.5; done
    local t0 t1 i
    t0=$(date +%s%N)
    for i in $(seq 1 30); do
        curl -s -o "$dir/burst.$1.$i" --max-time 120 -H 'Content-Type: application/json' \
            --data-binary @"$dir/body.json" "http://127.0.0.1:$port/api/editor/run" &
    done
    wait
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000000 )) $(cat "$dir"/burst."$1".* | jq -s '[.[] | select(.status == "ok")] | length')" > "$dir/burst.$1"
    scripts/stack.sh stop >/dev/null
}
reuse=$(build/runbox-fcgi --print-config | sed -n 's/^reuse_runs=//p')
measure off 0
measure on "$reuse"
# sweep N: 16 clients for SECS with reuse_runs N (how often a container is replaced)
sweep() {
    RUNBOX_REUSE_RUNS=$1 scripts/stack.sh start >/dev/null
    for _ in $(seq 1 120); do [ "$(idle)" -ge 3 ] && break; sleep 0.5; done
    out=$(wrk -t 2 -c 16 -d "${secs}s" --timeout 60s -s "$dir/post.lua" "http://127.0.0.1:$port/api/editor/run" 2>&1) || true
    echo "$1 $(sed -n 's/^Requests\/sec: *//p' <<<"$out") $(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "containers_created_total" { print $2 }')" >> "$dir/sweep"
    scripts/stack.sh stop >/dev/null
}
for n in 10 "$reuse" 1000; do sweep "$n"; done

pct() { awk -v a="$1" -v b="$own" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }
echo "Python hello world, $cores cores, $(date -u +%Y-%m-%d); the machine's own rate: $own runs/s, $floor ms per run (the floor)"
printf '  %-7s | %-44s | %-44s\n' "" "reuse off (reuse_runs 0: a new container per run)" "reuse on (reuse_runs $reuse)"
printf '  %-7s | %8s %7s %9s %16s | %8s %7s %9s %16s\n' clients "runs/s" "of own" "p50" "non-2xx / socket" \
    "runs/s" "of own" "p50" "non-2xx / socket"
paste -d' ' "$dir/rows.off" "$dir/rows.on" | while read -r c r1 l1 e1 s1 _ r2 l2 e2 s2; do
    printf '  %-7s | %8s %6s%% %9s %16s | %8s %6s%% %9s %16s\n' "$c" "$r1" "$(pct "$r1")" "$l1" "$e1 / $s1" \
        "$r2" "$(pct "$r2")" "$l2" "$e2 / $s2"
done
need=$(awk -v r="$own" 'BEGIN { printf "%d", (r > 0 ? 30 * 1000 / r : 0) }')
for k in off on; do
    read -r last ok < "$dir/burst.$k"
    echo "  a burst of 30 at once, reuse $k: the last answer after $last ms ($ok ok); the machine needs $need ms for 30: $(awk -v a="$last" -v b="$need" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }') times that"
done
r16() { awk '$1 == 16 { print $2 }' "$dir/rows.$1"; }
while read -r n rps made; do
    echo "  reuse_runs $n, 16 clients: ${rps:-?} runs/s ($(pct "${rps:-0}")% of the own rate), $made containers made in ${secs} s"
done < "$dir/sweep"
echo "  reuse on against off at 16 clients: $(awk -v a="$(r16 on)" -v b="$(r16 off)" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }') times the throughput"
