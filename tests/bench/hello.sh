# Sourced by the benchmarks. hello LANG: a program that prints "hello world", or nothing for
# a language not known here.
hello() {
    case $1 in
    python) printf '%s' 'print("hello world")' ;;
    javascript) printf '%s' 'console.log("hello world");' ;;
    c) printf '%s\n' '#include <stdio.h>' 'int main(void) { puts("hello world"); return 0; }' ;;
    cpp) printf '%s\n' '#include <iostream>' 'int main() { std::cout << "hello world\n"; }' ;;
    java) printf '%s\n' 'public class Hello {' '    public static void main(String[] args) {' \
        '        System.out.println("hello world");' '    }' '}' ;;
    rust) printf '%s\n' 'fn main() {' '    println!("hello world");' '}' ;;
    esac
}
