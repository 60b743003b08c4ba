#!/usr/bin/env bash
# End-to-end tests of the Jobe REST API face (/jobe/index.php/restapi/) through the real
# stack: the requests Moodle's CodeRunner sends (its headers, its file protocol: POST, 404,
# PUT each file, POST again), every outcome Jobe reports (11, 12, 13, 15, 21), Jobe's
# parameters and defaults, its escaping of output that is not UTF-8, keys and quotas as
# CodeRunner reads their codes, ten C runs at once, and one run-log row per run request.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. "$top/tests/e2e/lib.sh"
own_stack e2e-jobe "${RUNBOX_JOBE_LISTEN:-127.0.0.1:18088}"
use_front
export RUNBOX_FCGI_PROCESSES=3 RUNBOX_POOL_SIZE=1
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
J=/jobe/index.php/restapi
KEY=2AAA7A5415B4A9B394B54BF1D2E9D   # the key Jobe's own test script and many Moodles use

cleanup() { scripts/stack.sh stop >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$RUNBOX_RUN_DIR"; }
trap cleanup EXIT
start() { scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }; }
admin() { build/runbox "$@"; }

# jobe METHOD PATH [BODY-FILE] [KEY]: a request as CodeRunner sends it (classes/jobesandbox.php)
key_now=$KEY   # the key jobe sends unless told otherwise ("" for none)
jobe() {
    local args=(-s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time 60
                -H 'User-Agent: CodeRunner' -H 'Content-Type: application/json; charset=utf-8'
                -H 'Accept-Charset: utf-8' -H 'Accept: application/json'
                -H "X-CodeRunner-Job-Id: $(printf '%08x' $RANDOM)")
    if [ "$1" = HEAD ]; then args+=(-I); else args+=(-X "$1"); fi
    [ -n "${4-$key_now}" ] && args+=(-H "X-API-KEY: ${4-$key_now}")
    [ -n "${3:-}" ] && args+=(--data-binary "@$3")
    code=$(curl "${args[@]}" "$base$J/$2")
}
# spec LANG SOURCE [PARAMETERS-JSON] [SOURCEFILENAME] [FILE_LIST-JSON] [INPUT]: a run_spec,
# with the keys CodeRunner adds that Jobe ignores
spec() {
    jq -n --arg l "$1" --arg c "$2" --argjson p "${3:-{\}}" --arg f "${4-}" \
        --argjson fl "${5:-[]}" --arg in "${6:-}" \
        '{run_spec: ({language_id: $l, sourcecode: $c, input: $in, file_list: $fl,
                      parameters: $p, debug: 0, jobeserver: "127.0.0.1"}
                     + (if $f != "" then {sourcefilename: $f} else {} end))}' > "$tmp/req"
}
run() { spec "$@"; jobe POST runs "$tmp/req"; }
# outcome N [JQ-FILTER]: HTTP 200 with that outcome (and the filter true)
outcome() { [ "$code" = 200 ] && jqb ".outcome == $1 and (${2:-true})"; }
# jobe_err CODE TEXT: an error body, a JSON string starting with TEXT
jobe_err() { [ "$code" = "$1" ] && jqb --arg t "$2" 'type == "string" and startswith($t)'; }

echo "== starting the stack on $base"
start
admin key import moodle "$KEY" >/dev/null
check "the school's existing Jobe key is registered as it is" \
    test "$(admin --json user list | jq -r '.[] | select(.user == "moodle") | .keys[0].id')" = \
    "key_$(printf '%s' "$KEY" | sha256sum | cut -c1-8)"
wait_until 120 pool_full 1 || true
rows0=$(rows)
posts=0   # POST runs sent: each must leave exactly one row
post() { run "$@"; posts=$((posts + 1)); }

echo "== languages"
jobe GET languages
check "GET languages lists [id, version] pairs for Jobe's ids" is 200 \
    '[.[] | .[0]] as $ids | (["python3", "nodejs", "c", "cpp", "java", "rust"] - $ids) == []
     and all(.[]; length == 2 and (.[1] | test("^[0-9]+(\\.[0-9]+)+$")))'
jobe GET languages/
check "with a trailing slash too" is 200 'length >= 6'

echo "== outcomes"
post python3 'print("Hello world!")' '{}' test.py
check "python3 hello: 15" outcome 15 '.stdout == "Hello world!\n" and .cmpinfo == "" and .stderr == ""
                                    and (.run_id | type) == "string"'
