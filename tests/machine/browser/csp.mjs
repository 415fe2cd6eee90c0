// The Content-Security-Policy senco puts on every page, in a real browser.
//
// Usage:
//   CSP_PAGES=/abs/a.html,/abs/b.html CONTROL_PAGES=/abs/c.html \
//   STYLED_PAGES=/abs/index.html IMAGE_PAGES=/abs/evidence/x.html node tests/machine/browser/csp.mjs
//
// Every page holds a theme script that, when it runs, sets `data-ran` on <html>. Under the
// policy (CSP_PAGES) it must not run; on the same page without the policy
// (CONTROL_PAGES) it must, so the check can fail. STYLED_PAGES must still get their
// stylesheet and IMAGE_PAGES their image (alt "A dot") from file:// under the policy. No bypassCSP
// here: the policy itself is what is tested. Prints `csp: N passed, M failed`.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const list = (name) => (process.env[name] ?? '').split(',').filter(Boolean);

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   - ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL - ${name}\n       ${String(err?.message ?? err).split('\n').join('\n       ')}`);
  }
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'senco-csp-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
});
const requests = [];
await context.route((url) => url.protocol !== 'file:', (route) => {
  requests.push(route.request().url());
  return route.abort();
});
const page = context.pages()[0] ?? (await context.newPage());
const ran = async (file) => {
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  // Give a timer or a late script its chance.
  await page.waitForTimeout(200);
  return page.evaluate(() => document.documentElement.getAttribute('data-ran'));
};

for (const file of list('CSP_PAGES')) {
  await check(`no script runs under the policy: ${path.basename(file)}`, async () => {
    assert.equal(await ran(file), null, 'the theme script ran');
  });
}
for (const file of list('CONTROL_PAGES')) {
  await check(`control: the same script runs without the policy: ${path.basename(file)}`, async () => {
    assert.equal(await ran(file), 'theme', 'the control script did not run, so the test could not fail');
  });
}
for (const file of list('STYLED_PAGES')) {
  await check(`the stylesheet loads under the policy: ${path.basename(file)}`, async () => {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const rules = await page.evaluate(() => [...document.styleSheets]
      .reduce((n, sheet) => { try { return n + sheet.cssRules.length; } catch { return n + 1; } }, 0));
    assert.ok(rules > 0, 'no stylesheet rules applied');
    const skip = await page.evaluate(() => {
      const link = document.querySelector('.skip-link');
      return link ? getComputedStyle(link).position : 'none';
    });
    assert.notEqual(skip, 'static', 'the skip link is unstyled: senco.css did not apply');
  });
}
for (const file of list('IMAGE_PAGES')) {
  await check(`images load under the policy: ${path.basename(file)}`, async () => {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const sizes = await page.evaluate(() => [...document.querySelectorAll('img[alt="A dot"]')].map((i) => i.naturalWidth));
    assert.ok(sizes.length > 0, 'no image with alt "A dot" on the page');
    assert.ok(sizes.every((w) => w > 0), `an image did not load: ${sizes}`);
  });
}
await check('no request left the machine', async () => {
  assert.deepEqual(requests, []);
});
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(`csp: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
