#!/usr/bin/env bash
# End-to-end tests of tests and exercises (POST /api/editor/test) through the real stack: a
# teacher's exercise added from its folder with the admin command, graded in every language
# (all pass; a wrong answer; a compile error; one case each looping, crashing, bombing
# memory and printing a fake "all tests passed"), hidden cases that leak nothing, a client's
# own tests, refusals, the quota counting one run, and one run-log row per request plus one
# run_cases row per case.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. "$top/tests/e2e/lib.sh"
own_stack e2e-grade "${RUNBOX_GRADE_LISTEN:-127.0.0.1:18099}"
export RUNBOX_FCGI_PROCESSES=3 RUNBOX_POOL_SIZE=1
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_PER_DAY=1000000 RUNBOX_QUOTA_CONCURRENT=100
X=tests/e2e/exercises
export RUNBOX_CONF=$top/runbox.conf   # the admin command reads the language registry from it

cleanup() { scripts/stack.sh stop >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$RUNBOX_RUN_DIR"; }
trap cleanup EXIT
admin() { build/runbox "$@"; }
# grade LANG CODE EXERCISE: a test request for EXERCISE; the answer in $tmp/body
grade() { jq -n --arg l "$1" --arg c "$2" --arg x "$3" '{language: $l, code: $c, exercise: $x}' > "$tmp/req"
          http POST /api/editor/test "$tmp/req"; }
verdicts() { jq -r '[.tests[].verdict] | join(" ")' "$tmp/body"; }
cases_of() { sql "SELECT count(*) FROM run_cases WHERE run_id = '$(jq -r .runId "$tmp/body")'"; }

echo "== starting the stack on $base"
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }
check "a teacher adds the exercises from their folders" \
    eval 'admin exercise add $X/square >/dev/null && admin exercise add $X/behave >/dev/null'

# Per language: a right answer to square, a program that misbehaves as behave's input says
# (2 loops, 3 crashes, 4 eats memory, 5 prints a fake report), and a compile error on line 2.
declare -A square behave broken
square[python]='n = int(input())
print(n * n)'
behave[python]='import sys
n = int(input())
if n == 2:
    while True: pass
if n == 3:
    raise RuntimeError("boom")
if n == 4:
    a = []
    while True: a.append(bytearray(1 << 20))
if n == 5:
    print("ok 1 - all tests passed\n1..1\nALL TESTS PASSED")
    sys.exit(0)
print("ok")'
square[c]='#include <stdio.h>
int main(void) { long n; if (scanf("%ld", &n) != 1) return 1; printf("%ld\n", n * n); return 0; }'
behave[c]='#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    int n = 0;
    if (scanf("%d", &n) != 1) return 9;
    if (n == 2) for (volatile int i = 0;; i++) ;
    if (n == 3) { volatile int *p = 0; return *p; }
    if (n == 4) for (;;) { char *p = malloc(1 << 20); if (!p) return 7; memset(p, 1, 1 << 20); }
    if (n == 5) { puts("All tests passed (6/6)"); return 0; }
    puts("ok");
    return 0;
}'
broken[c]='#include <stdio.h>
int main(void) { return 0 }'
square[cpp]='#include <iostream>
int main() { long long n; std::cin >> n; std::cout << n * n << "\n"; }'
behave[cpp]='#include <iostream>
#include <vector>
#include <cstring>
int main() {
    int n = 0;
    std::cin >> n;
    if (n == 2) for (volatile int i = 0;; i++) ;
    if (n == 3) { volatile int *p = nullptr; return *p; }
    if (n == 4) { std::vector<char *> v; for (;;) { char *p = new char[1 << 20]; std::memset(p, 1, 1 << 20); v.push_back(p); } }
    if (n == 5) { std::cout << "[  PASSED  ] 6 tests." << std::endl; return 0; }
    std::cout << "ok" << std::endl;
}'
broken[cpp]='#include <iostream>
int main() { std::cout << "x" << std::endl }'
square[java]='import java.util.Scanner;
public class Main { public static void main(String[] a) { long n = new Scanner(System.in).nextLong(); System.out.println(n * n); } }'
behave[java]='import java.util.*;
public class Main {
    public static void main(String[] a) {
        int n = new Scanner(System.in).nextInt();
        if (n == 2) { while (true) { } }
        if (n == 3) throw new IllegalStateException("boom");
        if (n == 4) { List<long[]> l = new ArrayList<>(); while (true) l.add(new long[1 << 17]); }
        if (n == 5) { System.out.println("OK (6 tests)"); return; }
        System.out.println("ok");
    }
}'
broken[java]='public class Main {
    public static void main(String[] a) { System.out.println("x") }
}'
square[javascript]='const n = parseInt(require("fs").readFileSync(0, "utf8"));
console.log(String(n * n));'
behave[javascript]='const n = parseInt(require("fs").readFileSync(0, "utf8"));
if (n === 2) for (;;) {}
if (n === 3) throw new Error("boom");
if (n === 4) { const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1)); }
if (n === 5) { console.log("# pass 6\n# fail 0"); process.exit(0); }
console.log("ok");'
square[rust]='use std::io::Read;
fn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let n: i64 = s.trim().parse().unwrap(); println!("{}", n * n); }'
behave[rust]='use std::io::Read;
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let n: i32 = s.trim().parse().unwrap();
    if n == 2 { loop { std::hint::spin_loop(); } }
    if n == 3 { panic!("boom"); }
    if n == 4 { let mut v: Vec<Vec<u8>> = Vec::new(); loop { v.push(vec![1u8; 1 << 20]); } }
    if n == 5 { println!("test result: ok. 6 passed; 0 failed"); return; }
    println!("ok");
}'
broken[rust]='fn main() {
    let x: i32 = "a";
}'
# What a memory bomb gets: the kernel's limit, in every language (Java's heap may grow to
# the run's limit: -Xmx{memory_mb}m in the registry).
declare -A bomb=([python]=memory_limit [c]=memory_limit [cpp]=memory_limit [java]=memory_limit
                 [javascript]=memory_limit [rust]=memory_limit)

