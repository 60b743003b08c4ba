#!/usr/bin/env bash
# End-to-end tests of the Piston v2 API face (/api/v2/) through the real stack: runtimes,
# execute for every status Piston reports, aliases and version ranges, limits and Piston's
# refusals, files in each encoding, stdin and args, any content type, chunked bodies, the
# two npm clients (piston-client, piston-api-client) unchanged, and one run-log row per
# execute request.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. "$top/tests/e2e/lib.sh"
own_stack e2e-piston "${RUNBOX_PISTON_LISTEN:-127.0.0.1:18089}"
export RUNBOX_FCGI_PROCESSES=3 RUNBOX_POOL_SIZE=1
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
P=/api/v2

cleanup() { scripts/stack.sh stop >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$RUNBOX_RUN_DIR"; }
trap cleanup EXIT
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }
[ -d tests/clients/node_modules/piston-client ] ||
    { echo "the npm clients are not installed: run scripts/test-deps.sh"; exit 1; }

posts=0
# ex JSON [CONTENT-TYPE]: POST /api/v2/execute
ex() { printf '%s' "$1" > "$tmp/req"; http POST "$P/execute" "$tmp/req" "${2:-application/json}"; posts=$((posts + 1)); }
# code1 LANG VERSION CONTENT [EXTRA-JSON]: one file
code1() { jq -cn --arg l "$1" --arg v "$2" --arg c "$3" --argjson x "${4:-{\}}" \
              '{language: $l, version: $v, files: [{content: $c}]} + $x'; }
msg_is() { [ "$code" = "$1" ] && jqb --arg m "$2" '.message == $m'; }
run_is() { [ "$code" = 200 ] && jqb "$1"; }

echo "== starting the stack on $base"
wait_until 120 pool_full 1 || true
rows0=$(rows)

echo "== runtimes"
http GET $P/runtimes
check "one runtime per language: language, version, aliases (runtime where a package provides it)" is 200 \
    '(map(.language) | sort) == ["bash", "c", "c++", "csharp", "go", "java", "javascript", "kotlin", "lua", "octave",
                                 "pascal", "perl", "php", "python", "rscript", "ruby", "rust", "sqlite3", "typescript"]
     and all(.[]; (.version | test("^[0-9]+\\.[0-9]+\\.[0-9]+$")) and (.aliases | type) == "array")
     and (.[] | select(.language == "javascript") | .runtime == "node" and (.aliases | index("js")))
     and (.[] | select(.language == "python") | has("runtime") | not)'
pyv=$(jq -r '.[] | select(.language == "python") | .version' "$tmp/body")
http GET $P/runtimes/
check "with a trailing slash too" is 200 'length == 19'

echo "== execute: each status"
ex "$(code1 python '*' 'import sys
print(input(), sys.argv[1:])' '{"stdin": "hi", "args": ["a", "b c"]}')"
check "python ok: code 0, status null, times and memory" run_is \
    '.language == "python" and .version == "'"$pyv"'" and (has("compile") | not)
     and .run.stdout == "hi [\u0027a\u0027, \u0027b c\u0027]\n" and .run.code == 0 and .run.signal == null
     and .run.status == null and .run.message == null and .run.output == .run.stdout
     and .run.wall_time >= 0 and .run.cpu_time >= 0 and .run.memory > 0'
ex "$(code1 py3 3 'import sys
sys.stderr.write("err\n"); sys.exit(4)')"
check "exit 4: RE with Piston's message" run_is \
    '.run.status == "RE" and .run.code == 4 and .run.message == "Exited with error status 4" and .run.stderr == "err\n" and .run.output == "err\n"'
ex "$(code1 c '*' '#include <stddef.h>
int main(void) { int *p = NULL; return *p; }')"
check "segfault: SG, code null, signal SIGSEGV" run_is \
    '.run.status == "SG" and .run.code == null and .run.signal == "SIGSEGV" and .run.message == "Caught fatal signal 11"
     and .compile.code == 0 and .compile.status == null'
ex "$(code1 python '*' 'while True: pass' '{"run_timeout": 1000}')"
check "endless loop with run_timeout 1000: TO, SIGKILL, about 1 s" run_is \
    '.run.status == "TO" and .run.signal == "SIGKILL" and .run.code == null and (.run.message | startswith("Time limit exceeded"))
     and .run.wall_time >= 900 and .run.wall_time < 5000'
ex "$(code1 python '*' 'while True: pass' '{"run_cpu_time": 500}')"
check "run_cpu_time 500: TO on CPU time" run_is '.run.status == "TO" and .run.message == "Time limit exceeded"'
ex "$(code1 python '*' 'while True: print("flood")')"
check "stdout flood: OL" run_is '.run.status == "OL" and .run.message == "stdout length exceeded" and .run.signal == "SIGKILL"'
ex "$(code1 python '*' 'import sys
while True: sys.stderr.write("flood\n")')"
check "stderr flood: EL" run_is '.run.status == "EL" and .run.message == "stderr length exceeded"'
ex "$(code1 python '*' 'x = bytearray(60 << 20)
print("allocated")' '{"run_memory_limit": 33554432}')"
check "run_memory_limit 32 MB stops a 60 MB program (SG, SIGKILL)" run_is \
    '.run.status == "SG" and .run.signal == "SIGKILL" and .run.stdout == ""'
