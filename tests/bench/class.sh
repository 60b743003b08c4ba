#!/usr/bin/env bash
# A class pressing Run at once, against what the machine itself can do, in one run:
#   - the machine's own rate: Python hello world in a loop inside as many running
#     containers as there are cores, with runbox's limits (CPU share, memory, no network);
#   - runbox's throughput with 1, 4, 16 and 32 clients (wrk, SECS seconds each, errors
#     counted), as a ratio of that rate;
#   - a burst of 30 simultaneous runs: the time to the last answer, against the time the
#     machine needs to run those 30 programs at its own rate.
#   tests/bench/class.sh [SECS=30]
# Starts its own stack (port 18097, instance bench-class, Python only, warm pool of 3) and
# its own containers (label runbox.bench=class), and removes them at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
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
export RUNBOX_RUN_DIR=$dir/run RUNBOX_DB_PATH=$dir/run/runbox.db RUNBOX_LISTEN=127.0.0.1:$port
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

scripts/stack.sh start >/dev/null
idle() { sqlite3 "$dir/run/runbox.db" "SELECT count(*) FROM pool WHERE state = 'idle'" 2>/dev/null || echo 0; }
for _ in $(seq 1 120); do [ "$(idle)" -ge 3 ] && break; sleep 0.5; done
cat > "$dir/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$dir/body.json", "r")
wrk.body = f:read("*a")
f:close()
EOF
echo "Python hello world, $cores cores, $(date -u +%Y-%m-%d); the machine's own rate: $own runs/s"
printf '  %-12s %10s %12s %10s %10s\n' clients "runs/s" "of own rate" "non-2xx" "socket err"
for c in 1 4 16 32; do
    out=$(wrk -t "$([ "$c" -ge 2 ] && echo 2 || echo 1)" -c "$c" -d "${secs}s" --timeout 60s -s "$dir/post.lua" "http://127.0.0.1:$port/api/editor/run" 2>&1) || true
    rps=$(sed -n 's/^Requests\/sec: *//p' <<<"$out")
    errs=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$out")
    sock=$(sed -n 's/^ *Socket errors: *//p' <<<"$out")
    printf '  %-12s %10s %11s%% %10s %10s\n' "$c" "${rps:-?}" \
        "$(awk -v a="${rps:-0}" -v b="$own" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')" \
        "${errs:-0}" "${sock:-none}"
    sleep 5   # let the pool refill before the next row
done

echo "== a burst of 30 runs at once"
for _ in $(seq 1 120); do [ "$(idle)" -ge 3 ] && break; sleep 0.5; done
t0=$(date +%s%N)
for i in $(seq 1 30); do
    curl -s -o "$dir/burst.$i" --max-time 120 -H 'Content-Type: application/json' \
        --data-binary @"$dir/body.json" "http://127.0.0.1:$port/api/editor/run" &
done
wait
t1=$(date +%s%N)
ok=$(cat "$dir"/burst.* | jq -s '[.[] | select(.status == "ok")] | length')
last=$(( (t1 - t0) / 1000000 ))
need=$(awk -v r="$own" 'BEGIN { printf "%d", (r > 0 ? 30 * 1000 / r : 0) }')
echo "  30 runs: the last answered after $last ms ($ok ok); the machine needs $need ms for 30 at its own rate: $(awk -v a="$last" -v b="$need" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }') times that"
