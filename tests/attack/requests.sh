#!/usr/bin/env bash
# Hostile requests and faults against the real stack (nginx, the FastCGI pool, the run log,
# Docker), then a bounded load test.
#
# Requests: malformed, truncated and deeply nested JSON, huge numbers and wrong types in every
# field, duplicate keys, invalid UTF-8, a body over the cap, a body that trickles in, a client
# that hangs up mid-run, path traversal and NUL bytes in file names, unknown fields, attempts
# to switch the limits off, and shell syntax in arguments and file names. Each must get its
# 4xx JSON error (never nginx's own page, never a 5xx), exactly one run-log row that says the
# same, and leave the FastCGI workers as they were. A body that stalls or is abandoned gets
# its row too (408 body_incomplete, logged once nginx gives up on it).
#
# Faults: Docker stopped and started again mid-run, a container killed from outside, the
# database locked by another process for longer than the busy timeout, a FastCGI worker
# killed mid-request. Each gets a clear JSON answer, and the service recovers by itself.
#
# Load (build/tests/runbox-load, a C client): 32 connections for about 65 s, mixing normal
# runs, endless loops, fork bombs and refused requests from 4 users: no 5xx but 503 with
# Retry-After, one row per request, no container left, the FastCGI processes' memory stable.
# The figures are printed.
#
# Starts its own stack on a port and run directory of its own, and stops it at the end.
# Every check can fail; the script exits non-zero if one does.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
t_start=$(date +%s)

. "$top/tests/e2e/lib.sh"
own_stack attack-req "${RUNBOX_ATTACK_REQ_LISTEN:-127.0.0.1:18086}"
python_only
export RUNBOX_FCGI_PROCESSES=4
export RUNBOX_WALL_MS=3000
export RUNBOX_POOL_SIZE=2
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
# The admin command's configuration: the database above (the environment says the same).
conf=$RUNBOX_RUN_DIR/admin.conf
printf 'db_path = %s\ninstance = %s\n' "$RUNBOX_DB_PATH" "$RUNBOX_INSTANCE" > "$conf"

make -s build/tests/runbox-load || { echo "cannot build the load client"; exit 1; }

