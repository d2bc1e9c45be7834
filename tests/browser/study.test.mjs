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
 * response (a redirect) and the page it leads to, not for the page already loaded. A refused
 * save fails at once with the editor's reason. */
async function saveVersion(message) {
  const { app } = suite;
  await page.fill('#save-message', message);
  const savePath = `/projects/${projectId}/editor/save`;
  const next = page.waitForResponse((r) => r.request().method() === 'GET' && r.request().isNavigationRequest()
    && r.request().redirectedFrom()?.url() === `${app.baseUrl}${savePath}`);
  next.catch(() => {});
  const [saved] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === savePath),
    page.click('.save-form button[type="submit"]'),
  ]);
  if (saved.status() !== 303) {
    await page.waitForLoadState('load');
    const reason = await page.locator('#save-error').innerText().catch(() => '(no #save-error)');
    assert.fail(`the save "${message}" answered ${saved.status()}: ${reason} `
      + `(sent: ${saved.request().postData()})`);
  }
  assert.equal((await next).status(), 200, `the page after the save "${message}"`);
  await page.waitForLoadState('load');
}

/** Creates a project (version 1: an empty circuit) and returns its id. */
async function newProject(name) {
  const { app } = suite;
  await page.goto(`${app.baseUrl}/projects/new`);
  await page.fill('#name', name);
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

/** Resolves once the next htmx swap has settled (after app.js has placed the focus). */
async function nextSettle() {
  await page.evaluate(() => {
    window.__settled = new Promise((resolve) => {
      document.addEventListener('htmx:afterSettle', () => resolve(), { once: true });
    });
  });
  return () => page.evaluate(() => window.__settled);
}

/** The id of the focused element. */
const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');

suite.flow('build a circuit in the editor and save it as a version', async () => {
  const { app } = suite;
  projectId = await newProject('Browser study');

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

// A refused row focuses its refused field once the swap settles, but only for someone waiting
// for the answer: someone who went on to type the version message meanwhile keeps typing there
// (the focus used to jump into the row form, the message was saved empty and refused).
suite.flow('a row refused while typing elsewhere leaves the focus where it is', async () => {
  const { app } = suite;
  const id = await newProject('Focus study');
  await page.goto(`${app.baseUrl}/projects/${id}/editor`);
  const rowsPath = `/projects/${id}/editor/buses/rows`;
  const isRowsPost = (r) => new URL(r.url()).pathname === rowsPath && r.request().method() === 'POST';
  if (!(await page.locator('#add-buses').isVisible())) await page.click('#section-buses details.add-row > summary');
  await page.locator('#add-buses [name="id"]').fill('Bad');
  await page.locator('#add-buses [name="vn_kv"]').fill('twenty');

  // Waiting for the answer: the refused field gets the focus.
  let settled = await nextSettle();
  const [refused] = await Promise.all([
    page.waitForResponse(isRowsPost),
    page.locator('#add-buses button[type="submit"]').click(),
  ]);
  assert.equal(refused.status(), 422);
  await settled();
  assert.equal(await focusedId(), 'add-buses-vn_kv', 'the refused field is focused');

  // Typing the version message while the same refusal is on its way (held here until the
  // first words are typed): the focus stays in the message.
  let release = null;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  let reached = null;
  const atServer = new Promise((resolve) => {
    reached = resolve;
  });
  const rowsUrl = (url) => url.pathname === rowsPath;
  await page.route(rowsUrl, async (route) => {
    const response = await route.fetch();
    reached();
    await held;
    await route.fulfill({ response });
  });
  try {
    await page.locator('#add-buses button[type="submit"]').click();
    await atServer;
    await page.click('#save-message');
    await page.keyboard.type('Typed while ');
    settled = await nextSettle();
    const answered = page.waitForResponse(isRowsPost);
    release();
    assert.equal((await answered).status(), 422);
    await settled();
    await page.keyboard.type('the bus was refused');
  } finally {
    release();
    await page.unroute(rowsUrl).catch(() => {});
  }
  assert.equal(await focusedId(), 'save-message', 'the focus stayed in the version message');
  assert.equal(await page.inputValue('#save-message'), 'Typed while the bus was refused');
  assert.equal(await page.inputValue('#add-buses [name="vn_kv"]'), 'twenty', 'nothing was typed into the row form');
  assert.equal(await page.locator('#add-buses .field.invalid .field-error').count(), 1, 'the refusal is shown');
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean();
});
