#!/usr/bin/env bash
# What a container's CPU share costs a student, per language, in one run:
#   - the floor: the language's own commands (compile where it compiles, then run) for hello
#     world inside a running container of its image with that CPU share, timed inside it;
#   - runbox's hello world (curl -> nginx -> FastCGI -> runner -> warm container -> answer),
#     p50 of N sequential runs after 2 warm-ups, on an idle machine;
#   - the same while 4 other clients keep the machine busy with CPU-bound Python runs
#     (0.3 s of computing each), as a class would;
# each with the share at 0.5 CPU and at 1 CPU (every language of the registry at that share).
#   tests/bench/cpus.sh [N=10]
# Starts its own stack (port 18099, instance bench-cpus) for each share, and its own
# containers (label runbox.bench=cpus), and removes them at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
n=${1:-10}
[ -x build/runbox-fcgi ] || { echo "build first: make" >&2; exit 1; }
. tests/bench/hello.sh
dir=$(mktemp -d /tmp/runbox-cpus.XXXXXX)
chmod 755 "$dir"
port=18099
export RUNBOX_QUOTA_PER_MINUTE=1000000 RUNBOX_QUOTA_PER_DAY=100000000 RUNBOX_QUOTA_CONCURRENT=1000
export RUNBOX_INSTANCE=bench-cpus RUNBOX_POOL_SIZE=2 RUNBOX_FCGI_PROCESSES=6
export RUNBOX_RUN_DIR=$dir/run RUNBOX_DB_PATH=$dir/run/db/runbox.db RUNBOX_LISTEN=127.0.0.1:$port
# The registry without its per-language shares: runbox.conf's cpus (RUNBOX_CPUS) for all.
grep -v '^cpus *=' images/languages.conf > "$dir/languages.conf"
export RUNBOX_LANGUAGES=$dir/languages.conf
load_pid=
cleanup() {
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
    scripts/stack.sh stop >/dev/null 2>&1 || true
    docker ps -aq --filter label=runbox.bench=cpus | xargs -r docker rm -f >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
langs=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$dir/languages.conf")
eval "$(build/runbox-fcgi --print-config | grep -E '^(memory_mb)=')"

# key LANG KEY: a registry value of LANG
key() { awk -v s="[$1]" -v k="$2" '/^\[/ { p = ($0 == s) } p && $1 == k { sub(/^[^=]*= */, ""); print; exit }' "$dir/languages.conf"; }
# floor LANG CPUS: ms per hello world (compile and run) in a running container, timed inside
floor() {
    local l=$1 image file compile run id class=Hello
    image=$(key "$l" image) file=$(key "$l" file) compile=$(key "$l" compile) run=$(key "$l" run)
    file=${file//\{class\}/$class}
    for v in compile run; do
        eval "$v=\${$v//\{entry\}/$file}"; eval "$v=\${$v//\{sources\}/$file}"
        eval "$v=\${$v//\{class\}/$class}"; eval "$v=\${$v//\{args\}/}"
    done
    id=$(docker run -d --label runbox.bench=cpus --network none --cpus "$2" --memory 512m \
        --memory-swap 512m --user 1000:1000 -w /tmp --entrypoint sleep "$image" 600)
    hello "$l" | docker exec -i "$id" sh -c "cat > /tmp/$file"
    docker exec "$id" sh -c "cd /tmp; $compile >/dev/null 2>&1; $run >/dev/null; s=\$(date +%s%N)
        for i in \$(seq $n); do ${compile:+$compile >/dev/null 2>&1;} $run >/dev/null; done
        echo \$(( (\$(date +%s%N) - s) / $n / 1000000 ))"
    docker rm -f "$id" >/dev/null
}
# p50 LANG: runbox's hello world, p50 of n after 2 warm-ups, in ms
p50() {
    local i
    hello "$1" | jq -Rs --arg l "$1" '{language: $l, code: .}' > "$dir/req.json"
    for i in $(seq $((n + 2))); do
        curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
            --data-binary @"$dir/req.json" "http://127.0.0.1:$port/api/editor/run"
    done | tail -n "$n" | sort -n | awk '{ a[NR] = $1 } END { printf "%.0f", 1000 * a[int((NR + 1) / 2)] }'
}
idle() { idle_at "$port"; }
jq -n '{language: "python", code: "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"}' > "$dir/busy.json"
post_lua "$dir/busy.json" "$dir/busy.lua"

for cpus in 0.5 1; do
    for l in $langs; do echo "$l $(floor "$l" "$cpus")" ; done > "$dir/floor.$cpus"
    RUNBOX_CPUS=$cpus scripts/stack.sh start >/dev/null
    for _ in $(seq 1 240); do [ "$(idle)" -ge $(( 2 * $(wc -w <<<"$langs") )) ] && break; sleep 0.5; done
    for l in $langs; do echo "$l $(p50 "$l")"; done > "$dir/idle.$cpus"
    wrk -t 2 -c 4 -d 3600s --timeout 60s -s "$dir/busy.lua" "http://127.0.0.1:$port/api/editor/run" >/dev/null 2>&1 &
    load_pid=$!
    sleep 2
    for l in $langs; do echo "$l $(p50 "$l")"; done > "$dir/load.$cpus"
    kill "$load_pid"; wait "$load_pid" 2>/dev/null || true; load_pid=
    scripts/stack.sh stop >/dev/null
done

echo "Hello world per language, ms (p50 of $n), $(nproc) cores, $(date -u +%Y-%m-%d):"
printf '  %-11s | %-29s | %-29s\n' "" "cpus 0.5" "cpus 1"
printf '  %-11s | %7s %7s %13s | %7s %7s %13s\n' language floor idle "4 busy peers" floor idle "4 busy peers"
for l in $langs; do
    v() { awk -v l="$l" '$1 == l { print $2 }' "$dir/$1"; }
    printf '  %-11s | %7s %7s %13s | %7s %7s %13s\n' "$l" "$(v floor.0.5)" "$(v idle.0.5)" "$(v load.0.5)" \
        "$(v floor.1)" "$(v idle.1)" "$(v load.1)"
done