admin() { build/runbox -c "$conf" "$@"; }
last_row() { sql "SELECT http_status || ' ' || ifnull(error_code, status) FROM runs ORDER BY received_ms DESC, rowid DESC LIMIT 1"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
py() { jq -n --arg c "$1" '{language: "python", code: $c}' > "${2:-$tmp/req}"; }
# post FILE OUT [CURL-ARGS...]: a run request whose answer stays in OUT.body / OUT.code / OUT.hdr
post() { local f=$1 out=$2; shift 2
    curl -s -o "$out.body" -D "$out.hdr" -w '%{http_code}' --max-time 60 "$@" \
        -H 'Content-Type: application/json' --data-binary "@$f" "$base/api/editor/run" > "$out.code"; }
gone() { # container id unknown to Docker
    [ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" "http://docker/v1.41/containers/$1/json")" = 404 ]; }
running_row() { [ "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" -ge 1 ]; }
has_busy() { [ -n "$(busy_container)" ]; }
fcgi_rss_kb() { # VmRSS of the master and its workers, summed
    local m p
    m=$(master)
    for p in $m $(pgrep -P "$m"); do awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null; done |
        awk '{ s += $1 } END { print s + 0 }'
}

# Docker stopped and started again (tests/e2e/lib.sh), under the lock that the other suites
# take for the same; docker_stopped says whether this suite has to start it again.
docker_stopped=0 have_lock=0
lock_docker() { exec 9>/tmp/runbox-dockerd.lock; flock 9; have_lock=1; }
unlock_docker() { flock -u 9; exec 9>&-; have_lock=0; }

cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done   # our own clients, if any are left
    scripts/stack.sh stop >/dev/null 2>&1
    # Docker must not stay down because this suite stopped it.
    if [ "$docker_stopped" = 1 ] && ! docker_up; then echo "starting dockerd again"; start_docker; fi
    [ "$have_lock" = 1 ] && unlock_docker
    # Kept after a failure: fcgi.log and nginx-error.log tell what the server saw.
    if [ "$fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$RUNBOX_RUN_DIR"; else echo "run dir kept: $RUNBOX_RUN_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start() { scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }; }

# ---- hostile requests -------------------------------------------------------------------
# mark: remember the row count and the worker pids before a request.
mark() { rows0=$(rows); pids0=$(workers); acc0=$(accessed); }
# Lines in nginx's access log: nginx writes a request's line when it is done with it, after
# any subrequest (the mirror that logs a request nginx answered itself) has finished.
accessed() { wc -l < "$RUNBOX_RUN_DIR/nginx-access.log" 2>/dev/null || echo 0; }
access_done() { [ "$(accessed)" -gt "$acc0" ]; }
# refused NAME HTTP CODE-REGEX MESSAGE-PART: the request just sent got its JSON error, one
# row that says the same, and the workers are the ones of before. One check per request.
refused() {
    local name=$1 want_http=$2 want=$3 msg=$4 why="" r last
    [ "$code" = "$want_http" ] || why+=" HTTP $code, not $want_http;"
    grep -qi '^content-type: application/json' "$tmp/hdr" || why+=" not sent as application/json;"
    jqb --arg c "^($want)\$" --arg m "$msg" \
        '(.error.code | test($c)) and (.error.message | type == "string" and contains($m)) and (keys == ["error"])' ||
        why+=" not the JSON error ($want, message with '$msg');"
    r=$(rows)
    [ "$((r - rows0))" = 1 ] || why+=" $((r - rows0)) new run-log rows, not 1;"
    last=$(last_row)
    [[ "$last" =~ ^$want_http\ ($want)$ ]] || why+=" the row says '$last';"
    [ "$(workers)" = "$pids0" ] || why+=" worker pids changed ($pids0-> $(workers));"
    if [ -z "$why" ]; then ok "$name"; else bad "$name"; echo "       why:$why"; fi
}
# attack NAME HTTP CODE-REGEX MESSAGE-PART FILE [CONTENT-TYPE]: send FILE, then `refused`.
attack() { mark; http POST /api/editor/run "$5" "${6:-application/json}"; refused "$1" "$2" "$3" "$4"; }
# attack_text NAME HTTP CODE-REGEX MESSAGE-PART JSON-TEXT (printf %s, so no escapes are expanded)
attack_text() { printf '%s' "$5" > "$tmp/req"; attack "$1" "$2" "$3" "$4" "$tmp/req"; }
# attack_bytes NAME HTTP CODE-REGEX MESSAGE-PART PRINTF-FORMAT (\xNN escapes become raw bytes)
attack_bytes() { printf "$5" > "$tmp/req"; attack "$1" "$2" "$3" "$4" "$tmp/req"; }

echo "== starting the stack on $base (run dir $RUNBOX_RUN_DIR), busy timeout 500 ms"
RUNBOX_DB_BUSY_TIMEOUT_MS=500 start
check "the warm pool fills (2 idle python containers)" wait_until 30 pool_full
run_py 'print("warm")'
check "a normal run works" is 200 '.status == "ok" and .output.stdout == "warm\n"'
master0=$(master)
check "4 FastCGI workers under the master" test "$(workers | wc -w)" = 4

echo "== malformed and truncated JSON"
attack_text "malformed: a value missing" 400 bad_json "not valid JSON" '{"language": "python", "code": '
attack_text "truncated inside a string" 400 bad_json "not valid JSON" '{"language": "python", "code": "print(1'
attack_text "truncated before the closing brace" 400 bad_json "not valid JSON" '{"language": "python", "code": "print(1)"'
attack_text "single quotes" 400 bad_json "not valid JSON" "{'language': 'python', 'code': 'print(1)'}"
attack_text "trailing comma" 400 bad_json "not valid JSON" '{"language": "python", "code": "print(1)",}'
attack_text "a comment" 400 bad_json "not valid JSON" '{"language": "python", /* c */ "code": "print(1)"}'
attack_text "NaN" 400 bad_json "not valid JSON" '{"language": "python", "code": NaN}'
attack_text "garbage after the object" 400 bad_json "not valid JSON" '{"language": "python", "code": "print(1)"} {"x": 1}'
attack_text "a bare string, not an object" 400 bad_json "not valid JSON" '"print(1)"'
attack_text "an array, not an object" 400 bad_request "must be a JSON object" '[{"language": "python", "code": "print(1)"}]'
attack_text "only whitespace" 400 bad_json "not valid JSON" '   '
: > "$tmp/empty"
attack "an empty body" 400 bad_json "empty" "$tmp/empty"

echo "== deep nesting"
{ printf '{"language": "python", "code": '; head -c 100000 /dev/zero | tr '\0' '['; } > "$tmp/deep"
attack "100000 '[' in a field" 400 bad_json "depth" "$tmp/deep"
{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } > "$tmp/deep2"
attack "100000 balanced '[' ']' as the body" 400 bad_json "depth" "$tmp/deep2"
{ printf '{"language": "python", "code": "x", "args": '; for _ in $(seq 1 20000); do printf '{"a":'; done; printf '1'; head -c 20000 /dev/zero | tr '\0' '}'; printf '}'; } > "$tmp/deep3"
attack "20000 nested objects in args" 400 bad_json "depth" "$tmp/deep3"

echo "== huge numbers in every field"
for n in 1e308 -1 0; do
    attack_text "language: $n" 400 bad_request "'language' must be a string" "{\"language\": $n, \"code\": \"print(1)\"}"
    attack_text "code: $n" 400 bad_request "'code' must be a string" "{\"language\": \"python\", \"code\": $n}"
    attack_text "stdin: $n" 400 bad_request "'stdin' must be a string" "{\"language\": \"python\", \"code\": \"x\", \"stdin\": $n}"
    attack_text "args: $n" 400 bad_request "'args' must be a list" "{\"language\": \"python\", \"code\": \"x\", \"args\": $n}"
    attack_text "args: [$n]" 400 bad_request "Argument 1 must be a string" "{\"language\": \"python\", \"code\": \"x\", \"args\": [$n]}"
    attack_text "files: $n" 400 bad_request "'files' must be a list" "{\"language\": \"python\", \"files\": $n}"
    attack_text "entry: $n" 400 bad_request "'entry' must be a string" "{\"language\": \"python\", \"files\": [{\"name\": \"main.py\", \"content\": \"x\"}], \"entry\": $n}"
    attack_text "file name: $n" 400 bad_request "'name' must be a string" "{\"language\": \"python\", \"files\": [{\"name\": $n, \"content\": \"x\"}]}"
    attack_text "file content: $n" 400 bad_request "'content' must be a string" "{\"language\": \"python\", \"files\": [{\"name\": \"main.py\", \"content\": $n}]}"
    attack_text "file main: $n" 400 bad_request "'main' must be true or false" "{\"language\": \"python\", \"files\": [{\"name\": \"main.py\", \"content\": \"x\", \"main\": $n}]}"
    attack_text "file encoding: $n" 400 bad_request "'encoding' must be" "{\"language\": \"python\", \"files\": [{\"name\": \"main.py\", \"content\": \"x\", \"encoding\": $n}]}"
done
# 2^63 and 1e400 do not fit the parser's numbers: refused before any field is looked at.
for n in 9223372036854775808 -9223372036854775809 1e400; do
    attack_text "code: $n" 400 bad_json "not valid JSON" "{\"language\": \"python\", \"code\": $n}"
    attack_text "args: [$n]" 400 bad_json "not valid JSON" "{\"language\": \"python\", \"code\": \"x\", \"args\": [$n]}"
    attack_text "file main: $n" 400 bad_json "not valid JSON" "{\"language\": \"python\", \"files\": [{\"name\": \"main.py\", \"content\": \"x\", \"main\": $n}]}"
done

echo "== wrong types"
attack_text "language: a list" 400 bad_request "'language' must be a string" '{"language": ["python"], "code": "x"}'
attack_text "language: an object" 400 bad_request "'language' must be a string" '{"language": {"id": "python"}, "code": "x"}'
attack_text "language: null" 400 bad_request "'language' must be a string" '{"language": null, "code": "x"}'
attack_text "code: null" 400 bad_request "'code' must be a string" '{"language": "python", "code": null}'
attack_text "code: true" 400 bad_request "'code' must be a string" '{"language": "python", "code": true}'
attack_text "code: a list of lines" 400 bad_request "'code' must be a string" '{"language": "python", "code": ["print(1)"]}'
attack_text "stdin: a list" 400 bad_request "'stdin' must be a string" '{"language": "python", "code": "x", "stdin": ["a"]}'
attack_text "args: a string" 400 bad_request "'args' must be a list" '{"language": "python", "code": "x", "args": "-v -x"}'
attack_text "args: [null]" 400 bad_request "Argument 1 must be a string" '{"language": "python", "code": "x", "args": [null]}'
attack_text "args: a nested list" 400 bad_request "Argument 2 must be a string" '{"language": "python", "code": "x", "args": ["a", ["b"]]}'
attack_text "files: an object" 400 bad_request "'files' must be a list" '{"language": "python", "files": {"main.py": "x"}}'
attack_text "files: a list of strings" 400 bad_request "File 1 must be an object" '{"language": "python", "files": ["main.py"]}'
attack_text "files: empty" 400 bad_request "'files' is empty" '{"language": "python", "files": []}'
attack_text "code and files both" 400 bad_request "not both" '{"language": "python", "code": "x", "files": [{"name": "main.py", "content": "x"}]}'
attack_text "language missing" 400 bad_request "'language' is missing" '{"code": "print(1)"}'
attack_text "language with a NUL" 422 unknown_language "not supported" '{"language": "python\u0000", "code": "print(1)"}'
attack_text "unknown language" 422 unknown_language "Supported languages: python" '{"language": "cobol", "code": "x"}'
{ printf '{"language": "python", "code": "x", "args": ['; for i in $(seq 1 100000); do printf '"a",'; done; printf '"a"]}'; } > "$tmp/manyargs"
attack "100001 arguments" 400 bad_request "the limit is 64" "$tmp/manyargs"
jq -n '{language: "python", files: [range(0; 65) | {name: "f\(.).py", content: "x"}]}' > "$tmp/manyfiles"
attack "65 files" 400 bad_request "the limit is 64" "$tmp/manyfiles"

echo "== duplicate keys"
attack_text "code twice" 400 bad_json "duplicate" '{"language": "python", "code": "print(1)", "code": "print(2)"}'
attack_text "language twice" 400 bad_json "duplicate" '{"language": "cobol", "code": "x", "language": "python"}'
attack_text "the same key spelled with an escape" 400 bad_json "duplicate" '{"language": "python", "code": "print(1)", "c\u006fde": "print(2)"}'
attack_text "a file's name twice" 400 bad_json "duplicate" '{"language": "python", "files": [{"name": "main.py", "content": "x", "name": "../x"}]}'
attack_text "two files with one name" 400 bad_request "same name" '{"language": "python", "files": [{"name": "a.py", "content": "x", "main": true}, {"name": "a.py", "content": "y"}]}'

echo "== invalid UTF-8"
attack_bytes "0xff in code" 400 bad_encoding "UTF-8" '{"language": "python", "code": "print(\xff)"}'
attack_bytes "overlong '/' (0xc0 0xaf)" 400 bad_encoding "UTF-8" '{"language": "python", "code": "\xc0\xaf"}'
attack_bytes "an encoded surrogate" 400 bad_encoding "UTF-8" '{"language": "python", "code": "\xed\xa0\x80"}'
attack_bytes "past U+10FFFF" 400 bad_encoding "UTF-8" '{"language": "python", "code": "\xf4\x90\x80\x80"}'
attack_bytes "cut inside a character" 400 bad_encoding "UTF-8" '{"language": "python", "code": "\xe2\x82"}'
attack_bytes "in a key" 400 bad_encoding "UTF-8" '{"language": "python", "code": "x", "\xfe": 1}'
attack_bytes "in a file name" 400 bad_encoding "UTF-8" '{"language": "python", "files": [{"name": "m\xffin.py", "content": "x"}]}'
attack_bytes "in stdin" 400 bad_encoding "UTF-8" '{"language": "python", "code": "x", "stdin": "\x80"}'
attack_bytes "in an argument" 400 bad_encoding "UTF-8" '{"language": "python", "code": "x", "args": ["\xc3"]}'
attack_bytes "a byte order mark before the object" 400 'bad_json|bad_encoding' "" '\xef\xbb\xbf{"language": "python", "code": "x"}'
attack_text "an escaped lone surrogate" 400 'bad_json|bad_encoding' "" '{"language": "python", "code": "\ud800"}'

echo "== a body over the cap"
head -c 8000000 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/huge"
attack "8 MB: nginx's 413, as JSON, logged" 413 body_too_large "larger than the server accepts" "$tmp/huge"
head -c 102401 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: .}' > "$tmp/big"
attack "100 KB + 1 of code" 413 code_too_large "the limit is 100 KB" "$tmp/big"
head -c 1048577 /dev/zero | tr '\0' 'a' | jq -Rs '{language: "python", code: "x", stdin: .}' > "$tmp/bigin"
attack "1 MB + 1 of stdin" 413 code_too_large "The input (stdin)" "$tmp/bigin"

echo "== file names"
files_with() { # NAME-JSON: a main file and one file named NAME
    jq -n --argjson n "$1" '{language: "python", files: [{name: "main.py", content: "print(1)", main: true}, {name: $n, content: "x"}]}' > "$tmp/req"; }
name_case() { # title, name (as JSON), message part
    files_with "$2"; attack "$1" 400 bad_request "$3" "$tmp/req"; }
name_case "../../etc/passwd" '"../../etc/passwd"' "File 2 ('../../etc/passwd'): a file name cannot contain '..'"
name_case "a/../../b" '"a/../../b"' "cannot contain '..'"
name_case ".." '".."' "cannot contain '..'"
name_case "/etc/passwd" '"/etc/passwd"' "cannot start with '/'"
name_case "./main.py" '"./main.py"' "'.' as one of its parts"
name_case 'a\b.py (backslash)' '"a\\b.py"' "cannot contain '\\'"
name_case "a//b" '"a//b"' "cannot contain '//'"
name_case "a NUL inside (a\\u0000b)" '"a\u0000b"' "File 2: the file name contains a control character (at byte 2)"
name_case "a newline inside" '"a\nb.txt"' "control character (at byte 2)"
name_case "a newline at the end" '"b.txt\n"' "control character (at byte 6)"
name_case "a carriage return" '"b\r.txt"' "control character"
name_case "an escape sequence (ESC[2J)" '"\u001b[2J.txt"' "control character (at byte 1)"
name_case "a C1 control (U+0085)" '"x\u0085y"' "control character (at byte 2)"
name_case "an empty name" '""' "the file name is empty"
name_case "101 bytes" "\"$(head -c 101 /dev/zero | tr '\0' 'n')\"" "the limit is 100"
name_case "9 levels deep" '"a/b/c/d/e/f/g/h/i.py"' "at most 8 parts"
attack_text "a file that is also a folder" 400 bad_request "both a file and a folder" \
    '{"language": "python", "files": [{"name": "a", "content": "x", "main": true}, {"name": "a/b.py", "content": "y"}]}'
attack_text "entry naming a path outside" 400 bad_request "is not one of the files" \
    '{"language": "python", "files": [{"name": "main.py", "content": "x"}], "entry": "../../bin/sh"}'
attack_text "a NUL in an argument" 400 bad_request "Argument 2 contains a NUL" \
    '{"language": "python", "code": "x", "args": ["a", "b\u0000c"]}'

echo "== unknown fields and attempts to change the limits"
attack_text "an unknown field" 400 bad_request "The field 'extra' is not recognised" '{"language": "python", "code": "x", "extra": 1}'
attack_text "an unknown field in a file" 400 bad_request "File 1 ('main.py'): the field 'mode' is not recognised" \
    '{"language": "python", "files": [{"name": "main.py", "content": "x", "mode": "0777"}]}'
attack_text "a 10 KB unknown field name" 400 bad_request "is not recognised" \
    "{\"language\": \"python\", \"code\": \"x\", \"$(head -c 10000 /dev/zero | tr '\0' k)\": 1}"
attack_text "a NUL in a field name" 400 bad_json "not valid JSON" '{"language": "python", "code": "x", "a\u0000b": 1}'
attack_text "limits: {wallMs: 0, memoryMb: 0}" 400 bad_request "The field 'limits' is not recognised" \
    '{"language": "python", "code": "x", "limits": {"wallMs": 0, "memoryMb": 0, "pids": -1}}'
attack_text "timeLimit: 0" 400 bad_request "The field 'timeLimit' is not recognised" '{"language": "python", "code": "x", "timeLimit": 0}'
attack_text "timeLimit: -1" 400 bad_request "The field 'timeLimit' is not recognised" '{"language": "python", "code": "x", "timeLimit": -1}'
attack_text "memory: 2^63 - 1" 400 bad_request "The field 'memory' is not recognised" '{"language": "python", "code": "x", "memory": 9223372036854775807}'
attack_text "memory: 1e308" 400 bad_request "The field 'memory' is not recognised" '{"language": "python", "code": "x", "memory": 1e308}'
attack_text "memory: -1" 400 bad_request "The field 'memory' is not recognised" '{"language": "python", "code": "x", "memory": -1}'
attack_text "memory: 2^64 (overflows the parser)" 400 bad_json "not valid JSON" '{"language": "python", "code": "x", "memory": 18446744073709551616}'
attack_text "limits inside a file" 400 bad_request "the field 'limits' is not recognised" \
    '{"language": "python", "files": [{"name": "main.py", "content": "x", "limits": {"wallMs": 0}}]}'
run_py 'while True: pass'
check "after all that, the limits in force are the configured ones (3 s, 128 MB)" is 200 '.status == "timeout"
    and .limits.timeMs == 3000 and .limits.memoryBytes == 134217728 and .durationMs >= 2900 and .durationMs < 4500'

echo "== content types"
py 'print(1)'
attack "text/plain" 415 unsupported_media_type "application/json" "$tmp/req" text/plain
attack "application/x-www-form-urlencoded" 415 unsupported_media_type "application/json" "$tmp/req" application/x-www-form-urlencoded
attack "multipart/form-data" 415 unsupported_media_type "application/json" "$tmp/req" 'multipart/form-data; boundary=x'
attack "application/json-patch+json" 415 unsupported_media_type "application/json" "$tmp/req" application/json-patch+json
attack "application/jsonx" 415 unsupported_media_type "application/json" "$tmp/req" application/jsonx
mark; http POST /api/editor/run "$tmp/req" 'APPLICATION/JSON; charset=utf-8'
check "APPLICATION/JSON; charset=utf-8 is accepted (media types ignore case)" is 200 '.status == "ok"'
mark; code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/req" "$base/api/editor/run")
check "a chunked body is read whole" sh -c "[ $code = 200 ] && jq -e '.status == \"ok\"' '$tmp/body' >/dev/null && [ \$(( $(rows) - $rows0 )) = 1 ]"

echo "== malformed HTTP that nginx refuses itself"
# http_json NAME ROWS: the answer just received is a 4xx in the API's JSON shape, not nginx's
# page, and ROWS new run-log rows (1 when nginx could still tell it was addressed to the run
# API; it then hands it to runbox to log as 400 bad_request; 0 when even the address is lost).
http_json() {
    local why="" r
    [ "${code:0:1}" = 4 ] || why+=" HTTP $code;"
    grep -qi '^content-type: application/json' "$tmp/hdr" || why+=" not application/json;"
    jq -e '.error.code == "bad_request" and (.error.message | contains("not a request the server can read"))' "$tmp/body" >/dev/null 2>&1 ||
        why+=" not the bad_request JSON error;"
    # curl returns once it has the answer, which nginx may send before its logging
    # subrequest is done: count the rows once nginx has finished with the request.
    wait_until 5 access_done || why+=" nginx did not log the request;"
    r=$(( $(rows) - rows0 ))
    [ "$r" = "$2" ] || why+=" $r new rows, not $2;"
    [ "$2" = 0 ] || [ "$(last_row)" = "400 bad_request" ] || why+=" the row says '$(last_row)';"
    if [ -z "$why" ]; then ok "$1: 400 JSON, $2 row(s)"; else bad "$1"; echo "       why:$why"; fi
}
# raw_http TEXT [SECONDS]: send TEXT (printf format) as it is and read for at most SECONDS
# (20); the answer split into $tmp/hdr and $tmp/body
raw_http() {
    printf "$1" | timeout "${2:-20}" bash -c "exec 3<>/dev/tcp/${RUNBOX_LISTEN%:*}/${RUNBOX_LISTEN#*:}; cat >&3; cat <&3" > "$tmp/raw" 2>/dev/null
    awk 'NR == 1, /^\r?$/' "$tmp/raw" > "$tmp/hdr"
    awk 'f; /^\r?$/ { f = 1 }' "$tmp/raw" > "$tmp/body"
    # A chunked answer: the JSON is the one line of the one chunk.
    if grep -qi '^transfer-encoding: chunked' "$tmp/hdr"; then grep '^{' "$tmp/body" > "$tmp/body.json"; mv "$tmp/body.json" "$tmp/body"; fi
    code=$(head -1 "$tmp/hdr" | awk '{ print $2 }')
}
py 'print(1)'
mark
code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    --data-binary @"$tmp/req" "$base/api/editor/run%00")
http_json "%00 in the path (not the run API's address)" 0
mark
code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    -H "X-Padding: $(head -c 20000 /dev/zero | tr '\0' a)" --data-binary @"$tmp/req" "$base/api/editor/run")
http_json "a 20 KB header" 1
mark
code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    --data-binary @"$tmp/req" "$base/api/editor/run?$(head -c 10000 /dev/zero | tr '\0' a)")
http_json "a 10 KB URL (the address is lost)" 0
mark
raw_http 'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'
http_json "Content-Length and Transfer-Encoding together" 1
mark
# Read for 3 s only: the answer must not wait for the 100 bytes that never come.
raw_http 'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n' 3
http_json "the same with a Content-Length larger than what follows, answered within 3 s" 1
mark
raw_http 'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n{}'
http_json "a Content-Length past 2^64" 1
check "workers unchanged" test "$(workers)" = "$pids0"

