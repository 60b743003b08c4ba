#!/usr/bin/env bash
# End-to-end tests through real nginx, the real FastCGI pool and the real Docker daemon,
# with curl, the way a browser or CodeRunner would call runbox. Starts its own stack on
# a port and run directory of its own, and stops it at the end.
#
# Includes the fault cases: Docker stopped and started again (the service recovers
# without a restart), a container killed from outside, the FastCGI pool down, a client
# that hangs up mid-run. Every check can fail; the script exits non-zero if one does.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

# A run folder of its own, removed at the end (KEEP=1 keeps it to look into), unless the
# caller names one.
own_dir=
[ -n "${RUNBOX_RUN_DIR:-}" ] || own_dir=$(mktemp -d /tmp/runbox-e2e.XXXXXX)
export RUNBOX_RUN_DIR=${RUNBOX_RUN_DIR:-$own_dir}
export RUNBOX_LISTEN=${RUNBOX_LISTEN:-127.0.0.1:18080}
export RUNBOX_INSTANCE=e2e
export RUNBOX_FCGI_PROCESSES=3
export RUNBOX_DB_PATH=$RUNBOX_RUN_DIR/db/runbox.db
# Shorter than the default so the timeout cases take seconds; the 10 s default is
# covered by the integration suite.
export RUNBOX_WALL_MS=3000
# This suite is about runs, not quotas (tests/e2e/store.sh covers those).
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_CONCURRENT=100
# Containers made per run: this suite is about that path (tests/e2e/pool.sh covers the pool,
# tests/e2e/runner.sh a container serving several runs).
export RUNBOX_POOL_SIZE=0 RUNBOX_REUSE_RUNS=0
base=http://$RUNBOX_LISTEN
sock=/var/run/docker.sock
tmp=$RUNBOX_RUN_DIR/e2e
mkdir -p "$tmp"

. "$top/tests/e2e/lib.sh"
use_front

cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1
    [ -z "$own_dir" ] || [ -n "${KEEP:-}" ] || rm -rf "$own_dir"
}
trap cleanup EXIT

echo "== starting the stack on $base (run dir $RUNBOX_RUN_DIR)"
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; exit 1; }
out=$(scripts/stack.sh start)
check "start is idempotent" grep -q "already running" <<<"$out"

echo "== health and languages"
http GET /api/health
check "health 200, Docker reachable, image present" \
    is 200 '.status == "ok" and .docker.reachable and .languages[0].imagePresent'
http GET /api/languages
check "languages lists python with the image's version" \
    is 200 '.languages[] | select(.id == "python") | .version | test("^Python 3\\.")'

echo "== run statuses"
run_py 'print("hello")'
check "ok: hello" is 200 '.status == "ok" and .output.stdout == "hello\n" and .output.stderr == ""
    and .output.exitCode == 0 and (.runId | test("^[0-9a-f]{32}$")) and .durationMs >= 0
    and .memoryUsed > 0 and .truncated.stdout == false and .truncated.stderr == false'
check "ok: X-Run-Id header matches runId" grep -qi "x-run-id: $(jq -r .runId "$tmp/body")" "$tmp/hdr"
run_py $'import sys\nprint("out")\nprint("err", file=sys.stderr)\nsys.exit(3)'
check "runtime_error: exit 3, both streams" is 200 '.status == "runtime_error" and .output.exitCode == 3
    and .output.stdout == "out\n" and .output.stderr == "err\n" and (.message | contains("exit code 3"))'
run_py $'print(input()[::-1])' 'dlrow'
check "stdin reaches the program" is 200 '.output.stdout == "world\n"'
run_py $'print("starting", flush=True)\nwhile True: pass'
check "timeout: killed at the limit, output kept" is 200 '.status == "timeout"
    and .output.stdout == "starting\n" and (.message | contains("time limit"))'
run_py $'x = []\nwhile True: x.append(bytearray(8 << 20))'
check "memory_limit" is 200 '.status == "memory_limit" and (.message | contains("128 MB"))'
run_py $'import sys\nwhile True: sys.stdout.write("y" * 10000)'
check "output_limit: exactly the cap, flagged" is 200 '.status == "output_limit"
    and (.output.stdout | length) == 1048576 and .truncated.stdout == true and .truncated.stderr == false'
run_py $'import sys\nsys.stdout.buffer.write(b"ok\\x00\\xff\\xfeend")'
check "binary output is returned safely and marked" is 200 '.status == "ok"
    and .output.stdout == "ok\u0000\ufffd\ufffdend" and .stages.run.binary.stdout == true'
check "the run log keeps the same bytes, NUL and U+FFFD included" \
    test "$(sql "SELECT hex(stdout) FROM runs WHERE id = '$(jq -r .runId "$tmp/body")'")" = 6F6B00EFBFBDEFBFBD656E64
