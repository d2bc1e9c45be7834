#!/usr/bin/env node
// The results page of a 100,000-bus simulation in headless Chromium (docs/PERFORMANCE.md,
// "Results of a 100,000-bus study in a browser"). Not part of CI.
//
// Usage (from the repository root):
//   cargo build --release && (cd tests/browser && npm ci)
//   node benches/browser/results_100k.mjs [--buses 100000] [--radial] [--branches]
//       [--bin target/release/ampflux] [--loads 5] [--pages 5]
//
// It starts the binary on a fresh data folder with the browser suite's harness (SQLite unless
// DATABASE_URL is set), signs a company up through the pages, writes the synthetic meshed network
// of src/sc/synthetic.rs (the Python port in tests/sc/compare_timing.py, seed 42) as a circuit
// file, creates a project from it on the new-project form, runs 3ph max on the run form (branch
// currents off unless --branches) and waits for the results to be swapped in. Then, on the
// results page (1366x900, browser cache off so every load is a full 200):
//   - loads: navigation start to the load event (and TTFB, DOMContentLoaded), the HTML's size,
//     the DOM's size, long tasks (main thread busy > 50 ms), the first load and the median of
//     --loads more;
//   - the bus table: its rows and pages; sorting by a header and paging with "Next page" through
//     htmx (click to htmx:afterSettle), the fragment's size; the last page by address;
//   - the diagram: what it shows (a drawing of every bus, or a bus search and a neighbourhood),
//     its SVG's size, the bus search (typing to the matches swapped in), and the neighbourhood
//     of a chosen bus at depth 2 and 6.
// The upload limit is 20 MB (MAX_IMPORT_BYTES), which the whole synthetic file (39 MB with
// every optional line field at full precision) is over: the file carries what a 3ph or 1ph
// study reads (R, X, R0, X0, length) rounded to 4 decimals and leaves out the line capacitances,
// end temperature and rating.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_DIR, startApp } from '../../tests/browser/lib/app.mjs';
import { Monitor, launchBrowser, newWatchedContext } from '../../tests/browser/lib/browser.mjs';
import { signedInPerson } from '../../tests/browser/lib/flows.mjs';

const { values: args } = parseArgs({
  options: {
    buses: { type: 'string', default: '100000' },
    radial: { type: 'boolean', default: false },
    branches: { type: 'boolean', default: false },
    bin: { type: 'string', default: 'target/release/ampflux' },
    loads: { type: 'string', default: '5' },
    pages: { type: 'string', default: '5' },
  },
});
const BUSES = Number(args.buses);
const LOADS = Number(args.loads);
const PAGES = Number(args.pages);
process.env.AMPFLUX_BIN = path.resolve(REPO_DIR, args.bin);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${Math.round(x)} ms`;
const kb = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

/** Writes the synthetic circuit (see the header) and returns its path. */
function writeCircuit() {
  const file = path.join(os.tmpdir(), `ampflux-synthetic-${BUSES}-${args.radial ? 'radial' : 'meshed'}.circuit.json`);
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(path.join(REPO_DIR, 'tests', 'sc'))})
from compare_timing import network
c = network(${BUSES}, ${args.radial ? 'False' : 'True'}, 42)
c["name"] = "Synthetic ${BUSES} buses"
for l in c["lines"]:
    for k in ("c_nf_per_km", "c0_nf_per_km", "endtemp_degree", "max_i_ka"):
        l.pop(k, None)
    for k, v in list(l.items()):
        if isinstance(v, float):
            l[k] = round(v, 4)
with open(${JSON.stringify(file)}, "w") as f:
    json.dump(c, f, separators=(",", ":"))
`;
  const r = spawnSync('python3', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'] });
  assert.equal(r.status, 0, 'python3 wrote the circuit');
  return file;
}

// Long tasks of every page, from its start (buffered by the page itself).
const LONG_TASKS = `(() => {
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask', buffered: true });
  } catch (_) {}
})();`;

