use strict;
use warnings;
use Test::More tests => 3;

require './main.pl';

is(fib(1) . ' ' . fib(2), '1 1', 'small');
is(fib(10), 55, 'ten');
is(fib(20), 6765, 'twenty');
