// Layout and the small traps of issue 12 in a real browser: no project page scrolls sideways
// at 1366x900 or 390x844 on the built-in examples (wide tables scroll inside their wrapper),
// the audit detail keeps its JSON inside the page, choosing an example selects that start,
// the favicon is an image, and an edit in the editor causes no CSP console error.
import assert from 'node:assert/strict';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';

const VIEWPORTS = [
  { width: 1366, height: 900 },
  { width: 390, height: 844 },
];
const EXAMPLES = ['substation', 'iec60909-4'];

let page = null;
const projects = {};
const suite = browserSuite('layout', {
  setup: async (s) => {
    page = await (await s.newContext('layout')).newPage();
    await signedInPerson(page, s.app, 'layout');
  },
});

/** How far the page scrolls sideways beyond the window (0 when it does not). */
async function sidewaysOverflow() {
  return page.evaluate(() => {
    const el = document.scrollingElement;
    const over = el.scrollWidth - window.innerWidth;
    if (over <= 0) return { over: 0 };
    // Name the widest culprits, to say what to fix.
    const name = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${[...e.classList].map((c) => `.${c}`).join('')}`;
    const scrolled = (e) => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
      }
      return false;
    };
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !scrolled(e))
      .slice(-4)
      .map((e) => {
        const path = [];
        for (let a = e; a && a !== document.body; a = a.parentElement) path.unshift(name(a));
        return `${path.join(' > ')} right=${Math.round(e.getBoundingClientRect().right)}`;
      });
    return { over, wide };
  });
}

async function visit(path) {
  const res = await page.goto(`${suite.app.baseUrl}${path}`);
  assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
}

suite.flow('choosing an example selects that start', async () => {
  for (const example of EXAMPLES) {
    await visit('/projects/new');
    await page.fill('#name', `Layout ${example}`);
    assert.equal(await page.isChecked('#start-empty'), true, 'Empty is ticked at first');
    await page.selectOption('#example', example);
    assert.equal(await page.isChecked('#start-example'), true, 'choosing an example ticks it');
    await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
    projects[example] = new URL(page.url()).pathname;
    assert.doesNotMatch(await page.locator('main').innerText(), /\b0 buses\b/, `${example} is not empty`);
  }
  // Ticking Empty again clears the choice, so an empty project is what is created.
  await visit('/projects/new');
  await page.fill('#name', 'Layout empty after all');
  await page.selectOption('#example', 'substation');
  await page.check('#start-empty');
  assert.equal(await page.inputValue('#example'), '', 'the example choice is cleared');
  // Ticking "example" with nothing chosen chooses the first one.
  await page.check('#start-example');
  assert.notEqual(await page.inputValue('#example'), '');
  suite.monitor.assertClean();
});

for (const viewport of VIEWPORTS) {
  suite.flow(`no project page scrolls sideways at ${viewport.width}x${viewport.height}`, async () => {
    assert.ok(Object.keys(projects).length === EXAMPLES.length, 'the projects were created');
    await page.setViewportSize(viewport);
    const overflowing = [];
    for (const example of EXAMPLES) {
      const base = projects[example];
      for (const tab of ['', '/editor', '/versions', '/versions/1', '/simulations', '/members', '/settings']) {
        await visit(`${base}${tab}`);
        const found = await sidewaysOverflow();
        if (found.over > 0) overflowing.push({ page: `${example}${tab || '/'}`, ...found });
      }
    }
    for (const path of ['/', '/projects', '/audit']) {
      await visit(path);
      const found = await sidewaysOverflow();
      if (found.over > 0) overflowing.push({ page: path, ...found });
    }
    assert.deepEqual(overflowing, [], JSON.stringify(overflowing, null, 2));
    // The editor's tables are wider than a phone: they scroll inside their wrapper.
    if (viewport.width < 500) {
      await visit(`${projects['iec60909-4']}/editor`);
      const inner = await page.evaluate(() => {
        const wrap = document.querySelector('#section-lines .table-wrap');
        return wrap ? { scroll: wrap.scrollWidth, client: wrap.clientWidth } : null;
      });
      assert.ok(inner, 'the lines table has a scrolling wrapper');
      assert.ok(inner.scroll > inner.client, `the table scrolls inside it: ${JSON.stringify(inner)}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });
}

suite.flow('the audit detail keeps its JSON inside the page', async () => {
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await visit('/audit');
    const href = await page.locator('#audit-rows tr', { hasText: 'circuit.save' }).first()
      .locator('a[href^="/audit/"]').getAttribute('href');
    await visit(href);
    const pres = await page.evaluate(() => [...document.querySelectorAll('main pre')].map((p) => {
      const style = getComputedStyle(p);
      return {
        right: p.getBoundingClientRect().right,
        wraps: style.whiteSpace === 'pre-wrap' || style.whiteSpace === 'break-spaces',
        scrolls: style.overflowX === 'auto' || style.overflowX === 'scroll',
        clipped: p.scrollWidth > p.clientWidth && !(style.overflowX === 'auto' || style.overflowX === 'scroll'),
      };
    }));
    assert.ok(pres.length > 0, 'the detail shows JSON');
    const innerWidth = await page.evaluate(() => window.innerWidth);
    for (const p of pres) {
      assert.ok(p.right <= innerWidth + 0.5, `a JSON block reaches past the window: ${JSON.stringify(p)}`);
      assert.ok(p.wraps, `JSON wraps: ${JSON.stringify(p)}`);
      assert.equal(p.clipped, false, 'nothing is cut off');
    }
    assert.deepEqual(await sidewaysOverflow(), { over: 0 });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

suite.flow('the favicon is an image', async () => {
  await visit('/');
  const icon = await page.evaluate(async () => {
    const link = document.querySelector('link[rel="icon"]');
    const res = await fetch('/favicon.ico');
    return { href: link && link.getAttribute('href'), status: res.status, type: res.headers.get('content-type') };
  });
  assert.equal(icon.href, '/favicon.ico');
  assert.equal(icon.status, 200);
  assert.match(icon.type, /^image\//);
});

suite.flow('an edit in the editor causes no CSP console error', async () => {
  const since = suite.monitor.count;
  const consoleErrors = [];
  const onConsole = (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  };
  page.on('console', onConsole);
  await visit(`${projects.substation}/editor`);
  for (const value of ['Renamed busbar', 'Busbar again']) {
    // A script (zoom and pan, a browser extension) that styles an element through the CSSOM
    // leaves a `style` attribute; htmx's default settling copies it with setAttribute onto
    // the swapped-in element, which the CSP (no inline styles) refuses.
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('#section-buses [id], #section-buses')) el.style.outline = '0px none';
    });
    await page.locator('#section-buses a.button', { hasText: 'Edit' }).first().click();
    const form = page.locator('#section-buses tr.editing form');
    await form.waitFor();
    await form.locator('[name="name"]').fill(value);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/editor/buses/rows/')),
      form.locator('button[type="submit"]').click(),
    ]);
    assert.equal(res.status(), 200);
    await page.locator('#section-buses tr.el-row:not(.editing)', { hasText: value }).waitFor();
    // Let the swap settle (htmx settles 20 ms after the swap).
    await page.waitForTimeout(100);
  }
  page.off('console', onConsole);
  await suite.monitor.collectFromPage(page);
  suite.monitor.assertClean(since);
  const csp = consoleErrors.filter((t) => /Content[- ]Security[- ]Policy|style/i.test(t));
  assert.deepEqual(csp, []);
});
