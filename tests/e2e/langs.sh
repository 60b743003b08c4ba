#!/usr/bin/env bash
# End-to-end tests of every language of the registry (images/languages.conf) through real
# nginx, the real FastCGI pool and the real Docker daemon, with curl. For each language:
# hello world, stdin, a non-zero exit, a runtime error (exception, panic, segfault), a
# compile error where the language compiles, an endless loop, a memory hog, a program of
# several files, unicode output and arguments. Then the file names every language refuses.
# Starts its own stack on a port and run directory of its own, and stops it at the end.
# Every check can fail; the script exits non-zero if one does.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
t0=$(date +%s%N)

. "$top/tests/e2e/lib.sh"
own_stack e2e-langs "${RUNBOX_LANGS_LISTEN:-127.0.0.1:18082}"
export RUNBOX_FCGI_PROCESSES=3
# Short, so the endless loops take seconds. A language the registry gives a wall_ms of
# its own keeps it: the timeout checks read the limit from the answer, not from here.
export RUNBOX_WALL_MS=3000
# This suite is about languages, not quotas (tests/e2e/store.sh covers those).
export RUNBOX_QUOTA_PER_MINUTE=100000 RUNBOX_QUOTA_CONCURRENT=100

cleanup() {
    scripts/stack.sh stop >/dev/null 2>&1
    # Kept after a failure: fcgi.log and nginx-error.log tell what the server saw.
    if [ "$fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$RUNBOX_RUN_DIR"; else echo "run dir kept: $RUNBOX_RUN_DIR"; fi
}
trap cleanup EXIT

# The effective configuration (runbox.conf with the overrides above) and the registry.
export RUNBOX_CONF=${RUNBOX_CONF:-$top/runbox.conf}
conf() { build/runbox-fcgi --print-config | sed -n "s/^$1=//p" | tr -d "'"; }
registry=$(conf languages); registry=${registry:-images/languages.conf}
reg() { # LANG KEY: the key of the language's section, empty if absent
    awk -v s="[$1]" -v k="$2" '/^\[/ { sec = ($1 == s) }
        sec && $1 == k && $2 == "=" { sub(/^[^=]*=[ \t]*/, ""); print; exit }' "$registry"
}
default_memory_mb=$(conf memory_mb)

# run_code LANG CODE [STDIN] [ARGS-JSON]: a single-file program
run_code() {
    jq -n --arg l "$1" --arg c "$2" --arg s "${3:-}" --argjson a "${4:-[]}" \
        '{language: $l, code: $c, stdin: $s} + (if $a == [] then {} else {args: $a} end)' > "$tmp/req"
    http POST /api/editor/run "$tmp/req"
}
# file NAME CONTENT [main]: one entry of "files"
file() { jq -nc --arg n "$1" --arg c "$2" --arg m "${3:-}" '{name: $n, content: $c} + (if $m == "main" then {main: true} else {} end)'; }
# run_files LANG EXTRA-JSON FILE-JSON...: a program of several files
run_files() {
    local l=$1 x=$2; shift 2
    printf '%s\n' "$@" | jq -s --arg l "$l" --argjson x "$x" '{language: $l, files: .} + $x' > "$tmp/req"
    http POST /api/editor/run "$tmp/req"
}
# The answer's status and a little context, for the notes in the report.
said() { jq -r '"\(.status) (exit \(.output.exitCode), signal \(.output.signal)) \(.output.stderr | .[0:120] | gsub("\n"; " | "))"' "$tmp/body" 2>/dev/null; }

# Programs, per language. Every compiled language's compile error is on line 3 of the
# file named by cerr_at. Every multi-file program prints "hello files from helpers".
set_programs() {
    hello='' echo='' exit3='' crash='' crash_ok='' broken='' cerr_at='' loop='' hog='' chog='' uni='' args=''
    syntax='' syntax_at=''
    multi=()
    case $1 in
    python)
        hello='print("hello world")'
        echo='print(input())'
        exit3=$'import sys\nprint("bye")\nsys.exit(3)'
        crash=$'print("before")\nx = 1 / 0'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("ZeroDivisionError: division by zero"))'
        syntax=$'print("before")\nx = 1\ny = = 2'
        syntax_at='line 3'
        loop=$'print("starting", flush=True)\nwhile True:\n    pass'
        hog=$'blocks = []\nwhile True:\n    blocks.append(b"\\x01" * (8 << 20))\n    print(len(blocks) * 8, flush=True)'
        uni='print("héllo wörld ✓")'
        args=$'import sys\nfor a in sys.argv[1:]:\n    print(a)'
        multi=("$(file main.py $'from util.helpers import greet\nprint(greet("files"))' main)"
               "$(file util/helpers.py $'def greet(who):\n    return "hello " + who + " from helpers"')")
        multi_extra='{}'
        ;;
    javascript)
        hello='console.log("hello world");'
        echo=$'const line = require("fs").readFileSync(0, "utf8").split("\\n")[0];\nconsole.log(line);'
        exit3=$'console.log("bye");\nprocess.exit(3);'
        crash=$'console.log("before");\nthrow new Error("boom from js");'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("Error: boom from js"))'
        syntax=$'console.log("before");\nlet x = 1;\nlet y = = 2;'
        syntax_at='main.js:3'
        loop=$'console.log("starting");\nwhile (true) {}'
        hog=$'const blocks = [];\nwhile (true) {\n    blocks.push(Buffer.alloc(8 << 20, 1));\n    console.log(blocks.length * 8);\n}'
        uni='console.log("héllo wörld ✓");'
        args='for (const a of process.argv.slice(2)) console.log(a);'
        multi=("$(file main.js $'const h = require("./util/helpers");\nconsole.log(h.greet("files"));' main)"
               "$(file util/helpers.js 'exports.greet = (who) => "hello " + who + " from helpers";')")
        multi_extra='{}'
        ;;
    c)
        hello=$'#include <stdio.h>\nint main(void) { puts("hello world"); return 0; }'
        echo=$'#include <stdio.h>\nint main(void) {\n    char line[256];\n    if (fgets(line, sizeof line, stdin)) fputs(line, stdout);\n    return 0;\n}'
        exit3=$'#include <stdio.h>\nint main(void) { puts("bye"); return 3; }'
        # Volatile both ways: gcc -O2 neither turns the store into a trap (the pointer could
        # be anything) nor drops it as dead (the pointee is volatile).
        crash=$'#include <stdio.h>\nint main(void) {\n    volatile int *volatile p = 0;\n    puts("before");\n    fflush(stdout);\n    *p = 42;\n    return 0;\n}'
        crash_ok='.output.signal == 11 and (.message | contains("signal 11"))'
        broken=$'#include <stdio.h>\nint main(void) {\n    return undefined_name;\n}'
        cerr_at=main.c:3:
        loop=$'#include <stdio.h>\nint main(void) {\n    volatile unsigned long n = 0;\n    puts("starting");\n    fflush(stdout);\n    for (;;) n++;\n}'
        hog=$'#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nstatic char *volatile sink;\nint main(void) {\n    for (int mb = 1;; mb++) {\n        char *p = malloc(1 << 20);\n        if (!p) return 2;\n        memset(p, 1, 1 << 20);\n        sink = p;\n        printf("%d\\n", mb);\n        fflush(stdout);\n    }\n}'
        uni=$'#include <stdio.h>\nint main(void) { puts("héllo wörld ✓"); return 0; }'
        args=$'#include <stdio.h>\nint main(int argc, char **argv) {\n    for (int i = 1; i < argc; i++) puts(argv[i]);\n    return 0;\n}'
        multi=("$(file main.c $'#include "helpers.h"\nint main(void) {\n    greet("files");\n    return 0;\n}' main)"
               "$(file helpers.h 'void greet(const char *who);')"
               "$(file helpers.c $'#include <stdio.h>\n#include "helpers.h"\nvoid greet(const char *who) { printf("hello %s from helpers\\n", who); }')")
        multi_extra='{}'
        ;;
    cpp)
        hello=$'#include <iostream>\nint main() { std::cout << "hello world\\n"; }'
        echo=$'#include <iostream>\n#include <string>\nint main() {\n    std::string line;\n    std::getline(std::cin, line);\n    std::cout << line << "\\n";\n}'
        exit3=$'#include <iostream>\nint main() { std::cout << "bye" << std::endl; return 3; }'
        # Uncaught: std::terminate prints what() and aborts (SIGABRT).
        crash=$'#include <iostream>\n#include <stdexcept>\nint main() {\n    std::cout << "before" << std::endl;\n    throw std::runtime_error("boom from c++");\n}'
        crash_ok='.output.signal == 6 and (.output.stderr | contains("boom from c++")) and (.message | contains("signal 6"))'
        broken=$'#include <iostream>\nint main() {\n    return undefined_name;\n}'
        cerr_at=main.cpp:3:
        loop=$'#include <iostream>\nint main() {\n    volatile unsigned long n = 0;\n    std::cout << "starting" << std::endl;\n    for (;;) n++;\n}'
        hog=$'#include <cstring>\n#include <iostream>\n#include <vector>\nint main() {\n    std::vector<char *> blocks;\n    for (;;) {\n        char *p = new char[1 << 20];\n        std::memset(p, 1, 1 << 20);\n        blocks.push_back(p);\n        std::cout << blocks.size() << std::endl;\n    }\n}'
        # The compiler's own memory bomb: 2^40 distinct instantiations, each kept.
        chog=$'template <int N, long M> struct F {\n    static constexpr long v = F<N - 1, 2 * M>::v + F<N - 1, 2 * M + 1>::v;\n};\ntemplate <long M> struct F<0, M> {\n    static constexpr long v = M;\n};\nint main() { return (int)F<40, 1>::v; }'
        uni=$'#include <iostream>\nint main() { std::cout << "héllo wörld ✓\\n"; }'
        args=$'#include <iostream>\nint main(int argc, char **argv) {\n    for (int i = 1; i < argc; i++) std::cout << argv[i] << "\\n";\n}'
        multi=("$(file main.cpp $'#include "helpers.hpp"\nint main() { greet("files"); }' main)"
               "$(file helpers.hpp $'#include <string>\nvoid greet(const std::string &who);')"
               "$(file helpers.cpp $'#include <iostream>\n#include "helpers.hpp"\nvoid greet(const std::string &who) { std::cout << "hello " << who << " from helpers\\n"; }')")
        multi_extra='{}'
        ;;
    java)
        # Single-file programs take the name of their public class (Hello.java, ...).
        hello=$'public class Hello {\n    public static void main(String[] args) {\n        System.out.println("hello world");\n    }\n}'
        echo=$'import java.io.*;\n\npublic class Echo {\n    public static void main(String[] args) throws IOException {\n        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n        System.out.println(in.readLine());\n    }\n}'
        exit3=$'public class Bye {\n    public static void main(String[] args) {\n        System.out.println("bye");\n        System.exit(3);\n    }\n}'
        crash=$'public class Crash {\n    public static void main(String[] args) {\n        System.out.println("before");\n        throw new IllegalStateException("boom from java");\n    }\n}'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("Exception in thread \"main\" java.lang.IllegalStateException: boom from java"))'
        broken=$'public class Broken {\n    public static void main(String[] args) {\n        int x = undefinedName;\n    }\n}'
        cerr_at=Broken.java:3:
        loop=$'public class Loop {\n    public static void main(String[] args) {\n        System.out.println("starting");\n        System.out.flush();\n        while (true) { }\n    }\n}'
        # Outside the Java heap (which the JVM caps at a quarter of the container's memory by
        # default, and would end in OutOfMemoryError): native memory until the container is full.
        hog=$'import java.lang.reflect.Field;\nimport sun.misc.Unsafe;\n\npublic class Hog {\n    public static void main(String[] args) throws Exception {\n        Field f = Unsafe.class.getDeclaredField("theUnsafe");\n        f.setAccessible(true);\n        Unsafe u = (Unsafe) f.get(null);\n        long chunk = 8L << 20;\n        for (long mb = 8;; mb += 8) {\n            long p = u.allocateMemory(chunk);\n            u.setMemory(p, chunk, (byte) 1);\n            System.out.println(mb);\n        }\n    }\n}'
        uni=$'public class Uni {\n    public static void main(String[] args) {\n        System.out.println("héllo wörld ✓");\n    }\n}'
        args=$'public class Args {\n    public static void main(String[] args) {\n        for (String a : args) System.out.println(a);\n    }\n}'
        multi=("$(file Main.java $'public class Main {\n    public static void main(String[] args) {\n        System.out.println(Greeter.greet("files"));\n    }\n}' main)"
               "$(file Greeter.java $'public class Greeter {\n    static String greet(String who) {\n        return "hello " + who + " from helpers";\n    }\n}')")
        multi_extra='{}'
        ;;
    rust)
        hello=$'fn main() {\n    println!("hello world");\n}'
        echo=$'use std::io;\n\nfn main() {\n    let mut line = String::new();\n    io::stdin().read_line(&mut line).unwrap();\n    print!("{}", line);\n}'
        exit3=$'fn main() {\n    println!("bye");\n    std::process::exit(3);\n}'
        crash=$'fn main() {\n    println!("before");\n    panic!("boom from rust");\n}'
        crash_ok='.output.exitCode == 101 and (.output.stderr | contains("panicked")) and (.output.stderr | contains("boom from rust"))'
        broken=$'fn main() {\n    let x: i32 = 1;\n    let y: i32 = "three";\n    println!("{}", x + y);\n}'
        cerr_at=main.rs:3:
        loop=$'fn main() {\n    println!("starting");\n    loop {}\n}'
        hog=$'fn main() {\n    let mut blocks = Vec::new();\n    loop {\n        let b = vec![1u8; 8 << 20];\n        unsafe { std::ptr::read_volatile(b.as_ptr()) };\n        blocks.push(b);\n        println!("{}", blocks.len() * 8);\n    }\n}'
        # A 1 GB constant, evaluated by the compiler.
        chog=$'const BIG: [u8; 1 << 30] = [1; 1 << 30];\nfn main() {\n    println!("{}", BIG[12345]);\n}'
        uni=$'fn main() {\n    println!("héllo wörld ✓");\n}'
        args=$'fn main() {\n    for a in std::env::args().skip(1) {\n        println!("{}", a);\n    }\n}'
        # The entry named by "entry" rather than "main": true; `mod helpers;` finds helpers.rs.
        multi=("$(file main.rs $'mod helpers;\n\nfn main() {\n    println!("{}", helpers::greet("files"));\n}')"
               "$(file helpers.rs $'pub fn greet(who: &str) -> String {\n    format!("hello {} from helpers", who)\n}')")
        multi_extra='{"entry": "main.rs"}'
        ;;
    bash)
        hello='echo "hello world"'
        echo=$'read -r line\necho "$line"'
        exit3=$'echo bye\nexit 3'
        crash=$'echo before\nno_such_command_xyz'
        crash_ok='.output.exitCode == 127 and (.output.stderr | contains("no_such_command_xyz: command not found"))'
        syntax=$'echo one\necho two\necho )'
        syntax_at='line 3'
        loop=$'echo starting\nwhile :; do :; done'
        hog=$'block=$(printf "%8388608s" "")\nall=""\nmb=0\nwhile :; do\n    all+=$block\n    mb=$((mb + 8))\n    echo $mb\ndone'
        uni='echo "héllo wörld ✓"'
        args=$'for a in "$@"; do\n    printf \'%s\\n\' "$a"\ndone'
        multi=("$(file main.sh $'source ./lib/helpers.sh\ngreet files' main)"
               "$(file lib/helpers.sh $'greet() {\n    echo "hello $1 from helpers"\n}')")
        multi_extra='{}'
        ;;
    perl)
        hello='print "hello world\n";'
        echo=$'my $line = <STDIN>;\nprint $line;'
        exit3=$'print "bye\\n";\nexit 3;'
        crash=$'print "before\\n";\ndie "boom from perl\\n";'
        crash_ok='.output.exitCode == 255 and (.output.stderr | contains("boom from perl"))'
        syntax=$'print "before\\n";\nmy $x = 1;\nmy $y = = 2;'
        syntax_at='main.pl line 3'
        loop=$'$| = 1;\nprint "starting\\n";\n1 while 1;'
        hog=$'$| = 1;\nmy @blocks;\nfor (my $mb = 8;; $mb += 8) {\n    push @blocks, "\\x01" x (8 << 20);\n    print "$mb\\n";\n}'
        uni='print "héllo wörld ✓\n";'
        args='print "$_\n" for @ARGV;'
        multi=("$(file main.pl $'use lib ".";\nuse Helpers;\nprint Helpers::greet("files"), "\\n";' main)"
               "$(file Helpers.pm $'package Helpers;\nsub greet { return "hello $_[0] from helpers"; }\n1;')")
        multi_extra='{}'
        ;;
    lua)
        hello='print("hello world")'
        echo='print(io.read("l"))'
        exit3=$'print("bye")\nos.exit(3)'
        crash=$'print("before")\nerror("boom from lua")'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("boom from lua"))'
        syntax=$'print("before")\nlocal x = 1\nlocal y = = 2'
        syntax_at='main.lua:3:'
        loop=$'print("starting")\nio.stdout:flush()\nwhile true do end'
        hog=$'local blocks = {}\nlocal mb = 0\nwhile true do\n    blocks[#blocks + 1] = string.rep("\\1", 8 << 20) .. #blocks\n    mb = mb + 8\n    print(mb)\n    io.stdout:flush()\nend'
        uni='print("héllo wörld ✓")'
        args='for _, a in ipairs(arg) do print(a) end'
        multi=("$(file main.lua $'local h = require("helpers")\nprint(h.greet("files"))' main)"
               "$(file helpers.lua $'local M = {}\nfunction M.greet(who) return "hello " .. who .. " from helpers" end\nreturn M')")
        multi_extra='{}'
        ;;
    ruby)
        hello='puts "hello world"'
        echo='puts STDIN.gets'
        exit3=$'puts "bye"\nexit 3'
        crash=$'puts "before"\nraise "boom from ruby"'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("boom from ruby (RuntimeError)"))'
        syntax=$'puts "before"\nx = 1\ny = = 2'
        syntax_at='main.rb:3'
        loop=$'$stdout.sync = true\nputs "starting"\nloop {}'
        hog=$'$stdout.sync = true\nblocks = []\nmb = 0\nloop do\n  blocks << ("\\x01" * (8 << 20))\n  mb += 8\n  puts mb\nend'
        uni='puts "héllo wörld ✓"'
        args='ARGV.each { |a| puts a }'
        multi=("$(file main.rb $'require_relative "lib/helpers"\nputs greet("files")' main)"
               "$(file lib/helpers.rb $'def greet(who)\n  "hello #{who} from helpers"\nend')")
        multi_extra='{}'
        ;;
    php)
        hello=$'<?php\necho "hello world\\n";'
        echo=$'<?php\necho fgets(STDIN);'
        exit3=$'<?php\necho "bye\\n";\nexit(3);'
        crash=$'<?php\necho "before\\n";\nthrow new Exception("boom from php");'
        crash_ok='.output.exitCode == 255 and (.output.stderr | contains("boom from php"))'
        # The syntax check (php -l) is PHP's compile stage, as in Jobe.
        broken=$'<?php\necho "x";\n$y = = 2;'
        cerr_at='on line 3'
        loop=$'<?php\necho "starting\\n";\nwhile (true) {}'
        hog=$'<?php\n$blocks = [];\nfor ($mb = 8;; $mb += 8) {\n    $blocks[] = str_repeat("\\x01", 8 << 20);\n    echo "$mb\\n";\n}'
        uni=$'<?php\necho "héllo wörld ✓\\n";'
        args=$'<?php\nforeach (array_slice($argv, 1) as $a) echo $a, "\\n";'
        multi=("$(file main.php $'<?php\nrequire __DIR__ . "/lib/helpers.php";\necho greet("files"), "\\n";' main)"
               "$(file lib/helpers.php $'<?php\nfunction greet($who) { return "hello $who from helpers"; }')")
        multi_extra='{}'
        ;;
    sql)
        hello="SELECT 'hello world';"
        echo=$'CREATE TABLE t(line TEXT);\n.import /dev/stdin t\nSELECT line FROM t LIMIT 1;'
        exit3=$'SELECT \'bye\';\n.exit 3'
        crash=$'SELECT \'before\';\nSELECT * FROM no_such_table;\nSELECT \'after\';'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("no such table: no_such_table"))'
        syntax=$'SELECT 1;\nSELECT 2;\nSELEC 3;'
        syntax_at='near line 3'
        loop=$'SELECT \'starting\';\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;'
        # One string grows by 8 MB per row, without end.
        hog='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(group_concat(zeroblob(8388608) || x)) FROM c;'
        uni="SELECT 'héllo wörld ✓';"
        # SQL has no arguments.
        args=''
        # The database the program was given, as a second file (SQL text stands in for
        # the binary database below, in "a database given as a file").
        multi=("$(file main.sql $'.read lib/helpers.sql\nSELECT greeting FROM hello;' main)"
               "$(file lib/helpers.sql $'CREATE TABLE hello(greeting TEXT);\nINSERT INTO hello VALUES (\'hello files from helpers\');')")
        multi_extra='{}'
        ;;
    pascal)
        hello=$'begin\n  writeln(\'hello world\');\nend.'
        echo=$'var line: string;\nbegin\n  readln(line);\n  writeln(line);\nend.'
        exit3=$'begin\n  writeln(\'bye\');\n  halt(3);\nend.'
        crash=$'var a, b: integer;\nbegin\n  writeln(\'before\');\n  b := 0;\n  a := 1 div b;\n  writeln(a);\nend.'
        crash_ok='.output.exitCode == 200 and (.output.stderr | contains("Runtime error 200"))'
        broken=$'begin\n  writeln(\'x\');\n  writeln(y);\nend.'
        cerr_at='main.pas(3,'
        loop=$'begin\n  writeln(\'starting\');\n  flush(output);\n  while true do ;\nend.'
        hog=$'var p: pointer; mb: integer;\nbegin\n  mb := 0;\n  while true do begin\n    getmem(p, 8 shl 20);\n    fillchar(p^, 8 shl 20, 1);\n    mb := mb + 8;\n    writeln(mb);\n    flush(output);\n  end;\nend.'
        uni=$'begin\n  writeln(\'héllo wörld ✓\');\nend.'
        args=$'var i: integer;\nbegin\n  for i := 1 to paramcount do\n    writeln(paramstr(i));\nend.'
        multi=("$(file main.pas $'uses helpers;\nbegin\n  writeln(greet(\'files\'));\nend.' main)"
               "$(file helpers.pas $'unit helpers;\ninterface\nfunction greet(who: string): string;\nimplementation\nfunction greet(who: string): string;\nbegin\n  greet := \'hello \' + who + \' from helpers\';\nend;\nend.')")
        multi_extra='{}'
        ;;
    go)
        hello=$'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello world")\n}'
        echo=$'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tline, _ := bufio.NewReader(os.Stdin).ReadString(\'\\n\')\n\tfmt.Print(line)\n}'
        exit3=$'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Println("bye")\n\tos.Exit(3)\n}'
        crash=$'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("before")\n\tpanic("boom from go")\n}'
        crash_ok='.output.exitCode == 2 and (.output.stderr | contains("panic: boom from go"))'
        broken=$'package main\n\nfunc main() { x := 1 }'
        cerr_at='main.go:3:'
        loop=$'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("starting")\n\tfor {\n\t}\n}'
        hog=$'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar blocks [][]byte\n\tfor mb := 8; ; mb += 8 {\n\t\tb := make([]byte, 8<<20)\n\t\tfor i := range b {\n\t\t\tb[i] = 1\n\t\t}\n\t\tblocks = append(blocks, b)\n\t\tfmt.Println(mb)\n\t}\n}'
        uni=$'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("héllo wörld ✓")\n}'
        args=$'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfor _, a := range os.Args[1:] {\n\t\tfmt.Println(a)\n\t}\n}'
        multi=("$(file main.go $'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(greet("files"))\n}' main)"
               "$(file helpers.go $'package main\n\nfunc greet(who string) string {\n\treturn "hello " + who + " from helpers"\n}')")
        multi_extra='{}'
        ;;
    csharp)
        hello=$'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("hello world");\n    }\n}'
        echo=$'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine(Console.ReadLine());\n    }\n}'
        exit3=$'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("bye");\n        Environment.Exit(3);\n    }\n}'
        crash=$'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("before");\n        throw new InvalidOperationException("boom from csharp");\n    }\n}'
        crash_ok='.output.exitCode != 0 and (.output.stderr | contains("InvalidOperationException: boom from csharp"))'
        broken=$'class Program {\n    static void Main() {\n        int x = ;\n    }\n}'
        cerr_at='main.cs(3,'
        loop=$'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("starting");\n        while (true) { }\n    }\n}'
        hog=$'using System;\nusing System.Collections.Generic;\n\nclass Program {\n    static void Main() {\n        var blocks = new List<byte[]>();\n        for (int mb = 8; ; mb += 8) {\n            var b = new byte[8 << 20];\n            for (int i = 0; i < b.Length; i += 4096) b[i] = 1;\n            blocks.Add(b);\n            Console.WriteLine(mb);\n        }\n    }\n}'
        uni=$'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("héllo wörld ✓");\n    }\n}'
        args=$'using System;\n\nclass Program {\n    static void Main(string[] args) {\n        foreach (var a in args) Console.WriteLine(a);\n    }\n}'
        multi=("$(file main.cs $'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine(Helpers.Greet("files"));\n    }\n}' main)"
               "$(file lib/Helpers.cs $'static class Helpers {\n    public static string Greet(string who) => "hello " + who + " from helpers";\n}')")
        multi_extra='{}'
        ;;
    kotlin)
        hello=$'fun main() {\n    println("hello world")\n}'
        echo=$'fun main() {\n    println(readLine())\n}'
        exit3=$'import kotlin.system.exitProcess\n\nfun main() {\n    println("bye")\n    exitProcess(3)\n}'
        crash=$'fun main() {\n    println("before")\n    throw IllegalStateException("boom from kotlin")\n}'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("IllegalStateException: boom from kotlin"))'
        broken=$'fun main() {\n    val x = 1\n    val y: Int = "two"\n}'
        cerr_at='main.kt:3:'
        loop=$'fun main() {\n    println("starting")\n    System.out.flush()\n    while (true) { }\n}'
        hog=$'fun main() {\n    val blocks = ArrayList<ByteArray>()\n    var mb = 0\n    while (true) {\n        blocks.add(ByteArray(8 shl 20) { 1 })\n        mb += 8\n        println(mb)\n    }\n}'
        uni=$'fun main() {\n    println("héllo wörld ✓")\n}'
        args=$'fun main(args: Array<String>) {\n    for (a in args) println(a)\n}'
        multi=("$(file main.kt $'fun main() {\n    println(greet("files"))\n}' main)"
               "$(file lib/helpers.kt $'fun greet(who: String) = "hello " + who + " from helpers"')")
        multi_extra='{}'
        ;;
    typescript)
        hello='console.log("hello world");'
        echo=$'const line: string = require("fs").readFileSync(0, "utf8").split("\\n")[0];\nconsole.log(line);'
        exit3=$'console.log("bye");\nprocess.exit(3);'
        crash=$'console.log("before");\nthrow new Error("boom from typescript");'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("Error: boom from typescript"))'
        broken=$'const a: number = 1;\nconsole.log(a);\nconst b: number = "two";'
        cerr_at='main.ts(3,'
        loop=$'console.log("starting");\nwhile (true) {}'
        hog=$'const blocks: Buffer[] = [];\nwhile (true) {\n    blocks.push(Buffer.alloc(8 << 20, 1));\n    console.log(blocks.length * 8);\n}'
        uni='console.log("héllo wörld ✓");'
        args='for (const a of process.argv.slice(2)) console.log(a);'
        # The entry in a folder of its own: src/app.ts runs as src/app.js ({stem}).
        multi=("$(file src/app.ts $'import { greet } from "./lib/helpers";\nconsole.log(greet("files"));' main)"
               "$(file src/lib/helpers.ts $'export function greet(who: string): string {\n    return "hello " + who + " from helpers";\n}')")
        multi_extra='{}'
        ;;
    octave)
        hello='disp("hello world")'
        echo=$'line = fgetl(stdin);\ndisp(line)'
        exit3=$'disp("bye")\nexit(3)'
        crash=$'disp("before")\nerror("boom from octave")'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("error: boom from octave"))'
        syntax=$'disp("before")\nx = 1;\ny = = 2;'
        syntax_at='near line 3'
        loop=$'disp("starting")\nfflush(stdout);\nwhile true\nend'
        # ones(1, 1048576): 8 MB of doubles per block.
        hog=$'blocks = {};\nmb = 0;\nwhile true\n  blocks{end + 1} = ones(1, 1048576);\n  mb = mb + 8;\n  printf("%d\\n", mb);\n  fflush(stdout);\nend'
        uni='disp("héllo wörld ✓")'
        args=$'args = argv();\nfor i = 1:numel(args)\n  disp(args{i});\nend'
        # A function file beside the program is on Octave's path.
        multi=("$(file main.m 'disp(greet("files"))' main)"
               "$(file greet.m $'function s = greet(who)\n  s = ["hello " who " from helpers"];\nend')")
        multi_extra='{}'
        ;;
    r)
        hello='cat("hello world\n")'
        echo=$'line <- readLines(file("stdin"), n = 1)\ncat(line, "\\n", sep = "")'
        exit3=$'cat("bye\\n")\nquit(status = 3)'
        crash=$'cat("before\\n")\nstop("boom from r")'
        crash_ok='.output.exitCode == 1 and (.output.stderr | contains("boom from r"))'
        # The syntax check (parse()) is R's compile stage, as PHP's.
        broken=$'cat("before\\n")\nx <- 1\ny <- <- 2'
        cerr_at='main.R:3:'
        loop=$'cat("starting\\n")\nflush(stdout())\nrepeat {}'
        hog=$'blocks <- list()\nmb <- 0\nrepeat {\n  blocks[[length(blocks) + 1]] <- rep(1, 1048576)\n  mb <- mb + 8\n  cat(mb, "\\n", sep = "")\n  flush(stdout())\n}'
        uni='cat("héllo wörld ✓\n")'
        args='for (a in commandArgs(trailingOnly = TRUE)) cat(a, "\n", sep = "")'
        multi=("$(file main.R $'source("lib/helpers.R")\ncat(greet("files"), "\\n", sep = "")' main)"
               "$(file lib/helpers.R 'greet <- function(who) paste0("hello ", who, " from helpers")')")
        multi_extra='{}'
        ;;
    esac
}

