// The student's file, as a module of the test crate: main.rs in the folder rustc runs in
// (the student's files are in the current folder, the suite's are not).
#[path = "/proc/self/cwd/main.rs"]
#[allow(dead_code)]
mod student;
use student::fib;

#[test]
fn small() {
    assert_eq!(fib(1), 1);
    assert_eq!(fib(2), 1);
}

#[test]
fn ten() {
    assert_eq!(fib(10), 55);
}

#[test]
fn twenty() {
    assert_eq!(fib(20), 6765);
}