echo "== shell syntax in arguments and file names is just characters"
pwned=/tmp/runbox-attack-pwned-$$
jq -n --arg p "$pwned" '[
    "a b", "'"'"'single'"'"'", "\"double\"", "semi;colon", "`touch \($p)`", "$(touch \($p))", "${HOME}",
    "$HOME", "line1\nline2", "tab\there", "*", "?", "~", "back\\slash", "&& touch \($p)", "| cat",
    "> out.txt", "--", "-c", "", " ", "ünïcödé ✓", "%s%n%x", "\r", "\u001b[31mred"]' > "$tmp/args.json"
jq -n --arg p "$pwned" '{
    "semi;colon.txt": "1", "$(touch \($p)).txt": "2", "`touch \($p)`.txt": "3",
    "it'"'"'s \"quoted\".txt": "4", "dir with space/$HOME & | > <.txt": "5", "*.txt": "6",
    "-rf": "7", "--help": "8", "ünï ✓/tab.txt": "9", "a;b/c$(d)/e`f`.txt": "10"}' > "$tmp/files.json"
entry='run me; $(touch '"$pwned"') `id` '"'"'q'"'"' "dq".py'
prog='import json, os, sys
files = {}
def walk(d):
    for n in os.listdir(d or "."):
        p = d + n
        if os.path.isdir(p):
            walk(p + "/")
        else:
            with open(p, "rb") as f:
                files[p] = f.read().decode("utf-8", "surrogateescape")
