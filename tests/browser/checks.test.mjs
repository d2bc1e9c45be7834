// Checks before a run in a browser: the run page says what each built-in example is ready for
// (every study) and an earth fault in the min case runs on it; a circuit that lacks data is
// refused with the list of elements, and each item's link opens the editor at that row. No CSP
// violation or page error on the way.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { browserSuite } from './lib/harness.mjs';
import { REPO_DIR } from './lib/app.mjs';
import { createProject as createProjectIn, signedInPerson } from './lib/flows.mjs';

let page = null;
const suite = browserSuite('checks', {
  setup: async (s) => {
    page = await (await s.newContext('checks')).newPage();
    await signedInPerson(page, s.app, 'checks');
  },
});

/** Creates a project from the new-project form (see flows.mjs). */
function createProject(name, options) {
  return createProjectIn(page, suite.app, name, options);
}

suite.flow('every built-in example is ready for every study and runs 1ph min', async () => {
  const { app } = suite;
  for (const example of ['substation', 'iec60909-4']) {
    const id = await createProject(`Checks ${example}`, { example });
    await page.goto(`${app.baseUrl}/projects/${id}/simulations/new`);
    const ready = await page.locator('#readiness li.ready').allInnerTexts();
    assert.equal(ready.length, 9, `${example}: ${JSON.stringify(ready)}`);
    assert.equal(await page.locator('#readiness li.not-ready').count(), 0, example);
    assert.ok(ready.includes('ready for 1ph min'), JSON.stringify(ready));
    await page.selectOption('#fault', '1ph');
    await page.selectOption('#case', 'min');
    await Promise.all([page.waitForURL(/\/simulations\/\d+$/), page.click('form.sim-form button[type="submit"]')]);
    await page.locator('#sim-live .sim-badge.completed').waitFor({ timeout: 30_000 });
  }
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean();
});

suite.flow('a circuit that lacks data is refused with links to its rows', async () => {
  const { app } = suite;
  const circuit = JSON.parse(readFileSync(
    path.join(REPO_DIR, 'tests/fixtures/sc/examples/substation.circuit.json'),
    'utf8',
  ));
  delete circuit.lines[0].r0_ohm_per_km;
  delete circuit.lines[0].x0_ohm_per_km;
  const id = await createProject('Checks incomplete', {
    file: { name: 'incomplete.circuit.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(circuit)) },
  });
  await page.goto(`${app.baseUrl}/projects/${id}/simulations/new`);
  assert.match(await page.locator('#readiness').innerText(), /1ph max needs R0\/X0 on 1 line/);
  await page.selectOption('#fault', '1ph');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/projects/${id}/simulations`)),
    page.click('form.sim-form button[type="submit"]'),
  ]);
  assert.equal(res.status(), 422);
  await page.waitForLoadState('load');
  const refusal = page.locator('#run-missing');
  assert.match(await refusal.innerText(), /Version 1 lacks data for 1ph max/);
  const link = refusal.locator('a', { hasText: 'line “L1”' });
  await Promise.all([page.waitForURL(/\/editor\?all=lines#row-lines-/), link.click()]);
  const anchor = new URL(page.url()).hash.slice(1);
  const row = page.locator(`tr[id="${anchor}"]`);
  assert.equal(await row.count(), 1, `the editor has the row ${anchor}`);
  assert.match(await row.innerText(), /L1/);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean();
});