run_py $'print("h\u00e9llo w\u00f6rld \u2713")'
check "unicode output" is 200 '.output.stdout == "héllo wörld ✓\n"'

# internal_error: a container killed from outside mid-run. The previous run's container may
# still be on its way out: wait until it is gone, so the one killed is this run's.
wait_until 15 none_left
# Killed once the program runs (well inside its 3 s wall limit, whatever the machine's speed).
run_py $'import time\ntime.sleep(30)' & pid=$!
wait_until 10 program_runs runbox.instance=e2e main.py &&
    curl -s -X POST --unix-socket "$sock" "http://docker/v1.41/containers/$running_id/kill" >/dev/null
wait $pid
check "internal_error: container killed from outside" is 200 '.status == "internal_error"
    and (.message | contains("not in your program"))'

echo "== refusals"
run_json '{"language": "python", "code": '
check "400 malformed JSON" err_is 400 bad_json "not valid JSON"
run_json ''
check "400 empty body" err_is 400 bad_json "empty"
run_json '{"language": "python"}'
check "400 missing field named" err_is 400 bad_request "'code' is missing"
run_json '{"language": "python", "code": 42}'
check "400 mistyped field named" err_is 400 bad_request "'code' must be a string"
run_json '{"language": "python", "code": "x", "memory": 1}'
check "400 unknown field named" err_is 400 bad_request "'memory' is not recognised"
printf '{"language": "python", "code": "print(\xff)"}' > "$tmp/req"; http POST /api/editor/run "$tmp/req"
check "400 invalid UTF-8" err_is 400 bad_encoding "UTF-8"
head -c 102401 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/req"
http POST /api/editor/run "$tmp/req"
check "413 code over the cap, cap named" err_is 413 code_too_large "the limit is 100 KB"
head -c 8000000 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/req"
http POST /api/editor/run "$tmp/req"
check "413 body over nginx's limit is JSON" err_is 413 body_too_large "larger than the server accepts"
run_json '{"language": "cobol", "code": "x"}'
check "422 unknown language lists the supported" err_is 422 unknown_language "Supported languages: python"
http GET /api/editor/run
check "405 wrong method" err_is 405 method_not_allowed "POST"
check "405 carries Allow" grep -qi '^allow: POST' "$tmp/hdr"
http GET /api/nothing-here
check "404 unknown API path" err_is 404 not_found "nothing at this address"
if [ "$front" = school-nginx ]; then
    # Outside runbox's locations the school's own site answers, as it did before.
    http GET /
    check "the school's site still answers at /" sh -c "[ $code = 200 ] && grep -q 'Our school' '$tmp/body'"
    http GET /moodle/
    check "... and its Moodle at /moodle/" sh -c "[ $code = 200 ] && grep -q \"school's Moodle\" '$tmp/body'"
    http GET /runbox/
    check "the editor page is at /runbox/" sh -c "[ $code = 200 ] && grep -q '<title>runbox</title>' '$tmp/body'"
else
    http GET /some/page
    check "404 outside the API is JSON too" err_is 404 not_found "nothing at this address"
fi
printf 'print(1)' > "$tmp/req"; http POST /api/editor/run "$tmp/req" text/plain
check "415 wrong content type" err_is 415 unsupported_media_type "application/json"

echo "== over the quota, through $front"
qkey=$(RUNBOX_CONF=$top/runbox.conf build/runbox --json user add quota-one 2>/dev/null | jq -r .key)
RUNBOX_CONF=$top/runbox.conf build/runbox quota set quota-one --per-minute 1 >/dev/null
for _ in 1 2; do
    code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $qkey" \
        -H 'Content-Type: application/json' --data-binary '{"language":"python","code":"print(1)"}' "$base/api/editor/run")
done
check "429 quota_exceeded in JSON, runbox's Retry-After passed on" \
    sh -c "[ $code = 429 ] && grep -qi '^retry-after: [0-9]' '$tmp/hdr' && jq -e '.error.code == \"quota_exceeded\"' '$tmp/body' >/dev/null"

echo "== client hangs up mid-run"
jq -n '{language: "python", code: "import time\ntime.sleep(60)"}' > "$tmp/req"
t_hang=$(now_ms)
curl -s -o /dev/null --max-time 1.5 --data-binary "@$tmp/req" -H 'Content-Type: application/json' "$base/api/editor/run"
# The hang-up itself ended the run, not the 3 s wall limit: the row says so, and it finished
# before the limit would have ended it.
hung_up() {
    [ "$(sql "SELECT count(*) FROM runs WHERE received_ms >= $t_hang AND message = 'the client hung up'
              AND finished_ms - received_ms < $RUNBOX_WALL_MS")" = 1 ]
}
if [ "$front" = apache ]; then
    # Apache does not tell runbox that the client left while the answer is awaited: the run
    # goes on to its wall limit, and its row is written all the same.
    timed_out() {
        [ "$(sql "SELECT count(*) FROM runs WHERE received_ms >= $t_hang AND status = 'timeout'
                  AND finished_ms IS NOT NULL")" = 1 ]
    }
    check "behind Apache the run ends at its wall limit, and its row is written" wait_until 10 timed_out