walk("")
print(json.dumps({"argv0": sys.argv[0], "args": sys.argv[1:], "files": files}))'
jq -n --arg e "$entry" --arg prog "$prog" --slurpfile a "$tmp/args.json" --slurpfile f "$tmp/files.json" \
    '{language: "python", args: $a[0], entry: $e,
      files: ([{name: $e, content: $prog}] + ($f[0] | to_entries | map({name: .key, content: .value})))}' > "$tmp/shell.json"
mark; http POST /api/editor/run "$tmp/shell.json"
check "the program runs (200 ok)" is 200 '.status == "ok"'
check "sys.argv[1:] is byte-identical to args (25 of them)" \
    jqb --slurpfile a "$tmp/args.json" '(.output.stdout | fromjson | .args) == $a[0]'
check "sys.argv[0] is the entry file's name, unchanged" \
    jqb --arg e "$entry" '(.output.stdout | fromjson | .argv0) == $e'
check "os.listdir lists exactly the files sent, with their contents" \
    jqb --arg e "$entry" --arg prog "$prog" --slurpfile f "$tmp/files.json" \
    '(.output.stdout | fromjson | .files) == ($f[0] + {($e): $prog})'
check "nothing was run by a shell on this machine" test ! -e "$pwned"
check "one row, workers unchanged" sh -c "[ \$(( $(rows) - $rows0 )) = 1 ] && [ '$(workers)' = '$pids0' ]"

