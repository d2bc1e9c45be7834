// A whole study in the browser: create a project, build a circuit in the editor row by row (two
// buses, a grid, a transformer, a third bus and a cable) with htmx, save it as a version, run a
// simulation and watch the results appear without a reload, then diff the two versions. No CSP
// violation or page error on the way.
import assert from 'node:assert/strict';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';

let page = null;
let projectId = null;
const suite = browserSuite('study', {
  setup: async (s) => {
    page = await (await s.newContext('study')).newPage();
    await signedInPerson(page, s.app, 'study');
  },
});

/** A value on window that a full page load would lose. */
async function markPage() {
  await page.evaluate(() => {
    window.__studyMarker = 'kept';
  });
  return async () => page.evaluate(() => window.__studyMarker);
}

/** Opens the kind's add form, fills it and adds the row through htmx. */
async function addRow(kind, fields) {
  const form = page.locator(`#add-${kind}`);
  if (!(await form.isVisible())) await page.click(`#section-${kind} details.add-row > summary`);
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name="${name}"]`);
    if (!(await input.isVisible())) await form.locator('details.more-fields > summary').click();
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(String(value));
  }
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/editor/${kind}/rows`) && r.request().method() === 'POST'),
    form.locator('button[type="submit"]').click(),
  ]);
  assert.equal(res.status(), 200, `adding ${kind} ${fields.id}: ${await res.text()}`);
  await page.locator(`#section-${kind} table.elements`).getByText(fields.id, { exact: true }).first().waitFor();
}

/** Saves the draft as a version through the editor's plain form and waits for the save's own
 * response (a redirect) and the page it leads to, not for the page already loaded. */
async function saveVersion(message) {
  const { app } = suite;
  await page.fill('#save-message', message);
  const savePath = `/projects/${projectId}/editor/save`;
  const [saved, next] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === savePath),
    page.waitForResponse((r) => r.request().method() === 'GET' && r.request().isNavigationRequest()
      && r.request().redirectedFrom()?.url() === `${app.baseUrl}${savePath}`),
    page.click('.save-form button[type="submit"]'),
  ]);
  assert.equal(saved.status(), 303, `the save "${message}" was accepted`);
  assert.equal(next.status(), 200, `the page after the save "${message}"`);
  await page.waitForLoadState('load');
}

suite.flow('build a circuit in the editor and save it as a version', async () => {
  const { app } = suite;
  await page.goto(`${app.baseUrl}/projects/new`);
  await page.fill('#name', 'Browser study');
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  projectId = Number(new URL(page.url()).pathname.split('/').pop());

  await page.goto(`${app.baseUrl}/projects/${projectId}/editor`);
  const kept = await markPage();
  await addRow('buses', { id: 'HV', vn_kv: '110' });
  await addRow('buses', { id: 'MV', vn_kv: '20' });
  await addRow('external_grids', { id: 'Grid', bus: 'HV', s_sc_max_mva: '5000', s_sc_min_mva: '4000', rx_max: '0.1', rx_min: '0.1' });
  await addRow('transformers', {
    id: 'T1', hv_bus: 'HV', lv_bus: 'MV', sn_mva: '40', vn_hv_kv: '110', vn_lv_kv: '20',
    vk_percent: '12', vkr_percent: '0.5', vector_group: 'Dyn5',
  });
  await addRow('buses', { id: 'F1', vn_kv: '20' });
  await addRow('lines', { id: 'L1', from_bus: 'MV', to_bus: 'F1', length_km: '2', r_ohm_per_km: '0.125', x_ohm_per_km: '0.112' });
  assert.equal(await kept(), 'kept', 'rows were added without a page load');

  // A bad number is refused beside its field, in place.
  await page.click('#section-buses details.add-row > summary').catch(() => {});
  const form = page.locator('#add-buses');
  if (!(await form.isVisible())) await page.click('#section-buses details.add-row > summary');
  await form.locator('[name="id"]').fill('Bad');
  await form.locator('[name="vn_kv"]').fill('twenty');
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/editor/buses/rows') && r.request().method() === 'POST'),
    form.locator('button[type="submit"]').click(),
  ]);
  await page.locator('#add-buses .field.invalid .field-error').first().waitFor();
  assert.equal(await page.locator('#section-buses table.elements').getByText('Bad', { exact: true }).count(), 0);
  assert.equal(await kept(), 'kept');

  await saveVersion('Grid, transformer and feeder cable');
  await page.goto(`${app.baseUrl}/projects/${projectId}/versions`);
  const versions = await page.locator('main').innerText();
  assert.match(versions, /Grid, transformer and feeder cable/);
  assert.match(versions, /Initial circuit/);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean();
});

suite.flow('run a simulation and see the results without a reload', async () => {
  const { app } = suite;
  assert.ok(projectId, 'the project of the first flow');
  await page.goto(`${app.baseUrl}/projects/${projectId}/simulations/new`);
  await Promise.all([page.waitForURL(/\/simulations\/\d+$/), page.click('form.sim-form button[type="submit"]')]);
  const kept = await markPage();
  // The page polls its status fragment and swaps the results in when the job is done.
  await page.locator('#sim-live .sim-badge.completed').waitFor({ timeout: 30_000 });
  const live = await page.locator('#sim-live').innerText();
  assert.match(live, /Findings/);
  for (const bus of ['HV', 'MV', 'F1']) assert.match(live, new RegExp(`\\b${bus}\\b`));
  assert.equal(await kept(), 'kept', 'the results appeared without a page load');
  assert.ok(await page.locator('svg.one-line').count() > 0, 'the annotated one-line diagram is shown');
  const polling = await page.locator('#sim-live[hx-trigger]').count();
  assert.equal(polling, 0, 'polling stops once the simulation is done');
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean();
});

suite.flow('edit a row in place, save again and diff the two versions', async () => {
  const { app } = suite;
  await page.goto(`${app.baseUrl}/projects/${projectId}/editor`);
  const kept = await markPage();
  const row = page.locator('#section-lines tr.el-row', { hasText: 'L1' });
  await row.locator('a.button', { hasText: 'Edit' }).click();
  const editForm = page.locator('#section-lines tr.editing form');
  await editForm.waitFor();
  await editForm.locator('[name="length_km"]').fill('3.5');
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/editor/lines/rows/')),
    editForm.locator('button[type="submit"]').click(),
  ]);
  await page.locator('#section-lines tr.el-row:not(.editing)', { hasText: '3.5' }).waitFor();
  assert.equal(await kept(), 'kept', 'the row was edited in place');
  await saveVersion('Longer cable');

  // Pick the two versions on the diff page.
  await page.goto(`${app.baseUrl}/projects/${projectId}/diff?from=2&to=3`);
  const summary = await page.locator('main').innerText();
  assert.match(summary, /0 added, 0 removed, 1 changed element/);
  const changed = page.locator('tr', { has: page.locator('td.old') }).filter({ hasText: 'Length' });
  assert.equal((await changed.locator('td.old').innerText()).trim(), '2');
  assert.equal((await changed.locator('td.new').innerText()).trim(), '3.5');
  await page.goto(`${app.baseUrl}/projects/${projectId}/diff?from=1&to=3`);
  assert.match(await page.locator('main').innerText(), /6 added, 0 removed, 0 changed/);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean();
});
