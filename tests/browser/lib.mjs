// What the browser scripts share: checks that print one line each, and Debian's chromium
// started by playwright-core with an empty profile (removed again by finish).
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const base = process.env.BASE;
export const out = process.env.OUT || 'build/test-output/browser';
mkdirSync(out, { recursive: true });

let pass = 0, fail = 0;
export async function check(name, fn) {
  try {
    const ok = await fn();
    if (ok === false) throw new Error('not as expected');
    pass++;
    console.log(`  ok   ${name}`);
  } catch (e) {
    fail++;
    console.log(`  FAIL ${name}: ${String(e.message || e).split('\n')[0]}`);
  }
}

let userDir;
// options: playwright's context options (httpCredentials, say).
export async function launch(options = {}) {
  userDir = mkdtempSync(join(tmpdir(), 'runbox-chromium-'));
  const browser = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--no-first-run'],
    ...options,
  });
  const page = browser.pages()[0] || await browser.newPage();
  return { browser, page };
}

export async function finish(browser, what) {
  await browser.close();
  rmSync(userDir, { recursive: true, force: true });
  console.log(`\n${what}: ${pass} passed, ${fail} failed`);
  process.exit(fail === 0 ? 0 : 1);
}