ex "$(code1 python '*' 'x = bytearray(60 << 20)
print("allocated")' '{"run_memory_limit": -1}')"
check "run_memory_limit -1: the server's default (the same program runs)" run_is '.run.stdout == "allocated\n"'
ex "$(code1 c++ '*' 'int main() { return x; }')"
check "compile error: compile RE, and run is the compile stage (as Piston)" run_is \
    '.compile.status == "RE" and .compile.code == 1 and (.compile.stderr | test("not declared"))
     and .run == .compile'
ex "$(code1 java '*' 'public class Hello { public static void main(String[] a) { System.out.println("hello java"); } }')"
check "Java: the public class names the file" run_is '.run.stdout == "hello java\n" and .compile.code == 0'
ex "$(code1 rs '1.x' 'fn main() { println!("hello rust"); }')"
check "rust via alias rs and range 1.x" run_is '.language == "rust" and .run.stdout == "hello rust\n"'
ex "$(code1 node '>=18 <99' 'console.log(require("fs").readFileSync(0, "utf8").length)' '{"stdin": "abc"}')"
check "stdin gets the newline Piston adds (abc + \\n = 4)" run_is '.run.stdout == "4\n"'

echo "== versions and aliases"
for v in '*' "$pyv" 3 3.x "${pyv%.*}" "^3" "~${pyv%.*}" ">=3.9" ">= 3.9 <4" "2 || 3" "v$pyv"; do
    ex "$(code1 python "$v" 'print(1)')"
    check "python version '$v' matches $pyv" run_is '.run.stdout == "1\n"'
done
for v in 2 4.x "<3" ">$pyv" latest "3.9.0"; do
    ex "$(code1 python "$v" 'print(1)')"
    check "python version '$v' is unknown" msg_is 400 "python-$v runtime is unknown"
done
ex "$(code1 Python '*' 'print(1)')"
check "names are case-sensitive, as in Piston" msg_is 400 "Python-* runtime is unknown"

echo "== refusals"
ex '{"version": "*", "files": []}'
check "no language" msg_is 400 "language is required as a string"
ex '{"language": "python", "files": []}'
check "no version" msg_is 400 "version is required as a string"
ex '{"language": "python", "version": "*"}'
check "no files" msg_is 400 "files is required as an array"
ex '{"language": "python", "version": "*", "files": [{"content": "x"}, {"name": "a"}]}'
check "a file without content" msg_is 400 "files[1].content is required as a string"
ex '{"language": "python", "version": "*", "files": []}'
check "no utf8 file" msg_is 400 "files must include at least one utf8 encoded file"
ex "$(code1 python '*' 'print(1)' '{"run_timeout": 999999}')"
check "run_timeout above the admin's maximum" msg_is 400 "run_timeout cannot exceed the configured limit of 10000"
ex "$(code1 python '*' 'print(1)' '{"compile_timeout": "10"}')"
check "a limit that is not a number" msg_is 400 "If specified, compile_timeout must be a number"
ex "$(code1 python '*' 'print(1)' '{"run_cpu_time": -5}')"
check "a negative limit" msg_is 400 "run_cpu_time must be non-negative"
ex "$(code1 python '*' 'print(1)' '{"run_memory_limit": 99999999999}')"
check "run_memory_limit above the container's" sh -c "[ $code = 400 ] && jq -e '.message | startswith(\"run_memory_limit cannot exceed\")' '$tmp/body' >/dev/null"
ex '{"language": "python", "version": "*", "files": [{"name": "../x.py", "content": "x"}]}'
check "a hostile file name" sh -c "[ $code = 400 ] && jq -e '.message | test(\"cannot contain\")' '$tmp/body' >/dev/null"
ex '{"language": "python", "version": "*", "files": [{"name": "main.py", "content": "print(1)"}, {"name": "d", "content": "x"}, {"name": "d/e.txt", "content": "y"}]}'
check "a file that is also a folder of another" sh -c "[ $code = 400 ] && jq -e '.message | test(\"also a folder\")' '$tmp/body' >/dev/null"
ex '{"language": "python", "version": "*", "files": [{"content": "x"}], "args": "abc"}'
check "args that are not a list" msg_is 400 "args must be an array of strings"
ex '{"language": "python", "version": "*", "files": [{"content": "x"}], "stdin": 5}'
check "stdin that is not a string" msg_is 400 "stdin must be a string"
ex '{"language": "python", "version": "*", "files": [{"content": "QQ==", "encoding": "base64"}, {"content": "x", "encoding": "base64"}]}'
check "base64 that is not" sh -c "[ $code = 400 ] && jq -e '.message | startswith(\"files[1].content is not valid base64\")' '$tmp/body' >/dev/null"
ex '{"language": "python",'
check "malformed JSON: 400 with a message" sh -c "[ $code = 400 ] && jq -e '.message | test(\"not valid JSON\")' '$tmp/body' >/dev/null"
printf '{"language": "python", "version": "*", "files": [{"content": "print(\xff)"}]}' > "$tmp/req"
http POST $P/execute "$tmp/req"; posts=$((posts + 1))
check "invalid UTF-8: 400 with a message" sh -c "[ $code = 400 ] && jq -e '.message' '$tmp/body' >/dev/null"

