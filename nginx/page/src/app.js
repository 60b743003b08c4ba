// runbox's editor page: Monaco, a language picker, stdin and arguments, Run (the button or
// Ctrl/Cmd+Enter), and the answer in plain words. The page is static files served by nginx
// from the same origin as the API; nothing is loaded from anywhere else.
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/javascript/javascript.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/cpp/cpp.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/java/java.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/rust/rust.contribution.js';
import { errorSentence, parseMarkers, runSummary } from './logic.js';

self.MonacoEnvironment = { getWorkerUrl: () => 'editor.worker.js' };

// Monaco's name for each runbox language's colouring.
const MONACO_LANG = { python: 'python', javascript: 'javascript', c: 'c', cpp: 'cpp', java: 'java', rust: 'rust' };

// A first program per language: it reads a line and greets it.
const STARTERS = {
  python: 'name = input("Your name: ")\nprint(f"Hello, {name}!")\n',
  javascript: 'const name = require("fs").readFileSync(0, "utf8").trim();\nconsole.log(`Hello, ${name}!`);\n',
  c: '#include <stdio.h>\n\nint main(void)\n{\n    char name[100];\n    if (scanf("%99s", name) == 1)\n        printf("Hello, %s!\\n", name);\n    return 0;\n}\n',
  cpp: '#include <iostream>\n#include <string>\n\nint main()\n{\n    std::string name;\n    std::cin >> name;\n    std::cout << "Hello, " << name << "!\\n";\n}\n',
  java: 'import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        String name = new Scanner(System.in).next();\n        System.out.println("Hello, " + name + "!");\n    }\n}\n',
  rust: 'use std::io::Read;\n\nfn main() {\n    let mut name = String::new();\n    std::io::stdin().read_to_string(&mut name).unwrap();\n    println!("Hello, {}!", name.trim());\n}\n',
};

const $ = (id) => document.getElementById(id);
const store = {
  get: (k, d) => { try { return localStorage.getItem(`runbox.${k}`) ?? d; } catch { return d; } },
  set: (k, v) => { try { localStorage.setItem(`runbox.${k}`, v); } catch { /* private mode */ } },
};

let editor;
let language = store.get('language', 'python');
let running = false;

function setTheme(dark) {
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  monaco.editor.setTheme(dark ? 'vs-dark' : 'vs');
  $('theme').textContent = dark ? 'Light' : 'Dark';
  store.set('theme', dark ? 'dark' : 'light');
}

function codeOf(lang) {
  return store.get(`code.${lang}`, STARTERS[lang] || '');
}

function pickLanguage(lang) {
  if (editor) store.set(`code.${language}`, editor.getValue());
  language = lang;
  store.set('language', lang);
  $('language').value = lang;
  const model = editor.getModel();
  monaco.editor.setModelLanguage(model, MONACO_LANG[lang] || 'plaintext');
  editor.setValue(codeOf(lang));
  monaco.editor.setModelMarkers(model, 'runbox', []);
}

async function loadLanguages() {
  const sel = $('language');
  try {
    const r = await fetch('/api/languages');
    const body = await r.json();
    for (const l of body.languages || []) {
      const o = document.createElement('option');
      o.value = l.id;
      o.textContent = l.version ? `${l.name} ${l.version}` : l.name;
      o.disabled = !l.available;
      sel.append(o);
    }
  } catch {
    $('status').textContent = errorSentence(0);
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
  const markers = parseMarkers(text).map((m) => ({
    startLineNumber: m.line, startColumn: m.column, endLineNumber: m.line, endColumn: 1000,
    message: m.message, severity: m.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
  }));
  monaco.editor.setModelMarkers(editor.getModel(), 'runbox', markers);
}

async function run() {
  if (running) return;
  running = true;
  $('run').disabled = true;
  $('status').textContent = 'Running…';
  $('summary').textContent = '';
  const code = editor.getValue();
  store.set(`code.${language}`, code);
  const args = $('args').value.trim();
  const body = { language, code, stdin: $('stdin').value };
  if (args) body.args = args.split(/\s+/);
  const headers = { 'Content-Type': 'application/json' };
  const key = $('key').value.trim();
  if (key) headers.Authorization = `Bearer ${key}`;
  try {
    const r = await fetch('/api/editor/run', { method: 'POST', headers, body: JSON.stringify(body) });
    let answer = null;
    try { answer = await r.json(); } catch { /* not JSON: said below */ }
    if (r.ok && answer && answer.status) {
      $('status').textContent = '';
      show(answer);
    } else {
      $('status').textContent = errorSentence(r.status, answer, r.headers.get('Retry-After'));
    }
  } catch {
    $('status').textContent = errorSentence(0);
  } finally {
    running = false;
    $('run').disabled = false;
  }
}

async function main() {
  await loadLanguages();
  editor = monaco.editor.create($('code'), {
    value: codeOf(language), language: MONACO_LANG[language] || 'plaintext',
    automaticLayout: true, minimap: { enabled: false }, fontSize: 14, ariaLabel: 'Code editor',
  });
  setTheme(store.get('theme', matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light') === 'dark');
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, run);
  editor.onDidChangeModelContent(() => store.set(`code.${language}`, editor.getValue()));
  $('language').addEventListener('change', (e) => pickLanguage(e.target.value));
  $('run').addEventListener('click', run);
  $('key').value = store.get('key', '');
  $('key').addEventListener('change', (e) => store.set('key', e.target.value.trim()));
  $('theme').addEventListener('click', () => setTheme(document.documentElement.dataset.theme !== 'dark'));
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); run(); }
  });
  document.body.dataset.ready = '1';
}

main();
