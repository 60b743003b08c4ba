const test = require('node:test');
const assert = require('node:assert');
const { fib } = require(process.cwd() + '/main.js');

test('small', () => { assert.strictEqual(fib(1), 1); assert.strictEqual(fib(2), 1); });
test('ten', () => { assert.strictEqual(fib(10), 55); });
test('twenty', () => { assert.strictEqual(fib(20), 6765); });
