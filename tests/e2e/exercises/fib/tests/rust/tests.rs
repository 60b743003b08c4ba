// The student's file, as a module of the test crate.
#[path = "/work/main.rs"]
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