for l in python c cpp java javascript rust; do
    echo "== $l"
    before=$(rows)
    grade "$l" "${square[$l]}" square
    check "$l: a right answer passes every test, score 100" \
        is 200 '.status == "passed" and .summary == {passed: 4, failed: 0, total: 4, score: 100} and ([.tests[].verdict] | unique) == ["passed"]'
    check "$l: visible tests show expected and actual output; the hidden one only its name and verdict" \
        is 200 '.tests[1].expected == "49\n" and .tests[1].stdout == "49\n" and .tests[1].stdin == "7\n" and (.tests[3] | keys) == ["hidden", "name", "verdict"] and .tests[3].hidden'
    check "$l: the hidden case's input and answer are nowhere in the answer" \
        jqb 'del(.runId) | [.. | strings | select(contains("-31") or contains("961"))] | length == 0'
    check "$l: one run-log row with the score, one run_cases row per case" \
        eval '[ $(( $(rows) - before )) = 1 ] && [ "$(cases_of)" = 4 ] &&
              [ "$(sql "SELECT exercise_id, tests_passed, tests_total, score, face FROM runs WHERE id = '"'"'$(jq -r .runId "$tmp/body")'"'"'")" = "square|4|4|100.0|test" ]'
    grade "$l" "${behave[$l]}" behave
    check "$l: one case each loops, crashes, bombs memory, fakes a report; each ends alone, the others are judged" \
        eval '[ "$(verdicts)" = "passed timeout runtime_error ${bomb[$l]} failed passed" ] && jqb ".status == \"failed\" and .summary.passed == 2 and .summary.total == 6 and .summary.score == 33.3"'
    check "$l: the endless loop took its case's time, not more" \
        jqb '.tests[1].durationMs >= 3000 and .tests[1].durationMs < 6000 and .totalMs < 20000'
    if [ -n "${broken[$l]:-}" ]; then
        grade "$l" "${broken[$l]}" square
        check "$l: a compile error: the flag, the compiler's message with its line, no case run" \
            eval 'is 200 ".status == \"compile_error\" and ([.tests[].verdict] | unique) == [\"not_run\"] and .summary.score == 0" &&
                  jq -r ".compile.stderr" "$tmp/body" | grep -q ":2"'
        check "$l: its rows say so: status compile_error, 4 cases not run" \
            eval '[ "$(sql "SELECT status, tests_passed FROM runs WHERE id = '"'"'$(jq -r .runId "$tmp/body")'"'"'")" = "compile_error|0" ] && [ "$(cases_of)" = 4 ]'
    fi
done

echo "== a wrong answer"
grade python 'n = int(input())
print(n * n if n > 0 else n)' square
check "the hidden case fails; the score counts its weight (3 of 5)" \
    is 200 '.status == "failed" and .summary == {passed: 3, failed: 1, total: 4, score: 60} and .tests[3] == {name: "negative", verdict: "failed", hidden: true}'
check "the failing case's message is kept for the teacher, not shown to the student" \
    eval '[ "$(sql "SELECT message FROM run_cases WHERE run_id = '"'"'$(jq -r .runId "$tmp/body")'"'"' AND idx = 3")" = "Line 1 differs: expected \"961\", got \"-31\"." ]'
grade python 'print(int(input()) + 1)' square
check "a visible failure says where the output differs" \
    is 200 '.tests[1].verdict == "failed" and .tests[1].message == "Line 1 differs: expected \"49\", got \"8\"."'