/** Loads `url` and reads what the page took and holds. */
async function measureLoad(page, url) {
  const res = await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
  return readLoad(page);
}

/** What the page just loaded took and holds. */
async function readLoad(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const svg = document.querySelector('#diagram svg.one-line');
    return {
      load: nav.loadEventEnd - nav.startTime,
      ttfb: nav.responseStart - nav.startTime,
      response: nav.responseEnd - nav.startTime,
      dcl: nav.domContentLoadedEventEnd - nav.startTime,
      html: nav.decodedBodySize,
      transfer: nav.transferSize,
      elements: document.getElementsByTagName('*').length,
      longTasks: [...window.__longTasks],
      busRows: document.querySelectorAll('#bus-table tbody tr').length,
      pageNav: document.querySelector('#bus-table .page-nav')?.innerText.trim() ?? '',
      svgBytes: svg ? svg.outerHTML.length : 0,
      svgElements: svg ? svg.getElementsByTagName('*').length : 0,
      svgBuses: svg ? svg.querySelectorAll('line.bus-bar').length : 0,
      diagramText: document.querySelector('#diagram > p')?.innerText.trim() ?? '',
      heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
    };
  });
}

/** Clicks `selector` and times it to the htmx swap's settle, with the fragment's size. */
async function timeSwap(page, selector) {
  const [response, ms] = await Promise.all([
    page.waitForResponse((r) => r.request().headers()['hx-request'] === 'true', { timeout: 120_000 }),
    page.evaluate((sel) => new Promise((resolve, reject) => {
      const el = document.querySelector(sel);
      if (!el) {
        reject(new Error(`nothing matches ${sel}`));
        return;
      }
      const t0 = performance.now();
      document.addEventListener('htmx:afterSettle', () => resolve(performance.now() - t0), { once: true });
      el.click();
    }), selector),
  ]);
  assert.equal(response.status(), 200, `${selector}: ${response.status()}`);
  const bytes = (await response.body()).length;
  return { ms, bytes, url: new URL(response.url()).pathname + new URL(response.url()).search };
}

/** Per route, the server's own times (elapsed_ms in its log) since `from` (a byte offset). */
function serverTimes(logFile, from) {
  const text = readFileSync(logFile, 'utf8').slice(from);
  const out = {};
  for (const m of text.matchAll(/method=GET route=(\S+?)\}: .*?status=(\d+) elapsed_ms=(\d+)/g)) {
    if (m[1].startsWith('/static') || m[1] === '/favicon.ico') continue;
    (out[m[1]] ||= []).push(Number(m[3]));
  }
  return out;
}

