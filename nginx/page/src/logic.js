// The page's own logic, without the browser: what a run's answer says in plain words, and
// where a compiler's or an interpreter's messages point in the student's code. Unit-tested
// with node:test (tests/browser/logic.test.mjs); app.js draws what these return.

// A status as the student reads it.
export const STATUS_WORDS = {
  ok: 'Finished',
  runtime_error: 'Runtime error',
  compile_error: 'Compile error',
  timeout: 'Time limit exceeded',
  memory_limit: 'Memory limit exceeded',
  output_limit: 'Output limit exceeded',
  internal_error: 'The code runner failed',
  passed: 'All tests passed',
  failed: 'Some tests failed',
  error: 'The tests could not be run',
  not_run: 'Not run',
  skipped: 'Skipped',
};

export function statusWords(status) {
  return STATUS_WORDS[status] || status;
}

// A test's verdict as the student reads it.
export const VERDICT_WORDS = {
  passed: 'Passed',
  failed: 'Wrong answer',
  runtime_error: 'Runtime error',
  timeout: 'Time limit exceeded',
  memory_limit: 'Memory limit exceeded',
  output_limit: 'Output limit exceeded',
  error: 'Could not be run',
  not_run: 'Not run',
  skipped: 'Skipped',
};

// A language as the picker shows it: its name and the last version number its image reports
// ("C 12.2.0" from "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"; "(not installed)" when its image
// is missing).
export function versionLabel(l) {
  const v = (String(l.version || '').match(/\d+(?:\.\d+)+/g) || []).pop();
  return `${l.name}${v ? ` ${v}` : ''}${l.available === false ? ' (not installed)' : ''}`;
}

