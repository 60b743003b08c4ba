# Sourced by the benchmarks. hello LANG: a program that prints "hello world", or nothing for
# a language not known here; idle_at and post_lua, below, for the stacks they start.
hello() {
    case $1 in
    python) printf '%s' 'print("hello world")' ;;
    javascript) printf '%s' 'console.log("hello world");' ;;
    c) printf '%s\n' '#include <stdio.h>' 'int main(void) { puts("hello world"); return 0; }' ;;
    cpp) printf '%s\n' '#include <iostream>' 'int main() { std::cout << "hello world\n"; }' ;;
    java) printf '%s\n' 'public class Hello {' '    public static void main(String[] args) {' \
        '        System.out.println("hello world");' '    }' '}' ;;
    rust) printf '%s\n' 'fn main() {' '    println!("hello world");' '}' ;;
    bash) printf '%s' 'echo "hello world"' ;;
    perl) printf '%s' 'print "hello world\n";' ;;
    lua) printf '%s' 'print("hello world")' ;;
    ruby) printf '%s' 'puts "hello world"' ;;
    php) printf '%s\n' '<?php' 'echo "hello world\n";' ;;
    sql) printf '%s' "SELECT 'hello world';" ;;
    pascal) printf '%s\n' 'begin' "  writeln('hello world');" 'end.' ;;
    go) printf '%s\n' 'package main' 'import "fmt"' 'func main() { fmt.Println("hello world") }' ;;
    csharp) printf '%s\n' 'class Hello {' '    static void Main() { System.Console.WriteLine("hello world"); }' '}' ;;
    kotlin) printf '%s\n' 'fun main() {' '    println("hello world")' '}' ;;
    typescript) printf '%s' 'const greeting: string = "hello world"; console.log(greeting);' ;;
    octave) printf '%s' 'disp("hello world")' ;;
    r) printf '%s' 'cat("hello world\n")' ;;
    esac
}

# idle_at PORT: warm containers ready in the stack on 127.0.0.1:PORT, from its health (0 when
# it does not answer).
idle_at() {
    curl -s "http://127.0.0.1:$1/api/health" | jq '[.languages[].pool.idle] | add // 0' 2>/dev/null || echo 0
}

# post_lua BODY-FILE LUA-FILE: a wrk script that POSTs the JSON in BODY-FILE, read from the
# same file curl sends, so both measure the same request.
post_lua() {
    cat > "$2" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$1", "r")
wrk.body = f:read("*a")
f:close()
EOF
}
