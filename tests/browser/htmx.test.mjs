// htmx flows with CSRF: the profile form saved in place, a tampered token refused with a notice,
// and another session revoked from /account/sessions; no CSP violation or page error meanwhile.
import assert from 'node:assert/strict';
import { browserSuite } from './lib/harness.mjs';
import { bodyCsrfToken, countNavigations, login, signedInPerson } from './lib/flows.mjs';

let person = null;
let page = null; // the first session's page
const suite = browserSuite('htmx', {
  // A verified user signed in from a first browser context.
  setup: async (s) => {
    const ctx = await s.newContext('first-session');
    page = await ctx.newPage();
    person = await signedInPerson(page, s.app, 'htmx');
  },
});

const pathIs = (p, method = 'POST') => (r) => {
  const req = typeof r.request === 'function' ? r.request() : r;
  return new URL(req.url()).pathname === p && req.method() === method;
};

/** Sets a marker on window that a full page load would lose. */
async function setMarker(p) {
  const value = `marker-${Math.random()}`;
  await p.evaluate((v) => {
    window.__ampfluxMarker = v;
  }, value);
  return async () => p.evaluate(() => window.__ampfluxMarker);
}

async function setHxHeaders(p, value) {
  await p.evaluate((v) => {
    if (v === null) document.body.removeAttribute('hx-headers');
    else document.body.setAttribute('hx-headers', v);
  }, value);
}

suite.flow('htmx profile save carries the CSRF header and swaps in place', async () => {
  const { app } = suite;
  await page.goto(`${app.baseUrl}/account`);
  const token = await bodyCsrfToken(page);
  const marker = await setMarker(page);
  const expected = await marker();
  const navs = countNavigations(page);

  // An invalid name first: 422, the form comes back in place with the error beside the field.
  await page.fill('#profile-form input[name="name"]', '');
  const [invalid] = await Promise.all([
    page.waitForResponse(pathIs('/account/profile')),
    page.click('#profile-form button[type="submit"]'),
  ]);
  assert.equal(invalid.status(), 422, 'an empty name is refused with 422');
  await page.locator('#profile-form .field.invalid input[name="name"]').waitFor();
  assert.ok(
    (await page.locator('#profile-form .field-error').innerText()).trim().length > 0,
    'the error is shown beside the field',
  );
  assert.equal(await page.locator('#htmx-notice').count(), 0, 'no error notice for a 422');
  assert.equal(await marker(), expected, 'no full page load after the 422');

  const newName = `${person.name} Renamed`;
  await page.fill('#profile-form input[name="name"]', newName);
  const zones = await page.locator('#profile-form select[name="timezone"] option').evaluateAll(
    (opts) => opts.map((o) => o.value),
  );
  const current = await page.inputValue('#profile-form select[name="timezone"]');
  const newZone = zones.find((z) => z !== current);
  assert.ok(newZone, `a second time zone to choose (have ${zones.length})`);
  await page.selectOption('#profile-form select[name="timezone"]', newZone);

  const [req, res] = await Promise.all([
    page.waitForRequest(pathIs('/account/profile')),
    page.waitForResponse(pathIs('/account/profile')),
    page.click('#profile-form button[type="submit"]'),
  ]);
  const headers = await req.allHeaders();
  assert.equal(headers['hx-request'], 'true', 'sent by htmx');
  assert.equal(headers['x-csrf-token'], token, 'the X-CSRF-Token header from <body hx-headers>');
  assert.equal(res.status(), 200);

  await page.locator('#profile-form .flash', { hasText: 'Your profile is saved.' }).waitFor();
  assert.equal(await marker(), expected, 'no full page load: the window marker survived');
  assert.equal(navs.n, 0, 'no navigation');
  assert.equal(new URL(page.url()).pathname, '/account');
  assert.equal(await page.inputValue('#profile-form input[name="name"]'), newName);
  assert.equal(await page.locator('#profile-form').count(), 1, 'the form is swapped, not nested');
  assert.equal(await page.locator('#htmx-notice').count(), 0, 'no error notice');

  // Saved for real.
  await page.reload();
  assert.equal(await page.inputValue('#profile-form input[name="name"]'), newName);
  assert.equal(await page.inputValue('#profile-form select[name="timezone"]'), newZone);
  assert.match(await page.locator('header.topbar .who').innerText(), new RegExp(newName));
  person.name = newName;
  await suite.monitor.collectFromPage(page);
});

