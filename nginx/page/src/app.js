// runbox's editor page: Monaco, a language picker, stdin and arguments, Run (the button or
// Ctrl/Cmd+Enter), and the answer in plain words. The page is static files served by nginx
// from the same origin as the API; nothing is loaded from anywhere else.
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/javascript/javascript.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/cpp/cpp.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/java/java.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/rust/rust.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/shell/shell.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/perl/perl.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/lua/lua.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/ruby/ruby.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/php/php.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/sql/sql.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/pascal/pascal.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/go/go.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/csharp/csharp.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/kotlin/kotlin.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/typescript/typescript.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/r/r.contribution.js';
import { octaveLanguage } from './octave.js';
import { errorSentence, parseMarkers, runSummary, sortResults, statusWords, testRows, versionLabel, whoSentence } from './logic.js';

self.MonacoEnvironment = { getWorkerUrl: () => 'editor.worker.js' };
// Monaco has no Octave colouring of its own.
monaco.languages.register({ id: 'octave', extensions: ['.m'] });
monaco.languages.setMonarchTokensProvider('octave', octaveLanguage);

// Monaco's name for each runbox language's colouring.
const MONACO_LANG = { python: 'python', javascript: 'javascript', c: 'c', cpp: 'cpp', java: 'java', rust: 'rust',
  bash: 'shell', perl: 'perl', lua: 'lua', ruby: 'ruby', php: 'php', sql: 'sql', pascal: 'pascal', go: 'go',
  csharp: 'csharp', kotlin: 'kotlin', typescript: 'typescript', octave: 'octave', r: 'r' };

// A first program per language: it reads a line and greets it.
const STARTERS = {
  python: 'name = input("Your name: ")\nprint(f"Hello, {name}!")\n',
  javascript: 'const name = require("fs").readFileSync(0, "utf8").trim();\nconsole.log(`Hello, ${name}!`);\n',
  c: '#include <stdio.h>\n\nint main(void)\n{\n    char name[100];\n    if (scanf("%99s", name) == 1)\n        printf("Hello, %s!\\n", name);\n    return 0;\n}\n',
  cpp: '#include <iostream>\n#include <string>\n\nint main()\n{\n    std::string name;\n    std::cin >> name;\n    std::cout << "Hello, " << name << "!\\n";\n}\n',
  java: 'import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        String name = new Scanner(System.in).next();\n        System.out.println("Hello, " + name + "!");\n    }\n}\n',
  rust: 'use std::io::Read;\n\nfn main() {\n    let mut name = String::new();\n    std::io::stdin().read_to_string(&mut name).unwrap();\n    println!("Hello, {}!", name.trim());\n}\n',
  bash: 'read -r name\necho "Hello, $name!"\n',
  perl: 'my $name = <STDIN>;\nchomp $name;\nprint "Hello, $name!\\n";\n',
  lua: 'local name = io.read("l")\nprint("Hello, " .. name .. "!")\n',
  ruby: 'name = STDIN.gets.chomp\nputs "Hello, #{name}!"\n',
  php: '<?php\n$name = trim(fgets(STDIN));\necho "Hello, $name!\\n";\n',
  sql: "-- Runs in SQLite, on an empty database.\nCREATE TABLE pupils (name TEXT, age INTEGER);\nINSERT INTO pupils VALUES ('Ada', 12), ('Alan', 13);\nSELECT name FROM pupils WHERE age > 12;\n",
  pascal: "program Hello;\n\nvar\n  name: string;\n\nbegin\n  readln(name);\n  writeln('Hello, ', name, '!');\nend.\n",
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar name string\n\tfmt.Scanln(&name)\n\tfmt.Printf("Hello, %s!\\n", name)\n}\n',
  csharp: 'using System;\n\nclass Program\n{\n    static void Main()\n    {\n        string name = Console.ReadLine();\n        Console.WriteLine($"Hello, {name}!");\n    }\n}\n',
  kotlin: 'fun main() {\n    val name = readLine() ?: ""\n    println("Hello, $name!")\n}\n',
  typescript: 'const name: string = require("fs").readFileSync(0, "utf8").trim();\nconsole.log(`Hello, ${name}!`);\n',
  octave: 'name = fgetl(stdin);\nprintf("Hello, %s!\\n", name);\n',
  r: 'name <- readLines(file("stdin"), n = 1)\ncat("Hello, ", name, "!\\n", sep = "")\n',
};

