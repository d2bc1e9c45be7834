// One app + one Chromium per test file; failure screenshots and the server log on failure.
import { after, before, test } from 'node:test';
import os from 'node:os';
import path from 'node:path';
import { startApp } from './app.mjs';
import { Monitor, launchBrowser, newWatchedContext } from './browser.mjs';

/**
 * Declares before/after hooks for the file and returns a suite object whose fields are filled
 * in by `before`: app, browser, monitor (then `setup(suite)` runs, if given); plus `flow(name, fn)` to declare a test that screenshots
 * every open page of the suite when it fails.
 */
export function browserSuite(fileLabel, { setup } = {}) {
  const suite = {
    app: null,
    browser: null,
    monitor: new Monitor(),
    contexts: [],
    failed: [],
    async newContext(label) {
      const ctx = await newWatchedContext(suite.browser, suite.monitor, label);
      suite.contexts.push(ctx);
      return ctx;
    },
    flow(name, fn, options = {}) {
      test(name, { timeout: 60_000, ...options }, async (t) => {
        try {
          await fn(t);
        } catch (e) {
          suite.failed.push(name);
          await screenshotAll(suite, `${fileLabel}-${name}`);
          throw e;
        }
      });
    },
  };

  // One hook: node's test runner does not wait for one root `before` before starting the next.
  before(async () => {
    suite.app = await startApp();
    suite.browser = await launchBrowser();
    if (setup) {
      try {
        await setup(suite);
      } catch (e) {
        suite.failed.push('setup');
        await screenshotAll(suite, `${fileLabel}-setup`);
        throw e;
      }
    }
  });

  after(async () => {
    if (suite.failed.length && suite.app) {
      console.log(`${fileLabel}: server log tail (${suite.app.logFile}):`);
      for (const line of suite.app.logTail().split('\n')) console.log(`  ${line}`);
    }
    for (const ctx of suite.contexts) await ctx.close().catch(() => {});
    if (suite.browser) await suite.browser.close().catch(() => {});
    if (suite.app) await suite.app.stop({ keepDataDir: suite.failed.length > 0 });
  });

  return suite;
}

async function screenshotAll(suite, label) {
  const safe = label.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  let i = 0;
  for (const ctx of suite.contexts) {
    for (const page of ctx.pages()) {
      const file = path.join(os.tmpdir(), `ampflux-failure-${safe}-${i++}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 5000 });
        console.log(`failure screenshot: ${file} (${page.url()})`);
      } catch {
        // The page may be gone.
      }
    }
  }
}