echo "== cases with files of their own"
check "an exercise whose cases bring files is added" eval 'admin exercise add $X/lines >/dev/null'
grade python 'import os
print(sum(1 for _ in open("data.txt")) if os.path.exists("data.txt") else "none")' lines
check "each case finds its own data.txt, and the next case no longer does" \
    is 200 '.status == "passed" and [.tests[].verdict] == ["passed", "passed", "passed"]'
grade python 'import os
print(sum(1 for _ in open("data.txt")) if os.path.exists("data.txt") else "none")
open("data.txt", "w").write("x\n" * 10)' lines
check "a case's file is put back as the case gives it even when the program before rewrote it" \
    is 200 '[.tests[].verdict] == ["passed", "passed", "passed"] and .tests[1].stdout == "1\n"'

echo "== a client's own tests, without an exercise"
jq -n '{language: "python", code: "import sys\nprint(sys.argv[1:], input())",
        tests: [{name: "args", stdin: "x", args: ["a", "b c"], expected: "['"'"'a'"'"', '"'"'b c'"'"'] x\n"},
                {stdin: "y", expected: "[] z", compare: "tokens"},
                {stdin: "", exit: 1}]}' > "$tmp/req"
http POST /api/editor/test "$tmp/req"
check "each test gets its input and arguments; names default to 'test N'" \
    is 200 '.exercise == null and [.tests[].name] == ["args", "test 2", "test 3"] and [.tests[].verdict] == ["passed", "failed", "passed"] and .summary.score == 66.6'
check "no exercise in its row, three case rows" \
    eval '[ "$(sql "SELECT exercise_id IS NULL, tests_total FROM runs WHERE id = '"'"'$(jq -r .runId "$tmp/body")'"'"'")" = "1|3" ] && [ "$(cases_of)" = 3 ]'

echo "== refusals: each a clear error and one row"
before=$(rows)
printf '%s' '{"exercise": "nope", "language": "python", "code": "1"}' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "an unknown exercise: 404 saying so" err_is 404 not_found "There is no exercise 'nope'"
printf '%s' '{"exercise": "square", "language": "python", "code": "1", "tests": []}' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "exercise and tests together: 400" err_is 400 bad_request "not both"
printf '%s' '{"language": "python", "code": "1"}' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "no tests at all: 400 saying what to send" err_is 400 bad_request "Say which tests to run"
printf '%s' '{"exercise": "square", "code": "1"}' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "an exercise in several languages without one: 400 listing them" err_is 400 bad_request "can be done in python, c, cpp, java, javascript, rust"
printf '%s' '{"language": "python", "code": "1", "stdin": "x", "tests": [{"expected": "1"}]}' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "stdin beside tests: 400" err_is 400 bad_request "leave out 'stdin'"
printf '%s' '{"language": "python", "code": "1", "tests": [{"stdin": "x"}]}' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "a test that expects nothing: 400 naming it" err_is 400 bad_request "Test 1: say what the program should print"
printf '%s' '{"language": "python", "code": "1", "tests": [' > "$tmp/req"; http POST /api/editor/test "$tmp/req"
check "malformed JSON: 400" err_is 400 bad_json "not valid JSON"
http GET /api/editor/test
check "GET: 405" err_is 405 method_not_allowed "Use POST to run tests"
check "eight refusals, eight rows, all of the test face and refused" \
    eval '[ $(( $(rows) - before )) = 8 ] && [ "$(sql "SELECT count(*) FROM (SELECT face, status FROM runs ORDER BY received_ms DESC LIMIT 8) WHERE face = '"'"'test'"'"' AND status = '"'"'refused'"'"'")" = 8 ]'

echo "== the quota counts a test request as one run"
key=$(admin --json user add pupil 2>/dev/null | jq -r .key)
admin quota set pupil --per-minute 2 >/dev/null
jq -n --arg c "${square[python]}" '{language: "python", code: $c, exercise: "square"}' > "$tmp/req"
for i in 1 2 3; do
    code=$(curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -H "Authorization: Bearer $key" \
           -H 'Content-Type: application/json' --data-binary "@$tmp/req" "$base/api/editor/test")
    eval "code$i=$code"
done
check "two test requests of four cases each pass a quota of two runs a minute; the third is refused" \
    eval '[ "$code1 $code2 $code3" = "200 200 429" ] && grep -qi "^retry-after:" "$tmp/hdr"'

echo "== test suites in each language's framework (exercise fib)"
check "an exercise of suites only is added, its suite folders with it" \
    eval 'admin exercise add $X/fib >/dev/null && admin exercise show fib | grep -q "tests/rust/tests.rs"'
