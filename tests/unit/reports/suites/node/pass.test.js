// Everything passes.
'use strict';
const test = require('node:test');
const assert = require('node:assert');

const square = (x) => x * x;

test('square of two', () => {
  assert.strictEqual(square(2), 4);
});

test('square of minus three', () => {
  assert.strictEqual(square(-3), 9);
});
