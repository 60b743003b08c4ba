// The editor page in a real browser: Debian's chromium, driven by playwright-core, against a
// running stack (BASE, e.g. http://127.0.0.1:18100). Screenshots go to OUT. Prints one line
// per check and exits 1 if any failed. Started by tests/browser/run.sh.
import { join } from 'node:path';
import { base, check, finish, launch, out } from './lib.mjs';

const { browser, page } = await launch();
const requests = [];
page.on('request', (r) => requests.push(r.url()));
const t0 = Date.now();
await page.goto(base + '/');
await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
const interactive = Date.now() - t0;
const inPage = await page.$eval('body', (b) => b.dataset.readyMs);
console.log(`  (first visit, empty cache: interactive ${inPage} ms after the navigation began, by the page's clock; ${interactive} ms by the test's)`);
await page.waitForSelector('.monaco-editor', { timeout: 10000 });

// Type a program into Monaco: select all, then type (the editor's own keyboard handling).
async function setCode(code) {
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.evaluate((c) => navigator.clipboard ? null : null, code);
  await page.keyboard.insertText(code);
}
async function runAndWait(how = 'button') {
  await page.evaluate(() => { document.getElementById('summary').textContent = ''; document.getElementById('status').textContent = ''; });
  if (how === 'button') await page.click('#run');
  else { await page.click('.monaco-editor .view-lines'); await page.keyboard.press('Control+Enter'); }
  await page.waitForFunction(() => document.getElementById('summary').textContent !== '' ||
    (document.getElementById('status').textContent !== '' && document.getElementById('status').textContent !== 'Running…'), null, { timeout: 60000 });
}
const text = (id) => page.$eval(`#${id}`, (e) => e.textContent);
// Whether the editor comes to show want within 5 s (Monaco draws a new text on its next frame).
const editorHas = (want) => page.waitForFunction((w) => document.querySelector('.monaco-editor .view-lines')
  .textContent.replace(/\u00a0/g, ' ').includes(w), want, { timeout: 5000 }).then(() => true, () => false);

await check('the page is served by runbox itself: no request leaves the origin', async () =>
  requests.every((u) => u.startsWith(base) || u.startsWith('data:') || u.startsWith('blob:')));
await check('the language picker lists the server\'s languages, Python first', async () => {
  const ids = await page.$$eval('#language option', (o) => o.map((x) => x.value));
  return ids[0] === 'python' && ['javascript', 'c', 'cpp', 'java', 'rust'].every((l) => ids.includes(l));
});
await check('every language has a starter program, coloured', async () => {
  const ids = await page.$$eval('#language option', (o) => o.filter((x) => !x.disabled).map((x) => x.value));
  const plain = [];
  for (const id of ids) {
    await page.selectOption('#language', id);
    // Monaco colours on its next frames: wait until the starter shows in several colours.
    const ok = await page.waitForFunction(() => {
      const lines = document.querySelector('.monaco-editor .view-lines');
      return lines.textContent.trim().length > 10 &&
        new Set([...lines.querySelectorAll('span span')].map((x) => x.className)).size > 2;
    }, null, { timeout: 5000 }).then(() => true, () => false);
    if (!ok) plain.push(id);
  }
  await page.selectOption('#language', 'python');
  if (ids.length < 6 || plain.length) throw new Error(`of ${ids.join(' ')}: no coloured starter for ${plain.join(' ')}`);
});
await page.screenshot({ path: join(out, 'start.png') });

