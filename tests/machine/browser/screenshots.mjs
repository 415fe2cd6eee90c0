// Screenshots of a built portfolio for the guide's assessor page.
//
// Usage: SITE_DIR=/abs/site SERVE_URL=http://127.0.0.1:PORT/ OUT_DIR=/abs/guide/images \
//          node screenshots.mjs
//
// Takes each page in SHOTS at a fixed window size and writes OUT_DIR/NAME.png: pages of the
// built site, and (`served`) pages of `senco serve --review` at SERVE_URL. Nothing is
// compared: the pictures show the guide's readers what the pages look like, taken from
// a real build each time CI runs (guide/screenshots.sh).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const SHOTS = [
  { name: 'assessor-overview', page: 'index.html', width: 1280, height: 900 },
  { name: 'assessor-evidence', page: 'evidence/2024-03-12-reflection-on-a-provision-map.html', width: 1280, height: 900, selector: '.judgements' },
  { name: 'assessor-indicator', page: 'outcomes/B8.1.html', width: 1280, height: 900 },
  { name: 'assessor-matrix', page: 'matrix.html', width: 1280, height: 900 },
  { name: 'assessor-phone', page: 'outcomes/B9.4.html', width: 320, height: 640 },
  { name: 'assessor-commentary', page: 'outcomes/B.html', width: 1280, height: 900, selector: '.commentary' },
  { name: 'assessor-review', page: 'evidence/2024-03-12-reflection-on-a-provision-map.html', width: 1280, height: 900, selector: 'form.review-form', served: true },
];

const site = process.env.SITE_DIR;
const out = process.env.OUT_DIR;
const served = process.env.SERVE_URL;
if (!site || !out || !served) {
  console.error('SITE_DIR, SERVE_URL and OUT_DIR must be set');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'senco-shots-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  const origin = new URL(served).origin;
  await context.route((url) => url.protocol !== 'file:' && url.origin !== origin, (route) => route.abort());
  const page = context.pages()[0] ?? (await context.newPage());
  for (const shot of SHOTS) {
    const file = path.join(site, shot.page);
    if (!shot.served && !fs.existsSync(file)) {
      console.log(`FAIL - ${shot.page} is not in ${site}`);
      failed += 1;
      continue;
    }
    await page.setViewportSize({ width: shot.width, height: shot.height });
    const href = shot.served ? new URL(shot.page, served).href : pathToFileURL(file).href;
    const response = await page.goto(href, { waitUntil: 'load' });
    if (shot.served && !response?.ok()) {
      console.log(`FAIL - ${href} answered ${response?.status()}`);
      failed += 1;
      continue;
    }
    if (shot.selector) {
      const wanted = page.locator(shot.selector);
      if ((await wanted.count()) === 0) {
        console.log(`FAIL - ${shot.page} has no ${shot.selector}`);
        failed += 1;
        continue;
      }
      await wanted.first().scrollIntoViewIfNeeded();
    }
    const target = path.join(out, `${shot.name}.png`);
    await page.screenshot({ path: target });
    console.log(`ok   - ${shot.name}.png (${shot.page} at ${shot.width} px)`);
  }
} finally {
  await context.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed > 0 ? 1 : 0;
