// A student's exercise tested with Rust's built-in test harness: some pass, some fail, one
// panics, one is ignored.
pub fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let t = a + b;
        a = b;
        b = t;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::fib;

    #[test]
    fn fib_small() {
        assert_eq!(fib(1), 1);
    }

    #[test]
    fn fib_ten() {
        assert_eq!(fib(10), 56, "fib(10)");
    }

    #[test]
    fn reads_input() {
        let s = std::fs::read_to_string("missing-input.txt").unwrap();
        assert_eq!(s, "42\n");
    }

    #[test]
    #[ignore]
    fn fib_huge() {
        assert!(fib(90) > 0);
    }

    #[test]
    fn größe() {
        assert_eq!("größe".to_uppercase(), "GRÖSSE");
    }

    #[test]
    fn prints() {
        println!("fib(5) is {}", fib(5));
        assert_eq!(fib(5), 5);
    }

    #[test]
    fn prints_then_fails() {
        println!("about to check fib(6)");
        assert!(fib(6) == 9, "fib(6) should be 9, got {}", fib(6));
    }

    #[test]
    #[should_panic(expected = "overflow")]
    fn overflows() {
        fib(100);
    }
}