echo "== a body that trickles in (10 bytes/s) and one that stalls"
printf '{"language": "python", "code": "print(\\"slow\\")"%100s}' '' > "$tmp/slow.json"   # 136 bytes: ~13 s
mark; rows_slow0=$rows0
t_slow=$(ms)
( post "$tmp/slow.json" "$tmp/slow" --limit-rate 10; echo $(( $(ms) - t_slow )) > "$tmp/slow.ms" ) & slow_pid=$!
# The stalled one: headers and half of a 120-byte body, then nothing, until nginx gives up.
# Started 2 s after the slow one, so it is cut off after that one has finished.
( sleep 2; exec 3<>"/dev/tcp/${RUNBOX_LISTEN%:*}/${RUNBOX_LISTEN#*:}"
  printf 'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 120\r\nConnection: close\r\n\r\n{"language": "python", "code": "print(1)",' >&3
  timeout 30 cat <&3 > "$tmp/stall.out"; echo "$(( $(ms) - t_slow ))" > "$tmp/stall.ms" ) & stall_pid=$!
sleep 1
for i in 1 2 3 4; do py $'import time\ntime.sleep(2)\nprint("par-'"$i"'")' "$tmp/par$i.json"; done
export -f post; export base
seq 1 4 | xargs -P 4 -I{} bash -c 'post "$1/par$2.json" "$1/par$2"' _ "$tmp" {}
par_ok() { local i; for i in 1 2 3 4; do
    [ "$(cat "$tmp/par$i.code")" = 200 ] && jq -e --arg m "par-$i" '.status == "ok" and .output.stdout == $m + "\n"' "$tmp/par$i.body" >/dev/null || return 1
    done; }
