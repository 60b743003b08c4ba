// The editor page behind the school's sign-in (nginx's basic auth from
// nginx/auth-basic.conf.example): the browser signs in as dave, a teacher by the admin's
// `runbox user role remote:dave teacher`; the page asks for no key, says who is signed in,
// runs code and shows the class's results. Started by tests/browser/run.sh.
import { join } from 'node:path';
import { base, check, finish, launch, out } from './lib.mjs';

const { browser, page } = await launch({ httpCredentials: { username: 'dave', password: 'secret' } });
await page.goto(base + '/');
await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
await page.waitForSelector('.monaco-editor', { timeout: 10000 });
const text = (id) => page.$eval(`#${id}`, (e) => e.textContent);

await check('signed in: the page says who, and asks for no key', async () => {
  await page.waitForFunction(() => !document.getElementById('who').hidden, null, { timeout: 10000 });
  const who = await text('who');
  const keyHidden = await page.$eval('#key-label', (l) => l.hidden);
  if (!(who === 'Signed in as dave (teacher)' && keyHidden)) throw new Error(`who '${who}', key field hidden: ${keyHidden}`);
});
await check('a signed-in student-to-be runs code under the sign-in', async () => {
  await page.selectOption('#language', 'python');
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('print("signed in")\n');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('summary').textContent !== '', null, { timeout: 60000 });
  const got = await text('stdout');
  if (got !== 'signed in\n') throw new Error(`stdout '${got}', status '${await text('status')}'`);
});
await check("a teacher by sign-in sees the class's results", async () => {
  await page.selectOption('#exercise', 'square');
  await page.waitForFunction(() => !document.getElementById('class').hidden, null, { timeout: 10000 });
  await page.click('#class summary');
  const users = await page.$$eval('#class-rows tr', (tr) => tr.map((r) => r.children[0].textContent));
  await page.screenshot({ path: join(out, 'signed-in.png') });
  if (!users.includes('ana')) throw new Error(`rows ${users}`);
});

await finish(browser, 'signed in');