await check('a Python program runs; its stdout is shown, with the status in plain words', async () => {
  await setCode('print("hello from the page")\n');
  await runAndWait();
  return (await text('stdout')) === 'hello from the page\n' && (await text('summary')).startsWith('Finished · exit code 0');
});
await page.screenshot({ path: join(out, 'ran.png') });
await check('stdin reaches the program', async () => {
  await setCode('print(input()[::-1])\n');
  await page.fill('#stdin', 'abc');
  await runAndWait();
  await page.fill('#stdin', '');
  return (await text('stdout')) === 'cba\n';
});
await check('stderr is shown apart, and a traceback marks its line in the editor', async () => {
  await setCode('x = 1\ny = x / 0\n');
  await runAndWait();
  const err = await text('stderr');
  const marked = await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 5000 }).then(() => true, () => false);
  return err.includes('ZeroDivisionError') && (await text('summary')).startsWith('Runtime error · exit code 1') && marked;
});
await check('Ctrl+Enter runs too', async () => {
  await setCode('print(6 * 7)\n');
  await runAndWait('keyboard');
  return (await text('stdout')) === '42\n';
});
await check('a C compile error: its status, the compiler\'s message and a marker on line 2', async () => {
  await page.selectOption('#language', 'c');
  await setCode('int main(void)\n{ return 0 }\n');
  await runAndWait();
  const summary = await text('summary');
  const marked = await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 5000 }).then(() => true, () => false);
  await page.screenshot({ path: join(out, 'compile-error.png') });
  const err = await text('stderr');
  // gcc quotes with ‘’ under a UTF-8 locale.
  if (!(summary.startsWith('Compile error') && err.includes('main.c:2') && /expected ['‘];/.test(err) && marked))
    throw new Error(`summary '${summary}', marked ${marked}, stderr '${err.slice(0, 120)}'`);
});
await check('the code is kept per language across a reload', async () => {
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForSelector('.monaco-editor');
  console.log(`  (a reload, the files cached: interactive ${await page.$eval('body', (b) => b.dataset.readyMs)} ms after the navigation began)`);
  const lang = await page.$eval('#language', (s) => s.value);
  if (!(lang === 'c' && await editorHas('return 0 }')))
    throw new Error(`language '${lang}', or not the code typed before`);
});
let answers = [];
page.on('dialog', (d) => d.accept(answers.shift() ?? ''));
const tabs = () => page.$$eval('#tabs button', (b) => b.map((x) => x.textContent));
await check('several files: add one, import it from the entry point, run both', async () => {
  await page.selectOption('#language', 'python');
  answers = ['helpers.py'];
  await page.click('#add-file');
  await setCode('def greet(n):\n    return "hi " + n\n');
  await page.click('#tabs button:first-child');
  await setCode('from helpers import greet\nprint(greet("ann"))\n');
  await runAndWait();
  const t = await tabs();
  await page.screenshot({ path: join(out, 'files.png') });
  if (!((await text('stdout')) === 'hi ann\n' && t.join('|') === 'main.py ★|helpers.py'))
    throw new Error(`stdout '${await text('stdout')}', tabs ${t.join('|')}, stderr '${(await text('stderr')).slice(0, 100)}'`);
});
await check('the file tabs are one Tab stop, and the arrow keys move between them', async () => {
  await page.focus('#tabs button[aria-selected="true"]');
  await page.keyboard.press('ArrowRight');
  const second = await page.evaluate(() => document.activeElement.textContent);
  await page.keyboard.press('ArrowLeft');
  const first = await page.evaluate(() => document.activeElement.textContent);
  const stops = await page.$$eval('#tabs button', (b) => b.filter((x) => x.tabIndex === 0).length);
  return second === 'helpers.py' && first.startsWith('main.py') && stops === 1;
});
await check('the entry point is the file that runs', async () => {
  await page.click('#tabs button:nth-child(2)');
  await page.click('#entry-file');
  await setCode('from helpers import greet\nprint("entry")\n'.replace('from helpers import greet\n', '') + 'def greet(n):\n    return "hi " + n\n');
  await runAndWait();
  const out1 = await text('stdout');
  const t = await tabs();
  await page.click('#tabs button:first-child');
  await page.click('#entry-file');
  return out1 === 'entry\n' && t.join('|') === 'main.py|helpers.py ★';
});
await check('renaming a file: the import of its old name now fails, said in stderr', async () => {
  await page.click('#tabs button:nth-child(2)');
  answers = ['util.py'];
  await page.click('#rename-file');
  await runAndWait();
  const t = await tabs();
  return t.join('|') === 'main.py ★|util.py' && (await text('stderr')).includes("No module named 'helpers'");
});
await check('deleting a file leaves one, sent as code again', async () => {
  await page.click('#tabs button:nth-child(2)');
  answers = [''];
  await page.click('#delete-file');
  const t = await tabs();
  await setCode('print("alone")\n');
  await runAndWait();
  return t.join('|') === 'main.py' && (await text('stdout')) === 'alone\n';
});
await check('an exercise: its instructions and starter, Run tests, a verdict per test, the hidden one only named', async () => {
  await page.selectOption('#language', 'python');
  await page.selectOption('#exercise', 'square');
  await page.waitForFunction(() => !document.getElementById('task').hidden);
  const instructions = await text('instructions');
  const starter = await editorHas('n = int(input())') ? 'n = int(input())' : 'not the starter';
  await setCode('n = int(input())\nprint(n * n if n > 0 else n)\n');
  await page.click('#test');
  await page.waitForFunction(() => !document.getElementById('results').hidden, null, { timeout: 60000 });
  const rows = await page.$$eval('#tests li', (li) => li.map((x) => ({ cls: x.className, text: x.textContent })));
  await page.screenshot({ path: join(out, 'tests.png') });
  const score = await text('score');
  const ok = instructions.startsWith('Read a whole number') && starter.includes('n = int(input())') &&
    rows.length === 4 && rows.slice(0, 3).every((r) => r.cls === 'passed') && rows[3].cls === 'failed' &&
    rows[3].text === 'negative (hidden): Wrong answer' && score === 'Some tests failed: 3 of 4 passed, score 60';
  if (!ok) throw new Error(`${instructions.slice(0, 30)} | ${starter.slice(0, 30)} | ${JSON.stringify(rows)} | ${score}`);
});
await check('a visible failure shows what was expected and what came out', async () => {
  await setCode('print(int(input()) + 1)\n');
  await page.click('#test');
  await page.waitForFunction(() => document.querySelector('#tests li .detail'), null, { timeout: 60000 });
  const detail = await page.$eval('#tests li:nth-child(2) .detail', (d) => d.textContent);
  return detail.includes('expected: 49') && detail.includes('got: 8') && detail.includes('Line 1 differs');
});
await check("the exercise's code is kept apart from free coding's", async () => {
  // Monaco draws a new text on its next frame: wait for it rather than read the old one.
  const editorShows = (has) => page.waitForFunction((h) => document.querySelector('.monaco-editor .view-lines')
    .textContent.replace(/\u00a0/g, ' ').includes('int(input()) + 1') === h, has, { timeout: 5000 }).then(() => true, () => false);
  await page.selectOption('#exercise', '');
  await page.waitForFunction(() => document.getElementById('task').hidden);
  const free = await editorShows(false);
  await page.selectOption('#exercise', 'square');
  await page.waitForFunction(() => !document.getElementById('task').hidden);
  const mine = await editorShows(true);
  await page.selectOption('#exercise', '');
  await page.waitForFunction(() => document.getElementById('task').hidden);
  if (!(free && mine))
    throw new Error(`free coding shows the exercise's code: ${!free}; the exercise shows its own: ${mine}`);
});
await check("a teacher's key shows the class's results for the exercise; a student's does not", async () => {
  await page.selectOption('#exercise', 'square');
  const before = await page.$eval('#class', (d) => d.hidden);
  await page.fill('#key', process.env.TEACHER_KEY || '');
  await page.dispatchEvent('#key', 'change');
  await page.waitForFunction(() => !document.getElementById('who').hidden, null, { timeout: 10000 });
  const who = await text('who');
  await page.selectOption('#exercise', '');
  await page.selectOption('#exercise', 'square');
  await page.waitForFunction(() => !document.getElementById('class').hidden, null, { timeout: 10000 });
  await page.click('#class summary');
  const rows = await page.$$eval('#class-rows tr', (tr) => tr.map((r) => [...r.children].map((c) => c.textContent)));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#class-csv')]);
  const csv = await download.path().then((p) => import('node:fs').then((fs) => fs.readFileSync(p, 'utf8')));
  if (!csv.startsWith('user,attempts,best,latest,latest_passed,latest_total\naddress:127.0.0.1,2,'))
    throw new Error(`csv '${csv.slice(0, 80)}'`);
  await page.click('#class-rows tr:first-child button');
  await page.waitForFunction(() => !document.getElementById('student-code').hidden, null, { timeout: 10000 });
  const code = await text('student-code');
  await page.screenshot({ path: join(out, 'class.png') });
  // Sorting: by the best score, best first; again, the other way.
  await page.click('#class th button[data-sort="best"]');
  const byBest = await page.$$eval('#class-rows tr', (tr) => tr.map((r) => r.children[0].textContent));
  const sortSaid = await page.$eval('#class th:nth-child(3)', (th) => th.getAttribute('aria-sort'));
  await page.click('#class th button[data-sort="best"]');
  const byBestUp = await page.$$eval('#class-rows tr', (tr) => tr.map((r) => r.children[0].textContent));
  await page.fill('#key', '');
  await page.dispatchEvent('#key', 'change');
  await page.selectOption('#exercise', '');
  // Two students: this page's (by address, 2 attempts, best 60) and ana (1 attempt, 100).
  if (!(before && who === 'Key of mr-lee (teacher)' && rows.length === 2 &&
        rows[0][0] === 'address:127.0.0.1' && rows[0][1] === '2' && rows[1][0] === 'ana' &&
        code.includes('print(int(input()) + 1)') &&
        byBest.join() === 'ana,address:127.0.0.1' && sortSaid === 'descending' &&
        byBestUp.join() === 'address:127.0.0.1,ana'))
    throw new Error(`hidden before: ${before}, who '${who}', rows ${JSON.stringify(rows)}, code '${code.slice(0, 80)}', by best ${byBest} (${sortSaid}), then ${byBestUp}`);
});
await check('an unknown API key is said plainly, not as JSON', async () => {
  await page.fill('#key', 'rbx_0000000000000000000000000000000000000000');
  await page.selectOption('#language', 'python');
  await setCode('print(1)\n');
  await runAndWait();
  const s = await text('status');
  await page.fill('#key', '');
  await page.dispatchEvent('#key', 'change');
  return s.length > 10 && !s.includes('{') && /key/i.test(s);
});

await check('keyboard only: Tab reaches Run, Enter runs', async () => {
  await setCode('print("keys")\n');
  await page.focus('#language');
  await page.keyboard.press('Tab'); // the exercise picker
  await page.keyboard.press('Tab'); // Run
  const focused = await page.evaluate(() => document.activeElement.id);
  await page.evaluate(() => { document.getElementById('summary').textContent = ''; });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('summary').textContent !== '', null, { timeout: 60000 });
  return focused === 'run' && (await text('stdout')) === 'keys\n';
});
await check('every control has a label a screen reader reads', async () =>
  page.$$eval('select, input, textarea, button', (els) => els.every((e) =>
    (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.textContent.trim())));
await check('over the quota: the wait is said, in words', async () => {
  await page.fill('#key', process.env.QUOTA_KEY || '');
  await page.dispatchEvent('#key', 'change');
  await setCode('print(1)\n');
  await runAndWait();
  await runAndWait();
  const s = await text('status');
  await page.screenshot({ path: join(out, 'quota.png') });
  await page.fill('#key', '');
  await page.dispatchEvent('#key', 'change');
  if (!(/^You can start 1 run per minute and have used it\. Try again in \d+ seconds?\.$/.test(s)))
    throw new Error(`status '${s}'`);
});
await check('the network gone: said in words, with Try again, which then runs', async () => {
  await setCode('print("back")\n');
  await browser.setOffline(true);
  await runAndWait();
  const s = await text('status');
  const retry = await page.$eval('#retry', (b) => !b.hidden);
  await page.screenshot({ path: join(out, 'offline.png') });
  await browser.setOffline(false);
  await page.evaluate(() => { document.getElementById('summary').textContent = ''; });
  await page.click('#retry');
  await page.waitForFunction(() => document.getElementById('summary').textContent !== '', null, { timeout: 60000 });
  const after = await text('stdout');
  if (!(/cannot be reached.*network/i.test(s) && retry && after === 'back\n'))
    throw new Error(`status '${s}', retry offered: ${retry}, then stdout '${after}'`);
});
await check('the backend stopped: a sentence, not a raw answer', async () => {
  process.kill(Number(process.env.FCGI_PID), 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  await runAndWait();
  const s = await text('status');
  await page.screenshot({ path: join(out, 'backend-down.png') });
  const retry = await page.$eval('#retry', (b) => !b.hidden);
  if (!(s.length > 20 && !s.includes('{') && /runner|try again|admin/i.test(s) && retry))
    throw new Error(`status '${s}', retry offered: ${retry}`);
});

await finish(browser, 'browser');
