// Layout checks for built pages: reflow (WCAG 1.4.10), the matrix's scroll region and
// focus style, dark and forced colours, and axe in the dark scheme.
//
// Usage:
//   REFLOW_PAGES=/abs/a.html,/abs/b.html [MATRIX_PAGES=/abs/matrix.html] \
//     [CHART_PAGES=/abs/index.html] node tests/machine/browser/reflow.mjs
//
// For every page at 320, 640 and 1280 CSS px wide: the page itself never scrolls
// sideways (scrollWidth <= clientWidth of the document), and every table sits in its own
// scroll region (role=region, a label, tabindex=0). On MATRIX_PAGES at 1280 px: the row
// and column headers are sticky, and focusing one cell outlines that cell alone. On
// CHART_PAGES, in forced colours light and dark, the SVG chart text is drawn in the
// system text colour. Every page passes axe in the dark scheme too. Prints one line per
// check and `reflow: N passed, M failed`; exits 1 if any failed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const require = createRequire(import.meta.url);
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');
const WIDTHS = [320, 640, 1280];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WATCHDOG_MS = 8 * 60_000;

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   - ${name}`);
  } catch (err) {
    results.push(false);
    console.log(`FAIL - ${name}`);
    const detail = err instanceof assert.AssertionError ? err.message : (err?.stack ?? err);
    for (const line of String(detail).split('\n')) console.log(`       ${line}`);
  }
}

const list = (name) =>
  (process.env[name] ?? '').split(',').map((p) => p.trim()).filter(Boolean);

/** What makes the page wider than its viewport, for the failure message. */
async function overflow(page) {
  return page.evaluate(() => {
    const doc = document.scrollingElement;
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > doc.clientWidth + 1 && !el.closest('.table-scroll')) {
        wide.push(`<${el.localName} class="${el.className}"> right=${Math.round(r.right)}`);
      }
      if (wide.length >= 5) break;
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide };
  });
}

async function regions(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('table')]
      .filter((t) => t.getClientRects().length > 0)
      .map((t) => {
        const region = t.closest('.table-scroll');
        if (!region) return `a table (${t.caption?.textContent ?? 'no caption'}) is in no scroll region`;
        const labelled = region.getAttribute('aria-label') || region.getAttribute('aria-labelledby');
        if (region.getAttribute('role') !== 'region' || !labelled || region.tabIndex !== 0) {
          return `the scroll region of "${t.caption?.textContent}" lacks role=region, a label or tabindex=0`;
        }
        return null;
      })
      .filter(Boolean),
  );
}

async function runAxe(page, label) {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  return result.violations.map((v) => {
    const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    return `${label}: ${v.id} ${v.help}\n    at ${targets}`;
  });
}

async function main() {
  const pages = list('REFLOW_PAGES');
  const matrices = list('MATRIX_PAGES');
  const charts = list('CHART_PAGES');
  await check('configuration', () => {
    assert.ok(pages.length > 0, 'REFLOW_PAGES lists no pages');
    for (const p of [...pages, ...matrices, ...charts]) {
      assert.ok(path.isAbsolute(p) && fs.existsSync(p), `${p} is not an absolute path to a page`);
    }
  });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'senco-reflow-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    bypassCSP: true,
    viewport: { width: 1280, height: 800 },
  });
  try {
    await context.route((url) => url.protocol !== 'file:', (route) => route.abort());
    const page = context.pages()[0] ?? (await context.newPage());
    for (const file of pages) {
      const label = path.basename(path.dirname(file)) + '/' + path.basename(file);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        await check(`${label} at ${width} px: no sideways scrolling of the page`, async () => {
          const o = await overflow(page);
          assert.ok(
            o.scrollWidth <= o.clientWidth,
            `scrollWidth ${o.scrollWidth} > clientWidth ${o.clientWidth}; too wide:\n${o.wide.join('\n')}`,
          );
        });
        if (width === 320) {
          await check(`${label}: every table scrolls in its own labelled region`, async () => {
            const problems = await regions(page);
            assert.deepEqual(problems, []);
          });
        }
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await check(`${label}: follows prefers-color-scheme: dark`, async () => {
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = bg.match(/\d+/g).map(Number);
        assert.ok(r + g + b < 150, `the body is ${bg} in the dark scheme`);
      });
      await check(`${label}: axe in the dark scheme`, async () => {
        const violations = await runAxe(page, `${label} (dark)`);
        assert.deepEqual(violations, []);
      });
      await page.emulateMedia({ colorScheme: 'light' });
    }

    await page.setViewportSize({ width: 1280, height: 800 });
    for (const file of matrices) {
      const label = path.basename(file);
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await check(`${label}: row and column headers are sticky inside the matrix's region`, async () => {
        const found = await page.evaluate(() => {
          const region = document.querySelector('.matrix-scroll');
          const col = region.querySelector('thead th:nth-child(2)');
          const row = region.querySelector('tbody th');
          region.scrollTop = region.scrollHeight;
          region.scrollLeft = region.scrollWidth;
          const box = region.getBoundingClientRect();
          return {
            colPosition: getComputedStyle(col).position,
            rowPosition: getComputedStyle(row).position,
            colTop: Math.round(col.getBoundingClientRect().top - box.top),
            rowLeft: Math.round(row.getBoundingClientRect().left - box.left),
            scrolled: region.scrollTop > 0,
          };
        });
        assert.equal(found.colPosition, 'sticky');
        assert.equal(found.rowPosition, 'sticky');
        assert.ok(found.scrolled, 'the matrix does not scroll in its region');
        assert.ok(Math.abs(found.colTop) <= 2, `scrolled down, the column headers are ${found.colTop} px from the top`);
        assert.ok(Math.abs(found.rowLeft) <= 2, `scrolled right, the row headers are ${found.rowLeft} px from the left`);
      });
      await check(`${label}: focus outlines one cell, not the table`, async () => {
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        // Tab into the region, then on to the first link inside it.
        await page.focus('.matrix-scroll');
        const regionStyle = await page.evaluate(() => {
          const s = getComputedStyle(document.activeElement);
          return { background: s.backgroundColor, outline: s.outlineStyle };
        });
        assert.notEqual(regionStyle.background, 'rgb(255, 221, 0)', 'the focused region turns yellow');
        await page.focus('.matrix-scroll td a');
        const cell = await page.evaluate(() => {
          const a = document.activeElement;
          const s = getComputedStyle(a);
          const td = a.closest('td').getBoundingClientRect();
          const r = a.getBoundingClientRect();
          return { outline: s.outlineStyle, width: r.width, tdWidth: td.width, table: getComputedStyle(a.closest('table')).backgroundColor };
        });
        assert.equal(cell.outline, 'solid');
        assert.ok(Math.abs(cell.width - cell.tdWidth) <= 2, `the focused link (${cell.width} px) does not fill its cell (${cell.tdWidth} px)`);
        assert.notEqual(cell.table, 'rgb(255, 221, 0)');
      });
    }

    for (const file of charts) {
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ forcedColors: 'active', colorScheme: scheme });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        await check(`${path.basename(file)}: chart text in forced colours (${scheme})`, async () => {
          const found = await page.evaluate(() => {
            const probe = document.createElement('span');
            probe.style.color = 'CanvasText';
            probe.style.backgroundColor = 'Canvas';
            document.body.append(probe);
            const want = getComputedStyle(probe).color;
            const canvas = getComputedStyle(probe).backgroundColor;
            const fills = [...document.querySelectorAll('svg text')].map((t) => getComputedStyle(t).fill);
            return { want, canvas, fills };
          });
          assert.ok(found.fills.length > 0, 'no SVG text on the page');
          for (const fill of found.fills) {
            assert.equal(fill, found.want, `SVG text drawn in ${fill}, not CanvasText (${found.want}) on ${found.canvas}`);
          }
        });
      }
      await page.emulateMedia({ forcedColors: 'none', colorScheme: 'light' });
    }
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.log(`FAIL - watchdog: still running after ${WATCHDOG_MS / 1000} s`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

await main().catch((err) => check('browser session', () => { throw err; }));
const passed = results.filter(Boolean).length;
console.log(`reflow: ${passed} passed, ${results.length - passed} failed`);
process.exitCode = passed === results.length ? 0 : 1;