// "1.2 s", "35 ms", "9.3 MB".
export function formatMs(ms) {
  if (typeof ms !== 'number' || ms < 0) return '';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

export function formatBytes(n) {
  if (typeof n !== 'number' || n < 0) return '';
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

// The summary line of a run's answer: status, exit code, time, memory, and a note when output
// was cut.
export function runSummary(r) {
  const parts = [statusWords(r.status)];
  const out = r.output || {};
  if (r.status === 'runtime_error') {
    parts.push(out.signal ? `signal ${out.signal}` : `exit code ${out.exitCode}`);
  } else if (r.status === 'ok') {
    parts.push(`exit code ${out.exitCode ?? 0}`);
  }
  if (typeof r.durationMs === 'number') parts.push(formatMs(r.durationMs));
  if (typeof r.memoryUsed === 'number' && r.memoryUsed > 0) parts.push(formatBytes(r.memoryUsed));
  const cut = r.truncated || {};
  const notes = [];
  if (cut.stdout) notes.push('stdout was cut');
  if (cut.stderr) notes.push('stderr was cut');
  return { line: parts.join(' · '), notes };
}

// Markers for the editor from a compiler's or interpreter's messages: [{file, line, column,
// severity, message}], lines and columns from 1. Understands gcc/clang and rustc's
// "file:line:col: error: msg", javac's "File.java:3: error: msg", rustc's "--> file:l:c",
// Python's tracebacks ('File "<work folder>/main.py", line 3') and Node's "<work folder>/main.js:3"
// (the work folder's prefix is dropped from the file's name).
export function parseMarkers(text, files) {
  const known = new Set(files || []);
  const markers = [];
  if (!text) return markers;
  const lines = text.split('\n');
  // Interpreters name files by absolute path (the program's folder first): the program's
  // own file that the path ends with, else its last part.
  const base = (p) => {
    p = p.replace(/^\.\//, '');
    if (!p.startsWith('/')) return p;
    const own = [...known].filter((f) => p.endsWith(`/${f}`)).sort((a, b) => b.length - a.length)[0];
    return own || p.slice(p.lastIndexOf('/') + 1);
  };
  const push = (file, line, column, severity, message) => {
    file = base(file);
    if (known.size && !known.has(file)) return;
    if (!(line >= 1)) return;
    if (markers.some((m) => m.file === file && m.line === line && m.message === message)) return;
    markers.push({ file, line, column: column >= 1 ? column : 1, severity, message });
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m;
    // gcc, clang, javac: path:line[:col]: error|warning: message
    if ((m = /^([^\s:][^:]*):(\d+):(?:(\d+):)?\s*(fatal error|error|warning):\s*(.*)$/.exec(l))) {
      push(m[1], +m[2], +(m[3] || 1), m[4] === 'warning' ? 'warning' : 'error', m[5]);
      continue;
    }
    // Free Pascal, Mono's mcs, tsc: path(line,col)[:] Error|error [code]: message
    if ((m = /^([^\s(]+)\((\d+)(?:,(\d+))?\):?\s*(Fatal|Error|error|Warning|warning)(?: \w+)?:\s*(.*)$/.exec(l))) {
      push(m[1], +m[2], +(m[3] || 1), /^warning$/i.test(m[4]) ? 'warning' : 'error', m[5]);
      continue;
    }
    // go build: ./main.go:3:15: message (no "error:" word)
    if ((m = /^(\S+\.go):(\d+):(\d+): (.*)$/.exec(l))) {
      push(m[1], +m[2], +m[3], 'error', m[4]);
      continue;
    }
    // R's parse(): Error in parse("main.R") : main.R:3:6: unexpected assignment
    if ((m = /^Error in parse\(.*\) : (\S+):(\d+):(\d+): (.*)$/.exec(l))) {
      push(m[1], +m[2], +m[3], 'error', m[4]);
      continue;
    }
    // Octave: "parse error near line 3 of file <the program's folder>/main.m", then the message
    if ((m = /^(?:error: )?parse error near line (\d+) of file (\S+)$/.exec(l))) {
      const msg = lines.slice(i + 1, i + 4).map((x) => x.trim()).find(Boolean) || 'parse error';
      push(m[2], +m[1], 1, 'error', msg);
      continue;
    }
    // SQLite's shell: "Parse error near line 3: message", in the program's one .sql file
    if ((m = /^Parse error near line (\d+): (.*)$/.exec(l))) {
      const sql = [...known].filter((f) => f.endsWith('.sql'));
      if (sql.length === 1) push(sql[0], +m[1], 1, 'error', m[2]);
      continue;
    }
    // rustc: "error[E0308]: msg" then "  --> main.rs:3:5"
    if ((m = /^(error|warning)(\[\w+\])?: (.*)$/.exec(l))) {
      const at = lines.slice(i + 1, i + 4).map((x) => /^\s*--> ([^:]+):(\d+):(\d+)/.exec(x)).find(Boolean);
      if (at) push(at[1], +at[2], +at[3], m[1], m[3]);
      continue;
    }
  }
  // Python: the last 'File "...", line N' of a traceback, with the error's last line.
  const py = [...text.matchAll(/File "([^"]+)", line (\d+)/g)];
  if (py.length) {
    const last = py[py.length - 1];
    const tail = lines.filter((x) => x.trim()).pop() || '';
    push(last[1], +last[2], 1, 'error', tail.trim());
  }
  // Node: "<work folder>/main.js:3" at the top of an uncaught error, then the message.
  const node = /^(\/[^:\s]+\.m?js):(\d+)\s*$/m.exec(text);
  if (node) {
    const msg = lines.find((x) => /^\w*Error\b/.test(x)) || 'error';
    push(node[1], +node[2], 1, 'error', msg.trim());
  }
  return markers;
}

// The tests of a test request as rows to draw: name, verdict in words, whether it passed,
// and for a visible test what was expected against what came out.
export function testRows(answer) {
  return (answer.tests || []).map((t) => ({
    name: t.name,
    verdict: t.verdict,
    words: VERDICT_WORDS[t.verdict] || t.verdict,
    passed: t.verdict === 'passed',
    hidden: !!t.hidden,
    message: t.hidden ? '' : t.message || '',
    expected: t.hidden ? undefined : t.expected,
    actual: t.hidden ? undefined : t.stdout,
  }));
}

// What to tell the student when the server refused or could not be reached: one sentence,
// never a raw answer. status 0 means the request never got an answer.
export function errorSentence(status, body, retryAfter) {
  const msg = body && body.error && body.error.message;
  if (status === 0) return 'The code runner cannot be reached. Check your network connection and try again.';
  if (status === 429) {
    // The server's sentence says when, as a rule; Retry-After says it otherwise.
    if (msg && /try again|starts again/i.test(msg)) return msg;
    const wait = retryAfter ? ` Try again in ${retryAfter} s.` : '';
    return (msg || 'You have used up your runs for now.') + wait;
  }
  if (status === 502 || status === 503 || status === 504) {
    return msg || 'The code runner is busy or restarting. Try again in a few seconds.';
  }
  if (status === 401) return msg || 'Your API key is not valid. Enter the key your teacher gave you.';
  return msg || `The code runner answered with an error (HTTP ${status}). Try again.`;
}

// Who the page runs code as, in a few words ({user, kind, role, signIn} from GET /api/me).
export function whoSentence(me) {
  const role = me.role && me.role !== 'student' ? ` (${me.role})` : '';
  if (me.signIn === 'remote') return `Signed in as ${me.user}${role}`;
  if (me.signIn === 'key') return `Key of ${me.user}${role}`;
  return '';
}

// The class's results sorted by one column: names alphabetically, numbers by value (best
// first when descending); ties by name, so the order is always the same.
export function sortResults(rows, key, descending) {
  const byName = (a, b) => String(a.user).localeCompare(String(b.user));
  return [...rows].sort((a, b) => {
    let d = key === 'user' ? byName(a, b) : (Number(a[key]) || 0) - (Number(b[key]) || 0);
    if (descending) d = -d;
    return d || byName(a, b);
  });
}
