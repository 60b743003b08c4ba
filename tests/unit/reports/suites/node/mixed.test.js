// A student's exercise tested with node:test: some pass, some fail, one throws, one is
// skipped, one is a todo; nested suites.
'use strict';
const { describe, it, test } = require('node:test');
const assert = require('node:assert');

function fib(n) {
  let a = 0, b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

describe('fib', () => {
  it('small', () => {
    assert.strictEqual(fib(1), 1);
  });
  it('ten', () => {
    assert.strictEqual(fib(10), 56);
  });
  describe('edge cases', () => {
    it('zero', () => {
      assert.strictEqual(fib(0), 0);
    });
    it('negative', () => {
      assert.throws(() => fib(-1), RangeError);
    });
  });
});

test('reads input', () => {
  const data = undefined;
  return data.trim();
});

test('huge', { skip: 'not written yet' }, () => {});

test('float', { todo: 'fib of a float' }, () => {
  assert.strictEqual(fib(2.5), 2);
});

test('grüße # mit Raute', () => {
  assert.strictEqual('grüße'.toUpperCase(), 'GRÜSSE');
});

test('prints', () => {
  console.log('fib(5) is', fib(5));
  assert.strictEqual(fib(5), 5);
});
