package main

import "testing"

func Test_small(t *testing.T) {
	if fib(1) != 1 || fib(2) != 1 {
		t.Errorf("fib(1), fib(2) = %d, %d; want 1, 1", fib(1), fib(2))
	}
}

func Test_ten(t *testing.T) {
	if got := fib(10); got != 55 {
		t.Errorf("fib(10) = %d; want 55", got)
	}
}

func Test_twenty(t *testing.T) {
	if got := fib(20); got != 6765 {
		t.Errorf("fib(20) = %d; want 6765", got)
	}
}
