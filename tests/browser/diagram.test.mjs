// The one-line diagram on the built-in examples at 1366x900 and 390x844: the same component on
// the editor, a version and the results; it fits (no horizontal page overflow from it), its
// buttons and keys change the viewBox, and every text is at least 12 px on screen at the fit.
import assert from 'node:assert/strict';
import { browserSuite } from './lib/harness.mjs';
import { signedInPerson } from './lib/flows.mjs';

let page = null;
const projects = {};
const suite = browserSuite('diagram', {
  setup: async (s) => {
    page = await (await s.newContext('diagram')).newPage();
    await signedInPerson(page, s.app, 'diagram');
    for (const example of ['substation', 'iec60909-4']) {
      await page.goto(`${s.app.baseUrl}/projects/new`);
      await page.fill('#name', `Diagram ${example}`);
      await page.check('input[name="start"][value="example"]');
      await page.selectOption('#example', example);
      await Promise.all([page.waitForURL(/\/projects\/\d+$/), page.click('button[type="submit"].primary')]);
      const id = Number(new URL(page.url()).pathname.split('/').pop());
      await page.goto(`${s.app.baseUrl}/projects/${id}/simulations/new`);
      await Promise.all([page.waitForURL(/\/simulations\/\d+$/), page.click('form.sim-form button[type="submit"]')]);
      await page.locator('#sim-live .sim-badge.completed').waitFor({ timeout: 30_000 });
      projects[example] = { id, sim: Number(new URL(page.url()).pathname.split('/').pop()) };
    }
  },
});

/** Facts about the diagram on the current page. */
async function diagramFacts() {
  return page.evaluate(() => {
    const section = document.querySelector('section#diagram.card.diagram');
    const vp = section && section.querySelector('.diagram-figure > .diagram-viewport');
    const svg = vp && vp.querySelector('svg.one-line');
    if (!svg) return null;
    const scale = svg.getScreenCTM().a;
    const sizes = [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size')) * scale);
    const box = section.getBoundingClientRect();
    return {
      viewBox: svg.getAttribute('viewBox'),
      zoomable: vp.classList.contains('zoomable'),
      toolsShown: !section.querySelector('.diagram-tools').hidden,
      buttons: [...section.querySelectorAll('.diagram-tools button')].map((b) => b.getAttribute('aria-label')),
      smallest: Math.min(...sizes),
      texts: sizes.length,
      sectionRight: box.right,
      svgRight: svg.getBoundingClientRect().right,
      vpRight: vp.getBoundingClientRect().right,
      innerWidth: window.innerWidth,
      pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      busNames: [...svg.querySelectorAll('text.bus-name')].map((t) => t.textContent),
      legend: [...section.querySelectorAll('.diagram-legend li')].length,
      valueFills: [...svg.querySelectorAll('text.bus-value')].map((t) => t.getAttribute('fill')),
    };
  });
}

async function viewBox() {
  return page.locator('#diagram svg.one-line').getAttribute('viewBox');
}

const width = (vb) => Number(vb.split(' ')[2]);

for (const [w, h] of [[1366, 900], [390, 844]]) {
  for (const example of ['substation', 'iec60909-4']) {
    suite.flow(`${example} at ${w}x${h}: one fitted, readable, zoomable diagram on three pages`, async () => {
      const { app } = suite;
      const { id, sim } = projects[example];
      await page.setViewportSize({ width: w, height: h });
      const pages = [`/projects/${id}/editor`, `/projects/${id}/versions/1`, `/simulations/${sim}`];
      const seen = [];
      for (const path of pages) {
        await page.goto(`${app.baseUrl}${path}`);
        await page.locator('#diagram .diagram-viewport.zoomable').waitFor();
        const f = await diagramFacts();
        assert.ok(f, `${path}: the diagram component`);
        seen.push(f.buttons.join('|'));
        assert.ok(f.toolsShown, `${path}: zoom buttons shown`);
        // Fits: the drawing stays inside its frame and the frame inside the window.
        assert.ok(f.svgRight <= f.vpRight + 1, `${path}: svg ${f.svgRight} past its frame ${f.vpRight}`);
        assert.ok(f.sectionRight <= f.innerWidth + 1, `${path}: diagram ${f.sectionRight} past ${f.innerWidth}`);
        // Readable at the fit: every text at least 12 px.
        assert.ok(f.texts > 5, `${path}: texts drawn`);
        assert.ok(f.smallest >= 11.99, `${path}: smallest text ${f.smallest} px`);
        // Names, not ids (the IEC example's buses are named "1", "2", ... with ids from "0").
        if (example === 'iec60909-4') assert.ok(!f.busNames.includes('0'), `${path}: ${f.busNames}`);
        if (path.startsWith('/simulations/')) {
          assert.equal(f.legend, 5, 'legend of the five Ik\'\' bands');
          assert.ok(f.valueFills.length > 0 && f.valueFills.every((c) => /^#[0-9a-f]{6}$/.test(c)));
        } else {
          assert.equal(f.legend, 0);
        }
        // Buttons: zoom in narrows the viewBox, zoom out and fit bring it back.
        const fitted = await viewBox();
        await page.click('#diagram button[data-zoom="in"]');
        const zoomed = await viewBox();
        assert.ok(width(zoomed) < width(fitted), `${path}: zoom in ${fitted} -> ${zoomed}`);
        await page.click('#diagram button[data-zoom="fit"]');
        assert.equal(await viewBox(), fitted, `${path}: fit`);
        // Keys on the focused drawing: +, arrows, -, 0.
        await page.focus('#diagram .diagram-viewport');
        await page.keyboard.press('+');
        const keyZoomed = await viewBox();
        assert.ok(width(keyZoomed) < width(fitted), `${path}: + key`);
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowDown');
        assert.notEqual(await viewBox(), keyZoomed, `${path}: arrows move`);
        await page.keyboard.press('-');
        await page.keyboard.press('0');
        assert.equal(await viewBox(), fitted, `${path}: 0 fits again`);
        // Never below the readable scale: zooming out stays at 12 px or more.
        await page.click('#diagram button[data-zoom="out"]');
        await page.click('#diagram button[data-zoom="out"]');
        const out = await diagramFacts();
        assert.ok(out.smallest >= 11.99, `${path}: zoomed out to ${out.smallest} px`);
        // The wheel zooms too.
        await page.click('#diagram button[data-zoom="fit"]');
        const box = await page.locator('#diagram .diagram-viewport').boundingBox();
        await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 100));
        await page.mouse.wheel(0, -200);
        assert.ok(width(await viewBox()) < width(fitted), `${path}: wheel`);
      }
      assert.equal(new Set(seen).size, 1, 'the same controls on the three pages');
      await page.click('#diagram button[data-zoom="fit"]');
      await page.locator('#diagram').screenshot({ path: `/tmp/ampflux-diagram-${example}-${w}.png` });
    });
  }
}