# Every language of the registry, in its order.
mapfile -t langs < <(sed -n 's/^\[\(.*\)\]$/\1/p' "$registry")
# The arguments must reach the program as they are: no shell, no splitting, no globbing.
args_json='["a b", "$(x)", "*"]'
args_out=$'a b\n$(x)\n*\n'
declare -A secs notes

echo "== starting the stack on $base (run dir $RUNBOX_RUN_DIR)"
scripts/stack.sh start >/dev/null || { echo "the stack did not start"; tail -5 "$RUNBOX_RUN_DIR/fcgi.log"; exit 1; }

echo "== the registry"
http GET /api/languages
check "GET /api/languages lists the registry's ${#langs[@]} languages, each with a version" \
    is 200 --argjson want "$(printf '%s\n' "${langs[@]}" | jq -R . | jq -s 'sort')" \
    '[.languages[] | select((.version // "") != "") | .id] | sort == $want'
check "C and C++ share an image but each shows its own compiler's version (gcc, g++)" is 200 \
    '(.languages[] | select(.id == "c") | .version | startswith("gcc ")) and (.languages[] | select(.id == "cpp") | .version | startswith("g++ "))'
http GET /api/health
check "health: every language's image is present" is 200 --argjson n "${#langs[@]}" '.status == "ok" and (.languages | length) == $n and all(.languages[]; .imagePresent)'