post python3 'print("oops"' '{}' test.py
check "python3 syntax error: 11, the message in cmpinfo" outcome 11 '(.cmpinfo | test("SyntaxError")) and .stdout == ""'
post python3 'x = [1]
print(x[2])'
check "python3 runtime error: 12, the traceback in stderr" outcome 12 '.stderr | test("IndexError")'
post python3 'import sys
print(sys.stdin.read(), end="")' '{}' '' '[]' $'Line1\nLine2\n'
check "input is stdin" outcome 15 '.stdout == "Line1\nLine2\n"'
post python3 'open("f", "w").write("One fish\nTwo fish\n")
print(open("f").read(), end="")'
check "the program's folder is writable" outcome 15 '.stdout == "One fish\nTwo fish\n"'
post python3 'print("Un rôle délétère")'
check "UTF-8 output is kept as it is" outcome 15 '.stdout == "Un rôle délétère\n"'
post c 'int main(void) { return 0 }' '{}' prog.c
check "C compile error: 11" outcome 11 '.cmpinfo | test("error")'
post c '#include <stdio.h>
int main(void) { int unused; printf("x\n"); return 0; }' '{}' prog.c
check "C warnings are errors, as in Jobe: 11 (-Werror)" outcome 11 '.cmpinfo | test("unused")'
post c 'int main(void) { return 3; }'
check "C exit code 3 with nothing on stderr: 15, as in Jobe" outcome 15
post c '#include <stdio.h>
int main(void) { fprintf(stderr, "bad\n"); return 0; }'
check "anything on stderr: 12" outcome 12 '.stderr == "bad\n"'
post c '#include <stddef.h>
int main(void) { int *p = NULL; *p = 1; return 0; }'
check "C null pointer (a signal): 12" outcome 12
post c 'int main(void) { for (;;) {} }' '{"cputime": 1}'
check "C endless loop: 13" outcome 13 '.stderr == ""'
post c '#include <stdio.h>
int main(void) { for (;;) printf("flood "); }'
check "C output flood: 13, the output cut" outcome 13 '(.stdout | length) > 1000'
post c '#include <stdio.h>
#include <stdlib.h>
int main(void) { char *p = malloc(2000000000); puts(p == NULL ? "Memory limit worked" : "no limit"); return 0; }'
check "malloc of too much returns NULL, as under Jobe" outcome 15 '.stdout == "Memory limit worked\n"'
post c '#include <stdio.h>
int main(void) { printf("Hello world\n\01\006\300\311\n"); return 0; }'
check "output that is not UTF-8 is escaped byte by byte" outcome 15 '.stdout == "Hello world\n\\x01\\x06\\xc0\\xc9\n"'
post c 'int f(int n) { volatile char a[4096]; a[0] = (char)n; return n < 0 ? 0 : f(n + 1) + a[0]; }
int main(void) { return f(0); }' '{"compileargs": ["-Wall"]}'
check "endless recursion: 12" outcome 12
post cpp '#include <iostream>
int main() { std::cout << "Hello world\nIsn'"'"'t this fun!\n"; }' '{}' prog.cpp
check "C++ hello: 15" outcome 15 '.stdout == "Hello world\nIsn'"'"'t this fun!\n"'
post c '#include <iostream>
int main() { return 0; }' '{}' prog.c
check "C++ code sent as C: 11" outcome 11
post nodejs 'console.log("Hello world!")' '{"memorylimit": 1000000}' test.js
check "nodejs hello (memorylimit 1000000 is no refusal): 15" outcome 15 '.stdout == "Hello world!\n"'
post nodejs 'console.log("Hello world!)'
check "nodejs syntax error: 12 (no compile step)" outcome 12 '.stderr | test("SyntaxError")'
post rust 'fn main() { println!("hi from rust"); }'
check "rust under its own id: 15" outcome 15 '.stdout == "hi from rust\n"'

echo "== Java"
java_test='public class Test {
    public static void main(String[] args) { System.out.println("What a lot of code I need to write."); }
}'
post java "$java_test" '{"cputime": 10}' Test.java
check "Java with its file name: 15" outcome 15 '.stdout == "What a lot of code I need to write.\n"'
post java "$java_test"
check "Java without a file name: the public class names it" outcome 15 '.stdout == "What a lot of code I need to write.\n"'
post java 'public class Test { public static void main(String[] a) { char c = '"'"'ab'"'"'; } }'
check "Java compile error: 11" outcome 11 '.cmpinfo | test("error")'
post java 'public class Test { public static void main(String[] a) { throw new RuntimeException("boom"); } }'
check "Java exception: 12, tabs in the trace as Jobe shows them" outcome 12 \
    '(.stderr | test("boom")) and (.stderr | test("\n        at Test.main"))'