const $ = (id) => document.getElementById(id);
const store = {
  get: (k, d) => { try { return localStorage.getItem(`runbox.${k}`) ?? d; } catch { return d; } },
  set: (k, v) => { try { localStorage.setItem(`runbox.${k}`, v); } catch { /* private mode */ } },
};

let editor;
let language = store.get('language', 'python');
let exercise = null; // the exercise picked ({id, title, languages...}), or null
let running = false;
let retry = null; // what Try again does: the last Run or Run tests

// Where the code is kept: per language, and per exercise and language.
const slot = (lang) => (exercise ? `code.${exercise.id}.${lang}` : `code.${lang}`);

function setTheme(dark) {
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  monaco.editor.setTheme(dark ? 'vs-dark' : 'vs');
  $('theme').textContent = dark ? 'Light' : 'Dark';
  store.set('theme', dark ? 'dark' : 'light');
}

// Each language's entry file when a program has several files (a single file is sent as
// "code", and the server names it).
const ENTRY_NAMES = { python: 'main.py', javascript: 'main.js', c: 'main.c', cpp: 'main.cpp', java: 'Main.java', rust: 'main.rs',
  bash: 'main.sh', perl: 'main.pl', lua: 'main.lua', ruby: 'main.rb', php: 'main.php', sql: 'main.sql', pascal: 'main.pas',
  go: 'main.go', csharp: 'main.cs', kotlin: 'main.kt', typescript: 'main.ts', octave: 'main.m', r: 'main.R' };

// The files being edited: [{name, content}], which one runs, which one is shown.
let project = { files: [], entry: 0, current: 0 };

function loadProject(lang) {
  try {
    const p = JSON.parse(store.get(`files.${slot(lang)}`, 'null'));
    if (p && Array.isArray(p.files) && p.files.length > 0) return p;
  } catch { /* kept by an older page: start again */ }
  return { files: [{ name: ENTRY_NAMES[lang] || 'main', content: codeOf(lang) }], entry: 0, current: 0 };
}

function saveProject() {
  if (!editor || !project.files.length) return;
  project.files[project.current].content = editor.getValue();
  store.set(`files.${slot(language)}`, JSON.stringify(project));
  store.set(slot(language), project.files[project.entry].content);
}

function renderTabs() {
  const tabs = $('tabs');
  tabs.replaceChildren();
  project.files.forEach((f, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(i === project.current));
    b.textContent = f.name + (i === project.entry && project.files.length > 1 ? ' ★' : '');
    b.title = i === project.entry ? 'the entry point: this file runs' : '';
    b.tabIndex = i === project.current ? 0 : -1; // one stop in the Tab order; arrows move
    b.addEventListener('click', () => showFile(i));
    b.addEventListener('keydown', (e) => {
      const n = project.files.length;
      const to = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i + n - 1) % n
        : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
      if (to < 0) return;
      e.preventDefault();
      showFile(to);
      $('tabs').children[to].focus();
    });
    tabs.append(b);
  });
  $('delete-file').disabled = $('entry-file').disabled = project.files.length < 2;
}

function showFile(i) {
  saveProject();
  project.current = i;
  editor.setValue(project.files[i].content);
  renderTabs();
}

// A file name the server takes: relative, no empty, "." or ".." part, not there already.
function askName(question, old) {
  const name = (prompt(question, old || '') || '').trim();
  if (!name) return null;
  if (name.startsWith('/') || name.split('/').some((p) => !p || p === '.' || p === '..') || /[\\\x00-\x1f]/.test(name)) {
    $('status').textContent = `"${name}" cannot be a file name: use letters, digits, dots and folders like util/helpers.py.`;
    return null;
  }
  if (project.files.some((f, k) => f.name === name && f.name !== old)) {
    $('status').textContent = `There is a file called ${name} already.`;
    return null;
  }
  return name;
}

function codeOf(lang) {
  const starter = exercise?.languages?.find((l) => l.id === lang)?.starter;
  return store.get(slot(lang), starter || STARTERS[lang] || '');
}

// save: keep what the editor holds first (not when the exercise just changed: it holds the
// previous exercise's code, already kept).
function pickLanguage(lang, save = true) {
  if (editor && save) saveProject();
  language = lang;
  store.set('language', lang);
  $('language').value = lang;
  const model = editor.getModel();
  monaco.editor.setModelLanguage(model, MONACO_LANG[lang] || 'plaintext');
  project = loadProject(lang);
  editor.setValue(project.files[project.current].content);
  renderTabs();
  monaco.editor.setModelMarkers(model, 'runbox', []);
}