# fib_LANG BODY-OF-N: a student's fib whose special cases the caller writes in that language
declare -A fib_right fib_wrong fib_loop fib_crash fib_bomb
fib_right[python]='def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a'
fib_wrong[python]='print("ok 1 - all tests passed")
def fib(n):
    if n == 20:
        return 6000
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a'
fib_loop[python]='def fib(n):
    while n == 20:
        pass
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a'
fib_bomb[python]='def fib(n):
    hog = []
    while n == 20:
        hog.append(bytearray(1 << 20))
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a'
fib_right[javascript]='function fib(n) { let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; return a; }
module.exports = { fib };'
fib_wrong[javascript]='console.log("# pass 3");
function fib(n) { if (n === 20) return 6000; let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; return a; }
module.exports = { fib };'
fib_right[c]='long fib(int n) { long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
int main(void) { return 0; }'
fib_wrong[c]='#include <stdio.h>
long fib(int n) { if (n == 20) { puts("ok 3 - twenty"); return 6000; } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }'
fib_loop[c]='long fib(int n) { while (n == 20) { __asm__ volatile(""); } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }'
fib_crash[c]='long fib(int n) { if (n == 10) { volatile long *p = 0; return *p; } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }'
fib_right[cpp]='long fib(int n) { long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
int main() { return 0; }'
fib_wrong[cpp]='#include <iostream>
long fib(int n) { if (n == 20) { std::cout << "[  PASSED  ] 3 tests" << std::endl; return 6000; } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }'
fib_right[rust]='pub fn fib(n: u64) -> u64 { let (mut a, mut b) = (0, 1); for _ in 0..n { let t = a + b; a = b; b = t; } a }
fn main() {}'
fib_wrong[rust]='pub fn fib(n: u64) -> u64 { if n == 20 { println!("test result: ok. 3 passed"); return 6000; } let (mut a, mut b) = (0, 1); for _ in 0..n { let t = a + b; a = b; b = t; } a }'
fib_loop[rust]='pub fn fib(n: u64) -> u64 { while n == 20 { std::hint::spin_loop(); } let (mut a, mut b) = (0, 1); for _ in 0..n { let t = a + b; a = b; b = t; } a }'
fib_crash[rust]='pub fn fib(n: u64) -> u64 { if n == 10 { panic!("ten is too many"); } let (mut a, mut b) = (0, 1); for _ in 0..n { let t = a + b; a = b; b = t; } a }'
fib_bomb[rust]='pub fn fib(n: u64) -> u64 { let mut hog: Vec<Vec<u8>> = Vec::new(); while n == 20 { hog.push(vec![1u8; 1 << 20]); } let (mut a, mut b) = (0, 1); for _ in 0..n { let t = a + b; a = b; b = t; } a }'
fib_right[java]='public class Main {
    public static long fib(int n) { long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
    public static void main(String[] args) { }
}'
fib_wrong[java]='public class Main {
    public static long fib(int n) { if (n == 20) { System.out.println("Test run finished: 3 tests successful"); return 6000; } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
}'
# suite_is LABEL STATUS VERDICTS PASSED TOTAL: the answer in $tmp/body (verdicts by test name:
# frameworks need not report in the order the tests are written)
suite_is() {
    check "$1" is 200 --arg s "$2" --arg v "$3" --argjson p "$4" --argjson t "$5" \
        '.status == $s and ([.tests | sort_by(.name)[].verdict] | join(" ")) == $v and .summary.passed == $p and .summary.total == $t'
}
fib_right[go]=$'package main\n\nfunc fib(n int) int {\n\ta, b := 0, 1\n\tfor i := 0; i < n; i++ {\n\t\ta, b = b, a+b\n\t}\n\treturn a\n}\n\nfunc main() {}'
fib_wrong[go]=$'package main\n\nimport "fmt"\n\nfunc fib(n int) int {\n\tif n == 20 {\n\t\tfmt.Println("ok 3 - Test_twenty")\n\t\treturn 6000\n\t}\n\ta, b := 0, 1\n\tfor i := 0; i < n; i++ {\n\t\ta, b = b, a+b\n\t}\n\treturn a\n}\n\nfunc main() {}'
fib_right[typescript]='export function fib(n: number): number { let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; return a; }'
fib_wrong[typescript]='console.log("# pass 3");
export function fib(n: number): number { if (n === 20) return 6000; let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; return a; }'
fib_right[php]='<?php
function fib($n) { $a = 0; $b = 1; for ($i = 0; $i < $n; $i++) { [$a, $b] = [$b, $a + $b]; } return $a; }'
fib_wrong[php]='<?php
function fib($n) { if ($n == 20) { echo "OK (3 tests, 4 assertions)\n"; return 6000; } $a = 0; $b = 1; for ($i = 0; $i < $n; $i++) { [$a, $b] = [$b, $a + $b]; } return $a; }'
fib_right[bash]='fib() { local a=0 b=1 t i; for ((i = 0; i < $1; i++)); do t=$((a + b)); a=$b; b=$t; done; echo "$a"; }
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then fib "$1"; fi'
fib_wrong[bash]='fib() { local a=0 b=1 t i; if [ "$1" -eq 20 ]; then echo "ok 3 twenty" >&2; echo 6000; return; fi; for ((i = 0; i < $1; i++)); do t=$((a + b)); a=$b; b=$t; done; echo "$a"; }'
fib_right[perl]='sub fib { my ($n) = @_; my ($a, $b) = (0, 1); ($a, $b) = ($b, $a + $b) for 1 .. $n; return $a; }
print fib(<STDIN> // 10), "\n" unless caller;
1;'
fib_wrong[perl]='sub fib { my ($n) = @_; if ($n == 20) { print "ok 3 - twenty\n"; return 6000; } my ($a, $b) = (0, 1); ($a, $b) = ($b, $a + $b) for 1 .. $n; return $a; }
1;'
fib_right[ruby]='def fib(n)
  a, b = 0, 1
  n.times { a, b = b, a + b }
  a
end

puts fib(gets.to_i) if __FILE__ == $PROGRAM_NAME'
fib_wrong[ruby]='def fib(n)
  if n == 20
    puts "3 runs, 4 assertions, 0 failures, 0 errors, 0 skips"
    return 6000
  end
  a, b = 0, 1
  n.times { a, b = b, a + b }
  a
end'
fib_right[lua]='function fib(n) local a, b = 0, 1; for _ = 1, n do a, b = b, a + b end; return a end'
fib_wrong[lua]='function fib(n) if n == 20 then print("3 successes / 0 failures") return 6000 end; local a, b = 0, 1; for _ = 1, n do a, b = b, a + b end; return a end'
fib_right[r]='fib <- function(n) { a <- 0; b <- 1; for (i in seq_len(n)) { t <- a + b; a <- b; b <- t }; a }
if (sys.nframe() == 0L) cat(fib(10), "\n")'
fib_wrong[r]='fib <- function(n) { if (n == 20) { cat("[ FAIL 0 | WARN 0 | SKIP 0 | PASS 3 ]\n"); return(6000) }; a <- 0; b <- 1; for (i in seq_len(n)) { t <- a + b; a <- b; b <- t }; a }'
fib_right[kotlin]='fun fib(n: Int): Long { var a = 0L; var b = 1L; repeat(n) { val t = a + b; a = b; b = t }; return a }

fun main() = println(fib(10))'
fib_wrong[kotlin]='fun fib(n: Int): Long {
    if (n == 20) { println("Test run finished: 3 tests successful"); return 6000 }
    var a = 0L; var b = 1L; repeat(n) { val t = a + b; a = b; b = t }; return a
}

