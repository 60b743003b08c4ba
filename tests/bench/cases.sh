#!/usr/bin/env bash
# Test cases: how they should run, and what grading 20 of them costs, in one run:
#   1. in one running container with runbox's limits (its CPU share, memory, no network),
#      20 runs of a small program one after another against 4 at a time (xargs -P 1 and
#      -P 4, each run a shell piping its input in as the agent would; p50 of REPS
#      rounds), for Python and for C: does running a test request's cases side by side in
#      their container pay? (runbox runs them one after another; README, "Running tests")
#   2. through nginx, an exercise of 20 I/O cases graded by one POST /api/editor/test
#      (p50 of REPS), next to the same 20 cases as 20 separate POST /api/editor/run requests,
#      one after another and all 20 at once (p50 of REPS rounds, each round's time to the
#      last answer), for Python and for C.
#   tests/bench/cases.sh [REPS=10]
# Starts its own stack (port 18095, instance bench-cases, Python and C, a warm pool of 2)
# and its own containers (label runbox.bench=cases), and removes them at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/bench/hello.sh
reps=${1:-10}
[ -x build/runbox-fcgi ] || { echo "build first: make" >&2; exit 1; }
dir=$(mktemp -d /tmp/runbox-cases.XXXXXX)
chmod 755 "$dir"
port=18095
eval "$(build/runbox-fcgi --print-config | grep -E '^(memory_mb|cpus)=')"
cpus=$(printf '%g' "$cpus")
awk '/^\[/ { p = ($0 == "[python]" || $0 == "[c]") } p' images/languages.conf > "$dir/languages.conf"
export RUNBOX_CONF=$top/runbox.conf RUNBOX_LANGUAGES=$dir/languages.conf
export RUNBOX_QUOTA_PER_MINUTE=1000000 RUNBOX_QUOTA_PER_DAY=100000000 RUNBOX_QUOTA_CONCURRENT=1000
export RUNBOX_POOL_SIZE=2 RUNBOX_INSTANCE=bench-cases RUNBOX_FCGI_PROCESSES=4
export RUNBOX_RUN_DIR=$dir/run RUNBOX_DB_PATH=$dir/run/db/runbox.db RUNBOX_LISTEN=127.0.0.1:$port
cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1 || true
    docker ps -aq --filter label=runbox.bench=cases | xargs -r docker rm -f >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
p50() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

py_code='print(int(input()) ** 2)'
c_code='#include <stdio.h>
int main(void) { long n; if (scanf("%ld", &n) != 1) return 1; printf("%ld\n", n * n); return 0; }'

echo "== 1. 20 runs in one container ($cpus CPU, ${memory_mb} MB): one after another, or 4 at a time (p50 of $reps)"
printf '%-8s %12s %12s\n' language "in turn" "4 at a time"
for l in python c; do
    image=runbox/python:latest; run="python3 -c 'print(int(input()) ** 2)'"
    if [ "$l" = c ]; then image=runbox/gcc:latest; run=/tmp/sq; fi
    id=$(docker run -d --label runbox.bench=cases --network none --memory "${memory_mb}m" \
        --memory-swap "${memory_mb}m" --cpus "$cpus" --pids-limit 64 --tmpfs /tmp:exec \
        --entrypoint sleep "$image" 3600)
    [ "$l" = c ] && printf '%s\n' "$c_code" | docker exec -i "$id" sh -c 'cat > /tmp/sq.c && gcc -O2 -o /tmp/sq /tmp/sq.c'
    docker exec "$id" sh -c "
        r() { i=0; while [ \$i -lt $reps ]; do
                t0=\$(date +%s%N); \"\$@\"; echo \$(( (\$(date +%s%N) - t0) / 1000000 )); i=\$((i + 1)); done; }
        seq1() { seq 1 20 | xargs -P 1 -I{} sh -c \"echo {} | $run >/dev/null\"; }
        par4() { seq 1 20 | xargs -P 4 -I{} sh -c \"echo {} | $run >/dev/null\"; }
        r seq1 > /tmp/seq; r par4 > /tmp/par
        echo \$(sort -n /tmp/seq | sed -n \"\$(( ($reps + 1) / 2 ))p\") \$(sort -n /tmp/par | sed -n \"\$(( ($reps + 1) / 2 ))p\")" > "$dir/inside.$l"
    docker rm -f "$id" >/dev/null
    read -r s p < "$dir/inside.$l"
    printf '%-8s %9s ms %9s ms\n' "$l" "$s" "$p"
done

echo "== 2. an exercise of 20 I/O cases through nginx (port $port)"
mkdir -p "$dir/ex"
{ echo "id = bench20"; echo "title = Twenty squares"; echo "languages = python c"
  for k in $(seq 1 20); do printf '\n[case c%d]\nstdin = %d\\n\nexpected = %d\\n\n' "$k" "$k" $((k * k)); done
} > "$dir/ex/exercise.conf"
scripts/stack.sh start >/dev/null
build/runbox exercise add "$dir/ex" >/dev/null
for _ in $(seq 1 120); do [ "$(idle_at "$port")" -ge 4 ] && break; sleep 0.5; done
post() { curl -s -o "$2" -w '%{http_code}' --max-time 120 -H 'Content-Type: application/json' \
             --data-binary "@$1" "http://127.0.0.1:$port$3"; }
printf '%-8s %22s %24s %22s\n' language "1 test request (20)" "20 runs, one by one" "20 runs at once"
for l in python c; do
    code=$py_code; [ "$l" = c ] && code=$c_code
    jq -n --arg l "$l" --arg c "$code" '{language: $l, code: $c, exercise: "bench20"}' > "$dir/test.json"
    for k in $(seq 1 20); do
        jq -n --arg l "$l" --arg c "$code" --arg s "$k" '{language: $l, code: $c, stdin: ($s + "\n")}' > "$dir/run.$k.json"
    done
    post "$dir/test.json" "$dir/out" /api/editor/test >/dev/null   # a warm-up of each
    post "$dir/run.1.json" "$dir/out" /api/editor/run >/dev/null
    : > "$dir/t.test"; : > "$dir/t.seq"; : > "$dir/t.par"; bad=0
    for _ in $(seq 1 "$reps"); do
        t0=$(ms); c=$(post "$dir/test.json" "$dir/out" /api/editor/test); echo $(( $(ms) - t0 )) >> "$dir/t.test"
        [ "$c" = 200 ] && jq -e '.status == "passed" and .summary.passed == 20' "$dir/out" >/dev/null || bad=$((bad + 1))
        t0=$(ms)
        for k in $(seq 1 20); do
            c=$(post "$dir/run.$k.json" "$dir/out" /api/editor/run)
            [ "$c" = 200 ] && [ "$(jq -r .output.stdout "$dir/out")" = "$((k * k))" ] || bad=$((bad + 1))
        done
        echo $(( $(ms) - t0 )) >> "$dir/t.seq"
        sleep 1   # the pool refills between rounds
        t0=$(ms)
        for k in $(seq 1 20); do post "$dir/run.$k.json" "$dir/par.$k" /api/editor/run > "$dir/par.$k.code" & done
        wait
        echo $(( $(ms) - t0 )) >> "$dir/t.par"
        for k in $(seq 1 20); do [ "$(cat "$dir/par.$k.code")" = 200 ] || bad=$((bad + 1)); done
        sleep 1
    done
    printf '%-8s %19s ms %21s ms %19s ms\n' "$l" "$(p50 < "$dir/t.test")" "$(p50 < "$dir/t.seq")" "$(p50 < "$dir/t.par")"
    [ "$bad" = 0 ] || echo "  ($bad answers were not the right one: see above)"
done
