// Sign up, verify by the emailed link, sign in, dashboard, wrong password, sign out, and no CSP
// violation on any page, in headless Chromium against the real app binary.
import assert from 'node:assert/strict';
import { extractLink, waitForMail } from './lib/app.mjs';
import { browserSuite } from './lib/harness.mjs';
import {
  login,
  newPerson,
  register,
  submitLogin,
} from './lib/flows.mjs';

const DASHBOARD_SCREENSHOT = '/tmp/ampflux-dashboard.png';
const WRONG_CREDENTIALS = 'Incorrect email, username or password.';

const suite = browserSuite('auth');
/** The person the first test signs up and verifies; the later tests sign in as them. */
let person = null;

suite.flow('sign up, verify by the emailed link, sign in, see the dashboard', async () => {
  const { app } = suite;
  const ctx = await suite.newContext('signup');
  const page = await ctx.newPage();
  const p = newPerson('signup');

  await register(page, app, p);

  // Not verified yet: signing in does not open a session.
  await submitLogin(page, app, p.username, p.password);
  assert.equal(new URL(page.url()).pathname, '/login', 'an unverified user stays on /login');
  await page.goto(`${app.baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, '/login', 'an unverified user has no session');

  // Two verification mails: the sign-up's and a fresh one sent on that attempt, whose token
  // ends the first link. The mail jobs may finish in either order (and the sign-up's may be
  // written after that attempt), so take both and open each: exactly one link verifies.
  const first = await waitForMail(app.mailDir, p.email, { pattern: /\/verify-email\// });
  const second = await waitForMail(app.mailDir, p.email, {
    pattern: /\/verify-email\//,
    exclude: [first.file],
  });
  let link = null;
  const statuses = [];
  for (const mail of [first, second]) {
    const candidate = extractLink(mail.text, app.baseUrl, '/verify-email/');
    const res = await page.goto(candidate);
    statuses.push(res.status());
    if (res.status() === 200) {
      assert.equal((await page.locator('h1').innerText()).trim(), 'Email address verified');
      link = candidate;
    }
  }
  assert.deepEqual([...statuses].sort(), [200, 400], 'the fresh link verifies, the first is ended');
  // The link works once.
  const again = await page.goto(link);
  assert.equal(again.status(), 400, 'a used verification link is refused');
  assert.notEqual((await page.locator('h1').innerText()).trim(), 'Email address verified');

  await login(page, app, p.username, p.password);
  assert.equal((await page.locator('main h1').innerText()).trim(), p.company);
  const license = page.locator('main section.card', {
    has: page.locator('h2', { hasText: 'License' }),
  });
  assert.match(await license.innerText(), /Trial license, active, 30 days left/);
  const activity = page.locator('main section.card', {
    has: page.locator('h2', { hasText: /activity/i }),
  });
  const actions = await activity.locator('table tbody code').allInnerTexts();
  assert.ok(actions.includes('company.create'), `recent activity has company.create: ${actions}`);
  assert.match(await page.locator('header.topbar .who').innerText(), new RegExp(p.company));
  const res = await page.request.get(`${app.baseUrl}/`);
  assert.match(res.headers()['cache-control'] || '', /no-store/, 'signed-in pages are no-store');

  await page.screenshot({ path: DASHBOARD_SCREENSHOT, fullPage: true });
  await suite.monitor.collectFromPage(page);
  person = p;
});

suite.flow('a wrong password shows the login error and signs nobody in', async (t) => {
  if (!person) return t.skip('needs the verified user of the sign-up test');
  const { app } = suite;
  const ctx = await suite.newContext('wrong-password');
  const page = await ctx.newPage();

  await page.goto(`${app.baseUrl}/login`);
  await submitLogin(page, app, person.email, 'not my password at all 42');
  assert.equal(new URL(page.url()).pathname, '/login');
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(WRONG_CREDENTIALS), `login page says "${WRONG_CREDENTIALS}":\n${text}`);
  assert.equal(await page.inputValue('input[name="login"]'), person.email, 'login is kept');
  assert.equal(await page.inputValue('input[name="password"]'), '', 'password is not echoed');

  // An unknown account gets the same answer.
  await submitLogin(page, app, `nobody.${Date.now()}@example.com`, 'not my password at all 42');
  assert.ok((await page.locator('main').innerText()).includes(WRONG_CREDENTIALS));

  await page.goto(`${app.baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, '/login', 'no session after a wrong password');
  await suite.monitor.collectFromPage(page);
});

suite.flow('sign out ends the session', async (t) => {
  if (!person) return t.skip('needs the verified user of the sign-up test');
  const { app } = suite;
  const ctx = await suite.newContext('sign-out');
  const page = await ctx.newPage();

  await login(page, app, person.email, person.password); // by email this time
  assert.equal((await page.locator('main h1').innerText()).trim(), person.company);

  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('signed_out') === '1'),
    page.click('header.topbar form[action="/logout"] button[type="submit"]'),
  ]);
  assert.ok(
    (await page.locator('main').innerText()).includes('You have signed out.'),
    'sign-out notice',
  );
  await page.goto(`${app.baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, '/login', '/ redirects to /login after sign-out');
  await suite.monitor.collectFromPage(page);
});

suite.flow('no CSP violation or page error on any page', async (t) => {
  if (!person) return t.skip('needs the verified user of the sign-up test');
  const { app } = suite;

  const anon = await (await suite.newContext('csp-anonymous')).newPage();
  for (const p of ['/login', '/register', '/password/forgot', '/verify-email/not-a-token']) {
    const res = await anon.goto(`${app.baseUrl}${p}`);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `CSP header on ${p}: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `CSP on ${p}`);
    await anon.waitForLoadState('load');
    await suite.monitor.collectFromPage(anon);
  }
  const missing = await anon.goto(`${app.baseUrl}/no-such-page-${Date.now()}`);
  assert.equal(missing.status(), 404);
  await suite.monitor.collectFromPage(anon);

  const page = await (await suite.newContext('csp-signed-in')).newPage();
  await login(page, app, person.username, person.password);
  await suite.monitor.collectFromPage(page);
  const paths = ['/', '/account', '/account/password', '/account/sessions', '/audit'];
  for (const p of paths) {
    const res = await page.goto(`${app.baseUrl}${p}`);
    assert.equal(res.status(), 200, `${p} answers 200`);
    assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
    await page.waitForLoadState('load');
    // htmx and app.js loaded (not blocked by the CSP).
    assert.equal(await page.evaluate(() => typeof window.htmx), 'object', `htmx loaded on ${p}`);
    await suite.monitor.collectFromPage(page);
  }
  // One audit entry's detail page.
  await page.goto(`${app.baseUrl}/audit`);
  // An entry's link in the table (the page also links the exports).
  const detail = page.locator('main td a[href^="/audit/"]').first();
  if (await detail.count()) {
    await Promise.all([page.waitForURL(/\/audit\/.+/), detail.click()]);
    await page.waitForLoadState('load');
    await suite.monitor.collectFromPage(page);
  }
  // Give late events (they are dispatched asynchronously) a moment.
  await page.waitForTimeout(200);
  await suite.monitor.collectFromPage(page);

  // Every page visited in this file, by every test.
  suite.monitor.assertClean(0);
});