else
    check "the run-log row says the client hung up, before the wall limit" wait_until 10 hung_up
fi
check "the container is gone within 5 s" wait_until 5 none_left
run_py 'print("after hang-up")'
check "the worker serves the next run" is 200 '.output.stdout == "after hang-up\n"'

if [ "$front" = apache ]; then
    echo "== a body that stops halfway, behind Apache"
    t_stall=$(now_ms)
    python3 - "$RUNBOX_LISTEN" > "$tmp/stall" <<'PYEOF2'
import socket, sys
host, port = sys.argv[1].rsplit(':', 1)
s = socket.create_connection((host, int(port)))
s.sendall(b'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
          b'Content-Length: 1000\r\n\r\n{"language":')
s.settimeout(40)
out = b''
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        out += d
except OSError:
    pass
sys.stdout.write(out.decode('utf-8', 'replace'))
PYEOF2
    check "Apache ends it after its body timeout: 408, runbox's JSON" \
        sh -c "head -1 '$tmp/stall' | grep -q '^HTTP/1.1 408' && grep -q '\"code\":\"body_incomplete\"' '$tmp/stall'"
    stalled_row() { [ "$(sql "SELECT count(*) FROM runs WHERE received_ms >= $t_stall AND status = 'refused'")" = 1 ]; }
    check "... and runbox logged the part that came, as a refused request" wait_until 5 stalled_row
fi

echo "== Docker stopped, then started again"
# One suite at a time may restart Docker (tests/e2e/pool.sh does too).
exec 9>/tmp/runbox-dockerd.lock
flock 9
if stop_docker; then
    run_py 'print(1)'
    check "503 when Docker is not running" err_is 503 runner_unavailable "Docker is not running"
    http GET /api/health
    check "health says Docker is unreachable" is 503 '.status == "unavailable" and .docker.reachable == false'
    check "Docker starts again" start_docker
    run_py 'print("back")'
    check "runs work again without restarting runbox" is 200 '.status == "ok" and .output.stdout == "back\n"'
else
    bad "could not stop dockerd for the test"
    docker_up || start_docker
fi
flock -u 9
exec 9>&-

echo "== FastCGI pool down"
kill -TERM "$(cat "$RUNBOX_RUN_DIR/fcgi.pid")"
wait_until 10 sh -c "[ ! -S $RUNBOX_RUN_DIR/fcgi.sock ]"
run_py 'print(1)'
check "503 JSON (not $front's page) when the pool is down" err_is 503 runner_unavailable "worker processes"
# What nginx refuses itself still gets its JSON answer when runbox cannot log it.
head -c 8000000 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/huge"
http POST /api/editor/run "$tmp/huge"
if [ "$front" = apache ]; then
    # Apache hands the 413 to runbox to log; with runbox down, that answer is the 503.
    check "a body over Apache's cap while the pool is down: the 503 JSON of runbox down" \
        err_is 503 runner_unavailable "worker processes"
else
    check "a body over nginx's cap while the pool is down: 413 JSON" err_is 413 body_too_large "larger than the server accepts"
fi
code=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    -H "X-Padding: $(head -c 20000 /dev/zero | tr '\0' a)" --data-binary '{}' "$base/api/editor/run")
if [ "$front" = apache ]; then
    # Apache reads the headers before any of runbox's locations: its own 400 page.
    check "20 KB of headers while the pool is down: Apache's 400" test "$code" = 400
else
    check "20 KB of headers while the pool is down: 400 JSON" err_is 400 bad_request "not a request the server can read"
fi
scripts/stack.sh start >/dev/null
run_py 'print("restarted")'
check "make start brings it back" is 200 '.output.stdout == "restarted\n"'

echo "== stop"
check "nothing of ours is left in Docker" wait_until 10 none_left
out=$(scripts/stack.sh stop); out2=$(scripts/stack.sh stop)
check "stop, then stop again is a no-op" sh -c "echo '$out' | grep -q 'runbox stopped' && echo '$out2' | grep -q 'was not running'"
check "$front and the pool are gone" sh -c "! curl -s -o /dev/null --max-time 2 $base/api/health"

echo
echo "e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