suite.flow('htmx request with a tampered CSRF token is refused (403) with a notice', async () => {
  const { app } = suite;
  const attempts = [
    {
      label: 'wrong X-CSRF-Token header',
      tamper: () => setHxHeaders(page, JSON.stringify({ 'X-CSRF-Token': 'tampered-token' })),
    },
    {
      label: 'header removed and form field changed',
      tamper: async () => {
        await setHxHeaders(page, null);
        await page.evaluate(() => {
          document.querySelector('#profile-form input[name="csrf_token"]').value = 'tampered';
        });
      },
    },
    {
      label: 'header removed and form field removed',
      tamper: async () => {
        await setHxHeaders(page, null);
        await page.evaluate(() => {
          document.querySelector('#profile-form input[name="csrf_token"]').remove();
        });
      },
    },
  ];
  for (const attempt of attempts) {
    await page.goto(`${app.baseUrl}/account`);
    const marker = await setMarker(page);
    const expected = await marker();
    const navs = countNavigations(page);
    await attempt.tamper();
    await page.fill('#profile-form input[name="name"]', 'Should Not Be Saved');
    const [res] = await Promise.all([
      page.waitForResponse(pathIs('/account/profile')),
      page.click('#profile-form button[type="submit"]'),
    ]);
    assert.equal(res.status(), 403, `${attempt.label}: refused`);
    assert.match(await res.text(), /Request refused/, `${attempt.label}: the 403 page`);
    const notice = page.locator('main #htmx-notice');
    await notice.waitFor();
    assert.match((await notice.getAttribute('class')) || '', /\bflash\b.*\berror\b/);
    assert.ok((await notice.innerText()).trim().length > 0, 'the notice says something');
    assert.equal(await marker(), expected, `${attempt.label}: no page load`);
    assert.equal(navs.n, 0, `${attempt.label}: no navigation`);
    assert.equal(
      await page.locator('#profile-form .flash', { hasText: 'Your profile is saved.' }).count(),
      0,
      `${attempt.label}: not reported as saved`,
    );
  }
  await page.goto(`${app.baseUrl}/account`);
  assert.equal(
    await page.inputValue('#profile-form input[name="name"]'),
    person.name,
    'the refused requests changed nothing',
  );
  await suite.monitor.collectFromPage(page);
});

suite.flow('revoking another session via htmx signs that browser out', async () => {
  const { app } = suite;
  // A second session: the same user signs in from a second browser context.
  const other = await (await suite.newContext('second-session')).newPage();
  await login(other, app, person.email, person.password);

  await page.goto(`${app.baseUrl}/account/sessions`);
  const rows = page.locator('#sessions tbody tr');
  assert.equal(await rows.count(), 2, 'two sessions listed');
  assert.equal(await page.locator('#sessions tbody tr.current').count(), 1, 'one is this one');
  const otherRow = page.locator('#sessions tbody tr:not(.current)');
  const revoke = otherRow.locator('button', { hasText: 'Sign out' });
  assert.equal(await revoke.count(), 1, 'the other session has a Sign out button');
  assert.equal(
    await page.locator('#sessions tbody tr.current button').count(),
    0,
    'no Sign out button on the current session',
  );

  // A tampered token first: refused, nothing revoked.
  await setHxHeaders(page, JSON.stringify({ 'X-CSRF-Token': 'tampered-token' }));
  const [refused] = await Promise.all([
    page.waitForResponse((r) => /\/account\/sessions\/.+\/revoke$/.test(new URL(r.url()).pathname)),
    revoke.click(),
  ]);
  assert.equal(refused.status(), 403);
  await page.locator('main #htmx-notice').waitFor();
  assert.equal(await rows.count(), 2, 'nothing swapped after the refusal');
  await other.goto(`${app.baseUrl}/account`);
  assert.equal(new URL(other.url()).pathname, '/account', 'the other session still works');

  // Now for real, with the page's own token.
  await page.reload();
  const marker = await setMarker(page);
  const expected = await marker();
  const navs = countNavigations(page);
  const token = await bodyCsrfToken(page);
  const [req, res] = await Promise.all([
    page.waitForRequest((r) => /\/account\/sessions\/.+\/revoke$/.test(new URL(r.url()).pathname)),
    page.waitForResponse((r) => /\/account\/sessions\/.+\/revoke$/.test(new URL(r.url()).pathname)),
    page.locator('#sessions tbody tr:not(.current) button', { hasText: 'Sign out' }).click(),
  ]);
  assert.equal((await req.allHeaders())['x-csrf-token'], token);
  assert.equal(res.status(), 200);
  await page.waitForFunction(
    () => document.querySelectorAll('#sessions tbody tr').length === 1,
    null,
    { timeout: 5000 },
  );
  assert.equal(await page.locator('#sessions tbody tr.current').count(), 1, 'this one remains');
  assert.equal(await page.locator('#sessions').count(), 1, 'the table is swapped, not nested');
  assert.equal(await marker(), expected, 'no full page load');
  assert.equal(navs.n, 0, 'no navigation');
  assert.equal(await page.locator('#htmx-notice').count(), 0, 'no error notice');

  // The revoked browser is signed out.
  await other.goto(`${app.baseUrl}/`);
  assert.equal(new URL(other.url()).pathname, '/login', 'the revoked session is anonymous');
  // And this one is not.
  await page.goto(`${app.baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, '/');
  await suite.monitor.collectFromPage(page);
  await suite.monitor.collectFromPage(other);
});

suite.flow('no CSP violation or page error in the htmx flows', async () => {
  await page.waitForTimeout(200);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean(0);
});
