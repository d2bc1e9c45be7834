// Every study of the run form on every built-in example, in a browser at 1366x900 and 390x844:
// each simulation type, fault type and case the form offers is chosen in the form and run, the
// results come in without a reload and name the example's buses (their names, not their ids)
// with an Ik'' for each; neither the form nor the results scroll sideways, and no CSP violation
// or page error happens. Then the form's version switch: choosing another version swaps what
// it is ready for in place, and the run uses the chosen version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { browserSuite } from './lib/harness.mjs';
import { REPO_DIR } from './lib/app.mjs';
import { createProject as createProjectIn, signedInPerson } from './lib/flows.mjs';

const VIEWPORTS = [
  { width: 1366, height: 900 },
  { width: 390, height: 844 },
];

/** The built-in examples (src/examples/mod.rs) and the circuit files they are made of. */
const EXAMPLES = [
  { id: 'substation', file: 'src/examples/substation.circuit.json' },
  { id: 'iec60909-4', file: 'src/examples/iec60909_4.circuit.json' },
];

const readCircuit = (file) => JSON.parse(readFileSync(path.join(REPO_DIR, file), 'utf8'));

/** How the results name a bus: its name, its id when it has none. */
const shownName = (bus) => (bus.name && bus.name.trim() ? bus.name : bus.id);

let page = null;
/** Example id -> project id: one project per example, shared by both viewports. */
const projects = {};
const suite = browserSuite('studies', {
  setup: async (s) => {
    page = await (await s.newContext('studies')).newPage();
    await signedInPerson(page, s.app, 'studies');
  },
});

/** Creates a project from the new-project form (see flows.mjs). */
function createProject(name, options) {
  return createProjectIn(page, suite.app, name, options);
}

async function projectOf(example) {
  if (!projects[example]) projects[example] = await createProject(`Studies ${example}`, { example });
  return projects[example];
}