echo "== CodeRunner's file protocol"
thing='public class Thing { public static String msg() { return "Farewell cruel world"; } }'
thing_id=$(printf '%s' "$thing" | md5sum | cut -c1-32)
data=$'The first file\nLine 2\n'
data_id=$(printf '%s' "$data" | md5sum | cut -c1-32)
post java 'public class Blah { public static void main(String[] a) { System.out.println(Thing.msg()); } }' \
    '{}' '' "[[\"$thing_id\", \"Thing.java\"]]"
check "a file runbox does not have: 404 with Jobe's sentence" \
    jobe_err 404 "One or more of the specified files is missing/unavailable"
jobe HEAD "files/$thing_id"
check "HEAD of that file: 404" test "$code" = 404
printf '%s' "$thing" | base64 -w0 | jq -Rs '{file_contents: .}' > "$tmp/put"
jobe PUT "files/$thing_id" "$tmp/put"
check "PUT files/{id}: 204" test "$code" = 204
jobe HEAD "files/$thing_id"
check "HEAD now: 204" test "$code" = 204
post java 'public class Blah { public static void main(String[] a) { System.out.println(Thing.msg()); } }' \
    '{}' '' "[[\"$thing_id\", \"Thing.java\"]]"
check "POST again: the support class compiles with the program (15)" outcome 15 '.stdout == "Farewell cruel world\n"'
printf '%s' "$data" | base64 -w0 | jq -Rs '{file_contents: .}' > "$tmp/put"
jobe PUT "files/$data_id/" "$tmp/put"
post python3 'print(open("file1").read(), end="")' '{}' '__tester__.python3' "[[\"$data_id\", \"file1\"]]"
check "a data file under the name file_list gives it" outcome 15 '.stdout == "The first file\nLine 2\n"'
jobe PUT files/onlyanonymous1 "$tmp/put" ''
check "a PUT without a key (anonymous use on) goes to the address's own files: 204" test "$code" = 204
post python3 'print(open("file1").read(), end="")' '{}' '' '[["onlyanonymous1", "file1"]]'
check "so the key's user does not see it: 404" jobe_err 404 "One or more of the specified files"
echo '{"file_contents": "not base64!"}' > "$tmp/put"
jobe PUT files/abcdefgh1 "$tmp/put"
check "PUT with contents that are not base64: 400" jobe_err 400 "put: contents of file abcdefgh1 are not valid base-64"
echo '{}' > "$tmp/put"
jobe PUT files/abcdefgh1 "$tmp/put"
check "PUT without file_contents: 400" jobe_err 400 "put: missing file_contents parameter"
jobe PUT 'files/bad..id' "$tmp/put"
check "a file id that is not letters and digits is no route: 404" test "$code" = 404

echo "== parameters"
post python3 'print(1)' '{"cputime": 151}'
check "cputime above the admin's maximum: 400 with Jobe's sentence" \
    jobe_err 400 "cputime exceeds maximum allowed on this Jobe server"
t0=$(now_ms)
post python3 'while True: pass' '{"cputime": 1}'
t1=$(now_ms)
check "cputime 1 stops a loop long before the default 5 s: 13 ($((t1 - t0)) ms)" \
    sh -c "[ $code = 200 ] && jq -e '.outcome == 13' '$tmp/body' >/dev/null && [ $((t1 - t0)) -lt 7000 ]"
