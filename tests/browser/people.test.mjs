// People: a company admin invites a colleague, who accepts the invitation in a second browser
// context and is signed in; the admin changes their role and deactivates them, and the
// colleague's open session ends. No CSP violation or page error on the way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { extractLink, waitForMail } from './lib/app.mjs';
import { browserSuite } from './lib/harness.mjs';
import { flashes, signedInPerson } from './lib/flows.mjs';

let admin = null;
let adminPage = null;
const suite = browserSuite('people', {
  setup: async (s) => {
    const ctx = await s.newContext('admin');
    adminPage = await ctx.newPage();
    admin = await signedInPerson(adminPage, s.app, 'boss');
  },
});

const id = randomBytes(4).toString('hex');
const colleague = {
  name: `Grace Colleague ${id}`,
  email: `grace.${id}@example.com`,
  username: `grace_${id}`,
  password: 'compilers are friends 1952',
};
let colleaguePage = null;

suite.flow('invite a colleague, who accepts in another browser and is signed in', async () => {
  const { app } = suite;
  const page = adminPage;
  await page.goto(`${app.baseUrl}/admin`);
  assert.equal(new URL(page.url()).pathname, '/admin/users', '/admin opens People');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/users/invite'),
    page.click('main a[href="/admin/users/invite"]'),
  ]);
  await page.fill('input[name="email"]', colleague.email);
  await page.fill('input[name="name"]', colleague.name);
  await page.selectOption('select[name="role"]', 'engineer');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/users'),
    page.click('form[action="/admin/users/invite"] button[type="submit"]'),
  ]);
  const msgs = await flashes(page);
  assert.ok(
    msgs.some((m) => m.includes(`Invitation sent to ${colleague.email}`)),
    JSON.stringify(msgs),
  );
  const row = page.locator('#people-results tr', { hasText: colleague.email });
  assert.match(await row.innerText(), /invited/i);

  // The search swaps the results through htmx and keeps the query in the URL.
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/users'),
    page.fill('#q', `grace.${id}`),
  ]);
  await page.waitForURL((u) => u.searchParams.get('q') === `grace.${id}`);
  await page.locator('#people-results', { hasText: '0 users' }).waitFor();
  assert.equal(await page.locator('#people-results tr', { hasText: colleague.email }).count(), 1);
  assert.doesNotMatch(await page.locator('#people-results').innerText(), new RegExp(admin.email));
  await page.reload();
  assert.equal(await page.inputValue('#q'), `grace.${id}`, 'the query survives a reload');

  const mail = await waitForMail(app.mailDir, colleague.email, { pattern: /\/invitations\// });
  assert.match(mail.subject, /invited/);
  const link = extractLink(mail.text, app.baseUrl, '/invitations/');

  const ctx = await suite.newContext('colleague');
  colleaguePage = await ctx.newPage();
  const res = await colleaguePage.goto(link);
  assert.equal(res.status(), 200);
  assert.match(await colleaguePage.locator('main').innerText(), new RegExp(colleague.name));
  await colleaguePage.fill('input[name="username"]', colleague.username);
  await colleaguePage.fill('input[name="password"]', colleague.password);
  await Promise.all([
    colleaguePage.waitForURL((u) => u.pathname === '/'),
    colleaguePage.click(`form[action^="/invitations/"] button[type="submit"]`),
  ]);
  const who = await colleaguePage.locator('header.topbar .who').innerText();
  assert.match(who, new RegExp(colleague.name));
  assert.match(who, new RegExp(admin.company));
  // An engineer: no audit trail, no people section.
  assert.equal((await colleaguePage.goto(`${app.baseUrl}/audit`)).status(), 403);
  await suite.monitor.collectFromPage(page);
  await suite.monitor.collectFromPage(colleaguePage);
});

suite.flow('change their role, deactivate them, and their open session ends', async (t) => {
  if (!colleaguePage) return t.skip('needs the accepted invitation');
  const { app } = suite;
  const page = adminPage;
  await page.goto(`${app.baseUrl}/admin/users?status=active`);
  await Promise.all([
    page.waitForURL(/\/admin\/users\/\d+$/),
    page.click(`#people-results a:has-text("${colleague.name}")`),
  ]);
  const userUrl = page.url();
  assert.match(await page.locator('main').innerText(), /Firefox|Chrome|Chromium/, 'their session');

  await page.selectOption('select[name="role"]', 'reviewer');
  await Promise.all([
    page.waitForURL(userUrl),
    page.click('form[action$="/role"] button[type="submit"]'),
  ]);
  assert.ok((await flashes(page)).some((m) => m.includes('Roles are now: reviewer.')));
  // The colleague is a reviewer at once: the audit trail opens.
  assert.equal((await colleaguePage.goto(`${app.baseUrl}/audit`)).status(), 200);

  // Deactivate (through htmx, after a confirmation).
  page.once('dialog', (d) => d.accept());
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/deactivate')),
    page.click('form[action$="/deactivate"] button[type="submit"]'),
  ]);
  await page.locator('main .flash', { hasText: 'The user is deactivated' }).waitFor();
  assert.match(await page.locator('main h1').innerText(), /deactivated/i);

  // Their open page: the next request goes to the sign-in page.
  await colleaguePage.click('header.topbar a[href="/"]');
  await colleaguePage.waitForURL((u) => u.pathname === '/login');
  await colleaguePage.goto(`${app.baseUrl}/audit`);
  assert.equal(new URL(colleaguePage.url()).pathname, '/login', 'signed out for good');

  await suite.monitor.collectFromPage(page);
  await suite.monitor.collectFromPage(colleaguePage);
  await page.waitForTimeout(200);
  suite.monitor.assertClean(0);
});

suite.flow('the license page counts the seats and projects in use', async (t) => {
  if (!colleaguePage) return t.skip('needs the accepted invitation');
  const { app } = suite;
  const page = adminPage;
  await page.goto(`${app.baseUrl}/admin/users`);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/license'),
    page.click('nav[aria-label="Company administration"] a[href="/admin/license"]'),
  ]);
  const facts = await page.locator('#license-facts').innerText();
  assert.match(facts, /trial/);
  assert.match(facts, /active/i);
  // The colleague was deactivated: only the admin holds a seat of the trial's five.
  assert.match(facts, /1 used of 5/);
  assert.match(facts, /0 used of 10/);
  assert.equal(await page.locator('#license-read-only').count(), 0);
  assert.equal(await page.locator('section[aria-labelledby="license-history"] tbody tr').count(), 1);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean(0);
});