/** Fails when the page scrolls sideways, naming the widest elements. */
async function assertNoSidewaysScroll(what) {
  const o = await page.evaluate(() => {
    const root = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(-3)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${[...e.classList].map((c) => `.${c}`).join('')}`);
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
  });
  assert.ok(
    o.scrollWidth <= o.clientWidth,
    `${what} scrolls sideways: scrollWidth ${o.scrollWidth} > clientWidth ${o.clientWidth} (${o.wide.join(', ')})`,
  );
}

/** The values of a select's options. */
const optionValues = (selector) =>
  page.locator(`${selector} option`).evaluateAll((os) => os.map((o) => o.value));

/** Opens the run form of a project (optionally of one version). */
async function openRunForm(projectId, version = null) {
  const q = version ? `?version=${version}` : '';
  const res = await page.goto(`${suite.app.baseUrl}/projects/${projectId}/simulations/new${q}`);
  assert.equal(res.status(), 200, `the run form answered ${res.status()}`);
}

/** Chooses in the run form and sends it; returns the POST's response. */
async function submitRun({ type, fault, kase, version = null }) {
  await page.selectOption('#simulation_type', type);
  if (version !== null) await page.selectOption('#version', String(version));
  await page.selectOption('#fault', fault);
  await page.selectOption('#case', kase);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/projects\/\d+\/simulations$/.test(new URL(r.url()).pathname)),
    page.click('form.sim-form button[type="submit"]'),
  ]);
  await page.waitForLoadState('load');
  return res;
}

/**
 * Waits on the results page of a just-queued run until it is completed, without a page load
 * (a value set on window survives), and returns the simulation id.
 */
async function awaitResults(what) {
  await page.waitForURL(/\/simulations\/\d+$/);
  await page.evaluate(() => {
    window.__studiesMarker = 'kept';
  });
  const badge = page.locator('#sim-live .sim-badge');
  await page.locator('#sim-live .sim-badge.completed, #sim-live .sim-badge.failed').first().waitFor({ timeout: 60_000 });
  const status = (await badge.getAttribute('class')) ?? '';
  if (!status.includes('completed')) {
    const error = await page.locator('#sim-live .sim-error-text').innerText().catch(() => '');
    assert.fail(`${what}: the simulation ended ${status}: ${error}`);
  }
  assert.equal(await page.evaluate(() => window.__studiesMarker), 'kept', `${what}: the results came without a page load`);
  assert.equal(await page.locator('#sim-live[hx-trigger]').count(), 0, `${what}: the polling stopped`);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

/** The bus table: its headers and each row's name and cells. */
async function busTable() {
  return page.locator('#bus-table table.sim-buses').evaluate((t) => ({
    headers: [...t.querySelectorAll('thead th')].map((h) => h.innerText.trim()),
    rows: [...t.querySelectorAll('tbody tr')].map((r) => ({
      name: r.querySelector('th').innerText.trim(),
      // What is shown; a row near a breaker rating says so to screen readers only.
      cells: [...r.querySelectorAll('td')].map((c) => {
        const shown = c.cloneNode(true);
        shown.querySelectorAll('.visually-hidden').forEach((h) => h.remove());
        return shown.textContent.trim();
      }),
      near: r.classList.contains('over'),
    })),
  }));
}

/** Asserts the results of a completed run: its head, the bus table (names, Ik''), the duty check. */
async function assertResults(what, circuit, { duty, fault, kase, version = null }) {
  const head = await page.locator('.sim-head').innerText();
  const kind = duty ? 'Breaker duty check' : 'Short circuit (IEC 60909-0';
  assert.ok((await page.locator('.sim-head h2').innerText()).includes(kind), `${what}: ${head}`);
  assert.match(head, new RegExp(`\\(${fault}\\), ${kase === 'max' ? 'maximum' : 'minimum'} case`), `${what}: ${head}`);
  if (version !== null) assert.match(head, new RegExp(`Version ${version}\\b`), `${what}: ${head}`);
  const table = await busTable();
  const ik = table.headers.indexOf("Ik'' (kA)");
  assert.equal(table.headers[0], 'Bus', `${what}: ${JSON.stringify(table.headers)}`);
  assert.ok(ik > 0, `${what}: an Ik'' column in ${JSON.stringify(table.headers)}`);
  // Every bus of the example, by the name it has (a bus without one by its id), once.
  const expected = circuit.buses.map(shownName).sort();
  assert.deepEqual(table.rows.map((r) => r.name).sort(), expected, `${what}: the bus table's names`);
  for (const bus of circuit.buses.filter((b) => shownName(b) !== b.id)) {
    assert.ok(!table.rows.some((r) => r.name === bus.id), `${what}: bus ${bus.id} is shown by its name`);
  }
  for (const row of table.rows) {
    // Ik'' in kA; a bus the fault cannot reach says so instead.
    const value = row.cells[ik - 1];
    assert.ok(/^\d[\d,]*(\.\d+)?$/.test(value) || value === 'not fed', `${what}: Ik'' of ${row.name} is "${value}"`);
  }
  const fed = table.rows.filter((r) => r.cells[ik - 1] !== 'not fed');
  assert.ok(fed.length >= circuit.buses.length - 1, `${what}: Ik'' on the buses: ${JSON.stringify(table.rows)}`);
  assert.ok(fed.some((r) => Number(r.cells[ik - 1].replace(/,/g, '')) > 0), `${what}: some Ik'' above 0`);
  // Every run checks the breakers it can (both examples have some); the duty check is about them.
  {
    // One row per circuit breaker in service, by its id, at its bus's name.
    const breakers = circuit.switches.filter((s) => s.type === 'CB' && s.in_service !== false);
    const rows = await page.locator('#duty table.sim-duty tbody tr').evaluateAll((rs) =>
      rs.map((r) => ({ breaker: r.querySelector('th').innerText.trim(), bus: r.querySelector('td').innerText.trim() })));
    assert.deepEqual(rows.map((r) => r.breaker).sort(), breakers.map((b) => b.name || b.id).sort(), `${what}: duty rows`);
    const byId = new Map(circuit.buses.map((b) => [b.id, shownName(b)]));
    for (const b of breakers) {
      const row = rows.find((r) => r.breaker === (b.name || b.id));
      assert.equal(row.bus, byId.get(b.bus), `${what}: breaker ${b.id} at its bus's name`);
    }
  }
}

for (const example of EXAMPLES) {
  const circuit = readCircuit(example.file);
  for (const { width, height } of VIEWPORTS) {
    suite.flow(`${example.id} at ${width}x${height}: every study of the run form`, async () => {
      const since = suite.monitor.count;
      await page.setViewportSize({ width, height });
      const projectId = await projectOf(example.id);
      await openRunForm(projectId);
      const types = await optionValues('#simulation_type');
      const faults = await optionValues('#fault');
      const cases = await optionValues('#case');
      assert.deepEqual([...types].sort(), ['duty_check', 'short_circuit'], 'the simulation types offered');
      assert.deepEqual(faults, ['3ph', '2ph', '2phg', '1ph'], 'the fault types offered');
      assert.deepEqual(cases, ['max', 'min'], 'the cases offered');
      assert.equal(await page.locator('#readiness li.ready').count(), 9, `${example.id} is ready for every study`);

      let runs = 0;
      for (const type of types) {
        const duty = type === 'duty_check';
        for (const fault of faults) {
          for (const kase of cases) {
            const what = `${example.id} ${width}px ${type} ${fault} ${kase}`;
            if (runs > 0) await openRunForm(projectId);
            // Every option in view (the form's own page opens them).
            const options = page.locator('details.sim-options');
            if ((await options.getAttribute('open')) === null) await options.locator('summary').click();
            assert.notEqual(await options.getAttribute('open'), null, `${what}: the options are shown`);
            await assertNoSidewaysScroll(`the run form (${what})`);
            const res = await submitRun({ type, fault, kase });
            if (duty && kase === 'min') {
              // The duty check is offered on the maximum case only: refused beside the field.
              assert.equal(res.status(), 422, `${what}: refused`);
              assert.match(await page.locator('#case-error').innerText(), /maximum case only|max case only/i, what);
              await assertNoSidewaysScroll(`the refused run form (${what})`);
              continue;
            }
            assert.equal(res.status(), 303, `${what}: queued`);
            await awaitResults(what);
            await assertResults(what, circuit, { duty, fault, kase });
            await assertNoSidewaysScroll(`the results (${what})`);
            runs += 1;
          }
        }
      }
      assert.equal(runs, 12, 'eight short-circuit studies and four duty checks ran');
      await suite.monitor.collectFromPage(page);
      suite.monitor.assertClean(since);
    }, { timeout: 300_000 });
  }
}

/** Saves the editor's draft as a version and waits for the page after the save. */
async function saveVersion(projectId, message) {
  await page.fill('#save-message', message);
  const savePath = `/projects/${projectId}/editor/save`;
  const [saved] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === savePath),
    page.click('.save-form button[type="submit"]'),
  ]);
  assert.equal(saved.status(), 303, `the save "${message}"`);
  await page.waitForLoadState('load');
}