post python3 'import time
time.sleep(3)
print("slept")' '{"cputime": 2}'
check "the wall limit is twice cputime: a 3 s sleep passes cputime 2" outcome 15 '.stdout == "slept\n"'
malloc100='#include <stdio.h>
#include <stdlib.h>
int main(void) { char *p = malloc(100u << 20); puts(p == NULL ? "NULL" : "ok"); return 0; }'
post c "$malloc100" '{"memorylimit": 50}'
check "memorylimit 50: a 100 MB malloc returns NULL" outcome 15 '.stdout == "NULL\n"'
post c "$malloc100" '{"memorylimit": 0}'
check "memorylimit 0: the most allowed, no refusal" outcome 15 '.stdout == "ok\n"'
post c "$malloc100" '{"memorylimit": 500000}'
check "memorylimit 500000: the most allowed, no refusal" outcome 15 '.stdout == "ok\n"'
post java "$java_test" '{"memorylimit": 20}' Test.java
check "Java keeps only the container's limit (the JVM reserves far more)" outcome 15
post c '#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int ok = 0;
    for (int i = 0; i < 1000; i++) { pid_t p = fork(); if (p == 0) { sleep(1); _exit(0); } if (p > 0) ok++; }
    printf(ok >= 6 && ok <= 20 ? "OK\n" : "%d forks\n", ok);
    return 0;
}' '{"numprocs": 20}' test.c
check "numprocs 20 bounds a fork loop" outcome 15 '.stdout == "OK\n"'
post c '#include <stdio.h>
#include <unistd.h>
int main(void) { if (fork() == 0) { sleep(30); return 0; } puts("parent done"); return 0; }'
check "a child left running when the main process exits does not hold the run" outcome 15 '.stdout == "parent done\n"'
cat > "$tmp/args.json" <<'JSON'
{"runargs": ["a b", "'c d'", "\"e\\\"f\"", "$HOME;id", "''"]}
JSON
post python3 'import sys
print(sys.argv[1:])' "$(cat "$tmp/args.json")"
check "runargs split as a shell would, never run by one" outcome 15 \
    '.stdout == "[\u0027a\u0027, \u0027b\u0027, \u0027c d\u0027, \u0027e\"f\u0027, \u0027$HOME;id\u0027, \u0027\u0027]\n"'
post python3 '' '{"interpreterargs": ["-c \"print(\\\"Blah\\\")\""]}' test.py
check "interpreterargs: python3 -c 'print(\"Blah\")'" outcome 15 '.stdout == "Blah\n"'
post c '#include <math.h>
#include <stdio.h>
int main(void) { printf("%.0f\n", sqrt(16.0)); return 0; }' '{"linkargs": ["-lm"]}'
check "linkargs: -lm" outcome 15 '.stdout == "4\n"'
post c 'int main(void) { return 0; }' '{"compileargs": ["std=c89"]}'
check "compileargs replace Jobe's defaults (a bad one fails): 11" outcome 11

echo "== errors"
post nosuchlanguage 'x'
check "unknown language: 400" jobe_err 400 "Language 'nosuchlanguage' is not known"
echo '{"run_spec": {"sourcecode": "x"}}' > "$tmp/req"; jobe POST runs "$tmp/req"; posts=$((posts + 1))
check "missing language_id: 400" jobe_err 400 "run_spec is missing the required attribute 'language_id'"
echo '{"run_spec": {"language_id": "python3"}}' > "$tmp/req"; jobe POST runs "$tmp/req"; posts=$((posts + 1))
check "missing sourcecode: 400" jobe_err 400 "run_spec is missing the required attribute 'sourcecode'"
echo '{"run_spec": ' > "$tmp/req"; jobe POST runs/ "$tmp/req"; posts=$((posts + 1))
check "malformed JSON: 400" jobe_err 400 "Non-JSON post data received"
printf '{"run_spec": {"language_id": "python3", "sourcecode": "print(\xff)"}}' > "$tmp/req"
jobe POST runs "$tmp/req"; posts=$((posts + 1))
check "invalid UTF-8: 400" jobe_err 400 "Non-JSON post data received"
post python3 'print(1)' '{}' '../evil.py'
check "a hostile sourcefilename: 400" jobe_err 400 "The sourcefilename for the run_spec is illegal"
post python3 'print(1)' '{}' '' '[["x", "y"]]'
check "a bad file specifier: 400" jobe_err 400 "Invalid file specifier"
post python3 'print(1)' '{}' '' "[[\"$data_id\", \"prog.py\"]]"
check "a support file named like the program's default file: 400" jobe_err 400 "Two files are named 'prog.py'"
post python3 "$(head -c 110000 /dev/zero | tr '\0' '#')"
check "code over the size cap: 400, and says so" sh -c "[ $code = 400 ] && grep -q 'Make it shorter' '$tmp/body'"
post python3 '!** TESTING OVERLOAD EXCEPTION **!'
check "Jobe's own overload test program gets outcome 21 (nothing runs)" outcome 21 '.run_id == "0" and .stdout == ""'
jobe GET runs
posts=$((posts + 1))
check "GET runs: 405" test "$code" = 405
jobe GET nothing/here
check "an unknown address: 404, a JSON string" jobe_err 404 "Can't find a route"

