// The editor page's own logic (nginx/page/src/logic.js), with mocha: compiler and
// interpreter messages into editor markers, answers into plain words, refusals into one
// sentence. Run with mocha (tests/browser/package-lock.json), its "tdd" interface's test():
//   tests/browser/node_modules/.bin/mocha --ui tdd tests/browser/logic.test.mjs
import assert from 'node:assert/strict';
import { errorSentence, formatBytes, formatMs, parseMarkers, runSummary, sortResults, testRows, versionLabel, whoSentence } from '../../nginx/page/src/logic.js';

test('the picker names a language with its version number only', () => {
  assert.equal(versionLabel({ name: 'C', version: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0', available: true }), 'C 12.2.0');
  assert.equal(versionLabel({ name: 'Python', version: 'Python 3.11.2', available: true }), 'Python 3.11.2');
  assert.equal(versionLabel({ name: 'Rust', version: null, available: false }), 'Rust (not installed)');
});

test('gcc errors and warnings become markers on their lines', () => {
  const text = "main.c: In function 'main':\nmain.c:3:5: error: expected ';' before 'return'\n" +
    "    3 |     return 0\n      |     ^~~~~~\nmain.c:2:9: warning: unused variable 'x' [-Wunused-variable]\n";
  assert.deepEqual(parseMarkers(text), [
    { file: 'main.c', line: 3, column: 5, severity: 'error', message: "expected ';' before 'return'" },
    { file: 'main.c', line: 2, column: 9, severity: 'warning', message: "unused variable 'x' [-Wunused-variable]" },
  ]);
});

test("javac's errors have a line and no column", () => {
  const m = parseMarkers("Main.java:4: error: ';' expected\n        System.out.println(\"x\")\n");
  assert.deepEqual(m, [{ file: 'Main.java', line: 4, column: 1, severity: 'error', message: "';' expected" }]);
});

test("rustc's errors point with -->", () => {
  const text = 'error[E0308]: mismatched types\n --> main.rs:2:18\n  |\n2 |     let x: i32 = "a";\n';
  assert.deepEqual(parseMarkers(text), [{ file: 'main.rs', line: 2, column: 18, severity: 'error', message: 'mismatched types' }]);
});

test("a Python traceback marks its last frame's line with the error", () => {
  const text = 'Traceback (most recent call last):\n  File "/srv/run/main.py", line 5, in <module>\n    f()\n' +
    '  File "/srv/run/main.py", line 2, in f\n    return 1 / 0\nZeroDivisionError: division by zero\n';
  assert.deepEqual(parseMarkers(text), [{ file: 'main.py', line: 2, column: 1, severity: 'error', message: 'ZeroDivisionError: division by zero' }]);
});

test("Node's uncaught error marks its line", () => {
  const text = '/srv/run/main.js:3\nfoo(;\n    ^\n\nSyntaxError: Unexpected token \';\'\n    at ...\n';
  const m = parseMarkers(text);
  assert.equal(m.length, 1);
  assert.equal(m[0].line, 3);
  assert.match(m[0].message, /^SyntaxError/);
});

test("an absolute path is the program's own file it ends with", () => {
  const text = 'Traceback (most recent call last):\n  File "/srv/run/util/helpers.py", line 4, in f\n    x()\nNameError: name \'x\' is not defined\n';
  assert.deepEqual(parseMarkers(text, ['main.py', 'util/helpers.py']).map((m) => [m.file, m.line]), [['util/helpers.py', 4]]);
  assert.deepEqual(parseMarkers(text).map((m) => m.file), ['helpers.py']);
});

test('Free Pascal, C# (mcs) and TypeScript (tsc) errors: file(line,col)', () => {
  const fpc = 'main.pas(3,11) Error: Identifier not found "y"\nmain.pas(5) Fatal: There were 1 errors compiling module, stopping\n';
  assert.deepEqual(parseMarkers(fpc, ['main.pas']).map((m) => [m.line, m.column, m.message]),
    [[3, 11, 'Identifier not found "y"'], [5, 1, 'There were 1 errors compiling module, stopping']]);
  const mcs = "main.cs(3,12): error CS1525: Unexpected symbol `;'\nCompilation failed: 1 error(s), 0 warnings\n";
  assert.deepEqual(parseMarkers(mcs, ['main.cs']), [{ file: 'main.cs', line: 3, column: 12, severity: 'error', message: "Unexpected symbol `;'" }]);
  const tsc = "main.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n";
  assert.deepEqual(parseMarkers(tsc, ['main.ts']).map((m) => [m.file, m.line, m.column]), [['main.ts', 3, 7]]);
});

test("go build's, R's parse() and Kotlin's errors", () => {
  assert.deepEqual(parseMarkers('# command-line-arguments\n./main.go:3:15: x declared but not used\n', ['main.go']),
    [{ file: 'main.go', line: 3, column: 15, severity: 'error', message: 'x declared but not used' }]);
  assert.deepEqual(parseMarkers('Error in parse("main.R") : main.R:3:6: unexpected assignment\n2: x <- 1\n', ['main.R']),
    [{ file: 'main.R', line: 3, column: 6, severity: 'error', message: 'unexpected assignment' }]);
  assert.deepEqual(parseMarkers('main.kt:3:18: error: type mismatch: inferred type is String but Int was expected\n', ['main.kt'])
    .map((m) => [m.line, m.column]), [[3, 18]]);
});

test("Octave's and SQLite's parse errors name a line, not always a file", () => {
  const oct = 'parse error near line 3 of file /srv/run/main.m\n\n  syntax error\n\n>>> y = = 2;\n';
  assert.deepEqual(parseMarkers(oct, ['main.m']), [{ file: 'main.m', line: 3, column: 1, severity: 'error', message: 'syntax error' }]);
  const sql = 'Parse error near line 3: near "SELEC": syntax error\n  SELEC 3;\n  ^--- error here\n';
  assert.deepEqual(parseMarkers(sql, ['main.sql']).map((m) => [m.file, m.line, m.message]), [['main.sql', 3, 'near "SELEC": syntax error']]);
  assert.deepEqual(parseMarkers(sql, ['a.sql', 'b.sql']), []);
});

test('markers only for the files given, when given', () => {
  assert.deepEqual(parseMarkers('lib.c:1:1: error: x\n', ['main.c']), []);
  assert.equal(parseMarkers('', []).length, 0);
  assert.equal(parseMarkers('nothing here\n').length, 0);
});

test('an answer in plain words', () => {
  assert.deepEqual(runSummary({ status: 'ok', output: { exitCode: 0 }, durationMs: 24, memoryUsed: 7340032, truncated: {} }),
    { line: 'Finished · exit code 0 · 24 ms · 7.0 MB', notes: [] });
  assert.deepEqual(runSummary({ status: 'runtime_error', output: { exitCode: 0, signal: 11 }, durationMs: 1500, truncated: { stdout: true } }),
    { line: 'Runtime error · signal 11 · 1.5 s', notes: ['stdout was cut'] });
  assert.equal(runSummary({ status: 'timeout', output: {} }).line, 'Time limit exceeded');
  assert.equal(formatMs(999), '999 ms');
  assert.equal(formatBytes(2048), '2 KB');
});

test("a test request's rows hide what a hidden test hides", () => {
  const rows = testRows({ tests: [
    { name: 'seven', verdict: 'failed', hidden: false, message: 'Line 1 differs', expected: '49\n', stdout: '48\n' },
    { name: 'negative', verdict: 'passed', hidden: true },
  ] });
  assert.deepEqual(rows[0], { name: 'seven', verdict: 'failed', words: 'Wrong answer', passed: false, hidden: false,
    message: 'Line 1 differs', expected: '49\n', actual: '48\n' });
  assert.equal(rows[1].passed, true);
  assert.equal(rows[1].expected, undefined);
});

test('refusals and a server that is gone, in one sentence each', () => {
  assert.equal(errorSentence(429, { error: { message: 'You have used up your 10 runs a minute.' } }, '12'),
    'You have used up your 10 runs a minute. Try again in 12 s.');
  assert.equal(errorSentence(429, { error: { message: 'You can start 1 run per minute and have used it. Try again in 58 seconds.' } }, '58'),
    'You can start 1 run per minute and have used it. Try again in 58 seconds.');
  assert.match(errorSentence(0), /cannot be reached/);
  assert.match(errorSentence(502, null), /busy or restarting/);
  assert.equal(errorSentence(400, { error: { message: 'The field x is not recognised.' } }), 'The field x is not recognised.');
});

test('who the page runs as: a sign-in, a key, or nobody named', () => {
  assert.equal(whoSentence({ user: 'dave', kind: 'remote', role: 'teacher', signIn: 'remote' }), 'Signed in as dave (teacher)');
  assert.equal(whoSentence({ user: 'amy', kind: 'key', role: 'student', signIn: 'key' }), 'Key of amy');
  assert.equal(whoSentence({ user: '127.0.0.1', kind: 'address', role: 'student', signIn: 'address' }), '');
});

test("the class's results sort by any column, ties by name", () => {
  const rows = [
    { user: 'cem', attempts: 2, best: 50, latest: 50 },
    { user: 'ana', attempts: 5, best: 100, latest: 75 },
    { user: 'bo', attempts: 2, best: 100, latest: 100 },
  ];
  assert.deepEqual(sortResults(rows, 'user', false).map((r) => r.user), ['ana', 'bo', 'cem']);
  assert.deepEqual(sortResults(rows, 'user', true).map((r) => r.user), ['cem', 'bo', 'ana']);
  assert.deepEqual(sortResults(rows, 'best', true).map((r) => r.user), ['ana', 'bo', 'cem']); // a tie: by name
  assert.deepEqual(sortResults(rows, 'attempts', false).map((r) => r.user), ['bo', 'cem', 'ana']);
  assert.deepEqual(sortResults(rows, 'latest', true).map((r) => r.user), ['bo', 'ana', 'cem']);
  assert.equal(rows[0].user, 'cem'); // the rows given are left as they were
});