# An exercise with I/O cases that every language of the registry may answer: each
# language's stdin program (one line read and printed back) passes it.
mkdir -p "$tmp/ex-echo"
cat > "$tmp/ex-echo/exercise.conf" <<XEOF
id = echo-line
title = Print the line you read
languages = ${langs[*]}

[case one-word]
stdin = hello\n
expected = hello\n

[case unicode]
stdin = héllo wörld ✓\nnot this line\n
expected = héllo wörld ✓\n

[case hidden]
stdin = secret words\n
expected = secret words\n
hidden = yes
XEOF
check "a teacher adds an exercise open to all ${#langs[@]} languages" \
    eval 'build/runbox exercise add "$tmp/ex-echo" >/dev/null'

for lang in "${langs[@]}"; do
    ls0=$(date +%s%N)
    set_programs "$lang"
    compiles=$(reg "$lang" compile)
    mem_mb=$(reg "$lang" memory_mb); mem_mb=${mem_mb:-$default_memory_mb}
    echo "== $lang${compiles:+ (compiles)}"

    run_code "$lang" "$hello"
    check "$lang: hello world" is 200 '.status == "ok" and .output.stdout == "hello world\n"
        and .output.exitCode == 0 and .output.signal == 0 and .stages.run.exitCode == 0'
    if [ -n "$compiles" ]; then
        check "$lang: hello world has a compile stage that succeeded" \
            jqb '.stages.compile.exitCode == 0 and .stages.compile.durationMs > 0'
    else
        check "$lang: no compile stage" jqb '.stages.compile == null'
    fi

    run_code "$lang" "$echo" $'echo me, \xc3\xa9\nsecond line\n'
    check "$lang: stdin: a line read and printed back" is 200 '.status == "ok" and .output.stdout == "echo me, é\n"'

    run_code "$lang" "$exit3"
    check "$lang: exit code 3 -> runtime_error" is 200 '.status == "runtime_error" and .output.exitCode == 3
        and .output.signal == 0 and .output.stdout == "bye\n" and (.message | contains("exit code 3"))'

    run_code "$lang" "$crash"
    check "$lang: runtime error -> runtime_error, the error in stderr" \
        is 200 ".status == \"runtime_error\" and .output.stdout == \"before\n\" and ($crash_ok)"

    if [ -z "$compiles" ] && [ -n "$syntax" ]; then
        run_code "$lang" "$syntax"
        check "$lang: a syntax error -> runtime_error, with its line ($syntax_at) in stderr" \
            is 200 --arg at "$syntax_at" '.status == "runtime_error" and (.output.stderr | contains($at))'
    fi

    if [ -n "$compiles" ]; then
        run_code "$lang" "$broken"
        check "$lang: compile error -> compile_error, $cerr_at in the compiler's message, nothing run" \
            is 200 --arg at "$cerr_at" '.status == "compile_error" and .output.exitCode != 0
            and ((.output.stdout + .output.stderr) | contains($at))
            and (.stages.compile.stderr + .stages.compile.stdout | contains($at))
            and (.stages.run == null or .stages.run.ran == false or .stages.run.reason == "none")'
        row=$(sql "SELECT face || '|' || (compile_exit_code != 0) || '|' || (compile_duration_ms > 0)
                   || '|' || (instr(compile_stdout || compile_stderr, '$cerr_at') > 0) || '|' || ifnull(stdout, '-')
                   FROM runs WHERE id = '$(jq -r .runId "$tmp/body")'")
        check "$lang: the run-log row keeps the compile stage: its exit, time and messages ($cerr_at); face editor ($row)" \
            test "$row" = "editor|1|1|1|"
    fi

    run_code "$lang" "$loop"
    check "$lang: endless loop -> timeout at the limit, output kept" is 200 '.status == "timeout"
        and .output.stdout == "starting\n" and (.message | contains("time limit"))
        and .stages.run.durationMs >= ((.limits.timeMs // .limits.wallMs // 0) - 100)'

    run_code "$lang" "$hog"
    notes[$lang-hog]=$(said)
    check "$lang: memory hog -> memory_limit ($mem_mb MB)" is 200 --arg mb "$mem_mb MB" \
        '.status == "memory_limit" and (.message | contains($mb))'
    # Each hog prints the MB it holds so far. The kernel holds the run stage to its own
    # limit (a compiled program's container has the compiler's larger memory until the
    # run stage starts), so no hog can hold more than its limit, however fast it allocates.
    held=$(jq -r '[.output.stdout | splits("\n") | select(. != "") | tonumber] | max // 0' "$tmp/body" 2>/dev/null)
    notes[$lang-hog]+=" held ${held:-?} MB, memoryUsed $(jq -r '.stages.run.memoryUsed / 1048576 | floor' "$tmp/body" 2>/dev/null) MB"
    check "$lang: memory hog held at most its $mem_mb MB, not a larger limit (it held ${held:-?} MB)" \
        test "${held:-999999}" -le "$mem_mb"
    check "$lang: memory hog's memoryUsed is past half its limit and at most the limit" \
        jqb --argjson b "$(( mem_mb << 20 ))" '.stages.run.memoryUsed > $b / 2 and .stages.run.memoryUsed <= $b'

    if [ -n "$chog" ]; then
        # The compiler's own memory bomb ends at the compile stage's limit, larger than
        # the program's: lowering the limit for the run stage happens after the compiler.
        cmem_mb=$(reg "$lang" compile_memory_mb); cmem_mb=${cmem_mb:-$mem_mb}
        run_code "$lang" "$chog"
        notes[$lang-chog]="$(jq -r '"\(.status) after \(.stages.compile.durationMs) ms, the compiler held \(.stages.compile.memoryUsed / 1048576 | floor) MB"' "$tmp/body" 2>/dev/null) of $cmem_mb MB"
        check "$lang: compiler memory bomb -> memory_limit in the compile stage, nothing run" is 200 \
            '.status == "memory_limit" and .stages.run == null and (.message | test("^The compiler needed more memory"))'
        check "$lang: the compiler had its own $cmem_mb MB, more than the program's $mem_mb MB" \
            jqb --argjson run "$(( mem_mb << 20 ))" --argjson comp "$(( cmem_mb << 20 ))" \
            '.stages.compile.memoryUsed > $run and .stages.compile.memoryUsed <= $comp'
    fi

    if [ "$lang" = java ]; then
        run_code java $'import java.util.ArrayList;\nimport java.util.List;\n\npublic class Heap {\n    public static void main(String[] args) {\n        List<byte[]> blocks = new ArrayList<>();\n        while (true) blocks.add(new byte[8 << 20]);\n    }\n}'
        notes[java-heap]=$(said)
        # The heap may grow to the run's whole limit (-Xmx{memory_mb}m): the kernel stops it.
        check "java: Java heap filled -> memory_limit at the run's limit, not the JVM's OutOfMemoryError" is 200 \
            '.status == "memory_limit" and (.output.stderr | contains("OutOfMemoryError") | not)'
    fi

    run_files "$lang" "$multi_extra" "${multi[@]}"
    check "$lang: multi-file program uses the second file" is 200 '.status == "ok" and .output.stdout == "hello files from helpers\n"'

    run_code "$lang" "$uni"
    check "$lang: unicode output, exact" is 200 '.status == "ok" and .output.stdout == "héllo wörld ✓\n" and .stages.run.binary.stdout == false'

    if [ -n "$args" ]; then
        run_code "$lang" "$args" '' "$args_json"
        check "$lang: args reach the program byte for byte" is 200 --arg want "$args_out" '.status == "ok" and .output.stdout == $want'
    fi

    jq -n --arg l "$lang" --arg c "$echo" '{language: $l, code: $c, exercise: "echo-line"}' > "$tmp/req"
    http POST /api/editor/test "$tmp/req"
    check "$lang: the exercise's three I/O cases (one hidden) pass, score 100" is 200 \
        '.status == "passed" and .summary == {passed: 3, failed: 0, total: 3, score: 100} and .tests[2] == {name: "hidden", verdict: "passed", hidden: true}'
    jq -n --arg l "$lang" --arg c "$hello" '{language: $l, code: $c, exercise: "echo-line"}' > "$tmp/req"
    http POST /api/editor/test "$tmp/req"
    check "$lang: a wrong answer fails each case, with what it printed" is 200 \
        '.status == "failed" and .summary.passed == 0 and .tests[0].stdout == "hello world\n" and .tests[0].expected == "hello\n"'

    secs[$lang]=$(( ($(date +%s%N) - ls0) / 1000000 ))
done

echo "== SQL on a database it is given"
sqlite3 "$tmp/school.db" "CREATE TABLE pupils(name TEXT, age INTEGER); INSERT INTO pupils VALUES ('Ada', 12), ('Alan', 13), ('Grace', 14);"
db64=$(base64 -w0 "$tmp/school.db")
run_files sql '{}' "$(file main.sql $'SELECT name FROM pupils WHERE age > 12 ORDER BY name;\nDELETE FROM pupils;' main)" \
    "$(jq -nc --arg c "$db64" '{name: "school.db", content: $c, encoding: "base64"}')"
check "sql: the request's database file (base64) is the one queried" is 200 '.status == "ok" and .output.stdout == "Alan\nGrace\n"'
run_code sql "SELECT count(*) FROM sqlite_master;"
check "sql: without one, an empty database (and the last run's changes are gone)" is 200 '.status == "ok" and .output.stdout == "0\n"'
mkdir -p "$tmp/ex-sql/data"
cp "$tmp/school.db" "$tmp/ex-sql/data/school.db"
cat > "$tmp/ex-sql/exercise.conf" <<'XEOF'
id = older-pupils
title = The pupils older than twelve
languages = sql

[case with-database]
files = data/school.db
expected = Alan\nGrace\n

[case without-database]
expected = none\n
XEOF
check "a teacher adds an SQL exercise with a database file" eval 'build/runbox exercise add "$tmp/ex-sql" >/dev/null'
jq -n '{language: "sql", code: "SELECT name FROM pupils WHERE age > 12 ORDER BY name;", exercise: "older-pupils"}' > "$tmp/req"
http POST /api/editor/test "$tmp/req"
check "sql: the case with the exercise's database passes; the case without it has no such table" is 200 \
    '.summary.passed == 1 and .tests[0].verdict == "passed" and .tests[1].verdict == "runtime_error" and (.tests[1].stderr | contains("no such table: pupils"))'

echo "== layouts beyond one folder, binary files"
run_files c '{}' "$(file main.c $'#include "util/helpers.h"\nint main(void) {\n    greet("files");\n    return 0;\n}' main)" \
    "$(file util/helpers.h 'void greet(const char *who);')" \
    "$(file util/helpers.c $'#include <stdio.h>\n#include "helpers.h"\nvoid greet(const char *who) { printf("hello %s from helpers\\n", who); }')"
check "c: sources in a sub-folder are compiled too" is 200 '.status == "ok" and .output.stdout == "hello files from helpers\n"'
run_files java '{"entry": "Main.java"}' \
    "$(file Main.java $'import util.Helpers;\n\npublic class Main {\n    public static void main(String[] args) {\n        System.out.println(Helpers.greet("files"));\n    }\n}')" \
    "$(file util/Helpers.java $'package util;\n\npublic class Helpers {\n    public static String greet(String who) {\n        return "hello " + who + " from helpers";\n    }\n}')"
check "java: a class in a package folder (util/Helpers.java)" is 200 '.status == "ok" and .output.stdout == "hello files from helpers\n"'
# The public type holding main() may be an interface or a record: the file takes its name.
run_code java $'public interface Greeter {\n    static void main(String[] args) {\n        System.out.println(new Pair("one", 2));\n    }\n}\n\nrecord Pair(String a, int b) {}'
check "java: main() in a public interface (Greeter.java), a record beside it" is 200 \
    '.status == "ok" and .output.stdout == "Pair[a=one, b=2]\n"'
run_code java $'public record Point(int x, int y) {\n    public static void main(String[] args) {\n        System.out.println(new Point(3, 4).x());\n    }\n}'
check "java: main() in a public record (Point.java)" is 200 '.status == "ok" and .output.stdout == "3\n"'
run_files c '{}' "$(file main.c $'#include <stdio.h>\nint main(void) {\n    puts("ok");\n    return 0;\n}' main)" \
    "$(file util/broken.c $'int f(void) {\n    return 1\n}')"
check "c: a compile error in a sub-folder names that file (util/broken.c:2)" is 200 '.status == "compile_error"
    and (.output.stderr | contains("util/broken.c:2"))'

run_files python '{}' "$(file main.py $'with open("data/blob.bin", "rb") as f:\n    print(f.read().hex())' main)" \
    "$(jq -nc '{name: "data/blob.bin", content: "AAEC/w==", encoding: "base64"}')"
check "python: a base64 file arrives as its bytes (00 01 02 ff)" is 200 '.status == "ok" and .output.stdout == "000102ff\n"'

echo "== file names refused, whatever the language"
hostile() { # NAME: a second file with that name next to main.py
    run_files python '{}' "$(file main.py 'print(1)' main)" "$(file "$1" 'x = 1')"
}
for name in ../x.py /etc/passwd a//b.py; do
    hostile "$name"
    check "400 for the file name '$name', named in the message" \
        is 400 --arg n "$name" '.error.code == "bad_request" and (.error.message | contains("File 2") and contains($n))'
done
hostile $'x\x01y.py'
check "400 for a name with a control character (x\\u0001y.py), the file's number in the message" \
    is 400 '.error.code == "bad_request" and (.error.message | contains("File 2"))'
run_files python '{}' "$(file main.py 'print(1)' main)" "$(file main.py 'print(2)')"
check "400 for a duplicate name, named in the message" \
    is 400 '.error.code == "bad_request" and (.error.message | contains("main.py"))'
run_files python '{}' "$(file main.py 'print(1)' main)" "$(file util 'x')" "$(file util/helpers.py 'x = 1')"
check "400 for a name that is also another file's folder (util, util/helpers.py)" \
    is 400 '.error.code == "bad_request" and (.error.message | contains("util"))'

echo "== aliases: one language under each of its names, in every face"
http GET /api/languages
check "GET /api/languages lists each language's aliases" \
    is 200 '(.languages[] | select(.id == "python") | .aliases | index("python3") and index("py"))
            and (.languages[] | select(.id == "cpp") | .aliases | index("c++"))'
# Every alias of the registry, through the editor API: it runs as the language, and the
# answer and the run-log row say the language's id.
for l in "${langs[@]}"; do
    set_programs "$l"   # the language's own hello world, from the checks above
    for a in $(reg "$l" aliases | tr ',' ' '); do
        run_code "$a" "$hello"
        id=$(jq -r .runId "$tmp/body")
        check "editor API: '$a' runs as $l, answered and logged as $l" sh -c \
            "jq -e --arg l '$l' '.status == \"ok\" and .output.stdout == \"hello world\n\" and .language == \$l' '$tmp/body' >/dev/null &&
             [ \"\$(sqlite3 '$RUNBOX_DB_PATH' \"SELECT language FROM runs WHERE id = '$id'\")\" = '$l' ]"
    done
done
jq -n '{language: "Python3", code: "print(int(input()) * 2)", tests: [{name: "double", stdin: "21\n", expected: "42\n"}]}' > "$tmp/req"
http POST /api/editor/test "$tmp/req"
check "tests: 'Python3' (any case) is python" is 200 '.status == "passed" and .language == "python"'
jq -n '{run_spec: {language_id: "py", sourcecode: "print(6 * 7)", sourcefilename: "t.py"}}' > "$tmp/req"
http POST /jobe/index.php/restapi/runs "$tmp/req"
check "Jobe: the registry's alias 'py' runs as Jobe's python3" is 200 '.outcome == 15 and .stdout == "42\n"'
jq -n '{run_spec: {language_id: "nodejs", sourcecode: "console.log(42)", sourcefilename: "t.js"}}' > "$tmp/req"
http POST /jobe/index.php/restapi/runs "$tmp/req"
check "Jobe: its own id 'nodejs' still works" is 200 '.outcome == 15 and .stdout == "42\n"'
# Jobe's own ids for the languages CodeRunner's prototypes add: php, pascal, octave.
for j in php pascal octave; do
    case $j in
    php) src=$'<?php\necho 6 * 7, "\\n";'; fn=prog.php ;;
    pascal) src=$'program prog;\nbegin\n  writeln(6 * 7);\nend.'; fn=prog.pas ;;
    octave) src='disp(6 * 7)'; fn=prog.m ;;
    esac
    jq -n --arg l "$j" --arg c "$src" --arg f "$fn" '{run_spec: {language_id: $l, sourcecode: $c, sourcefilename: $f}}' > "$tmp/req"
    http POST /jobe/index.php/restapi/runs "$tmp/req"
    check "Jobe: '$j' ($fn) runs" is 200 '.outcome == 15 and .stdout == "42\n"'
done
jq -n '{run_spec: {language_id: "pascal", sourcecode: "begin\n  writeln(x);\nend.", sourcefilename: "prog.pas"}}' > "$tmp/req"
http POST /jobe/index.php/restapi/runs "$tmp/req"
check "Jobe: a Pascal compile error is outcome 11 with the compiler's line" is 200 '.outcome == 11 and (.cmpinfo | contains("prog.pas(2,"))'
http GET /jobe/index.php/restapi/languages
check "Jobe: its languages list php, pascal and octave with their versions" is 200 \
    '([.[] | select(.[0] == "php" or .[0] == "pascal" or .[0] == "octave") | select(.[1] != "")] | length) == 3'
for a in py3 c++ node-js sqlite3 rscript mono c# golang kt ts freepascal; do
    case $a in
    sqlite3) body='{"language":"sqlite3","version":"*","files":[{"content":"SELECT 6 * 7;"}]}' ;;
    rscript) body='{"language":"rscript","version":"*","files":[{"content":"cat(6 * 7, \"\\n\", sep = \"\")"}]}' ;;
    mono|c#) body='{"language":"'$a'","version":"*","files":[{"content":"class P { static void Main() { System.Console.WriteLine(6 * 7); } }"}]}' ;;
    golang) body='{"language":"golang","version":"*","files":[{"content":"package main\nimport \"fmt\"\nfunc main() { fmt.Println(6 * 7) }"}]}' ;;
    kt) body='{"language":"kt","version":"*","files":[{"content":"fun main() { println(6 * 7) }"}]}' ;;
    ts) body='{"language":"ts","version":"*","files":[{"content":"const n: number = 6 * 7;\nconsole.log(n);"}]}' ;;
    freepascal) body='{"language":"freepascal","version":"*","files":[{"content":"begin writeln(6 * 7) end."}]}' ;;
    py3) body='{"language":"py3","version":"*","files":[{"content":"print(42)"}]}' ;;
    c++) body='{"language":"c++","version":"*","files":[{"content":"#include <iostream>\nint main(){std::cout<<42<<\"\\n\";}"}]}' ;;
    node-js) body='{"language":"node-js","version":"*","files":[{"content":"console.log(42)"}]}' ;;
    esac
    printf '%s' "$body" > "$tmp/req"
    http POST /api/v2/execute "$tmp/req"
    check "Piston: '$a' runs" is 200 '.run.stdout == "42\n" and .run.code == 0'
