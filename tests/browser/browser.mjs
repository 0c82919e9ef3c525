// browser.mjs — the browser the console tests share: headless Chromium (playwright-core) in a
// temporary profile, zh-CN in UTC, with listeners that collect what the console should never
// cause (page errors, console errors, failed requests, requests that leave the machine),
// screenshots to tests/browser/out/ and the clean-up. Each test file starts its own server
// and opens a browser on it in its before(), and closes both in its after().
//
// CHROMIUM overrides the browser (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/* Opens Chromium on the server at `base`. consoleStatuses: the HTTP statuses the file's
 * tests provoke on purpose, which Chromium logs as "Failed to load resource" errors; any
 * other console error is a problem. Returns { ctx, page, problems, shot, noProblems, close }:
 * a file adds its own checks by pushing to `problems`. */
export async function openBrowser(base, { consoleStatuses = [401, 404, 422], acceptDownloads = false } = {}) {
  fs.mkdirSync(OUT, { recursive: true });
  const problems = [];
  const expected = new RegExp(`Failed to load resource: the server responded with a status of (${consoleStatuses.join('|')})`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wj-chromium-'));
  let ctx;
  let page;
  const close = async () => {
    try {
      await ctx?.close();
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  };
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'UTC', // dates must still show in Beijing time
      acceptDownloads,
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !(consoleStatuses.length > 0 && expected.test(m.text())))
        problems.push(`console: ${m.text()}`);
    });
    page.on('requestfailed', (r) => {
      if (!/aborted/i.test(r.failure()?.errorText ?? '')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    // Nothing may leave the machine: every request goes to the test server.
    await ctx.route(/.*/, (route) => {
      if (route.request().url().startsWith(base)) return route.continue();
      problems.push(`external request: ${route.request().url()}`);
      return route.abort();
    });
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }

  /* fullPage: false for a view scrolled to a field or with a dialog open (sticky and fixed
   * parts would land mid-page in a full-page capture). */
  async function shot(name, { fullPage = true } = {}) {
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage });
  }

  function noProblems(what) {
    assert.deepEqual(problems.splice(0), [], `${what}: browser problems`);
  }

  return { ctx, page, problems, shot, noProblems, close };
}
