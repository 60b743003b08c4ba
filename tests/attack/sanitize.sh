#!/usr/bin/env bash
# The FastCGI pool under AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# (make SAN=1) for a short burst of every kind of request, through every face (the editor,
# Jobe and Piston APIs): runs that end in every status,
# refusals of every kind (malformed, invalid UTF-8, unknown language, hostile names, too
# large for runbox and for nginx, quota, bad key, a stalled body, a client that hangs up),
# and the read-only routes. Then the stack is stopped: each worker finishes, frees what it
# holds and runs the leak check; the master does the same when it exits.
#
# Passes when every request got the answer it called for, no sanitizer wrote a report, no
# worker died on the way, and every worker and the master reported "leak check: no leaks".
#
# Starts its own stack on a port and run directory of its own, and stops it at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
t_start=$(date +%s)

. "$top/tests/e2e/lib.sh"
own_stack attack-san "${RUNBOX_ATTACK_SAN_LISTEN:-127.0.0.1:18087}"
python_only
export RUNBOX_FCGI_PROCESSES=3
export RUNBOX_WALL_MS=2000
export RUNBOX_POOL_SIZE=2
# The sanitizers slow the workers down: 8 clients on 3 of them must queue, not be refused.
export RUNBOX_QUEUE_WAIT_MS=60000
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
# The sanitizer build; its agent and seccomp profile are built alongside.
export RUNBOX_BUILD=$top/build-san
san_log=$RUNBOX_RUN_DIR/san
mkdir -p "$san_log"
# halt_on_error: the first error ends the process (and shows as a dead worker).
export ASAN_OPTIONS="log_path=$san_log/asan:detect_leaks=1:halt_on_error=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$san_log/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="log_path=$san_log/lsan"
conf=$RUNBOX_RUN_DIR/admin.conf
printf 'db_path = %s\ninstance = %s\n' "$RUNBOX_DB_PATH" "$RUNBOX_INSTANCE" > "$conf"

admin() { build/runbox -c "$conf" "$@"; }

cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    scripts/stack.sh stop >/dev/null 2>&1
    if [ "$fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$RUNBOX_RUN_DIR"; else echo "run dir kept: $RUNBOX_RUN_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building with AddressSanitizer + UndefinedBehaviorSanitizer"
make -s SAN=1 all >/dev/null || { echo "make SAN=1 all failed"; exit 1; }
echo "== starting the sanitizer build on $base (run dir $RUNBOX_RUN_DIR)"
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -20 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }
check "the warm pool fills" wait_until 60 pool_full
check "3 FastCGI workers under the master" test "$(workers | wc -w)" = 3
wpids0=$(workers)
admin --json user add san1 --note "sanitizer burst" 2>/dev/null | jq -r .key > "$tmp/key1"
admin --json user add san2 --note "sanitizer burst, 3 runs a minute" 2>/dev/null | jq -r .key > "$tmp/key2"
admin quota set san2 --per-minute 3 >/dev/null
check "2 users with keys" test "$(cat "$tmp"/key[12] | grep -c '^rbx_')" = 2