async function main() {
  log(`writing the ${BUSES}-bus circuit`);
  const file = writeCircuit();
  const fileBytes = statSync(file).size;
  log(`${file}: ${kb(fileBytes)}`);

  const app = await startApp({ readyTimeoutMs: 120_000 });
  const browser = await launchBrowser();
  const monitor = new Monitor();
  const report = { buses: BUSES, meshed: !args.radial, branches: args.branches, fileBytes };
  try {
    const context = await newWatchedContext(browser, monitor, 'bench');
    context.setDefaultTimeout(120_000);
    context.setDefaultNavigationTimeout(300_000);
    await context.addInitScript(LONG_TASKS);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1366, height: 900 });
    await signedInPerson(page, app, 'bench');

    log('creating the project from the file');
    await page.goto(`${app.baseUrl}/projects/new`);
    await page.fill('#name', `Synthetic ${BUSES} buses`);
    await page.check('input[name="start"][value="upload"]');
    await page.setInputFiles('#file', file);
    let t0 = Date.now();
    await Promise.all([
      page.waitForURL(/\/projects\/\d+$/, { timeout: 300_000 }),
      page.click('button[type="submit"].primary'),
    ]);
    report.createMs = Date.now() - t0;
    const projectId = Number(new URL(page.url()).pathname.split('/').pop());

    log('running 3ph max');
    t0 = Date.now();
    await page.goto(`${app.baseUrl}/projects/${projectId}/simulations/new`);
    report.runFormMs = Date.now() - t0;
    await page.selectOption('#simulation_type', 'short_circuit');
    await page.selectOption('#fault', '3ph');
    await page.selectOption('#case', 'max');
    await page.selectOption('#branch_results', args.branches ? 'yes' : 'no');
    t0 = Date.now();
    await Promise.all([
      page.waitForURL(/\/simulations\/\d+$/, { timeout: 300_000 }),
      page.click('form.sim-form button[type="submit"]'),
    ]);
    await page.locator('#sim-live .sim-badge.completed, #sim-live .sim-badge.failed').first()
      .waitFor({ timeout: 3_600_000 });
    report.runToResultsMs = Date.now() - t0;
    assert.equal(await page.locator('#sim-live .sim-badge.completed').count(), 1,
      await page.locator('#sim-live').innerText());
    const resultsUrl = page.url();
    const simId = Number(new URL(resultsUrl).pathname.split('/').pop());

    // Every load from here is a full 200: no revalidation with the ETag.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

    const logFrom = statSync(app.logFile).size;
    log('loading the results page');
    report.firstLoad = await measureLoad(page, resultsUrl);
    const loads = [];
    for (let i = 0; i < LOADS; i++) loads.push(await measureLoad(page, resultsUrl));
    report.loads = loads;
    report.loadMedian = median(loads.map((l) => l.load));
    report.ttfbMedian = median(loads.map((l) => l.ttfb));
    report.dclMedian = median(loads.map((l) => l.dcl));

    log('sorting and paging the bus table');
    const swaps = {};
    swaps.sortByBus = await timeSwap(page, '#bus-table thead th:first-child a');
    swaps.sortByBusDesc = await timeSwap(page, '#bus-table thead th:first-child a');
    const ipIndex = await page.locator('#bus-table thead th').evaluateAll((hs) =>
      hs.findIndex((h) => h.innerText.trim() === 'ip (kA)'));
    swaps.sortByIp = await timeSwap(page, `#bus-table thead th:nth-child(${ipIndex + 1}) a`);
    swaps.next = [];
    for (let i = 0; i < PAGES; i++) swaps.next.push(await timeSwap(page, '#bus-table a[rel="next"]'));
    swaps.previous = await timeSwap(page, '#bus-table a[rel="prev"]');
    report.swaps = swaps;
    report.pageNavAfter = await page.locator('#bus-table .page-nav').innerText();
    // The last page by its address (a plain link's full page, as a bookmark would open it).
    const pages = Math.ceil(BUSES / 50);
    report.lastPage = await measureLoad(page, `${resultsUrl}?sort=bus&dir=asc&page=${pages}`);

    log('the diagram');
    await page.goto(resultsUrl);
    report.diagram = await page.evaluate(() => {
      const d = document.querySelector('#diagram');
      return {
        text: d ? d.innerText.slice(0, 400) : '(no diagram)',
        search: !!document.querySelector('#bus-search'),
        matches: document.querySelectorAll('#bus-matches tbody tr').length,
      };
    });
    if (report.diagram.search) {
      // On the results page the bus search is a plain form: the page again with the matches.
      const query = `B${Math.floor(BUSES * 0.45)}`;
      await page.fill('#bus-search', query);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).searchParams.get('q') === query),
        page.click('form.bus-search button[type="submit"]'),
      ]);
      assert.equal(res.status(), 200);
      await page.waitForLoadState('load');
      report.busSearch = {
        query,
        ...(await readLoad(page)),
        matches: await page.locator('#bus-matches tbody tr').count(),
      };
      const href = await page.locator('#bus-matches tbody tr a').first().getAttribute('href');
      report.neighbourhood = {};
      for (const depth of [2, 6]) {
        const url = new URL(href, app.baseUrl);
        url.searchParams.set('depth', String(depth));
        url.hash = '';
        report.neighbourhood[depth] = await measureLoad(page, url.toString());
      }
    }
    report.serverMs = Object.fromEntries(Object.entries(serverTimes(app.logFile, logFrom))
      .map(([route, xs]) => [route, { n: xs.length, median: median(xs), max: Math.max(...xs) }]));
    await monitor.collectFromPage(page);
    report.problems = monitor.problems;
    report.simId = simId;
  } finally {
    await browser.close().catch(() => {});
    await app.stop();
  }
  printReport(report);
}

