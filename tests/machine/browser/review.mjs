// Reviewing in the browser against a running `senco serve --review`: judge an evidence
// file with the page's form, see the judgement on the page, edit the file, see the
// judgement go stale, and confirm it again. The page's own policy is kept (no bypass),
// so the form must post under it.
//
// Usage:
//   REVIEW_URL=http://127.0.0.1:PORT/ EVIDENCE_PAGE=evidence/x.html \
//     EVIDENCE_FILE=/abs/portfolio/evidence/x.md node tests/machine/browser/review.mjs
//
// Prints one line per check and `review: N passed, M failed`; exits 1 if any failed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const WAIT_MS = 20_000;

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   - ${name}`);
    return true;
  } catch (err) {
    results.push(false);
    console.log(`FAIL - ${name}`);
    const detail = err instanceof assert.AssertionError ? err.message : (err?.stack ?? err);
    for (const line of String(detail).split('\n')) console.log(`       ${line}`);
    return false;
  }
}

const base = process.env.REVIEW_URL;
const rel = process.env.EVIDENCE_PAGE;
const file = process.env.EVIDENCE_FILE;
const url = new URL(rel, base).href;
const judgements = '.judgements li.judgement';

async function judge(page, verdict, comment) {
  await page.goto(url, { waitUntil: 'load' });
  await page.getByLabel(verdict, { exact: true }).check();
  await page.getByLabel('Comment (optional)').fill(comment);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Record judgement' }).click(),
  ]);
  assert.equal(response.status(), 303, `the form's post answered ${response.status()}`);
  assert.equal(response.headers()['location'] ?? '', `/${rel}#judgements-heading`);
  await page.waitForURL((u) => u.hash === '#judgements-heading', { waitUntil: 'load' });
}

/** The judgements the page shows now: read again if a reload (a rebuild the server
 * announces) replaces the page mid-read. */
async function shown(page) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await page.waitForLoadState('load');
      return await page.locator(judgements).allInnerTexts();
    } catch (err) {
      if (attempt >= 5) throw err;
      await page.waitForTimeout(200);
    }
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'senco-review-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // Chromium asks every server for /favicon.ico, which a portfolio does not have.
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') errors.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => { if (process.env.REVIEW_DEBUG) console.log(`info - ${r.method()} ${r.url()}`); });
    page.on('requestfailed', (r) => { if (process.env.REVIEW_DEBUG) console.log(`info - failed ${r.url()} ${r.failure()?.errorText}`); });
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(url, { waitUntil: 'load' });
    if (!(await check('the evidence page has the judgement form', async () => {
      assert.equal(await page.locator('form.review-form').count(), 1);
      assert.equal(await page.locator('script[src]').count(), 0, 'the form needs no script file');
    }))) return;
    await check('judge: meets, with a comment; back on the page, it shows', async () => {
      await judge(page, 'Meets', 'Judged in the browser.');
      assert.equal(new URL(page.url()).pathname, new URL(url).pathname);
      const list = await shown(page);
      assert.ok(list.some((t) => t.includes('Meets') && t.includes('Judged in the browser.') && !t.includes('Stale')), list.join('\n'));
    });
    await check('edit the evidence: the judgement shows stale', async () => {
      fs.appendFileSync(file, '\nA sentence added after the judgement.\n');
      // The open page reloads itself when the server has rebuilt.
      await page.waitForFunction(
        () => document.querySelector('.judgements')?.textContent.includes('Stale: the file changed after it was judged'),
        null,
        { timeout: WAIT_MS, polling: 200 },
      );
    });
    await check('confirm it again: current once more', async () => {
      await judge(page, 'Meets', 'Confirmed after the edit.');
      const list = await shown(page);
      assert.equal(list.length, 1, `the newer judgement replaces the stale one:\n${list.join('\n')}`);
      assert.ok(list[0].includes('Confirmed after the edit.') && !list[0].includes('Stale'), list[0]);
    });
    await check('no failed requests or console errors (nothing blocked by the policy)', () => {
      assert.deepEqual(errors, []);
    });
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

setTimeout(() => { console.log('FAIL - watchdog'); process.exit(1); }, 3 * 60_000).unref();
await main().catch((err) => check('browser session', () => { throw err; }));
const passed = results.filter(Boolean).length;
console.log(`review: ${passed} passed, ${results.length - passed} failed`);
process.exitCode = passed === results.length ? 0 : 1;
