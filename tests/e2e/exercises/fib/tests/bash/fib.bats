# The student's main.sh defines fib; sourcing it runs nothing else (its own call is
# guarded by [[ "${BASH_SOURCE[0]}" == "$0" ]]).
setup() {
    bats_load_library bats-support
    bats_load_library bats-assert
    source ./main.sh
}

@test "small" {
    assert_equal "$(fib 1) $(fib 2)" "1 1"
}

@test "ten" {
    assert_equal "$(fib 10)" 55
}

@test "twenty" {
    assert_equal "$(fib 20)" 6765
}
