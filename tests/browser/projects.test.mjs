// Projects in a browser: create one through the form (a built-in example as version 1), search
// and sort the list through htmx without a page load (the URL follows, so a reload shows the same
// list), and manage members in place.
import assert from 'node:assert/strict';
import { browserSuite } from './lib/harness.mjs';
import { countNavigations, signedInPerson } from './lib/flows.mjs';

let page = null;
const suite = browserSuite('projects', {
  setup: async (s) => {
    page = await (await s.newContext('projects')).newPage();
    await signedInPerson(page, s.app, 'proj');
  },
});

async function createProject(name, { example = null } = {}) {
  const { app } = suite;
  await page.goto(`${app.baseUrl}/projects/new`);
  await page.fill('#name', name);
  if (example) {
    await page.check('input[name="start"][value="example"]');
    await page.selectOption('#example', example);
  }
  await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

suite.flow('create a project from an example', async () => {
  const id = await createProject('Harbour substation', { example: 'substation' });
  assert.ok(id > 0);
  assert.match(await page.locator('.flash.success').innerText(), /version 1/);
  assert.match(await page.locator('h1').innerText(), /Harbour substation/);
  assert.match(await page.locator('main').innerText(), /6 buses/);
});

suite.flow('search and sort the list without a page load', async () => {
  const { app } = suite;
  for (const name of ['Alpha feeder', 'Beta feeder', 'Gamma plant']) await createProject(name);
  await page.goto(`${app.baseUrl}/projects`);
  // htmx pushes the URL (a same-document navigation); a marker on window shows no page load.
  await page.evaluate(() => { window.__marker = 'kept'; });
  const kept = async () => page.evaluate(() => window.__marker);
  await page.fill('#q', 'feeder');
  await page.waitForFunction(() => !document.querySelector('#project-results').innerText.includes('Gamma plant'));
  const text = await page.locator('#project-results').innerText();
  assert.match(text, /2 projects/);
  assert.match(text, /Alpha feeder/);
  assert.match(text, /Beta feeder/);
  assert.equal(await kept(), 'kept', 'no page load for the search');
  assert.match(page.url(), /q=feeder/, 'the URL follows the search');

  await page.click('#project-results th a:text("Name")');
  await page.waitForFunction(() => document.querySelector('th[aria-sort="ascending"]') !== null);
  await page.click('#project-results th a:text("Name")');
  await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"]') !== null);
  const names = await page.locator('#project-results tbody tr td:first-child a').allInnerTexts();
  assert.deepEqual(names, ['Beta feeder', 'Alpha feeder']);
  assert.equal(await kept(), 'kept', 'no page load for sorting');

  await page.reload();
  const again = await page.locator('#project-results tbody tr td:first-child a').allInnerTexts();
  assert.deepEqual(again, ['Beta feeder', 'Alpha feeder'], 'a reload shows the same list');
  assert.equal(await page.inputValue('#q'), 'feeder');
});

suite.flow('the last owner cannot leave; messages appear in place', async () => {
  const { app } = suite;
  const id = await createProject('Members study');
  await page.goto(`${app.baseUrl}/projects/${id}/members`);
  // The only owner is offered no "Remove"; stepping down to editor is refused in place.
  assert.equal(await page.locator('#members button.danger').count(), 0, 'no Remove for the only owner');
  await page.locator('#members').getByText('The only owner').waitFor();
  const navs = countNavigations(page);
  await page.locator('#members form.role-form select').selectOption('editor');
  const [res] = await Promise.all([
    page.waitForResponse((r) => /\/members\/\d+$/.test(r.url()) && r.request().method() === 'POST'),
    page.click('#members form.role-form button[type="submit"]'),
  ]);
  assert.equal(res.status(), 422);
  await page.locator('#members .flash.error').waitFor();
  assert.match(await page.locator('#members .flash.error').innerText(), /at least one owner/);
  assert.equal(navs.n, 0);
  assert.equal(await page.locator('#htmx-notice').count(), 0, 'a 422 is not an error notice');
});
