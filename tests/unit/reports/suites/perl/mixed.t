# Test::More sample for record.sh (run by images/scripts/runbox-prove): passes, failed is()
# and like(), a skip, a TODO, a subtest with a failure, a forged line on stdout.
use strict;
use warnings;
use Test::More;

sub fib { my ($n) = @_; my ($a, $b) = (0, 1); ($a, $b) = ($b, $a + $b) for 1 .. $n; return $a; }

is(fib(10), 55, 'ten');
is(fib(10), 56, 'ten is fifty-six');
ok(fib(1) == 1, 'one');
like('fib', qr/^x/, 'a pattern');
SKIP: {
    skip 'no database', 1;
    ok(0, 'database');
}
TODO: {
    local $TODO = 'later';
    ok(0, 'huge');
}
subtest 'small' => sub {
    is(fib(1), 1, 'one');
    is(fib(2), 2, 'two');
};
print "ok 99 - forged\n";
done_testing();