echo "== keys and quotas (anonymous use on)"
key_now=
post python3 'print(1)'
check "no key while anonymous use is on: runs, by address" outcome 15
key_now=not-a-key-runbox-knows
post python3 'print(1)'
check "a key runbox does not know is ignored (as Jobe without keys)" outcome 15
key_now=$KEY
check "those runs count under the address" test \
    "$(sql "SELECT count(*) FROM runs WHERE face = 'jobe' AND auth = 'address'")" -ge 2
admin quota set moodle --per-minute 2 >/dev/null
post python3 'print(1)'; post python3 'print(2)'; post python3 'print(3)'
check "over quota: 401, which CodeRunner reports as the submission limit" \
    sh -c "[ $code = 401 ] && jq -e 'type == \"string\"' '$tmp/body' >/dev/null"
check "its row says quota_exceeded with the 401 the client got" test \
    "$(sql "SELECT error_code || ' ' || http_status FROM runs ORDER BY received_ms DESC, rowid DESC LIMIT 1")" = "quota_exceeded 401"
admin quota set moodle --per-minute default --concurrent 20 >/dev/null

echo "== ten C runs at once"
spec c '#include <stdio.h>
int main(void) { printf("Hello world\n"); return 0; }' '{}' prog.c
for i in $(seq 1 10); do
    curl -s --max-time 60 -H "X-API-KEY: $KEY" -H 'Content-Type: application/json; charset=utf-8' \
        --data-binary "@$tmp/req" "$base$J/runs" > "$tmp/par.$i" &
done
wait
posts=$((posts + 10))
# On a failure, the answers that were not 15 are what it prints.
cat "$tmp"/par.* | jq -s '[.[] | select(type != "object" or .outcome != 15)]' > "$tmp/body" 2>&1
check "all ten answer 15" test "$(cat "$tmp"/par.* | jq -s '[.[] | select(.outcome == 15 and .stdout == "Hello world\n")] | length')" = 10

echo "== one run-log row per run request"
check "$posts POST runs, $posts rows, all through the jobe face" test \
    "$(sql "SELECT count(*) FROM runs WHERE face = 'jobe'")" = "$posts"
check "no other face's rows, no row left running" test \
    "$(( $(rows) - rows0 ))/$(sql "SELECT count(*) FROM runs WHERE status = 'running'")" = "$posts/0"
check "the compile stage is logged too" test \
    "$(sql "SELECT count(*) FROM runs WHERE face = 'jobe' AND language = 'c' AND compile_exit_code IS NOT NULL")" -ge 5

echo "== keys required (anonymous = no)"
scripts/stack.sh stop >/dev/null
RUNBOX_ANONYMOUS=no RUNBOX_QUEUE_WAIT_MS=100 start
before=$(rows)
spec python3 'print(1)' '{}' '' '[]' ''
jobe POST runs "$tmp/req" ''
check "no key: 403" test "$code" = 403
jobe POST runs "$tmp/req" not-a-key-runbox-knows
check "an unknown key: 403" test "$code" = 403
jobe POST runs "$tmp/req"
check "the imported key: 15" outcome 15
jobe PUT files/abcdefgh12 "$tmp/put" ''
check "files need the key too: 403" test "$code" = 403
check "three runs, three rows (403 403 ok)" test \
    "$(sql "SELECT group_concat(coalesce(http_status, '') || ':' || status, ' ') FROM (SELECT * FROM runs ORDER BY received_ms, rowid LIMIT -1 OFFSET $before)")" = \
    "403:refused 403:refused 200:ok"

echo "== overload: outcome 21"
spec python3 'import time
time.sleep(4)'
for i in 1 2 3; do
    curl -s --max-time 60 -H "X-API-KEY: $KEY" --data-binary "@$tmp/req" "$base$J/runs" > "$tmp/busy.$i" &
done
sleep 1
run python3 'print("late")'
wait
check "a run that waited past queue_wait_ms gets 200 with outcome 21" outcome 21 '.run_id == "0"'
check "its row says runner_busy, HTTP 200" test \
    "$(sql "SELECT count(*) FROM runs WHERE error_code = 'runner_busy' AND http_status = 200 AND face = 'jobe'
            AND message NOT LIKE '%overload test%'")" = 1

echo "jobe: $pass passed, $fail failed"
[ "$fail" = 0 ]
