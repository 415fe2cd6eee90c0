// Browser and accessibility checks for a static site built by `senco build`.
//
// Usage:
//   SITE_DIR=/abs/path/to/site [START_OUTCOME=A1.2] [AXE_PAGES=index.html,gaps.html] \
//     node tests/machine/browser/site.mjs
//
// Drives Debian's Chromium (/usr/bin/chromium) through playwright-core, which
// never downloads a browser. Walks index -> outcome page -> evidence passage
// with real clicks, checks that no script, dialog or network request happened,
// and runs axe-core on the listed pages. Prints one line per check and ends
// with `browser: N passed, M failed`; exits 1 if any check failed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const require = createRequire(import.meta.url);
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');

const PAGE_TIMEOUT_MS = 30_000;
// Last resort if Chromium wedges: never let CI hang on this script.
const WATCHDOG_MS = 5 * 60_000;

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const COVERED_OUTCOME_LINK = 'a.covered[href^="outcomes/"], .covered a[href^="outcomes/"]';

// ---------------------------------------------------------------- results

const results = [];

function pass(name) {
  results.push({ name, ok: true });
  console.log(`ok   - ${name}`);
}

function fail(name, detail) {
  results.push({ name, ok: false });
  console.log(`FAIL - ${name}`);
  for (const line of String(detail).split('\n')) console.log(`       ${line}`);
}

/** Run one named check; an exception (assertion or Playwright error) fails it. */
async function check(name, fn) {
  try {
    await fn();
    pass(name);
    return true;
  } catch (err) {
    fail(name, err instanceof assert.AssertionError ? err.message : (err?.stack ?? err));
    return false;
  }
}

function summarise() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`browser: ${passed} passed, ${failed} failed`);
  return failed;
}

// ---------------------------------------------------------------- config

function readConfig() {
  const siteDir = process.env.SITE_DIR;
  assert.ok(siteDir, 'SITE_DIR is not set (absolute path to a built site)');
  assert.ok(path.isAbsolute(siteDir), `SITE_DIR must be absolute, got ${siteDir}`);
  // PAGES_ONLY=1: no index-to-passage walk, only the pages in AXE_PAGES (e.g. the
  // single-file portfolio of a pack, which has no index.html beside it).
  const pagesOnly = process.env.PAGES_ONLY === '1';
  assert.ok(
    pagesOnly || fs.existsSync(path.join(siteDir, 'index.html')),
    `no index.html in SITE_DIR ${siteDir}`,
  );
  assert.ok(!pagesOnly || process.env.AXE_PAGES, 'PAGES_ONLY=1 needs AXE_PAGES');
  const startOutcome = process.env.START_OUTCOME?.trim() || null;
  const axePages = process.env.AXE_PAGES
    ? process.env.AXE_PAGES.split(',').map((p) => p.trim()).filter(Boolean)
    : null;
  return { siteDir: path.resolve(siteDir), startOutcome, axePages, pagesOnly };
}

// ---------------------------------------------------------------- recording

/**
 * Everything the site does that it should not: dialogs, non-file requests,
 * console output, uncaught errors, missing local files. Recorded for the whole
 * browser context, so pages opened later are covered too.
 */
