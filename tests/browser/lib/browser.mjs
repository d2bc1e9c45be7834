// Debian's Chromium driven by playwright-core, and a monitor that records every CSP violation,
// CSP console message and uncaught page error in any page of a context.
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium. playwright's launch() gives it a fresh temporary --user-data-dir of its own
 * (removed on close); every context made with newContext() is isolated (own cookies).
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium chromium-driver`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

// Runs in every page before its own scripts: reports securitypolicyviolation events both to the
// test (through the exposed binding, which survives navigations) and to window.__cspViolations.
const INIT_SCRIPT = `(() => {
  window.__cspViolations = window.__cspViolations || [];
  document.addEventListener('securitypolicyviolation', (e) => {
    const v = {
      page: String(location.href),
      blockedURI: e.blockedURI,
      violatedDirective: e.violatedDirective,
      effectiveDirective: e.effectiveDirective,
      sourceFile: e.sourceFile,
      lineNumber: e.lineNumber,
      sample: e.sample,
    };
    window.__cspViolations.push(v);
    try { window.__ampfluxReportCsp && window.__ampfluxReportCsp(v); } catch (_) {}
  }, true);
})();`;

/** Everything that must not happen in a page. */
export class Monitor {
  constructor() {
    this.problems = [];
  }

  /** Watches a context: every page in it, now and later. */
  async attach(context, label) {
    await context.exposeBinding('__ampfluxReportCsp', (_source, v) => {
      this.problems.push({ kind: 'csp-violation', context: label, ...v });
    });
    await context.addInitScript(INIT_SCRIPT);
    const watchPage = (page) => {
      page.on('console', (msg) => {
        if (/Content[- ]Security[- ]Policy/i.test(msg.text())) {
          this.problems.push({
            kind: 'csp-console',
            context: label,
            page: page.url(),
            text: msg.text(),
          });
        }
      });
      page.on('pageerror', (err) => {
        this.problems.push({
          kind: 'pageerror',
          context: label,
          page: page.url(),
          text: String(err && err.stack ? err.stack : err),
        });
      });
    };
    context.pages().forEach(watchPage);
    context.on('page', watchPage);
  }

  /** Reads the violations the page itself recorded (in case a binding call was lost). */
  async collectFromPage(page) {
    try {
      const list = await page.evaluate(() => window.__cspViolations || []);
      for (const v of list) {
        const dup = this.problems.some(
          (p) =>
            p.kind === 'csp-violation' &&
            p.page === v.page &&
            p.blockedURI === v.blockedURI &&
            p.violatedDirective === v.violatedDirective &&
            p.lineNumber === v.lineNumber,
        );
        if (!dup) this.problems.push({ kind: 'csp-violation', ...v });
      }
    } catch {
      // The page is closed or navigating.
    }
  }

  /** Fails when anything was recorded since `since` (an index into problems). */
  assertClean(since = 0) {
    const found = this.problems.slice(since);
    assert.deepEqual(
      found,
      [],
      `CSP violations or page errors:\n${JSON.stringify(found, null, 2)}`,
    );
  }

  get count() {
    return this.problems.length;
  }
}

/** A new isolated context (own cookies = own session) with the monitor attached. */
export async function newWatchedContext(browser, monitor, label) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    userAgent: undefined,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  await monitor.attach(context, label);
  return context;
}
