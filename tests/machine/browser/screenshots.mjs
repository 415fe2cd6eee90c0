// Screenshots of a built portfolio for the guide's assessor page.
//
// Usage: SITE_DIR=/abs/site OUT_DIR=/abs/guide/images node screenshots.mjs
//
// Takes each page in SHOTS at a fixed window size and writes OUT_DIR/NAME.png. Nothing is
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
];

const site = process.env.SITE_DIR;
const out = process.env.OUT_DIR;
if (!site || !out) {
  console.error('SITE_DIR and OUT_DIR must be set');
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
  await context.route((url) => url.protocol !== 'file:', (route) => route.abort());
  const page = context.pages()[0] ?? (await context.newPage());
  for (const shot of SHOTS) {
    const file = path.join(site, shot.page);
    if (!fs.existsSync(file)) {
      console.log(`FAIL - ${shot.page} is not in ${site}`);
      failed += 1;
      continue;
    }
    await page.setViewportSize({ width: shot.width, height: shot.height });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    if (shot.selector) await page.locator(shot.selector).scrollIntoViewIfNeeded();
    const target = path.join(out, `${shot.name}.png`);
    await page.screenshot({ path: target });
    console.log(`ok   - ${shot.name}.png (${shot.page} at ${shot.width} px)`);
  }
} finally {
  await context.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed > 0 ? 1 : 0;