function record(context) {
  const log = {
    dialogs: [],
    console: [],
    pageErrors: [],
    remoteRequests: [],
    failedRequests: [],
  };
  const watchPage = (page) => {
    page.on('dialog', async (dialog) => {
      log.dialogs.push(`${dialog.type()} on ${page.url()}: ${JSON.stringify(dialog.message())}`);
      await dialog.dismiss().catch(() => {});
    });
    page.on('console', (msg) => {
      log.console.push({ type: msg.type(), text: msg.text(), url: page.url() });
    });
    page.on('pageerror', (err) => log.pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('websocket', (ws) => log.remoteRequests.push(`websocket ${ws.url()}`));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  context.on('request', (req) => {
    if (!req.url().startsWith('file://')) {
      log.remoteRequests.push(`${req.method()} ${req.url()} (${req.resourceType()})`);
    }
  });
  context.on('requestfailed', (req) => {
    // Remote requests are aborted below and already recorded; this catches
    // local files the site links to but did not write.
    if (req.url().startsWith('file://')) {
      log.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`);
    }
  });
  return log;
}

// ---------------------------------------------------------------- page checks

/** What a page must never contain, whatever the input: checked in the live DOM. */
async function activeContent(page) {
  return page.evaluate(() => {
    const found = [];
    if (typeof window.__xss !== 'undefined') found.push(`window.__xss = ${String(window.__xss)}`);
    for (const el of document.querySelectorAll('script, iframe, frame, object, embed')) {
      found.push(`<${el.localName}> element`);
    }
    for (const el of document.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        const value = attr.value.trim().toLowerCase().replace(/[\s\u0000-\u001f]/g, '');
        if (attr.name.toLowerCase().startsWith('on')) {
          found.push(`<${el.localName} ${attr.name}="${attr.value}">`);
        } else if (/^(javascript|vbscript|data):/.test(value) && attr.name !== 'content') {
          found.push(`<${el.localName} ${attr.name}="${attr.value.slice(0, 60)}">`);
        }
      }
    }
    return found;
  });
}

const activeChecked = new Set();

/** Check a page once, before anything of ours (axe) is injected into it. */
async function checkNoActiveContent(page, label) {
  if (activeChecked.has(label)) return;
  activeChecked.add(label);
  await check(`no script ran and no active content on ${label}`, async () => {
    const found = await activeContent(page);
    assert.ok(found.length === 0, `active content on ${label}:\n${found.join('\n')}`);
  });
}

function relativeToSite(siteDir, url) {
  const u = new URL(url);
  u.hash = '';
  return path.relative(siteDir, fileURLToPath(u)).split(path.sep).join('/');
}

async function runAxe(page, relPath) {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  const violations = result.violations.map((v) => {
    const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    const more = v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : '';
    return `${relPath}: ${v.id} [${v.impact}] ${v.help}\n    at ${targets}${more}`;
  });
  if (result.incomplete.length > 0) {
    // "Needs review" items (often colour contrast over images): reported, not failed.
    const ids = result.incomplete.map((v) => v.id).join(', ');
    console.log(`info - axe needs review on ${relPath}: ${ids}`);
  }
  return violations;
}

// ---------------------------------------------------------------- the walk

async function walk(page, config, visited) {
  const { siteDir, startOutcome } = config;
  const indexUrl = pathToFileURL(path.join(siteDir, 'index.html')).href;

  const indexOk = await check('open index.html', async () => {
    await page.goto(indexUrl, { waitUntil: 'load' });
    visited.add('index.html');
  });
  if (!indexOk) return;
  await checkNoActiveContent(page, 'index.html');

  // b. index -> outcome page, by a real click on a covered outcome's link.
  let outcomeId = null;
  const outcomeOk = await check(
    `click ${startOutcome ? `outcome ${startOutcome}` : 'first covered outcome'} from index`,
    async () => {
      const selector = startOutcome
        ? `a[href="outcomes/${startOutcome}.html"]`
        : COVERED_OUTCOME_LINK;
      const link = page.locator(selector).first();
      assert.ok((await link.count()) > 0, `index.html has no link matching ${selector}`);
      const href = await link.getAttribute('href');
      const m = /^outcomes\/(.+)\.html$/.exec(href);
      assert.ok(m, `outcome link href ${JSON.stringify(href)} is not outcomes/<ID>.html`);
      outcomeId = m[1];
      await link.click();
      await page.waitForURL((url) => url.href !== indexUrl, { waitUntil: 'load' });
      assert.ok(
        page.url().endsWith(`outcomes/${outcomeId}.html`),
        `after the click the URL is ${page.url()}, expected it to end with outcomes/${outcomeId}.html`,
      );
      visited.add(relativeToSite(siteDir, page.url()));
    },
  );
  if (!outcomeOk) return;
  await checkNoActiveContent(page, `outcomes/${outcomeId}.html`);

  // c. outcome page -> the evidence passage the quote came from.
  const outcomeUrl = page.url();
  const passageOk = await check(`follow first passage link from outcomes/${outcomeId}.html`, async () => {
    const link = page.locator('a.passage-link').first();
    assert.ok((await link.count()) > 0, `outcomes/${outcomeId}.html has no a.passage-link`);
    const href = await link.getAttribute('href');
    await link.click();
    await page.waitForURL((url) => url.href !== outcomeUrl, { waitUntil: 'load' });
    const url = new URL(page.url());
    assert.ok(url.hash.length > 1, `passage link ${href} led to ${page.url()}, which has no #fragment`);
    const rel = relativeToSite(siteDir, page.url());
    assert.ok(!rel.startsWith('..'), `passage link ${href} left the site: ${page.url()}`);
    visited.add(rel);
    const id = decodeURIComponent(url.hash.slice(1));
    const target = page.locator(`id=${id}`);
    const count = await target.count();
    assert.ok(count === 1, `${rel} has ${count} elements with id="${id}", expected 1`);
    assert.ok(
      await target.isVisible(),
      `#${id} on ${rel} is not visible (hidden, or an empty zero-size anchor)`,
    );
    const inView = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    });
    assert.ok(inView, `#${id} on ${rel} exists but the page did not scroll it into view`);
  });
  if (!passageOk) return;
  await checkNoActiveContent(page, relativeToSite(siteDir, page.url()));
}

async function axePages(page, config, visited) {
  const pages = config.axePages ?? [...visited];
  for (const rel of pages) {
    const file = path.join(config.siteDir, rel);
    const opened = await check(`open ${rel}`, async () => {
      assert.ok(fs.existsSync(file), `${rel} does not exist in ${config.siteDir}`);
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    });
    if (!opened) continue;
    // Before axe's own script is injected: did anything from the page run?
    await checkNoActiveContent(page, rel);
    await check(`axe (${AXE_TAGS.join(', ')}) on ${rel}`, async () => {
      const violations = await runAxe(page, rel);
      assert.ok(
        violations.length === 0,
        `${violations.length} accessibility violation(s):\n${violations.join('\n')}`,
      );
    });
  }
}

function reportRecorded(log) {
  for (const c of log.console) console.log(`info - console.${c.type} on ${c.url}: ${c.text}`);
  const checks = [
    ['no JS dialogs (alert/confirm/prompt)', log.dialogs],
    ['no network requests other than file://', log.remoteRequests],
    ['no uncaught page errors', log.pageErrors],
    ['no missing local files', log.failedRequests],
    [
      'no console errors',
      log.console.filter((c) => c.type === 'error').map((c) => `${c.url}: ${c.text}`),
    ],
  ];
  for (const [name, found] of checks) {
    if (found.length === 0) pass(name);
    else fail(name, found.join('\n'));
  }
}

// ---------------------------------------------------------------- main

async function main() {
  let config;
  if (!(await check('configuration', () => { config = readConfig(); }))) return;

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'senco-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: PAGE_TIMEOUT_MS,
      // A Content-Security-Policy on the site must not stop axe from being
      // injected; it also means the XSS checks test the sanitiser, not the CSP.
      bypassCSP: true,
      viewport: { width: 1280, height: 800 },
    });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    // Nothing leaves the machine even if the site asks for it.
    await context.route((url) => url.protocol !== 'file:', (route) => route.abort());
    const log = record(context);
    const page = context.pages()[0] ?? (await context.newPage());

    const visited = new Set();
    if (!config.pagesOnly) await walk(page, config, visited);
    await axePages(page, config, visited);
    reportRecorded(log);
  } catch (err) {
    fail('browser session', err?.stack ?? err);
  } finally {
    await context?.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  fail('watchdog', `still running after ${WATCHDOG_MS / 1000} s`);
  summarise();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

await main();
process.exitCode = summarise() > 0 ? 1 : 0;
