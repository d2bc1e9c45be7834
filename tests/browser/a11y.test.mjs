// Accessibility: axe-core (WCAG 2.1 A/AA rules) on every page a visitor and a signed-in user
// see, including a form shown again with errors. Serious and critical findings fail the test.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';
import { setUpTwoFactor, totp } from './lib/totp.mjs';

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

/** Opens `path`, checks that it answers `status` (200 unless an error page is meant: an
 * audit of an error page instead of the page named proves nothing) and audits it. */
async function visit(page, path, status = 200) {
  const res = await page.goto(`${suite.app.baseUrl}${path}`);
  assert.equal(res.status(), status, `${path} answered ${res.status()}, not ${status}`);
  await audit(page, path);
}

/** Clicks `selector` and returns the response of the request it sends that `matches`. */
async function responseOf(page, selector, matches) {
  const [res] = await Promise.all([page.waitForResponse(matches), page.click(selector)]);
  return res;
}

const isPost = (path) => (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path;
const isPage = (re) => (r) => r.request().method() === 'GET' && r.request().isNavigationRequest() && re.test(new URL(r.url()).pathname);

suite.flow('anonymous pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-anon')).newPage();
  for (const path of ['/login', '/register', '/password/forgot']) await visit(page, path);
  // The not-found page itself, on purpose.
  await visit(page, '/no/such/page', 404);
  // A form shown again with an error beside each field.
  await visit(page, '/register');
  await page.fill('#username', 'x');
  const res = await responseOf(page, 'button[type="submit"]', isPost('/register'));
  assert.equal(res.status(), 422, 'the form comes back with its errors');
  await page.locator('.field-error').first().waitFor();
  await audit(page, '/register with errors');
});

suite.flow('signed-in pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-user')).newPage();
  await signedInPerson(page, app, 'a11y');
  for (const path of ['/', '/account', '/account/password', '/account/sessions', '/audit']) {
    await visit(page, path);
  }
  const href = await page.locator('#audit-rows a').first().getAttribute('href');
  await visit(page, href);
});

suite.flow('project pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-projects')).newPage();
  await signedInPerson(page, app, 'a11yp');
  await visit(page, '/projects/new');
  await page.fill('#name', '');
  const refused = await responseOf(page, 'button[type="submit"].primary', isPost('/projects'));
  assert.equal(refused.status(), 422, 'the form comes back with its errors');
  await page.locator('.field-error').first().waitFor();
  await audit(page, '/projects/new with errors');
  await page.fill('#name', 'Accessible study');
  await page.check('input[name="start"][value="example"]');
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  const base = new URL(page.url()).pathname;
  for (const path of ['/projects', base, `${base}/members`, `${base}/settings`]) {
    await visit(page, path);
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
    await visit(page, path);
  }
  // An edit form open in a row.
  await visit(page, `${base}/editor`);
  const [form] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'GET' && /\/editor\/buses\/rows\/[^/]+\/edit$/.test(new URL(r.url()).pathname)),
    page.locator('#section-buses a.button', { hasText: 'Edit' }).first().click(),
  ]);
  assert.equal(form.status(), 200, 'the edit form is served');
  await page.locator('#section-buses tr.editing form').waitFor();
  await audit(page, 'editor with a row being edited');
  // Two simulations: the results page (once completed) and their comparison.
  const ids = [];
  for (let i = 0; i < 2; i += 1) {
    await visit(page, `${base}/simulations/new`);
    const shown = await responseOf(page, 'form.sim-form button[type="submit"]', isPage(/^\/simulations\/\d+$/));
    assert.equal(shown.status(), 200, 'the simulation page is served');
    await page.waitForURL(/\/simulations\/\d+$/);
    ids.push(new URL(page.url()).pathname.split('/').pop());
    await page.locator('#sim-live .sim-badge.completed').waitFor({ timeout: 30_000 });
  }
  await audit(page, '/simulations/{id}');
  await visit(page, `/simulations/${ids[1]}/compare?with=${ids[0]}`);
});

suite.flow('people pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-people')).newPage();
  await signedInPerson(page, app, 'a11ypeople');
  await visit(page, '/admin/users/invite');
  await page.fill('#email', 'not an address');
  const res = await responseOf(page, 'form[action="/admin/users/invite"] button[type="submit"]', isPost('/admin/users/invite'));
  assert.equal(res.status(), 422, 'the invitation form comes back with its errors');
  await page.locator('.field-error').first().waitFor();
  await audit(page, '/admin/users/invite with errors');
  await page.fill('#email', 'a11y.invited@example.com');
  await page.fill('#name', 'Invited Person');
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin/users'), page.click('form[action="/admin/users/invite"] button[type="submit"]')]);
  await audit(page, '/admin/users');
  const href = await page.locator('#people-results a[href^="/admin/users/"]').first().getAttribute('href');
  await visit(page, href);
});

suite.flow('two-factor pages pass axe', async () => {
  const { app } = suite;
  const page = await (await suite.newContext('a11y-two-factor')).newPage();
  const person = await signedInPerson(page, app, 'a11ytf');
  // Off, the set-up with its QR code, the recovery codes (audited as they come).
  const { key } = await setUpTwoFactor(page, app, audit);
  await visit(page, '/account/two-factor');
  // Turning it off with a wrong code: the form with its errors.
  await page.fill('#off_password', person.password);
  await page.fill('#off_code', '000000');
  const refused = await responseOf(page, 'form[action="/account/two-factor/disable"] button[type="submit"]', isPost('/account/two-factor/disable'));
  assert.equal(refused.status(), 422, 'the form comes back with its errors');
  await page.locator('.field-error').first().waitFor();
  await audit(page, '/account/two-factor with errors');
  // The second step of signing in, and with a wrong code.
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('form[action="/logout"] button[type="submit"]')]);
  await page.fill('form[action="/login"] input[name="login"]', person.username);
  await page.fill('form[action="/login"] input[name="password"]', person.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/login/two-factor'), page.click('form[action="/login"] button[type="submit"]')]);
  await audit(page, '/login/two-factor');
  await page.fill('#code', '000000');
  const wrong = await responseOf(page, 'form[action="/login/two-factor"] button[type="submit"]', isPost('/login/two-factor'));
  assert.equal(wrong.status(), 422);
  await page.locator('#code-error').waitFor();
  await audit(page, '/login/two-factor with errors');
  await page.fill('#code', totp(key, Date.now() / 1000 + 30));
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('form[action="/login/two-factor"] button[type="submit"]')]);
  await visit(page, '/admin/company');
});