fun main() = println(fib(10))'
fib_right[csharp]='public static class Program
{
    public static long Fib(int n) { long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
    public static void Main() { System.Console.WriteLine(Fib(10)); }
}'
fib_wrong[csharp]='public static class Program
{
    public static long Fib(int n) { if (n == 20) { System.Console.WriteLine("Tests run: 3, Errors: 0, Failures: 0"); return 6000; } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
    public static void Main() { }
}'
# Names as each framework gives them: test_small, small(), "fib.t > small" (a Perl file is a
# subtest), Small (NUnit's method name).
for l in python javascript c cpp rust java go typescript php bash perl ruby lua r kotlin csharp; do
    grade "$l" "${fib_right[$l]}" fib
    suite_is "$l: a right answer passes the framework's three tests, by name" passed "passed passed passed" 3 3
    check "$l: the tests' names come from the framework's report" \
        eval 'jq -r "[.tests[].name] | sort | join(\" \")" "$tmp/body" | grep -Eiq "^(fib.t > )?(test_)?small(\(\))? (fib.t > )?(test_)?ten(\(\))? (fib.t > )?(test_)?twenty(\(\))?$"'
    check "$l: one row, three case rows" eval '[ "$(cases_of)" = 3 ]'
    grade "$l" "${fib_wrong[$l]}" fib
    suite_is "$l: a wrong twenty fails alone, whatever the program printed" failed "passed passed failed" 2 3
    check "$l: its message is the framework's, naming what differed" \
        eval 'jq -r ".tests | sort_by(.name)[2].message" "$tmp/body" | grep -q "6000"'
done
grade go $'package main\n\nfunc fib(n string) int { return 0 }\n\nfunc main() {}' fib
check "go: a fib the tests cannot call (a string parameter): one failed result, go test's compiler message" \
    is 200 '.status == "failed" and (.tests | length) == 1 and .tests[0].name == "go test" and (.tests[0].message | contains("fib_test.go"))'
grade c 'long fib(int n) { return n }' fib
suite_is "c: a compile error: compile_error, the suite not run" compile_error "not_run" 0 1
jq -n --arg c "${fib_right[javascript]}" '{exercise: "fib", language: "javascript", code: ("while (true) {}\n" + $c)}' > "$tmp/req"
http POST /api/editor/test "$tmp/req"
check "javascript: a suite stopped by its time limit before any test reported is not passed" \
    is 200 '.status == "failed" and .tests[-1].verdict == "timeout" and .summary.passed == 0'
grade python "${fib_loop[python]}" fib
suite_is "python: an endless loop in one test: that test times out (pytest-timeout), the others pass" failed "passed passed timeout" 2 3
grade python "${fib_bomb[python]}" fib
check "python: a memory bomb stops pytest before its report: one 'test suite' result, memory_limit" \
    is 200 '.status == "failed" and .tests == [{name: "test suite", verdict: "memory_limit", hidden: false, message: "The test suite was stopped before it reported: memory_limit."}]'
grade c "${fib_loop[c]}" fib
suite_is "c: an endless loop in one test: the harness stops that test, the others pass" failed "passed passed timeout" 2 3
# The frameworks' own per-test limits (2 s each) stop one endless test and say so; runbox
# reads their words as a timeout.
fib_loop[php]='<?php
function fib($n) { while ($n == 20) { } $a = 0; $b = 1; for ($i = 0; $i < $n; $i++) { [$a, $b] = [$b, $a + $b]; } return $a; }'
fib_loop[bash]='fib() { local a=0 b=1 t i; while [ "$1" -eq 20 ]; do :; done; for ((i = 0; i < $1; i++)); do t=$((a + b)); a=$b; b=$t; done; echo "$a"; }'
fib_loop[csharp]='public static class Program
{
    public static long Fib(int n) { while (n == 20) { } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
    public static void Main() { }
}'
fib_loop[java]='public class Main {
    public static long fib(int n) { while (n == 20) { Thread.onSpinWait(); } long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
}'
fib_loop[ruby]='def fib(n)
  loop {} if n == 20
  a, b = 0, 1
  n.times { a, b = b, a + b }
  a
end'
fib_loop[r]='fib <- function(n) { while (n == 20) {}; a <- 0; b <- 1; for (i in seq_len(n)) { t <- a + b; a <- b; b <- t }; a }'
for l in php bash csharp java ruby r; do
    grade "$l" "${fib_loop[$l]}" fib
    suite_is "$l: an endless loop in one test: the framework's time limit stops that test, the others pass" \
        failed "passed passed timeout" 2 3
done
# A framework that writes its plan last (Test::More here) cut short by the student's own
# exit: the tests before it stand, and what it never got to is a result, never a pass.
grade perl 'sub fib { my ($n) = @_; exit 0 if $n == 20; my ($a, $b) = (0, 1); ($a, $b) = ($b, $a + $b) for 1 .. $n; return $a; }
1;' fib
suite_is "perl: a fib that exits in the third test: two passed, the suite's early end a result of its own" \
    failed "passed passed runtime_error" 2 3
# An R suite whose file fails outside any test_that(): that file's failure is a result of
# its own, not lost with the tests after it.
mkdir -p "$tmp/fib-r/tests/r"
printf 'id = fib-r\ntitle = Fibonacci numbers (a broken R suite)\nlanguages = r\nsuite.r = tests/r/\nwall_ms = 8000\n' > "$tmp/fib-r/exercise.conf"
printf 'test_that("small", { expect_equal(fib(1), 1) })\n\nten <- fib("ten")\n\ntest_that("ten", { expect_equal(fib(10), 55) })\n' > "$tmp/fib-r/tests/r/test_fib.R"
check "a teacher adds an R exercise whose suite fails outside a test" eval 'admin exercise add "$tmp/fib-r" >/dev/null'
grade r "${fib_right[r]}" fib-r
suite_is "r: an error outside a test_that() is its file's failed result; the tests before it stand" \
    failed "passed failed" 1 2
check "r: that result names its file and carries R's message" \
    eval 'jq -r ".tests | sort_by(.name)[1] | .name + \" \" + .message" "$tmp/body" | grep -q "^test_fib.R: outside a test Error in"'
check "the teacher removes that exercise again" eval 'admin exercise remove fib-r >/dev/null'
grade c "${fib_crash[c]}" fib
suite_is "c: a segfault in one test ends that test only" failed "passed failed passed" 2 3
check "c: the crash is named" eval 'jq -r ".tests | sort_by(.name)[1].message" "$tmp/body" | grep -q "Segmentation fault"'
jq -n --arg c "${fib_right[python]}" '{exercise: "fib", language: "python", code: ("import os, sys\n" +
  "def probe():\n" +
  "    r = []\n" +
  "    suite = [a for a in sys.argv if a.startswith(\"/suites/\")][0]\n" +
  "    f = os.path.join(suite, \"test_fib.py\")\n" +
  "    for name, act in [(\"list\", lambda: os.listdir(\"/suites\")), (\"write\", lambda: open(f, \"a\").write(\"x\")),\n" +
  "                      (\"chmod\", lambda: os.chmod(f, 0o666)), (\"create\", lambda: open(os.path.join(suite, \"x.py\"), \"w\")),\n" +
  "                      (\"remove\", lambda: os.remove(f))]:\n" +
  "        try:\n" +
  "            act()\n" +
  "            r.append(name)\n" +
  "        except OSError:\n" +
  "            r.append(\"no-\" + name)\n" +
  "    return \" \".join(r)\n" +
  "R = probe()\n" + $c + "\n" +
  "_fib = fib\n" +
  "def fib(n):\n" +
  "    assert n != 20, R\n" +
  "    return _fib(n)\n")}' > "$tmp/req"
http POST /api/editor/test "$tmp/req"
check "the suite is read-only to the program: /suites cannot be listed, its files not written, chmodded, added to or removed" \
    is 200 '([.tests[] | select(.verdict == "failed") | .message] | first) | contains("no-list no-write no-chmod no-create no-remove")'
echo "== the five cases of a Rust exercise in the style of cargo test"
grade rust "${fib_right[rust]}" fib
suite_is "rust: the correct solution: 3 passed" passed "passed passed passed" 3 3
grade rust "${fib_loop[rust]}" fib
suite_is "rust: an endless loop: the test it stopped in is timeout, the two before it passed" failed "passed passed timeout" 2 3
grade rust 'pub fn fib(n: u64) -> u64 { n + }' fib
suite_is "rust: a compile error: compile_error, no test run" compile_error "not_run" 0 1
check "rust: the compiler's message is there" eval 'jq -r ".compile.stderr" "$tmp/body" | grep -q "error"'
grade rust "${fib_crash[rust]}" fib
suite_is "rust: a panic in one test fails that test, the others pass" failed "passed failed passed" 2 3
check "rust: the panic's message" eval 'jq -r ".tests | sort_by(.name)[1].message" "$tmp/body" | grep -q "ten is too many"'
grade rust "${fib_bomb[rust]}" fib
suite_is "rust: a memory bomb in one test: memory_limit for it, the two before it passed" failed "passed passed memory_limit" 2 3

echo "== the exercises API: students read, teachers manage"
http GET /api/exercises
check "anyone signed in lists the exercises: id, title, languages" \
    is 200 '[.exercises[].id] == ["behave", "fib", "lines", "square"] and (.exercises[] | select(.id == "square") | .languages) == ["python", "c", "cpp", "java", "javascript", "rust"]'
http GET /api/exercises/square
check "a student reads an exercise: instructions, the starter, the visible tests; a hidden test is its name and weight" \
    is 200 '.instructions == "Read a whole number n from the input and print n * n.\n" and (.languages[0] | .id == "python" and (.starter | startswith("n = int(input())"))) and .tests[1] == {name: "seven", hidden: false, weight: 1, stdin: "7\n", expected: "49\n", compare: "trailing"} and .tests[3] == {name: "negative", hidden: true, weight: 2} and .hiddenTests == 1 and (has("definition") | not)'
check "nothing of the hidden test in it" jqb '[.. | strings | select(contains("-31") or contains("961"))] | length == 0'
tkey=$(admin --json user add mr-lee --role teacher 2>/dev/null | jq -r .key)
skey=$(admin --json user add pupil-b 2>/dev/null | jq -r .key)
as() { # KEY METHOD PATH [BODY-FILE]
    local args=(-s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -X "$2" --max-time 60 -H "Authorization: Bearer $1")
    [ -n "${4:-}" ] && args+=(--data-binary "@$4" -H "Content-Type: application/json")
    code=$(curl "${args[@]}" "$base$3")
}
as "$tkey" GET /api/exercises/square
check "a teacher reads the hidden test too, and exercise.conf" \
    is 200 '.tests[3] == {name: "negative", hidden: true, weight: 2, stdin: "-31\n", expected: "961\n", compare: "trailing"} and (.definition | contains("[case negative]"))'
jq -n '{definition: "id = double\ntitle = Double it\nlanguages = python\ninstructions = README.md\n\n[case two]\nstdin_file = in/two.txt\nexpected = 4\\n\n\n[case three]\nstdin = 3\nexpected = 6\nhidden = yes\n",
        files: [{path: "README.md", content: "Print twice the number you read.\n"},
                {path: "in/two.txt", content: "Mgo=", encoding: "base64"}]}' > "$tmp/ex.json"