suite.flow('the run form\'s version switch changes the readiness and the version that runs', async () => {
  const since = suite.monitor.count;
  const { app } = suite;
  await page.setViewportSize({ width: 1366, height: 900 });
  // Version 1 lacks zero-sequence data on a line; version 2 is the whole example.
  const full = readCircuit('src/examples/substation.circuit.json');
  const incomplete = structuredClone(full);
  delete incomplete.lines[0].r0_ohm_per_km;
  delete incomplete.lines[0].x0_ohm_per_km;
  const projectId = await createProject('Studies versions', {
    file: { name: 'incomplete.circuit.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(incomplete)) },
  });
  await page.goto(`${app.baseUrl}/projects/${projectId}/editor`);
  await page.setInputFiles('#import-file', {
    name: 'substation.circuit.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(full)),
  });
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/projects/${projectId}/editor/import`),
    page.click('form.import-form button[type="submit"]'),
  ]);
  await page.waitForLoadState('load');
  await saveVersion(projectId, 'Zero-sequence data of L1');

  // The newest version is chosen at first: ready for everything.
  await openRunForm(projectId);
  assert.equal(await page.inputValue('#version'), '2');
  const readiness = page.locator('#readiness');
  assert.match(await readiness.locator('h2').innerText(), /What version 2 is ready for/);
  assert.equal(await readiness.locator('li.ready').count(), 9);
  assert.equal(await readiness.locator('li.not-ready').count(), 0);
  await page.evaluate(() => {
    window.__studiesMarker = 'kept';
  });

  // Version 1: the earth faults need R0/X0, said in place.
  const swapped = async (version) => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).searchParams.get('version') === String(version)),
      page.selectOption('#version', String(version)),
    ]);
    assert.equal(res.status(), 200);
    await page.locator('#readiness h2', { hasText: `What version ${version} is ready for` }).waitFor();
  };
  await swapped(1);
  const lines = await page.locator('#readiness li.not-ready').allInnerTexts();
  assert.deepEqual(
    lines.map((l) => l.replace(/ needs.*/, '')).sort(),
    ['1ph max', '1ph min', '2phg max', '2phg min'],
    JSON.stringify(lines),
  );
  assert.ok(lines.every((l) => /R0\/X0 on 1 line/.test(l)), JSON.stringify(lines));
  assert.equal(await page.locator('#readiness li.ready').count(), 5);
  assert.equal(await page.evaluate(() => window.__studiesMarker), 'kept', 'the readiness changed without a page load');
  assert.equal(await page.inputValue('#version'), '1', 'the choice stays');
  await assertNoSidewaysScroll('the run form on version 1');

  // Back to version 2 and to 1 again: each choice shows its own lines.
  await swapped(2);
  assert.equal(await page.locator('#readiness li.not-ready').count(), 0);
  await swapped(1);
  assert.equal(await page.locator('#readiness li.not-ready').count(), 4);

  // The chosen version is what runs: 3ph max on version 1 (ready for it).
  let res = await submitRun({ type: 'short_circuit', fault: '3ph', kase: 'max' });
  assert.equal(res.status(), 303);
  await awaitResults('3ph max on version 1');
  await assertResults('3ph max on version 1', incomplete, { duty: false, fault: '3ph', kase: 'max', version: 1 });

  // 1ph max on version 1 is refused with what version 1 lacks; sent again on version 2, it runs.
  await openRunForm(projectId);
  await swapped(1);
  res = await submitRun({ type: 'short_circuit', fault: '1ph', kase: 'max' });
  assert.equal(res.status(), 422);
  assert.match(await page.locator('#run-missing').innerText(), /Version 1 lacks data for 1ph max/);
  assert.equal(await page.inputValue('#version'), '1', 'the refused form keeps the chosen version');
  res = await submitRun({ type: 'short_circuit', fault: '1ph', kase: 'max', version: 2 });
  assert.equal(res.status(), 303);
  await awaitResults('1ph max on version 2');
  await assertResults('1ph max on version 2', full, { duty: false, fault: '1ph', kase: 'max', version: 2 });

  // A link to the form of one version chooses it and says what that version is ready for.
  await openRunForm(projectId, 1);
  assert.equal(await page.inputValue('#version'), '1');
  assert.equal(await page.locator('#readiness li.not-ready').count(), 4);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean(since);
}, { timeout: 120_000 });
