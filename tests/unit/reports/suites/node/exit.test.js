// A test that ends the whole test file: the tests after it never run.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
test('first', () => { assert.ok(true); });
test('exits', () => { process.exit(3); });
test('never', () => { assert.ok(true); });
