// Checks the suite's own tools, so that a green run means something: the monitor does catch CSP
// violations and page errors in this Chromium, and mails decode in every transfer encoding.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { extractLink, parseMail, waitForMail } from './lib/app.mjs';
import { Monitor, launchBrowser, newWatchedContext } from './lib/browser.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  if (browser) await browser.close();
});

test('the monitor catches CSP violations, CSP console messages and page errors', async () => {
  const monitor = new Monitor();
  const ctx = await newWatchedContext(browser, monitor, 'self-test');
  try {
    // A fake origin served by playwright itself (no network): the app's CSP, an inline script,
    // an inline style attribute, and a script file that throws.
    await ctx.route('http://csp.invalid/**', (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/throws.js') {
        return route.fulfill({
          contentType: 'text/javascript',
          body: 'throw new Error("self-test page error");',
        });
      }
      return route.fulfill({
        contentType: 'text/html; charset=utf-8',
        headers: { 'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'" },
        body:
          '<!doctype html><html><head><title>t</title></head><body>' +
          '<p style="color:red">styled inline</p>' +
          '<script>window.inlineRan = true;</script>' +
          '<script src="/throws.js"></script></body></html>',
      });
    });
    const page = await ctx.newPage();
    await page.goto('http://csp.invalid/');
    await page.waitForTimeout(300);
    await monitor.collectFromPage(page);
    assert.equal(await page.evaluate(() => window.inlineRan), undefined, 'inline script blocked');
    const kinds = new Set(monitor.problems.map((p) => p.kind));
    assert.ok(kinds.has('csp-violation'), JSON.stringify(monitor.problems, null, 2));
    assert.ok(kinds.has('csp-console'), JSON.stringify(monitor.problems, null, 2));
    assert.ok(kinds.has('pageerror'), JSON.stringify(monitor.problems, null, 2));
    const directives = monitor.problems
      .filter((p) => p.kind === 'csp-violation')
      .map((p) => p.effectiveDirective);
    assert.ok(directives.some((d) => /^script-src/.test(d)), `script-src caught: ${directives}`);
    assert.ok(directives.some((d) => /^style-src/.test(d)), `style-src caught: ${directives}`);
    assert.throws(() => monitor.assertClean(0), /CSP violations or page errors/);
  } finally {
    await ctx.close();
  }
});

const BASE = 'http://127.0.0.1:8080';
const TOKEN = '0725801eb52e46c8aacd9a70d8bb479922c5b962309a385a1e77ec7d1c711222';
const TEXT = `Hello Zoë,\n\nOpen this link:\n\n${BASE}/verify-email/${TOKEN}\n\nThanks.\n`;

function qp(text) {
  // Encodes like lettre: =XX for non-ASCII and '=', soft breaks every 76 characters.
  const enc = [...Buffer.from(text, 'utf8')]
    .map((b) => (b === 0x3d || b > 0x7e ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b)))
    .join('');
  return enc
    .split('\n')
    .map((line) => line.match(/.{1,75}/g)?.join('=\r\n') ?? '')
    .join('\r\n');
}

function eml(encoding, body, to = '"Zoë" <zoe@example.com>') {
  return [
    'From: AmpFlux <no-reply@localhost>',
    `To: ${to}`,
    'Subject: =?utf-8?b?Q29uZmlybSB5b3VyIGVtYWlsIGFkZHJlc3M=?=',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    body,
  ].join('\r\n');
}

test('mails decode in 7bit, quoted-printable and base64, also inside multipart', async () => {
  const bodies = {
    '7bit': TEXT.replace('Zoë', 'Zoe'),
    'quoted-printable': qp(TEXT),
    base64: Buffer.from(TEXT, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n'),
  };
  for (const [encoding, body] of Object.entries(bodies)) {
    const mail = parseMail(eml(encoding, body));
    assert.equal(mail.subject, 'Confirm your email address');
    assert.equal(
      extractLink(mail.text, BASE, '/verify-email/'),
      `${BASE}/verify-email/${TOKEN}`,
      encoding,
    );
  }
  assert.match(parseMail(eml('quoted-printable', qp(TEXT))).text, /Hello Zoë,/);

  const multipart = [
    'To: zoe@example.com',
    'Content-Type: multipart/alternative; boundary="XyZ"',
    '',
    '--XyZ',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(TEXT).toString('base64'),
    '--XyZ--',
    '',
  ].join('\r\n');
  assert.equal(
    extractLink(parseMail(multipart).text, BASE, '/verify-email/'),
    `${BASE}/verify-email/${TOKEN}`,
  );
});

test('waitForMail picks the newest mail to the address', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ampflux-mail-selftest-'));
  try {
    await writeFile(path.join(dir, 'a.eml'), eml('7bit', `${BASE}/verify-email/old\n`));
    await writeFile(
      path.join(dir, 'b.eml'),
      eml('7bit', `${BASE}/verify-email/other\n`, 'other@example.com'),
    );
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(path.join(dir, 'c.eml'), eml('base64', Buffer.from(`${BASE}/verify-email/new\n`).toString('base64')));
    const mail = await waitForMail(dir, 'ZOE@example.com', { timeoutMs: 1000 });
    assert.equal(extractLink(mail.text, BASE, '/verify-email/'), `${BASE}/verify-email/new`);
    await assert.rejects(waitForMail(dir, 'nobody@example.com', { timeoutMs: 200 }), /no mail/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
