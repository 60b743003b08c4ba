#!/usr/bin/env bash
# End-to-end tests of the warm container pool (kept by the runner process) through real
# nginx, the real FastCGI pool, the real Docker daemon and the real database. With
# reuse_runs 0 (one container per run, as for an exam): the pool fills, a run takes a warm
# container and the pool refills, parallel requests from several FastCGI processes never
# share a container, a used container is thrown away (nothing of one run is seen by the
# next), the pool comes back after Docker restarts, a killed worker's and a hung-up
# client's containers are removed, pool_size 0 still runs code, and a stop leaves nothing.
# Reuse itself (a container serving several runs after proven resets) is tests/e2e/runner.sh.
# Starts its own stack on a port and run directory of its own, with only Python in the
# registry, and stops it at the end. Every check can fail; the script exits non-zero if
# one does.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
t0=$(date +%s)

. "$top/tests/e2e/lib.sh"
own_stack e2e-pool "${RUNBOX_POOL_LISTEN:-127.0.0.1:18084}"
python_only
export RUNBOX_FCGI_PROCESSES=4
export RUNBOX_POOL_SIZE=2
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_CONCURRENT=100
export RUNBOX_WALL_MS=3000
export RUNBOX_REUSE_RUNS=0

docker_stopped=0
cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1
    # Docker must not stay down because this suite stopped it.
    if [ "$docker_stopped" = 1 ] && ! docker_up; then start_docker; fi
    # Kept after a failure: fcgi.log and nginx-error.log tell what the server saw.
    if [ "$fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$RUNBOX_RUN_DIR"; else echo "run dir kept: $RUNBOX_RUN_DIR"; fi
}
trap cleanup EXIT
start() { scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }; }

# The runner's pool as /api/health reports it: "idle busy" for python.
pool_counts() { curl -s "$base/api/health" | jq -r '.languages[] | select(.id == "python") | "\(.pool.idle) \(.pool.busy)"'; }
# Our running pool containers, oldest first.
by_age() {
    curl -s --unix-socket "$sock" -G http://docker/v1.41/containers/json \
        --data-urlencode "filters={\"label\":[\"runbox.instance=$RUNBOX_INSTANCE\",\"runbox.state=pool\"],\"status\":[\"running\"]}" |
        jq -r 'sort_by(.Created) | .[].Id'
}
idle_ids() { by_age | sort; }

