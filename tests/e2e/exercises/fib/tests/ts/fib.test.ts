import test from 'node:test';
import assert from 'node:assert';
import { fib } from '../main';

test('small', () => { assert.strictEqual(fib(1), 1); assert.strictEqual(fib(2), 1); });
test('ten', () => { assert.strictEqual(fib(10), 55); });
test('twenty', () => { assert.strictEqual(fib(20), 6765); });