# ---- the requests: kind, then the JSON body; each kind's expected answer is below ------
py() { jq -n --arg c "$1" '{language: "python", code: $c}'; }
mk() { cat > "$tmp/req-$1.json"; }
py 'print("ok")' | mk ok
jq -n '{language: "python", code: "import sys\nprint(sys.stdin.read().upper(), sys.argv[1:])", stdin: "abc", args: ["x y", "$(id)"]}' | mk stdin
jq -n '{language: "python", files: [{name: "main.py", content: "import lib\nlib.f()", main: true}, {name: "lib.py", content: "def f(): print(\"lib\")"}, {name: "data.bin", content: "AAEC", encoding: "base64"}]}' | mk files
py 'raise ValueError("boom")' | mk error
py 'import sys; sys.exit(3)' | mk exit
py 'while True: pass' | mk loop
py 'import sys; sys.stdout.write("x" * 3000000)' | mk flood
py 'import sys; sys.stdout.buffer.write(b"\x00\xff\xfe ok")' | mk binary
py 'x = bytearray(1 << 30)' | mk memory
printf '{"language": "python", "code": ' | mk badjson
printf '{"language": "python", "code": "print(1)\xff"}' | mk badutf8
printf '{"language": "cobol", "code": "x"}' | mk lang
jq -n '{language: "python", files: [{name: "../etc/passwd", content: "x"}]}' | mk name
jq -n '{language: "python", code: "print(1)", wall_ms: 0}' | mk field
awk 'BEGIN { printf "%s", "{\"language\": \"python\", \"code\": \""; for (i = 0; i < 300000; i++) printf "#"; print "\"}" }' | mk bigcode
head -c 8000000 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' | mk toolarge
head -c 100000 /dev/zero | tr '\0' '[' | mk deep
# The Jobe and Piston faces: runs, refusals and uploads through the same pipeline.
jq -n '{run_spec: {language_id: "python3", sourcecode: "print(\"ok\")", parameters: {cputime: 2}}}' | mk jobe_ok
jq -n '{run_spec: {language_id: "python3", sourcecode: "import sys\nprint(sys.argv)\nraise SystemExit(\"bad\")",
        parameters: {runargs: ["a \"b c\" '"'"'d'"'"'"], interpreterargs: ["-B"]}}}' | mk jobe_err
jq -n '{run_spec: {language_id: "python3", sourcecode: "print(1)", file_list: [["nosuchfile0001", "data"]]}}' | mk jobe_nofile
jq -n '{run_spec: {language_id: "cobol", sourcecode: "x"}}' | mk jobe_lang
printf '{"run_spec": {"language_id": "python3", "sourcecode": "print(\xff)"}}' | mk jobe_utf8
jq -n '{file_contents: "aGVsbG8K"}' | mk jobe_put
jq -n '{language: "py", version: "3", files: [{content: "print(input())"}, {name: "d.bin", content: "AAE=", encoding: "base64"}], stdin: "x"}' | mk piston_ok
jq -n '{language: "python", files: [{content: "x"}]}' | mk piston_bad
jq -n '{language: "python", version: "*", files: [{content: "while True: pass"}], run_timeout: 500}' | mk piston_loop

