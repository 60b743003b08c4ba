// Everything passes.
pub fn square(x: i64) -> i64 {
    x * x
}

#[cfg(test)]
mod tests {
    #[test]
    fn square_of_two() {
        assert_eq!(super::square(2), 4);
    }

    #[test]
    fn square_of_minus_three() {
        assert_eq!(super::square(-3), 9);
    }
}
