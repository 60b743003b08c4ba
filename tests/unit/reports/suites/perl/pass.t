# Test::More sample for record.sh: a plan up front, both tests pass.
use strict;
use warnings;
use Test::More tests => 2;

is(2 * 2, 4, 'square of two');
is(-3 * -3, 9, 'square of minus three');