function printReport(r) {
  const f = r.firstLoad;
  const lines = [
    `${r.buses} buses (${r.meshed ? 'meshed' : 'radial'}), 3ph max, branch currents ${r.branches ? 'on' : 'off'}; circuit file ${kb(r.fileBytes)}`,
    '',
    '| step | figure |',
    '|---|---|',
    `| create the project from the file (upload to overview) | ${ms(r.createMs)} |`,
    `| run form (readiness of every study) | ${ms(r.runFormMs)} |`,
    `| "Run simulation" to results swapped in | ${ms(r.runToResultsMs)} |`,
    `| results page, first load: navigation to load event | ${ms(f.load)} (TTFB ${ms(f.ttfb)}) |`,
    `| results page, median of ${r.loads.length} more: navigation to load event | ${ms(r.loadMedian)} (TTFB ${ms(r.ttfbMedian)}, DOMContentLoaded ${ms(r.dclMedian)}) |`,
    `| HTML (decoded; transferred) | ${kb(f.html)}; ${kb(f.transfer)} |`,
    `| DOM elements | ${f.elements} |`,
    `| long tasks during the load (> 50 ms) | ${JSON.stringify(r.loads.map((l) => l.longTasks))} |`,
    `| bus table | ${f.busRows} rows: "${f.pageNav}" |`,
    `| sort by Bus (htmx, click to settle) | ${ms(r.swaps.sortByBus.ms)}, ${kb(r.swaps.sortByBus.bytes)} |`,
    `| sort by Bus again (descending) | ${ms(r.swaps.sortByBusDesc.ms)} |`,
    `| sort by ip | ${ms(r.swaps.sortByIp.ms)} |`,
    `| Next page ×${r.swaps.next.length} (median; each) | ${ms(median(r.swaps.next.map((s) => s.ms)))}; ${r.swaps.next.map((s) => Math.round(s.ms)).join(', ')} ms, ${kb(r.swaps.next[0].bytes)} |`,
    `| Previous page | ${ms(r.swaps.previous.ms)} |`,
    `| last page by address (full page) | ${ms(r.lastPage.load)}, ${kb(r.lastPage.html)}: "${r.lastPage.pageNav}" |`,
    `| diagram on the results page | ${f.svgBuses} buses drawn, SVG ${kb(f.svgBytes)} (${f.svgElements} elements); "${f.diagramText.slice(0, 160)}" |`,
  ];
  if (r.busSearch) {
    lines.push(`| diagram's bus search "${r.busSearch.query}" (the page with the matches) | ${ms(r.busSearch.load)}, ${kb(r.busSearch.html)}, ${r.busSearch.matches} matches |`);
    for (const [depth, n] of Object.entries(r.neighbourhood)) {
      lines.push(`| neighbourhood of a bus, depth ${depth} (full page) | ${ms(n.load)}, ${kb(n.html)}, ${n.svgBuses} buses drawn, SVG ${kb(n.svgBytes)} |`);
    }
  }
  lines.push(`| JS heap after the loads | ${kb(r.loads.at(-1).heap)} |`);
  lines.push(`| CSP violations or page errors | ${r.problems.length} |`);
  lines.push('', 'Server times (elapsed_ms in its log, GET routes after the run):', '');
  for (const [route, t] of Object.entries(r.serverMs)) {
    lines.push(`- ${route}: ${t.n} requests, median ${t.median} ms, max ${t.max} ms`);
  }
  console.log(lines.join('\n'));
  console.log('\nJSON:', JSON.stringify(r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