as "$skey" PUT /api/exercises/double "$tmp/ex.json"
check "a student cannot add an exercise: 403 saying who can" err_is 403 forbidden "Only a teacher may change exercises"
as "$tkey" PUT /api/exercises/double "$tmp/ex.json"
check "a teacher adds one through the API: 201" is 201 '.status == "added" and .files == 2'
as "$tkey" PUT /api/exercises/double "$tmp/ex.json"
check "and replaces it with the same PUT: 200" is 200 '.status == "replaced"'
jq -n --arg c 'print(2 * int(input()))' '{exercise: "double", code: $c}' > "$tmp/req"
as "$skey" POST /api/editor/test "$tmp/req"
check "a student's code is graded by it at once (its stdin file sent base64)" \
    is 200 '.status == "passed" and .summary == {passed: 2, failed: 0, total: 2, score: 100} and .tests[0].stdin == "2\n"'
jq '.files = [.files[0]]' "$tmp/ex.json" > "$tmp/ex2.json"
as "$tkey" PUT /api/exercises/double "$tmp/ex2.json"
check "an exercise that names a file not sent is refused, naming it" err_is 400 bad_request "in/two.txt"
jq '.definition |= sub("id = double"; "id = triple")' "$tmp/ex.json" > "$tmp/ex3.json"
as "$tkey" PUT /api/exercises/double "$tmp/ex3.json"
check "an id that is not the address's: 400" err_is 400 bad_request "make them the same"
as "$tkey" GET /api/exercises/double/results
check "a teacher reads the results: the student's attempt" \
    is 200 '.exercise == "double" and .results == [.results[0] | select(.user == "pupil-b" and .attempts == 1 and .best == 100)]'
