// The study report: from a completed simulation of the built-in example to its print view at
// 1366x900 and 390x844 (every section, bus names, no horizontal page overflow, axe passes, no
// CSP violation), the PDF link answering a PDF, and the print layout (A4) fitting its pages.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const suite = browserSuite('report');

async function axeSerious(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

suite.flow('the study report renders, fits the screen and passes axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('report')).newPage();
  await signedInPerson(page, app, 'reporter');
  await page.goto(`${app.baseUrl}/projects/new`);
  await page.fill('#name', 'Report study');
  await page.check('input[name="start"][value="example"]');
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  const base = new URL(page.url()).pathname;
  await page.goto(`${app.baseUrl}${base}/simulations/new`);
  await Promise.all([page.waitForURL(/\/simulations\/\d+$/), page.click('form.sim-form button[type="submit"]')]);
  await page.locator('#sim-live .sim-badge.completed').waitFor({ timeout: 30_000 });
  const simPath = new URL(page.url()).pathname;

  // The results page links to the report.
  await Promise.all([page.waitForURL(/\/report$/), page.click(`a[href="${simPath}/report"]`)]);
  for (const [width, height] of [[1366, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await page.goto(`${app.baseUrl}${simPath}/report`);
    await assert.doesNotReject(page.locator('h1', { hasText: 'Short-circuit study: Report study' }).waitFor());
    for (const id of ['study', 'options', 'assumptions', 'findings', 'results', 'diagram', 'charts', 'inputs']) {
      assert.equal(await page.locator(`section#${id}`).count(), 1, `section ${id} at ${width}px`);
    }
    // Names, not ids, in the bus results.
    const firstBus = await page.locator('#bus-results tbody th').first().textContent();
    assert.ok(/busbar/.test(firstBus), `a bus named in the results: ${firstBus}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the report overflows a ${width}px screen by ${overflow}px`);
    assert.deepEqual(await axeSerious(page), [], `axe at ${width}px`);
  }

  // The PDF link answers a PDF.
  const res = await page.request.get(`${app.baseUrl}${simPath}/report.pdf`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  const body = await res.body();
  assert.equal(body.subarray(0, 5).toString('latin1'), '%PDF-');

  // Printed (A4): Chromium lays it out into several pages.
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pages >= 3, `the printed report has ${pages} pages`);
});