// The program as the API takes it: one file as "code", several as "files" with the entry.
function program() {
  saveProject();
  if (project.files.length === 1) return { code: project.files[0].content };
  return { files: project.files.map((f, i) => ({ name: f.name, content: f.content, main: i === project.entry })) };
}

// Markers for the file shown (all of them when there is one file).
// The program's file names, for the markers' paths (none for one file: it may be named
// after its class on the server).
const fileNames = () => (project.files.length > 1 ? project.files.map((f) => f.name) : undefined);

function markersFor(list) {
  const name = project.files[project.current]?.name;
  return list.filter((m) => project.files.length === 1 || m.file === name);
}

// A GET of the API as {status, body}: status 0 when the server cannot be reached. The page's
// first few were asked for by index.html while app.js loaded; they are taken from there once
// (if the key is still the one they were sent with).
const boot = self.runboxBoot || {};
async function getJson(path, bootName) {
  const early = boot[bootName];
  if (early && boot.key === $('key').value.trim()) {
    delete boot[bootName];
    return early;
  }
  try {
    const r = await fetch(path, { headers: headers() });
    return { status: r.status, body: await r.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
}

async function loadLanguages() {
  const sel = $('language');
  const { status, body } = await getJson('/api/languages', 'languages');
  if (status === 0 || !body) $('status').textContent = errorSentence(status);
  else {
    for (const l of body.languages || []) {
      const o = document.createElement('option');
      o.value = l.id;
      o.textContent = versionLabel(l);
      o.disabled = !l.available;
      sel.append(o);
    }
  }
  if (![...sel.options].some((o) => o.value === language)) language = sel.options[0]?.value || 'python';
  sel.value = language;
}

function show(answer) {
  const { line, notes } = runSummary(answer);
  $('summary').textContent = [line, ...notes].join(' · ');
  $('summary').dataset.status = answer.status;
  $('stdout').textContent = answer.output?.stdout ?? '';
  $('stderr').textContent = answer.output?.stderr ?? '';
  if (answer.message) $('status').textContent = answer.message;
  const text = [answer.stages?.compile?.stderr, answer.output?.stderr].filter(Boolean).join('\n');
  const markers = markersFor(parseMarkers(text, fileNames())).map((m) => ({
    startLineNumber: m.line, startColumn: m.column, endLineNumber: m.line, endColumn: 1000,
    message: m.message, severity: m.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
  }));
  monaco.editor.setModelMarkers(editor.getModel(), 'runbox', markers);
}

// POST a run or a test request. A good answer (ok(answer)) is shown by showAnswer; a refusal,
// or the runner busy, restarting, down or out of reach, in one sentence, with Try again
// where a later try may work. again is what Try again does.
async function send(again, path, body, working, ok, showAnswer) {
  if (running) return;
  running = true;
  $('run').disabled = $('test').disabled = true;
  $('status').textContent = working;
  $('retry').hidden = true;
  retry = again;
  try {
    const r = await fetch(path, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
    let answer = null;
    try { answer = await r.json(); } catch { /* not JSON: said below */ }
    if (r.ok && answer && ok(answer)) {
      $('status').textContent = answer.message || '';
      showAnswer(answer);
    } else {
      $('status').textContent = errorSentence(r.status, answer, r.headers.get('Retry-After'));
      $('retry').hidden = !(r.status >= 502 && r.status <= 504);
    }
  } catch {
    $('status').textContent = errorSentence(0);
    $('retry').hidden = false;
  } finally {
    running = false;
    $('run').disabled = $('test').disabled = false;
  }
}

async function run() {
  if (running) return;
  $('summary').textContent = '';
  const args = $('args').value.trim();
  const body = { language, ...program(), stdin: $('stdin').value };
  if (args) body.args = args.split(/\s+/);
  await send(run, '/api/editor/run', body, 'Running…', (a) => a.status, show);
}

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = $('key').value.trim();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

// Who the server takes us for: a key's user, the school's signed-in user (then no key is
// asked for), or nobody yet.
async function whoAmI() {
  const { status, body } = await getJson('/api/me', 'me');
  const me = status === 200 ? body : null;
  const signedIn = me?.signIn === 'remote';
  $('key-label').hidden = signedIn;
  $('who').hidden = !me || me.signIn === 'address';
  $('who').textContent = me ? whoSentence(me) : '';
  if (status === 401 && $('key').value.trim()) $('status').textContent = errorSentence(401);
  return me;
}

async function loadExercises() {
  const { status, body } = await getJson('/api/exercises', 'exercises');
  if (status !== 200 || !body) return; // none for this user, or offline: free coding only
  for (const x of body.exercises || []) {
    const o = document.createElement('option');
    o.value = x.id;
    o.textContent = x.title;
    $('exercise').append(o);
  }
  const last = store.get('exercise', '');
  if (last && (body.exercises || []).some((x) => x.id === last)) {
    $('exercise').value = last;
    await pickExercise(last);
  }
}

async function pickExercise(id) {
  if (editor) saveProject();
  exercise = null;
  store.set('exercise', id);
  $('task').hidden = $('test').hidden = $('results').hidden = $('class').hidden = true;
  if (id) {
    try {
      const r = await fetch(`/api/exercises/${encodeURIComponent(id)}`, { headers: headers() });
      if (!r.ok) throw Object.assign(new Error(), { status: r.status, body: await r.json().catch(() => null) });
      exercise = await r.json();
      $('task-title').textContent = exercise.title;
      $('instructions').textContent = exercise.instructions || '';
      $('task').hidden = $('test').hidden = false;
      loadClass(id);
      const langs = exercise.languages.map((l) => l.id);
      if (!langs.includes(language)) { language = langs[0]; $('language').value = language; }
    } catch (e) {
      $('status').textContent = errorSentence(e.status || 0, e.body);
    }
  }
  pickLanguage(language, false);
}

// A teacher's key (or sign-in) reads the exercise's results; anyone else gets 403 and sees
// nothing. The table sorts by any column (its header is a button).
let classRows = [];
let classSort = { key: 'user', descending: false };

function renderClass() {
  const rows = $('class-rows');
  rows.replaceChildren();
  for (const s of sortResults(classRows, classSort.key, classSort.descending)) {
    const tr = document.createElement('tr');
    for (const v of [s.user, s.attempts, s.best, s.latest, `${s.latestPassed}/${s.latestTotal}`]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Show';
    b.setAttribute('aria-label', `Show ${s.user}'s latest code`);
    b.addEventListener('click', () => showStudentCode(s.user, s.latestRun));
    td.append(b);
    tr.append(td);
    rows.append(tr);
  }
  for (const th of document.querySelectorAll('#class th')) {
    const key = th.querySelector('button')?.dataset.sort;
    if (key === classSort.key) th.setAttribute('aria-sort', classSort.descending ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

async function loadClass(id) {
  $('class').hidden = true;
  $('student-code').hidden = true;
  try {
    const r = await fetch(`/api/exercises/${encodeURIComponent(id)}/results`, { headers: headers() });
    if (!r.ok) return;
    const body = await r.json();
    classRows = body.results || [];
    renderClass();
    $('class-csv').onclick = () => downloadCsv(`${id}-results.csv`,
      sortResults(classRows, classSort.key, classSort.descending));
    $('class').hidden = false;
  } catch { /* not a teacher, or offline */ }
}

// The class's results as a spreadsheet file, made in the browser from what the table shows.
function downloadCsv(name, results) {
  const q = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [['user', 'attempts', 'best', 'latest', 'latest_passed', 'latest_total'].join(',')];
  for (const s of results) lines.push([s.user, s.attempts, s.best, s.latest, s.latestPassed, s.latestTotal].map(q).join(','));
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
  a.download = name;
  a.click();
  // Not at once: the browser may still be reading it when click() returns.
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
}

async function showStudentCode(user, runId) {
  const pre = $('student-code');
  try {
    const r = await fetch(`/api/runs/${encodeURIComponent(runId)}`, { headers: headers() });
    const body = await r.json().catch(() => null);
    pre.textContent = r.ok && body ? `${user}, latest attempt:\n\n${body.code ?? '(not kept)'}`
      : errorSentence(r.status, body);
  } catch {
    pre.textContent = errorSentence(0);
  }
  pre.hidden = false;
}

function showTests(answer) {
  const t = answer.summary || {};
  $('score').textContent = `${statusWords(answer.status)}: ${t.passed} of ${t.total} passed, score ${t.score}`;
  $('score').dataset.status = answer.status;
  const list = $('tests');
  list.replaceChildren();
  for (const row of testRows(answer)) {
    const li = document.createElement('li');
    li.className = row.passed ? 'passed' : 'failed';
    const name = document.createElement('span');
    name.textContent = `${row.name}${row.hidden ? ' (hidden)' : ''}: `;
    const v = document.createElement('span');
    v.className = 'verdict';
    v.textContent = row.words;
    li.append(name, v);
    if (!row.hidden && !row.passed && (row.message || row.expected !== undefined)) {
      const d = document.createElement('div');
      d.className = 'detail';
      d.textContent = [row.message, row.expected !== undefined ? `expected: ${row.expected}` : '',
        row.actual !== undefined ? `got: ${row.actual}` : ''].filter(Boolean).join('\n');
      li.append(d);
    }
    list.append(li);
  }
  $('results').hidden = false;
  $('stdout').textContent = '';
  $('stderr').textContent = answer.compile?.stderr || '';
  $('summary').textContent = '';
  const markers = markersFor(parseMarkers(answer.compile?.stderr || '', fileNames())).map((m) => ({
    startLineNumber: m.line, startColumn: m.column, endLineNumber: m.line, endColumn: 1000,
    message: m.message, severity: monaco.MarkerSeverity.Error,
  }));
  monaco.editor.setModelMarkers(editor.getModel(), 'runbox', markers);
}

async function runTests() {
  if (running || !exercise) return;
  await send(runTests, '/api/editor/test', { exercise: exercise.id, language, ...program() },
    'Running the tests…', (a) => a.tests, showTests);
}

async function main() {
  $('key').value = store.get('key', '');
  // The editor first, in the language used last; the pickers fill in when the answers that
  // index.html asked for arrive (most often they already have).
  project = loadProject(language);
  editor = monaco.editor.create($('code'), {
    value: project.files[project.current].content, language: MONACO_LANG[language] || 'plaintext',
    automaticLayout: true, minimap: { enabled: false }, fontSize: 14, ariaLabel: 'Code editor',
  });
  setTheme(store.get('theme', matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light') === 'dark');
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, run);
  editor.onDidChangeModelContent(saveProject);
  const shown = language;
  await Promise.all([loadLanguages(), whoAmI()]);
  if (language !== shown) pickLanguage(language, false); // the one used last is gone
  renderTabs();
  $('add-file').addEventListener('click', () => {
    const name = askName('Name of the new file (e.g. helpers.py):');
    if (!name) return;
    saveProject();
    project.files.push({ name, content: '' });
    showFile(project.files.length - 1);
  });
  $('rename-file').addEventListener('click', () => {
    const f = project.files[project.current];
    const name = askName(`New name for ${f.name}:`, f.name);
    if (!name) return;
    f.name = name;
    saveProject();
    renderTabs();
  });
  $('delete-file').addEventListener('click', () => {
    if (project.files.length < 2 || !confirm(`Delete ${project.files[project.current].name}?`)) return;
    project.files.splice(project.current, 1);
    if (project.entry >= project.current && project.entry > 0) project.entry--;
    project.current = Math.min(project.current, project.files.length - 1);
    editor.setValue(project.files[project.current].content);
    saveProject();
    renderTabs();
  });
  $('entry-file').addEventListener('click', () => {
    project.entry = project.current;
    saveProject();
    renderTabs();
  });
  $('exercise').addEventListener('change', (e) => pickExercise(e.target.value));
  $('test').addEventListener('click', runTests);
  await loadExercises();
  $('language').addEventListener('change', (e) => pickLanguage(e.target.value));
  $('run').addEventListener('click', run);
  $('retry').addEventListener('click', () => retry?.());
  $('key').addEventListener('change', async (e) => {
    store.set('key', e.target.value.trim());
    $('status').textContent = '';
    await whoAmI();
    if (exercise) loadClass(exercise.id);
  });
  for (const b of document.querySelectorAll('#class th button')) {
    b.addEventListener('click', () => {
      const key = b.dataset.sort;
      classSort = { key, descending: classSort.key === key ? !classSort.descending : key !== 'user' };
      renderClass();
    });
  }
  $('theme').addEventListener('click', () => setTheme(document.documentElement.dataset.theme !== 'dark'));
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); run(); }
  });
  // Time to interactive: from the start of the navigation to a page that runs code.
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = '1';
}

main();