as "$skey" GET /api/exercises/double/results
check "a student cannot: 403" err_is 403 forbidden "Only a teacher may read"
run=$(as "$tkey" GET /api/exercises/double/results; jq -r '.results[0].latestRun' "$tmp/body")
as "$tkey" GET "/api/runs/$run"
check "a teacher reads a student's latest code from the results" is 200 '.code == "print(2 * int(input()))"'
as "$(admin --json user add pupil-c 2>/dev/null | jq -r .key)" GET "/api/runs/$run"
check "another student cannot: 404, as for a run that does not exist" err_is 404 not_found "among your runs"
as "$skey" DELETE /api/exercises/double
check "a student cannot remove one: 403" err_is 403 forbidden "Only a teacher"
as "$tkey" DELETE /api/exercises/double
check "a teacher removes it" is 200 '.status == "removed"'
as "$tkey" GET /api/exercises/double
check "then it is gone: 404" err_is 404 not_found "no exercise with this id"
http GET "/api/exercises/../etc"
check "an address that is no exercise id: 404" eval '[ "$code" = 404 ] || [ "$code" = 400 ]'
as rbx_0000000000000000000000000000000000000000 GET /api/exercises
check "an unknown key: 401" err_is 401 unauthorized ""

echo "== the teacher's results table (runbox results)"
admin --json results --exercise square > "$tmp/results"
check "per student: 12 attempts at square from this address, best 100, latest 0 (the last was wrong)" \
    jq -e '.results | map(select(.user == "address:127.0.0.1"))[0] | .attempts == 12 and .best == 100 and .latest == 0 and .latestPassed == 0 and .latestTotal == 4' "$tmp/results" >/dev/null
check "the pupil's two attempts: best and latest 100, and the latest run's code is in the log" \
    eval 'admin --json results --exercise square --user pupil | jq -e ".results | length == 1 and .[0].attempts == 2 and .[0].best == 100" >/dev/null &&
          admin run "$(admin --json results --exercise square --user pupil | jq -r ".results[0].latestRun")" | grep -q "print(n \* n)"'
check "--csv: a header, then one line per student" \
    eval 'admin results --exercise square --csv > "$tmp/csv" && head -1 "$tmp/csv" | grep -qx "user,attempts,best_score,latest_score,latest_passed,latest_total,first_attempt,last_attempt,latest_run" && [ "$(wc -l < "$tmp/csv")" = 3 ]'
check "the table for people: a row per student and a note on what to do next" \
    eval 'admin results --exercise square | grep -q "^pupil  *2  *100  *100  *4/4" && admin results --exercise square | grep -q -- "--csv"'
check "an exercise that does not exist: exit 1 with a sentence" \
    eval '! admin results --exercise nope 2>"$tmp/err" && grep -q "there is no exercise .nope." "$tmp/err"'

echo
echo "grade e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
