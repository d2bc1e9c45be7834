// The user journeys the tests share: sign up, verify by mail, sign in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { extractLink, waitForMail } from './app.mjs';

export const PASSWORD = 'tidal wave over ohm 7';

/** A new, unique person (safe on a shared PostgreSQL database too). */
export function newPerson(prefix = 'u') {
  const id = randomBytes(5).toString('hex');
  return {
    company: `Volt Works ${id}`,
    name: `Ada Tester ${id}`,
    username: `${prefix}_${id}`,
    email: `${prefix}.${id}@example.com`,
    password: PASSWORD,
  };
}

/** Text of the page's visible flash messages. */
export async function flashes(page) {
  return page.locator('main .flash').allInnerTexts();
}

/** Fills and sends /register; ends on /login with the success flash. */
export async function register(page, app, person) {
  await page.goto(`${app.baseUrl}/register`);
  await page.fill('input[name="company_name"]', person.company);
  await page.fill('input[name="name"]', person.name);
  await page.fill('input[name="username"]', person.username);
  await page.fill('input[name="email"]', person.email);
  await page.fill('input[name="password"]', person.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    page.click('form[action="/register"] button[type="submit"]'),
  ]);
  const msgs = await flashes(page);
  assert.ok(
    msgs.some((m) => m.includes('Your company account is ready') && m.includes(person.email)),
    `sign-up success flash on /login, got ${JSON.stringify(msgs)}`,
  );
}

/** Finds the verification mail and opens its link; asserts the verified page. */
export async function verifyByMail(page, app, person, { exclude = [] } = {}) {
  const mail = await waitForMail(app.mailDir, person.email, {
    pattern: /\/verify-email\//,
    exclude,
  });
  const link = extractLink(mail.text, app.baseUrl, '/verify-email/');
  const res = await page.goto(link);
  assert.equal(res.status(), 200, `verify link ${link} answered ${res.status()}`);
  assert.equal((await page.locator('h1').innerText()).trim(), 'Email address verified');
  return { link, mail };
}

/** Fills and sends /login. Does not wait for a particular outcome. */
export async function submitLogin(page, app, login, password) {
  if (new URL(page.url()).pathname !== '/login') await page.goto(`${app.baseUrl}/login`);
  await page.fill('form[action="/login"] input[name="login"]', login);
  await page.fill('form[action="/login"] input[name="password"]', password);
  await Promise.all([
    page.waitForLoadState('load'),
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST',
    ),
    page.click('form[action="/login"] button[type="submit"]'),
  ]);
}

/** Signs in and expects the dashboard at /. */
export async function login(page, app, login, password) {
  await page.goto(`${app.baseUrl}/login`);
  await page.fill('form[action="/login"] input[name="login"]', login);
  await page.fill('form[action="/login"] input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/' && u.origin === app.baseUrl),
    page.click('form[action="/login"] button[type="submit"]'),
  ]);
}

/** Sign up, verify, sign in: a person with a session in `page`. */
export async function signedInPerson(page, app, prefix) {
  const person = newPerson(prefix);
  await register(page, app, person);
  await verifyByMail(page, app, person);
  await login(page, app, person.username, person.password);
  return person;
}

/** The CSRF token htmx sends, from <body hx-headers>. */
export async function bodyCsrfToken(page) {
  const raw = await page.locator('body').getAttribute('hx-headers');
  assert.ok(raw, '<body> has hx-headers');
  const token = JSON.parse(raw)['X-CSRF-Token'];
  assert.ok(token, `hx-headers carries X-CSRF-Token: ${raw}`);
  return token;
}

/** Counts main-frame navigations of a page from now on. */
export function countNavigations(page) {
  const counter = { n: 0 };
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) counter.n += 1;
  });
  return counter;
}

/** Creates a project from the new-project form (`start`: an example id or a file to upload);
 * returns its id. */
export async function createProject(page, app, name, { example = null, file = null } = {}) {
  await page.goto(`${app.baseUrl}/projects/new`);
  await page.fill('#name', name);
  if (example) {
    await page.check('input[name="start"][value="example"]');
    await page.selectOption('#example', example);
  } else if (file) {
    await page.check('input[name="start"][value="upload"]');
    await page.setInputFiles('#file', file);
  }
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  return Number(new URL(page.url()).pathname.split('/').pop());
}
