// A test that aborts the whole test binary: the report stops after its "started" event.
#[cfg(test)]
mod tests {
    #[test]
    fn a_first() {
        assert_eq!(1 + 1, 2);
    }

    #[test]
    fn b_aborts() {
        std::process::abort();
    }

    #[test]
    fn c_never() {
        assert_eq!(2 + 2, 4);
    }
}