done
http GET /api/v2/runtimes
check "Piston's runtimes list the registry's aliases (python: py, py3, python3; c++: cpp, g++)" is 200 \
    '(.[] | select(.language == "python") | .aliases | index("py3") and index("python3"))
     and (.[] | select(.language == "c++") | .aliases | index("cpp") and index("g++"))'
check "Piston's names for C#, SQLite and R: csharp (runtime mono), sqlite3 and rscript" is 200 \
    '(.[] | select(.language == "csharp") | .runtime == "mono" and (.aliases | index("c#")))
     and (.[] | select(.language == "sqlite3") | .aliases | index("sql"))
     and (.[] | select(.language == "rscript") | .aliases | index("r"))'

echo "== stop"
scripts/stack.sh stop >/dev/null
check "nothing of ours is left in Docker (warm pool included)" wait_until 10 none_left

echo
echo "seconds per language:$(for l in "${langs[@]}"; do printf ' %s %d.%d' "$l" $((secs[$l] / 1000)) $((secs[$l] % 1000 / 100)); done)"
echo "memory hogs:"; for l in "${langs[@]}"; do echo "  $l: ${notes[$l-hog]%% (*}, held${notes[$l-hog]##* held}"; done
echo "java, Java heap filled: ${notes[java-heap]:-not run}"
echo "compiler memory bombs:"; for l in "${langs[@]}"; do [ -z "${notes[$l-chog]:-}" ] || echo "  $l: ${notes[$l-chog]}"; done
total=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "total time: $((total / 1000)).$((total % 1000 / 100)) s"
echo "langs e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
