// Two-factor sign-in in the browser: set-up from the QR page's key (the code computed here
// with RFC 6238 on node:crypto, as an authenticator app would), the recovery codes shown once,
// then signing out and in again with the password and a generated code. No CSP violation or
// page error on the way (the QR code is inline SVG under the app's CSP).
import assert from 'node:assert/strict';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';
import { setUpTwoFactor, totp } from './lib/totp.mjs';

const suite = browserSuite('two_factor');

suite.flow('set up two-factor sign-in, then sign in with a generated code', async () => {
  const { app } = suite;
  const ctx = await suite.newContext('two-factor');
  const page = await ctx.newPage();
  const person = await signedInPerson(page, app, 'totp');

  // From the account pages.
  await page.goto(`${app.baseUrl}/account`);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/account/two-factor'),
    page.click('nav.subnav a[href="/account/two-factor"]'),
  ]);
  const { key, codes } = await setUpTwoFactor(page, app);
  assert.equal(codes.length, 10, 'ten recovery codes');
  assert.ok(codes.every((c) => /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(c)), codes.join(' '));
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/account/two-factor'),
    page.click('main a[href="/account/two-factor"]:has-text("go on")'),
  ]);
  assert.match(await page.locator('main').innerText(), /on\s+since/i);
  await suite.monitor.collectFromPage(page);

  // Sign out, then in: the password leads to the code.
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    page.click('form[action="/logout"] button[type="submit"]'),
  ]);
  await page.fill('form[action="/login"] input[name="login"]', person.username);
  await page.fill('form[action="/login"] input[name="password"]', person.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login/two-factor'),
    page.click('form[action="/login"] button[type="submit"]'),
  ]);
  // Half signed in: the dashboard is not open.
  const dash = await (await ctx.newPage()).goto(`${app.baseUrl}/`);
  assert.equal(new URL(dash.url()).pathname, '/login', 'no session before the code');

  // A wrong code first, then the app's code of the next step (the set-up used this one).
  await page.fill('input[name="code"]', '000000');
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/login/two-factor' && r.request().method() === 'POST'),
    page.click('form[action="/login/two-factor"] button[type="submit"]'),
  ]);
  assert.match(await page.locator('#code-error').innerText(), /not right/);
  await page.fill('input[name="code"]', totp(key, Date.now() / 1000 + 30));
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/' && u.origin === app.baseUrl),
    page.click('form[action="/login/two-factor"] button[type="submit"]'),
  ]);
  assert.match(await page.locator('#nav-user').innerText(), new RegExp(person.name));
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean(0);
});