# send KIND [KEY]: one line "kind http error-or-status"
send() {
    local kind=$1 key=${2:-} out=$tmp/out.$BASHPID line res
    line=$(curl -s -o "$out" -w '%{http_code}' --max-time 60 ${key:+-H "Authorization: Bearer $key"} \
        -H 'Content-Type: application/json' --data-binary @"$tmp/req-$kind.json" "$base/api/editor/run")
    res=$(jq -r '.error.code // .status // "?"' "$out" 2>/dev/null) || res=not-json
    echo "$kind $line ${res:-empty}"
}
get() { # PATH [KEY]: "get:PATH http"
    echo "get:$1 $(curl -s -o /dev/null -w '%{http_code}' --max-time 60 ${2:+-H "Authorization: Bearer $2"} "$base$1")"
}
# face KIND METHOD PATH [KEY]: one line "kind http result" for the Jobe and Piston faces
face() {
    local kind=$1 out=$tmp/out.$BASHPID line res
    line=$(curl -s -o "$out" -w '%{http_code}' --max-time 60 -X "$2" ${4:+-H "X-API-KEY: $4"} \
        -H 'Content-Type: application/json; charset=utf-8' --data-binary @"$tmp/req-$kind.json" "$base$3")
    res=$(jq -r 'if type == "string" then "text" elif has("outcome") then "outcome\(.outcome)"
                 elif has("run") then "code\(.run.code)" elif has("message") then "message" else "?" end' \
          "$out" 2>/dev/null) || res=$([ -s "$out" ] && echo not-json || echo empty)
    echo "$kind $line ${res:-empty}"
}
export -f send get face; export tmp base

echo "== the burst: 8 clients"
rows0=$(rows)
t0=$(date +%s)
# A stalled body (nginx gives up after 15 s and runbox logs it afterwards) and a client that
# hangs up mid-run, alongside the rest.
( exec 3<>"/dev/tcp/${RUNBOX_LISTEN%:*}/${RUNBOX_LISTEN#*:}"
  printf 'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 120\r\nConnection: close\r\n\r\n{"language": "python",' >&3
  timeout 30 cat <&3 >/dev/null ) & stall_pid=$!
py $'import time\ntime.sleep(5)' > "$tmp/req-hang.json"
curl -s -o /dev/null --max-time 1 -H 'Content-Type: application/json' --data-binary @"$tmp/req-hang.json" "$base/api/editor/run" &
hang_pid=$!
kinds=(ok stdin files error exit loop flood binary memory badjson badutf8 lang name field bigcode toolarge deep)
key1=$(cat "$tmp/key1") key2=$(cat "$tmp/key2")
{
    for round in 1 2 3 4; do
        for k in "${kinds[@]}"; do echo "send $k $key1"; done
        echo "send ok rbx_0000000000000000000000000000000000000000"   # no such key
        for i in 1 2 3 4 5; do echo "send ok $key2"; done            # 3 a minute: 429s
        echo "send ok"                                                 # anonymous
        for p in /api/health /api/languages /metrics /api/runs/nope /api/nothing; do echo "get $p"; done
        for k in jobe_ok jobe_err jobe_nofile jobe_lang jobe_utf8; do
            echo "face $k POST /jobe/index.php/restapi/runs $key1"; done
        echo "face jobe_put PUT /jobe/index.php/restapi/files/sanfile000$round $key1"
        echo "get /jobe/index.php/restapi/languages"
        for k in piston_ok piston_bad piston_loop; do echo "face $k POST /api/v2/execute"; done
        echo "get /api/v2/runtimes"
    done
} > "$tmp/plan"
xargs -P 8 -L 1 bash -c '"$@"' _ < "$tmp/plan" > "$tmp/answers"
wait "$hang_pid" "$stall_pid"
# The logged run id of one request, read back.
id=$(sql "SELECT r.id FROM runs r JOIN users u ON u.id = r.user_id WHERE u.name = 'san1' AND r.status = 'ok' LIMIT 1")
get "/api/runs/$id" "$key1" >> "$tmp/answers"
t1=$(date +%s)
sent=$(grep -c '^[a-z]' "$tmp/answers")
# + the stalled body and the hang-up; uploads are not runs
run_reqs=$(( $(grep -vc '^get:\|^jobe_put ' "$tmp/answers") + 2 ))
wait_until 20 sh -c "[ \$(( \$(sqlite3 -cmd '.timeout 10000' '$RUNBOX_DB_PATH' 'SELECT count(*) FROM runs') - $rows0 )) -ge $run_reqs ]"
new_rows=$(( $(rows) - rows0 ))
echo "     $sent requests in $(( t1 - t0 )) s; answers: $(awk '{ print $1 "->" $2 "/" $3 }' "$tmp/answers" | sort | uniq -c | awk '{ printf "%s x%s  ", $2, $1 }')"
unexpected=$(awk '
    $1 == "ok" && $2 == 200 && $3 == "ok" { next }
    $1 == "ok" && $2 == 401 && $3 == "unauthorized" { next }
    $1 == "ok" && $2 == 429 && $3 == "quota_exceeded" { next }
    $1 == "stdin"   && $2 == 200 && $3 == "ok" { next }
    $1 == "files"   && $2 == 200 && $3 == "ok" { next }
    $1 == "error"   && $2 == 200 && $3 == "runtime_error" { next }
    $1 == "exit"    && $2 == 200 && $3 == "runtime_error" { next }
    $1 == "loop"    && $2 == 200 && $3 == "timeout" { next }
    $1 == "flood"   && $2 == 200 && $3 == "output_limit" { next }
    $1 == "binary"  && $2 == 200 && $3 == "ok" { next }
    $1 == "memory"  && $2 == 200 && ($3 == "memory_limit" || $3 == "timeout") { next }   # the 2 s wall may come first under load
    $1 == "badjson" && $2 == 400 && $3 == "bad_json" { next }
    $1 == "badutf8" && $2 == 400 && $3 == "bad_encoding" { next }
    $1 == "lang"    && $2 == 422 && $3 == "unknown_language" { next }
    $1 == "name"    && $2 == 400 && $3 == "bad_request" { next }
    $1 == "field"   && $2 == 400 && $3 == "bad_request" { next }
    $1 == "bigcode" && $2 == 413 && $3 == "code_too_large" { next }
    $1 == "toolarge" && $2 == 413 && $3 == "body_too_large" { next }
    $1 == "deep"    && $2 == 400 && $3 == "bad_json" { next }
    $1 ~ /^get:\/api\/(health|languages|runs\/[0-9a-f]+)$/ && $2 == 200 { next }
    $1 == "get:/metrics" && $2 == 200 { next }
    $1 == "jobe_ok" && $2 == 200 && $3 == "outcome15" { next }
    $1 == "jobe_err" && $2 == 200 && $3 == "outcome12" { next }
    $1 == "jobe_nofile" && $2 == 404 && $3 == "text" { next }
    $1 == "jobe_lang" && $2 == 400 && $3 == "text" { next }
    $1 == "jobe_utf8" && $2 == 400 && $3 == "text" { next }
    $1 == "jobe_put" && $2 == 204 && $3 == "empty" { next }
    $1 == "get:/jobe/index.php/restapi/languages" && $2 == 200 { next }
    $1 == "piston_ok" && $2 == 200 && $3 == "code0" { next }
    $1 == "piston_bad" && $2 == 400 && $3 == "message" { next }
    $1 == "piston_loop" && $2 == 200 && $3 == "codenull" { next }
    $1 == "get:/api/v2/runtimes" && $2 == 200 { next }
    $1 ~ /^get:\/api\/(runs\/nope|nothing)$/ && $2 == 404 { next }
    { print }' "$tmp/answers")
check "every request of the plan was answered ($sent of $(( $(wc -l < "$tmp/plan") + 1 )))" \
    test "$sent" = "$(( $(wc -l < "$tmp/plan") + 1 ))"
check "every request got the answer it called for" test -z "$unexpected"
[ -n "$unexpected" ] && head -20 <<<"$unexpected" | sed 's/^/       /'
check "one run-log row per run request ($run_reqs requests, $new_rows rows)" test "$new_rows" = "$run_reqs"
check "the stalled body has its row (408 body_incomplete)" \
    test "$(sql "SELECT count(*) FROM runs WHERE error_code = 'body_incomplete' AND http_status = 408")" = 1
check "no worker died during the burst (same pids)" test "$(workers)" = "$wpids0"

echo "== stop: each worker and the master check for leaks"
scripts/stack.sh stop >/dev/null
log=$RUNBOX_RUN_DIR/fcgi.log
clean=$(grep -c 'leak check: no leaks' "$log")
check "the master and its 3 workers each reported 'leak check: no leaks' ($clean)" test "$clean" = 4
check "no worker ended unexpectedly" sh -c "! grep -E 'worker [0-9]+ ended|did not stop' '$log'"
reports=$(ls "$san_log")
check "no sanitizer report was written" test -z "$reports"
for f in $reports; do echo "       $f:"; head -30 "$san_log/$f" | sed 's/^/         /'; done
check "no container of this instance is left" wait_until 20 none_left

echo
echo "($(( $(date +%s) - t_start )) s)"
echo "attack sanitizer: $pass passed, $fail failed"
[ "$fail" = 0 ]