echo "== files, encodings, content types, chunked bodies"
ex "$(jq -cn --arg m "$(printf 'import util\nprint(util.x, open("data.bin", "rb").read())')" \
      '{language: "python", version: "*", files: [{name: "main.py", content: $m},
        {name: "util.py", content: "x = 42\n"}, {name: "data.bin", content: "AAEC/w==", encoding: "base64"},
        {name: "h.txt", content: "6869", encoding: "hex"}]}')"
check "several files: the first utf8 one is the entry; base64 and hex decoded" run_is \
    '.run.stdout == "42 b\u0027\\x00\\x01\\x02\\xff\u0027\n"'
ex "$(code1 python '*' 'print("plain")')" text/plain
check "JSON sent as text/plain (piston-client) is read" run_is '.run.stdout == "plain\n"'
printf '%s' "$(code1 python '*' 'print("chunked")')" > "$tmp/req"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
       --data-binary "@$tmp/req" "$base$P/execute/"); posts=$((posts + 1))
check "a chunked body, to execute/ with a trailing slash" run_is '.run.stdout == "chunked\n"'
http GET $P/execute; posts=$((posts + 1))
check "GET execute: 404 Not Found, as Piston" msg_is 404 "Not Found"
http GET $P/connect
check "the WebSocket API: a clear 404" sh -c "[ $code = 404 ] && jq -e '.message | test(\"not available\")' '$tmp/body' >/dev/null"
http GET $P/packages
check "other Piston addresses: 404 {message}" msg_is 404 "Not Found"

echo "== the npm clients, unchanged"
(cd tests/clients && timeout 120 node piston.mjs "$base") > "$tmp/clients" 2> "$tmp/clients.err"
posts=$((posts + 8))
res() { jq -c --arg c "$1" --arg k "$2" 'select(.client == $c and .call == $k) | .result' "$tmp/clients"; }
cl() { res "$1" "$2" | jq -e "$3" >/dev/null 2>&1; }
check "piston-client: runtimes" cl piston-client runtimes 'length == 19'
check "piston-client: python with stdin and args (sent as text/plain)" cl piston-client python \
    '.run.stdout == "hello [\u0027x\u0027, \u0027y z\u0027]\n"'
check "piston-client: C, exit code 2" cl piston-client c '.run.stdout == "from C\n" and .run.code == 2 and .compile.code == 0'
check "piston-client: an alias it cannot resolve gets Piston's own message" cl piston-client alias \
    '.message == "version is required as a string"'
check "NodePistonClient: runtimes" cl NodePistonClient runtimes '.success and (.data | length) == 19'
check "NodePistonClient (chunked): javascript with args" cl NodePistonClient execute '.success and .data.run.stdout == "a,b\n"'
check "NodePistonClient: a compile error" cl NodePistonClient compile_error '.data.compile.code == 1 and .data.run == .data.compile'
check "NodePistonClient: an unknown language" cl NodePistonClient unknown '.data.message == "cobol-* runtime is unknown"'
check "PistonClient (fetch): rust" cl PistonClient execute '.data.run.stdout == "from rust\n"'
check "PistonClient: a timeout" cl PistonClient timeout '.data.run.status == "TO"'
[ -s "$tmp/clients.err" ] && sed 's/^/       /' "$tmp/clients.err"

echo "== quota"
build/runbox quota set address:127.0.0.1 --per-minute 1 >/dev/null
ex "$(code1 python '*' 'print(1)')"
check "over quota: 429 with Retry-After and a message" sh -c \
    "[ $code = 429 ] && grep -qi '^retry-after: [0-9]' '$tmp/hdr' && jq -e '.message | test(\"1 run per minute\")' '$tmp/body' >/dev/null"
build/runbox quota set address:127.0.0.1 --per-minute default >/dev/null

echo "== one run-log row per execute request"
check "$posts execute requests, $posts rows, all through the piston face" test \
    "$(sql "SELECT count(*) FROM runs WHERE face = 'piston'")/$(( $(rows) - rows0 ))" = "$posts/$posts"
check "no row left running" test "$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" = 0
check "the refusals say why (runtime unknown is unknown_language)" test \
    "$(sql "SELECT count(*) FROM runs WHERE face = 'piston' AND error_code = 'unknown_language'")" -ge 7

echo "piston: $pass passed, $fail failed"
[ "$fail" = 0 ]