has_busy() { [ -n "$(busy_container)" ]; }
no_busy() { [ "$(pool_counts | cut -d' ' -f2)" = 0 ]; }
pool_count() { pool_counts | awk '{ print $1 + $2 }'; }
# Our running pool containers, sorted.
live_pool() {
    curl -s --unix-socket "$sock" -G http://docker/v1.41/containers/json \
        --data-urlencode "filters={\"label\":[\"runbox.instance=$RUNBOX_INSTANCE\",\"runbox.state=pool\"],\"status\":[\"running\"]}" |
        jq -r '.[].Id' | sort
}
pool_labelled() { # our pool containers, running or not
    curl -s --unix-socket "$sock" -G http://docker/v1.41/containers/json --data-urlencode all=1 \
        --data-urlencode "filters={\"label\":[\"runbox.instance=$RUNBOX_INSTANCE\",\"runbox.state=pool\"]}" | jq length
}
# pool_size idle python containers in the runner, none busy, and exactly as many running
# with the pool labels.
pool_full() {
    [ "$(pool_counts)" = "$RUNBOX_POOL_SIZE 0" ] && [ "$(live_pool | grep -c .)" = "$RUNBOX_POOL_SIZE" ]
}
gone() { # container id (or a prefix of it) unknown to Docker
    [ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" "http://docker/v1.41/containers/$1/json")" = 404 ]
}
# post JSON-FILE OUT-PREFIX: a run request in the background-safe way (own files)
post() { curl -s -o "$2.body" -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
    --data-binary "@$1" "$base/api/editor/run" > "$2.code"; }
py_req() { jq -n --arg c "$1" '{language: "python", code: $c}' > "$2"; }

echo "== starting the stack on $base (run dir $RUNBOX_RUN_DIR), pool_size $RUNBOX_POOL_SIZE, Python only"
t_fill=$(now_ms)
start
check "the pool fills: 2 idle python containers, the same 2 running with the pool labels" \
    wait_until 20 pool_full
t_fill=$(( $(now_ms) - t_fill ))   # what filling takes on this machine, for the pool_size 0 case

echo "== a run takes a warm container, which is then removed, and the pool refills"
idle0=$(idle_ids)
run_py $'import socket, sys\nprint("hi")\nprint(socket.gethostname(), file=sys.stderr)'
check "warm run: ok, hi" is 200 '.status == "ok" and .output.stdout == "hi\n"'
host=$(jq -r '.output.stderr' "$tmp/body" | tr -d '\n')
oldest=$(grep "^$host" <<<"$idle0")
check "warm run: it ran in one of the idle containers" test -n "$host" -a -n "$oldest"
check "warm run: that container is removed afterwards" wait_until 5 gone "${oldest:-none}"
refilled() { pool_full && ! grep -qx "$oldest" <<<"$(idle_ids)"; }
check "the pool is back to 2 idle within 10 s, with a new container" wait_until 10 refilled

echo "== 12 parallel requests never share a container"
wait_until 20 pool_full
first=$(idle_ids)
t_burst=$(now_ms)
log_before=$(grep -c "warm container .* failed" "$RUNBOX_RUN_DIR/fcgi.log")
for i in $(seq 1 12); do
    py_req "import socket
print(\"marker-$i\")
print(socket.gethostname())" "$tmp/par-$i.json"
done
export -f post; export base
seq 1 12 | xargs -P 12 -I{} bash -c 'post "$1/par-$2.json" "$1/par-$2"' _ "$tmp" {}
par_ok() {
    local i
    for i in $(seq 1 12); do
        [ "$(cat "$tmp/par-$i.code")" = 200 ] || return 1
        jq -e --arg m "marker-$i" '.status == "ok" and (.output.stdout | test("^" + $m + "\n[0-9a-f]{12}\n$"))' \
            "$tmp/par-$i.body" >/dev/null || return 1
    done
}
check "all 12: 200 ok, each with its own marker and a hostname" par_ok
for i in $(seq 1 12); do jq -r '.output.stdout' "$tmp/par-$i.body" 2>/dev/null | sed -n 2p; done > "$tmp/hosts"
check "the 12 hostnames are pairwise different" \
    test "$(sort -u "$tmp/hosts" | grep -c .)" = 12
took_once() { # every container idle before the burst served exactly one request
    local id
    [ "$(grep -c . <<<"$first")" = 2 ] || return 1
    for id in $first; do [ "$(grep -cx "${id:0:12}" "$tmp/hosts")" = 1 ] || return 1; done
}
check "both idle containers were claimed, each by exactly one request" took_once
never_twice() { # no warm container failed (a second claimer would find it taken)
    [ "$(grep -c "warm container .* failed" "$RUNBOX_RUN_DIR/fcgi.log")" = "$log_before" ]
}
check "no warm container was claimed twice" never_twice
check "the burst was served by several FastCGI processes" \
    test "$(sql "SELECT count(DISTINCT worker_pid) FROM runs WHERE received_ms >= $t_burst AND status = 'ok'")" -ge 2

echo "== nothing of one run is seen by the next"
wait_until 20 pool_full
run_py $'import os, socket, time
open("/work/leftover.txt", "w").write("x")
open("/tmp/leftover.txt", "w").write("x")
pid = os.fork()
if pid == 0:
    os.setsid()
    os.closerange(0, 3)
    time.sleep(100)
    os._exit(0)
with open("/dev/shm/runbox-e2e-leftover", "w") as f:
    f.write("x")
ipc = "no-ipc"
try:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.shmget(0x52425850, 4096, 0o1000 | 0o600) >= 0:  # IPC_CREAT
        ipc = "ipc"
except Exception:
    pass
time.sleep(0.2)
os.kill(pid, 0)
print(socket.gethostname(), pid, os.path.exists("/dev/shm/runbox-e2e-leftover"), ipc)'
check "first run: files, a background process and shared memory made" \
    is 200 '.status == "ok" and (.output.stdout | test("^[0-9a-f]{12} [0-9]+ True (no-)?ipc\n$"))'
read -r host1 _ _ ipc1 <<<"$(jq -r .output.stdout "$tmp/body")"
run_py $'import json, os, socket
procs = []
for p in os.listdir("/proc"):
    if p.isdigit() and int(p) not in (1, os.getpid()):
        try:
            procs.append(p + " " + open("/proc/%s/cmdline" % p, "rb").read().replace(b"\\0", b" ").decode())
        except OSError:
            pass
keys = [l.split()[0] for l in open("/proc/sysvipc/shm").read().splitlines()[1:] if l.strip()]
print(json.dumps({"host": socket.gethostname(), "work": os.path.exists("/work/leftover.txt"),
    "tmp": os.path.exists("/tmp/leftover.txt"), "shm": os.listdir("/dev/shm"), "procs": procs,
    "ipc": keys}))'
check "second run: ok, in another container" \
    is 200 --arg h "${host1:-x}" '.status == "ok" and (.output.stdout | fromjson | .host != $h)'
check "second run: no file in /work or /tmp" jqb '.output.stdout | fromjson | .work == false and .tmp == false'
check "second run: no leftover process" jqb '.output.stdout | fromjson | .procs == []'
check "second run: nothing under /dev/shm, no SysV segment" \
    jqb '.output.stdout | fromjson | .shm == [] and .ipc == []'
[ "${ipc1:-}" = ipc ] || echo "  (SysV shared memory was not available in the first run)"
check "the first run's container no longer exists" wait_until 5 gone "${host1:-missing}"

echo "== Docker stopped, then started again: the pool refills without a restart of runbox"
wait_until 20 pool_full
pre=$(idle_ids)
# One suite at a time may restart Docker.
exec 9>/tmp/runbox-dockerd.lock
flock 9
docker_stopped=1
if stop_docker 60; then
    check "Docker starts again" start_docker && docker_stopped=0
else
    bad "could not stop dockerd for the test"
    docker_up || start_docker
    docker_up && docker_stopped=0
fi
flock -u 9
exec 9>&-
back() { pool_full && ! grep -qxF -f <(printf '%s\n' $pre) <<<"$(idle_ids)"; }
check "within 40 s: 2 idle python containers again, new ones, running" wait_until 40 back
run_py 'print("back")'
check "a run after the restart is ok" is 200 '.status == "ok" and .output.stdout == "back\n"'

echo "== a killed worker's claimed container is removed"
wait_until 20 pool_full
py_req $'import time\ntime.sleep(2.5)\nprint("done")' "$tmp/slow.json"
post "$tmp/slow.json" "$tmp/slow" & cpid=$!
wait_until 10 has_busy
cid=$(busy_container)
wpid=$(sql "SELECT worker_pid FROM runs WHERE status = 'running' ORDER BY received_ms DESC LIMIT 1")
# Only a worker of our own stack: a child of the master we started.
master=$(cat "$RUNBOX_RUN_DIR/fcgi.pid")
if [ -n "${wpid:-}" ] && [ "$(awk '{ print $4 }' "/proc/$wpid/stat" 2>/dev/null)" = "$master" ]; then
    kill -KILL "$wpid"
else
    echo "  (no busy row with a worker of ours: '${cid:-} ${wpid:-}')"
fi
wait $cpid
code=$(cat "$tmp/slow.code"); cp "$tmp/slow.body" "$tmp/body"
check "the client gets a JSON 503" err_is 503 runner_unavailable "not available"
killed_cleared() { [ -n "${cid:-}" ] && gone "$cid" && no_busy; }
check "within 15 s the claimed container is gone, and the runner has none busy" wait_until 15 killed_cleared

echo "== a client that hangs up frees everything"
wait_until 20 pool_full
t_hang=$(now_ms)
py_req $'import time\ntime.sleep(5)\nprint("done")' "$tmp/hang.json"
curl -s -o /dev/null --max-time 1 --data-binary "@$tmp/hang.json" -H 'Content-Type: application/json' \
    "$base/api/editor/run" & cpid=$!
wait_until 5 has_busy
cid=$(busy_container)
wait $cpid
hang_cleared() { [ -n "$cid" ] && no_busy && gone "$cid"; }
check "within 10 s none is busy and the claimed container is gone" wait_until 10 hang_cleared
# The hang-up ended the run, not its 5 s sleep nor the 3 s wall limit: the row says so.
hang_logged() {
    [ "$(sql "SELECT count(*) FROM runs WHERE received_ms >= $t_hang AND message = 'the client hung up'
              AND finished_ms - received_ms < $RUNBOX_WALL_MS")" = 1 ]
}
check "the run-log row says the client hung up, before the wall limit" wait_until 10 hang_logged

echo "== pool_size 0: runs still work, no pool"
scripts/stack.sh stop >/dev/null
export RUNBOX_POOL_SIZE=0
start
run_py 'print("cold")'
check "a run without a pool is ok" is 200 '.status == "ok" and .output.stdout == "cold\n"'
# Longer than filling the pool took at the start (and at least several ticks of the
# master), so a fill that should not happen would have shown by now on any machine.
quiet_ms=$(( t_fill * 2 > 1500 ? t_fill * 2 : 1500 ))
sleep "$((quiet_ms / 1000)).$(printf '%03d' $((quiet_ms % 1000)))"
check "no pool containers, in the runner or in Docker" test "$(pool_count) $(pool_labelled)" = "0 0"

echo "== a full queue: requests that waited too long get 503 runner_busy"
scripts/stack.sh stop >/dev/null
RUNBOX_FCGI_PROCESSES=1 RUNBOX_QUEUE_WAIT_MS=300 start
py_json() { jq -n --arg c "$1" '{language: "python", code: $c}'; }
py_json $'import time\ntime.sleep(1.5)\nprint("slow")' > "$tmp/slow.json"
t_busy=$(( $(date +%s%3N) - 1 ))
seq 1 3 | xargs -P 3 -I{} curl -s -o "$tmp/busy{}.body" -D "$tmp/busy{}.hdr" -w '%{http_code}\n' \
    --max-time 30 -H 'Content-Type: application/json' --data-binary @"$tmp/slow.json" \
    "$base/api/editor/run" > "$tmp/busy.codes"
check "one process, three at once: one runs, two get 503" \
    test "$(sort "$tmp/busy.codes" | tr '\n' ' ')" = "200 503 503 "
check "the 503s say runner_busy, with Retry-After" test "$(cat "$tmp"/busy*.body | grep -c '"runner_busy"') $(grep -li '^retry-after:' "$tmp"/busy*.hdr | wc -l)" = "2 2"
check "the run log has the run and both refusals, with their wait" test \
    "$(sql "SELECT group_concat(coalesce(error_code, status), ' ') FROM (SELECT * FROM runs WHERE received_ms >= $t_busy ORDER BY error_code) ")" = "ok runner_busy runner_busy"
check "the refused requests waited longer than queue_wait_ms" test \
    "$(sql "SELECT count(*) FROM runs WHERE received_ms >= $t_busy AND error_code = 'runner_busy' AND queue_ms > 300")" = 2

echo "== metrics"
code=$(curl -s -o "$tmp/metrics" -w '%{http_code}' "$base/metrics")
check "GET /metrics from this machine: 200, Prometheus text" test "$code" = 200
check "runs by status and the duration histogram are there" grep -q 'runs_total{language="python",status="ok"} [1-9]' "$tmp/metrics"
check "duration histogram has +Inf = count" sh -c "grep -q 'execution_duration_seconds_bucket{language=\"python\",status=\"ok\",le=\"+Inf\"}' '$tmp/metrics' && grep -q 'execution_duration_seconds_count{language=\"python\",status=\"ok\"}' '$tmp/metrics'"
check "refusals by code include runner_busy" grep -q 'refusals_total{code="runner_busy"} 2' "$tmp/metrics"
check "containers created and removed are counted" sh -c "grep -q '^containers_created_total [1-9]' '$tmp/metrics' && grep -q '^containers_removed_total [1-9]' '$tmp/metrics'"
check "queue wait is reported" grep -q '^queue_wait_seconds_count [1-9]' "$tmp/metrics"

echo "== a language's own pool_size (the registry's) over runbox.conf's"
scripts/stack.sh stop >/dev/null
export RUNBOX_POOL_SIZE=2
awk '/^\[/ { p = ($0 == "[python]" || $0 == "[bash]") } p' images/languages.conf |
    awk '{ print } /^\[python\]$/ { print "pool_size = 1" } /^\[bash\]$/ { print "pool_size = 0" }' > "$RUNBOX_LANGUAGES"
start
lang_pool() { curl -s "$base/api/health" | jq -r --arg l "$1" '.languages[] | select(.id == $l) | "\(.pool.size) \(.pool.idle)"'; }
py_one() { [ "$(lang_pool python)" = "1 1" ]; }
check "python's pool_size = 1 in the registry: one idle python container, not runbox.conf's 2" wait_until 20 py_one
sleep "$((quiet_ms / 1000)).$(printf '%03d' $((quiet_ms % 1000)))"
check "bash's pool_size = 0: health says size 0, none idle, after the time a fill takes" test "$(lang_pool bash)" = "0 0"
check "python still has exactly one" test "$(lang_pool python)" = "1 1"
jq -n '{language: "bash", code: "echo cold"}' > "$tmp/req"
http POST /api/editor/run "$tmp/req"
check "bash without a pool still runs" is 200 '.status == "ok" and .output.stdout == "cold\n"'
python_only

echo "== stop leaves nothing behind"
scripts/stack.sh stop >/dev/null
start
check "pool_size 2 again: the pool fills" wait_until 20 pool_full
check "health shows the pool" sh -c "curl -s '$base/api/health' | jq -e '.languages[0].pool | .size == 2 and .idle == 2' >/dev/null"
check "pool_containers in /metrics" sh -c "curl -s '$base/metrics' | grep -q 'pool_containers{language=\"python\",state=\"idle\"} 2'"
scripts/stack.sh stop >/dev/null
check "after stop: no container of the instance remains" wait_until 10 none_left

echo
echo "total time: $(( $(date +%s) - t0 )) s"
echo "pool e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