check "4 runs meanwhile: all 200 ok" par_ok
# All four were in progress at once, each on its own worker: nothing was held by the slow bodies.
overlap=$(sql "SELECT count(DISTINCT worker_pid) || ' ' || (max(received_ms) < min(finished_ms)) FROM
    (SELECT * FROM runs ORDER BY received_ms DESC, rowid DESC LIMIT 4) WHERE stdout LIKE 'par-%'")
check "and they ran at the same time on 4 different workers ($overlap)" test "$overlap" = "4 1"
check "the slow body is still arriving meanwhile" kill -0 "$slow_pid"
check "and neither it nor the stalled one has reached a worker (4 new rows, not 5)" test "$(( $(rows) - rows_slow0 ))" = 4
wait "$slow_pid"; slow_ms=$(cat "$tmp/slow.ms")
code=$(cat "$tmp/slow.code"); cp "$tmp/slow.body" "$tmp/body"
check "the slow body, once whole, runs: 200 ok after ${slow_ms} ms" is 200 '.status == "ok" and .output.stdout == "slow\n"'
check "and has its row" test "$(( $(rows) - rows_slow0 ))" = 5
wait "$stall_pid"
stall_ms=$(cat "$tmp/stall.ms" 2>/dev/null || echo 99999)
stall_status=$(head -1 "$tmp/stall.out" | tr -d '\r')
echo "     (the stalled body was answered '${stall_status:-nothing}' after ${stall_ms} ms)"
check "the stalled body is cut off by nginx's client_body_timeout (15 s), not held longer" test "$stall_ms" -lt 22000
# nginx tells runbox afterwards (post_action), so the request still has its one row.
stall_logged() { [ "$(( $(rows) - rows_slow0 ))" = 6 ] && [ "$(last_row)" = "408 body_incomplete" ]; }
check "it has its row all the same: 408 body_incomplete" wait_until 5 stall_logged
check "workers unchanged" test "$(workers)" = "$pids0"

echo "== a client that hangs up halfway through its body"
mark
( exec 3<>"/dev/tcp/${RUNBOX_LISTEN%:*}/${RUNBOX_LISTEN#*:}"
  printf 'POST /api/editor/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 120\r\n\r\n{"language": "python",' >&3
  sleep 0.5 )
one_more() { [ "$(( $(rows) - rows0 ))" = 1 ] && [ "$(last_row)" = "408 body_incomplete" ]; }
check "one row: 408 body_incomplete, within 5 s" wait_until 5 one_more
check "workers unchanged" test "$(workers)" = "$pids0"
mark
run_py 'print(1)'
wait_until 5 access_done   # nginx is done with it, its post-action included
check "a normal run after them: 200 and one row, not two (nothing is logged twice)" \
    sh -c "[ '$code' = 200 ] && [ $(( $(rows) - rows0 )) = 1 ]"
# nginx's access log keeps the status the client got, not the 204 of the post-action that
# runs after every API request ("$request" is three fields, so the status is the ninth).
access_status() { awk '$7 ~ /^\/api\/editor\/run/ { print $9 }' "$RUNBOX_RUN_DIR/nginx-access.log" | sort | uniq -c | tr -s ' \n' ' '; }
check "the access log shows the run requests' own statuses, 408 for the dropped bodies, no 204 ($(access_status))" \
    sh -c "! awk '\$9 == 204' '$RUNBOX_RUN_DIR/nginx-access.log' | grep -q . &&
           [ \$(awk '\$7 == \"/api/editor/run\" && \$9 == 408' '$RUNBOX_RUN_DIR/nginx-access.log' | wc -l) -ge 2 ] &&
           awk '\$7 == \"/api/editor/run\" && \$9 == 200' '$RUNBOX_RUN_DIR/nginx-access.log' | grep -q ."

echo "== a client that hangs up mid-run"
wait_until 20 pool_full
py $'import time\nprint("going", flush=True)\ntime.sleep(2)\nprint("never seen")' "$tmp/hang.json"
mark
curl -s -o /dev/null --max-time 1 -H 'Content-Type: application/json' --data-binary @"$tmp/hang.json" "$base/api/editor/run" &
hang_pid=$!
wait_until 5 has_busy; hang_box=$(busy_container)
wait "$hang_pid"
hang_done() { [ "$(( $(rows) - rows0 ))" = 1 ] &&
    [ "$(sql "SELECT count(*) FROM runs WHERE rowid = (SELECT max(rowid) FROM runs) AND status != 'running' AND finished_ms IS NOT NULL")" = 1 ]; }
check "its row is finished within 5 s" wait_until 5 hang_done
echo "     (the row: $(sql "SELECT status || ' ' || ifnull(error_code, '') || ' ' || ifnull(message, '') FROM runs ORDER BY rowid DESC LIMIT 1"))"
check "found its container (${hang_box:0:12})" test -n "$hang_box"
[ -n "$hang_box" ] && check "its container is removed within 10 s" wait_until 10 gone "$hang_box"
check "workers unchanged" test "$(workers)" = "$pids0"
run_py 'print("after hang-up")'
check "the next run works" is 200 '.output.stdout == "after hang-up\n"'

echo "== a container killed from outside mid-run"
wait_until 20 pool_full
py $'import time\nprint("before", flush=True)\ntime.sleep(2.5)\nprint("after")' "$tmp/kill.json"
mark
post "$tmp/kill.json" "$tmp/kill" & kill_pid=$!
# Killed once the program runs (its job was sent), whatever the machine's speed.
box=
wait_until 5 program_runs "runbox.instance=$RUNBOX_INSTANCE" main.py && box=$running_id
[ -n "$box" ] && curl -s -X POST --unix-socket "$sock" "http://docker/v1.41/containers/$box/kill" >/dev/null
wait "$kill_pid"; code=$(cat "$tmp/kill.code"); cp "$tmp/kill.body" "$tmp/body"
check "found the run's container (${box:0:12})" test -n "$box"
check "200 internal_error that says it is not the program's fault" is 200 '.status == "internal_error"
    and (.message | contains("not in your program"))'
check "its row says internal_error" test "$(last_row)" = "200 internal_error"
[ -n "$box" ] && check "the container is removed" wait_until 10 gone "$box"
check "workers unchanged" test "$(workers)" = "$pids0"
run_py 'print("after kill")'
check "the next run works" is 200 '.output.stdout == "after kill\n"'

echo "== a FastCGI worker killed mid-request"
wait_until 20 pool_full
py $'import time\ntime.sleep(2.5)\nprint("done")' "$tmp/wk.json"
mark
post "$tmp/wk.json" "$tmp/wk" & wk_pid=$!
wait_until 5 program_runs "runbox.instance=$RUNBOX_INSTANCE" main.py
victim=$(sql "SELECT worker_pid FROM runs WHERE status = 'running' ORDER BY rowid DESC LIMIT 1")
wk_box=$(busy_container)
[ -n "$victim" ] && [[ " $pids0 " == *" $victim "* ]] && kill -KILL "$victim"
wait "$wk_pid"; code=$(cat "$tmp/wk.code"); cp "$tmp/wk.body" "$tmp/body"
check "killed worker $victim, one of ours" sh -c "[ -n '$victim' ] && echo ' $pids0 ' | grep -q ' $victim '"
check "the client gets a JSON 503, not nginx's page" err_is 503 runner_unavailable "not available"
interrupted() { [ "$(sql "SELECT status FROM runs ORDER BY rowid DESC LIMIT 1")" = interrupted ]; }
check "its row says interrupted" wait_until 10 interrupted
respawned() { local now p kept=0; now=$(workers)
    for p in $pids0; do [[ " $now " == *" $p "* ]] && kept=$((kept + 1)); done
    [ "$(wc -w <<<"$now")" = 4 ] && [[ " $now " != *" $victim "* ]] && [ "$kept" = 3 ]; }
check "a new worker replaces it; the other 3 are unchanged" wait_until 10 respawned
[ -n "$wk_box" ] && check "its container is removed" wait_until 15 gone "$wk_box"
run_py 'print("after worker kill")'
check "the next run works" is 200 '.output.stdout == "after worker kill\n"'

echo "== the database locked by another process (busy timeout 500 ms)"
wait_until 20 pool_full
pids0=$(workers); rows_locked=$(rows)
# Held until this test has its answers ($tmp/unlock), at most 30 s, however long they take.
rm -f "$tmp/unlock"
{ echo '.timeout 5000'; echo 'BEGIN EXCLUSIVE;'; echo 'SELECT 1;'
  for _ in $(seq 300); do [ -e "$tmp/unlock" ] && break; sleep 0.1; done; echo 'COMMIT;'; } |
    sqlite3 "$RUNBOX_DB_PATH" > "$tmp/lock.out" 2>&1 & lock_pid=$!
wait_until 10 grep -qx 1 "$tmp/lock.out"
t0=$(ms); run_py 'print("while locked")'; t_run=$(( $(ms) - t0 ))
check "a run gets 503 log_unavailable JSON (in ${t_run} ms)" err_is 503 log_unavailable "run log"
check "quickly: under 2.5 s" test "$t_run" -lt 2500
t0=$(ms); http GET /api/health; t_health=$(( $(ms) - t0 ))
check "health says the database is not writable (in ${t_health} ms)" is 503 '.status == "unavailable" and .database.writable == false'
check "the lock was still held when they were answered" kill -0 "$lock_pid"
touch "$tmp/unlock"
wait "$lock_pid"
check "the locking process saw no error" test "$(cat "$tmp/lock.out")" = 1
run_py 'print("unlocked")'
check "then runs work again without a restart" is 200 '.status == "ok" and .output.stdout == "unlocked\n"'
check "nothing was run or half-logged while locked (1 new row: the run after)" \
    test "$(( $(rows) - rows_locked ))" = 1
check "no row is left 'running'" test "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" = 0
http GET /api/health
check "health is ok again" is 200 '.status == "ok" and .database.writable == true'
check "workers unchanged" test "$(workers)" = "$pids0"

echo "== Docker stopped mid-run, then started again"
wait_until 20 pool_full
lock_docker
py $'import time\nprint("started", flush=True)\nwhile True: time.sleep(0.05)' "$tmp/dk.json"
pids0=$(workers); rows_dk0=$(rows)
t_dk=$(ms)
( post "$tmp/dk.json" "$tmp/dk"; echo $(( $(ms) - t_dk )) > "$tmp/dk.ms" ) & dk_pid=$!
dk_box=
wait_until 5 program_runs "runbox.instance=$RUNBOX_INSTANCE" main.py && dk_box=$running_id
if stop_docker_begin; then
    docker_stopped=1
    # The daemon closes its API at once and then stops the containers, which takes it a while:
    # a run sent meanwhile finds the warm container it claims unreachable, and no new one.
    if wait_until 10 sh -c "! curl -sf --max-time 1 --unix-socket $sock http://docker/_ping >/dev/null 2>&1" &&
       { [ -z "$dockerd_pid" ] || kill -0 "$dockerd_pid" 2>/dev/null; }; then
        t0=$(ms); run_py 'print("during shutdown")'; t_mid=$(( $(ms) - t0 ))
        echo "     (a run sent while dockerd shuts down: HTTP $code after $t_mid ms: $(head -c 200 "$tmp/body"))"
        # A warm container whose attach the runner already holds can still run it (its own
        # right answer); else the run finds no container and says so.
        check "a run sent while dockerd shuts down gets its own answer or a 5xx JSON error with a message" \
            sh -c "{ [ $code = 200 ] && jq -e '.status == \"ok\" and .output.stdout == \"during shutdown\\n\"' '$tmp/body' >/dev/null; } || { [ $code -ge 500 ] && jq -e '(.error.code | type == \"string\") and (.error.message | length > 20)' '$tmp/body' >/dev/null; }"
        check "and quickly: within 40 s (${t_mid} ms)" test "$t_mid" -lt 40000
    else
        bad "dockerd closed its API and was still shutting down (the window for a run sent meanwhile)"
    fi
    wait "$dk_pid"; dk_ms=$(cat "$tmp/dk.ms")
    code=$(cat "$tmp/dk.code"); cp "$tmp/dk.body" "$tmp/body"
    echo "     (the run in progress was answered HTTP $code after $dk_ms ms: $(head -c 200 "$tmp/body"))"
    check "the run in progress is answered within 40 s" test "$dk_ms" -lt 40000
    # dockerd gives running containers 10 s to stop: this run's 3 s limit ends first, so its
    # own result is the right answer; if it was cut off, a 5xx JSON error.
    check "with JSON: its own result (timeout at 3 s, its output) or a 5xx error with a message" \
        sh -c "jq -e '(.status == \"timeout\" and .output.stdout == \"started\n\")' '$tmp/body' >/dev/null && [ $code = 200 ] ||
               { [ $code -ge 500 ] && jq -e '(.error.code | type == \"string\") and (.error.message | length > 20)' '$tmp/body' >/dev/null; }"
    check "dockerd stopped" stop_docker_end 60
    check "its row is finished" test "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" = 0
    run_py 'print(1)'
    check "a run while Docker is down: 503 runner_unavailable" err_is 503 runner_unavailable "Docker is not running"
    check "Docker starts again" start_docker && docker_stopped=0
    runs_ok=0
    for i in 1 2 3; do run_py "print('back $i')"; is 200 ".status == \"ok\" and .output.stdout == \"back $i\n\"" && runs_ok=$((runs_ok + 1)); done
    check "the next 3 runs are ok ($runs_ok of 3), runbox not restarted" \
        sh -c "[ $runs_ok = 3 ] && [ '$(master)' = '$master0' ] && [ '$(workers)' = '$pids0' ]"
    check "every request left its row ($(( $(rows) - rows_dk0 )) for 6)" test "$(( $(rows) - rows_dk0 ))" = 6
    check "the warm pool refills" wait_until 30 pool_full
    [ -n "$dk_box" ] && check "the run's container is gone" wait_until 15 gone "$dk_box"
else
    bad "could not stop dockerd for the test"
    docker_up || start_docker
fi
unlock_docker

echo "== stop"
scripts/stack.sh stop >/dev/null
check "nothing of this instance is left in Docker" wait_until 15 none_left

# ---- load ---------------------------------------------------------------------------------
echo "== load: 32 connections, about 65 s, 4 users (default busy timeout)"
start
check "the warm pool fills" wait_until 30 pool_full
for u in 1 2 3 4; do admin --json user add "load$u" --note "attack load" 2>/dev/null | jq -r .key > "$tmp/key$u"; done
# The fourth user may start 3 runs a minute: its other runs get 429 (its 8 connections ask
# for more within seconds, however fast the machine runs them).
admin quota set load4 --per-minute 3 >/dev/null
check "4 users with keys" test "$(cat "$tmp"/key[1-4] | grep -c '^rbx_')" = 4
py 'print("load ok")' "$tmp/load-ok.json"
py $'while True:\n    pass' "$tmp/load-loop.json"
py $'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass' "$tmp/load-bomb.json"
printf '{"language": "python", "code": ' > "$tmp/load-bad.json"
printf '{"language": "cobol", "code": "x"}' > "$tmp/load-lang.json"
mix=(ok bad ok lang loop ok bad ok bomb lang ok bad)
cat "$tmp"/key[1-4] > "$tmp/keys"
rows_l0=$(rows); wpids_l0=$(workers)
t_l0=${EPOCHREALTIME%.*}; load_s=65; warm_s=15
# build/tests/runbox-load: 32 threads, each a connection that sends request after request
# (connection n as user n mod 4 + 1, the mix from kind n on) and waits for its last answer.
build/tests/runbox-load "$RUNBOX_LISTEN" 32 "$load_s" "$tmp/keys" \
    $(for k in "${mix[@]}"; do printf '%s=%s ' "$k" "$tmp/load-$k.json"; done) > "$tmp/load.all" &
load_pid=$!
rss_max=0
while (( ${EPOCHREALTIME%.*} < t_l0 + load_s )); do
    sleep 5
    r=$(fcgi_rss_kb); (( r > rss_max )) && rss_max=$r
    (( ${EPOCHREALTIME%.*} >= t_l0 + warm_s )) && [ -z "${rss_warm:-}" ] && rss_warm=$r
done
wait "$load_pid"
t_l1=${EPOCHREALTIME%.*}
rss_end=$(fcgi_rss_kb)
sent=$(wc -l < "$tmp/load.all")
new_rows=$(( $(rows) - rows_l0 ))
sort -n -k5 "$tmp/load.all" | awk '{ print $5 }' > "$tmp/lat"
pct() { awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int((NR * p + 99) / 100); if (i < 1) i = 1; printf "%.0f ms", a[i] * 1000 }' "$tmp/lat"; }
bad5xx=$(awk '$4 ~ /^5/ && !($4 == 503 && $3 == "runner_busy" && $6 ~ /^[0-9]+$/) || $4 == "000"' "$tmp/load.all" | wc -l)
# What each request called for: its own answer, or 503 runner_busy, or 429 for the limited user.
unexpected=$(awk '
    $4 == 503 && $3 == "runner_busy" && $6 ~ /^[0-9]+$/ { next }
    $4 == 429 && $3 == "quota_exceeded" && $1 == 4 && $6 ~ /^[0-9]+$/ { next }
    $2 == "ok"   && $4 == 200 && $3 == "ok" { next }
    $2 == "loop" && $4 == 200 && $3 == "timeout" { next }
    $2 == "bomb" && $4 == 200 && $3 ~ /^(timeout|runtime_error|memory_limit)$/ { next }
    $2 == "bad"  && $4 == 400 && $3 == "bad_json" { next }
    $2 == "lang" && $4 == 422 && $3 == "unknown_language" { next }
    { print }' "$tmp/load.all")
echo
echo "     ---- load figures ----"
echo "     requests:        $sent in $(( t_l1 - t_l0 )) s ($(awk -v n="$sent" -v s="$(( t_l1 - t_l0 ))" 'BEGIN { printf "%.1f", n / s }') per second), 32 connections, 4 users"
echo "     latency:         p50 $(pct 50), p95 $(pct 95), max $(pct 100)"
echo "     by HTTP code:    $(awk '{ print $4 }' "$tmp/load.all" | sort | uniq -c | awk '{ printf "%s x%s  ", $2, $1 }')"
echo "     by kind/answer:  $(awk '{ print $2 "->" $4 "/" $3 }' "$tmp/load.all" | sort | uniq -c | awk '{ printf "%s x%s  ", $2, $1 }')"
echo "     refusals:        $(awk '$4 != 200 { print $3 }' "$tmp/load.all" | sort | uniq -c | awk '{ printf "%s x%s  ", $2, $1 }')"
echo "     run-log rows:    $new_rows new ($(sql "SELECT group_concat(s || ' x' || n, '  ') FROM (SELECT ifnull(error_code, status) AS s, count(*) AS n FROM runs WHERE rowid > (SELECT max(rowid) FROM runs) - $new_rows GROUP BY s ORDER BY n DESC)"))"
echo "     FastCGI RSS:     ${rss_warm:-?} kB after the warm-up (${warm_s} s), ${rss_end} kB at the end, ${rss_max} kB at most"
echo
check "every request was answered (no failed exchange)" test "$(awk '$4 == "000"' "$tmp/load.all" | wc -l)" = 0
check "no 5xx but 503 runner_busy with Retry-After ($bad5xx)" test "$bad5xx" = 0
check "every answer is what its request called for" test -z "$unexpected"
[ -n "$unexpected" ] && head -20 <<<"$unexpected" | sed 's/^/       /'
check "one run-log row per request ($sent sent, $new_rows rows)" test "$sent" = "$new_rows"
per_user_ok=1
for u in 1 2 3 4; do
    s=$(awk -v u="$u" '$1 == u' "$tmp/load.all" | wc -l)
    r=$(sql "SELECT count(*) FROM runs r JOIN users x ON x.id = r.user_id WHERE x.name = 'load$u'")
    [ "$s" = "$r" ] || { per_user_ok=0; echo "       load$u: $s sent, $r rows"; }
done
check "and per user: rows == requests" test "$per_user_ok" = 1
check "no row is left 'running'" test "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" = 0
check "the limited user got 429s with Retry-After" test "$(awk '$1 == 4 && $4 == 429 && $6 ~ /^[0-9]+$/' "$tmp/load.all" | wc -l)" -gt 0
# The quota is a sliding minute: no 60 s window holds more than 3 of the user's runs.
over=$(sql "SELECT count(*) FROM runs a JOIN users u ON u.id = a.user_id WHERE u.name = 'load4' AND a.accepted = 1
    AND (SELECT count(*) FROM runs b WHERE b.user_id = a.user_id AND b.accepted = 1
         AND b.received_ms >= a.received_ms AND b.received_ms < a.received_ms + 60000) > 3")
check "and it never had more than 3 runs in any minute" test "$over" = 0
check "the same FastCGI workers from start to end" test "$(workers)" = "$wpids_l0"
check "FastCGI RSS grew less than 20% after the warm-up (${rss_warm:-?} -> $rss_end kB)" \
    test "$rss_end" -le "$(( ${rss_warm:-0} * 12 / 10 ))"
check "the load took at most 90 s" test "$(( t_l1 - t_l0 ))" -le 90

echo "== stop"
scripts/stack.sh stop >/dev/null
check "no container of this instance is left" wait_until 20 none_left

echo
echo "($(( $(date +%s) - t_start )) s)"
echo "attack requests: $pass passed, $fail failed"
[ "$fail" = 0 ]
