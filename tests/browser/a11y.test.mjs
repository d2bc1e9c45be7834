// Accessibility: axe-core (WCAG 2.1 A/AA rules) on every page a visitor and a signed-in user
// see, including a form shown again with errors. Serious and critical findings fail the test.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const suite = browserSuite('a11y');

/** Runs axe in the page (through the devtools protocol, so the page's CSP does not apply). */
async function audit(page, label) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${label}: ${JSON.stringify(serious, null, 2)}`);
}

suite.flow('anonymous pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-anon')).newPage();
  for (const path of ['/login', '/register', '/password/forgot', '/no/such/page']) {
    await page.goto(`${app.baseUrl}${path}`);
    await audit(page, path);
  }
  // A form shown again with an error beside each field.
  await page.goto(`${app.baseUrl}/register`);
  await page.fill('#username', 'x');
  await page.click('button[type="submit"]');
  await page.locator('.field-error').first().waitFor();
  await audit(page, '/register with errors');
});

suite.flow('signed-in pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-user')).newPage();
  await signedInPerson(page, app, 'a11y');
  for (const path of ['/', '/account', '/account/password', '/account/sessions', '/audit']) {
    await page.goto(`${app.baseUrl}${path}`);
    await audit(page, path);
  }
  const href = await page.locator('#audit-rows a').first().getAttribute('href');
  await page.goto(`${app.baseUrl}${href}`);
  await audit(page, href);
});

suite.flow('project pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-projects')).newPage();
  await signedInPerson(page, app, 'a11yp');
  await page.goto(`${app.baseUrl}/projects/new`);
  await audit(page, '/projects/new');
  await page.fill('#name', '');
  await page.click('button[type="submit"].primary');
  await page.locator('.field-error').first().waitFor();
  await audit(page, '/projects/new with errors');
  await page.fill('#name', 'Accessible study');
  await page.check('input[name="start"][value="example"]');
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  const base = new URL(page.url()).pathname;
  for (const path of ['/projects', base, `${base}/members`, `${base}/settings`]) {
    await page.goto(`${app.baseUrl}${path}`);
    await audit(page, path);
  }
});

suite.flow('circuit, version and simulation pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-study')).newPage();
  await signedInPerson(page, app, 'a11ys');
  await page.goto(`${app.baseUrl}/projects/new`);
  await page.fill('#name', 'Accessible circuit');
  await page.check('input[name="start"][value="example"]');
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  const base = new URL(page.url()).pathname;
  for (const path of [`${base}/editor`, `${base}/versions`, `${base}/versions/1`, `${base}/diff?from=1&to=draft`, `${base}/simulations`, `${base}/simulations/new`]) {
    await page.goto(`${app.baseUrl}${path}`);
    await audit(page, path);
  }
  // An edit form open in a row.
  await page.goto(`${app.baseUrl}${base}/editor`);
  await page.locator('#section-buses a.button', { hasText: 'Edit' }).first().click();
  await page.locator('#section-buses tr.editing form').waitFor();
  await audit(page, 'editor with a row being edited');
  // Two simulations: the results page (once completed) and their comparison.
  const ids = [];
  for (let i = 0; i < 2; i += 1) {
    await page.goto(`${app.baseUrl}${base}/simulations/new`);
    await Promise.all([page.waitForURL(/\/simulations\/\d+$/), page.click('form.sim-form button[type="submit"]')]);
    ids.push(new URL(page.url()).pathname.split('/').pop());
    await page.locator('#sim-live .sim-badge.completed').waitFor({ timeout: 30_000 });
  }
  await audit(page, '/simulations/{id}');
  await page.goto(`${app.baseUrl}/simulations/${ids[1]}/compare?with=${ids[0]}`);
  await audit(page, '/simulations/{id}/compare');
});
