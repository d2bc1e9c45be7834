// RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s steps) with node:crypto, to type the code an
// authenticator app would show. RFC 4648 base32 for the key the set-up page shows.
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of a base32 key (spaces, padding and case ignored). */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit code of `key` (bytes) at Unix time `seconds`. */
export function totp(key, seconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

/** Sets up two-factor sign-in on /account/two-factor in `page` (signed in); returns the key
 * and the recovery codes shown. `audit(page, label)` runs on each new page when given. */
export async function setUpTwoFactor(page, app, audit = null) {
  await page.goto(`${app.baseUrl}/account/two-factor`);
  if (audit) await audit(page, '/account/two-factor (off)');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/account/two-factor'),
    page.click('form[action="/account/two-factor/setup"] button[type="submit"]'),
  ]);
  await page.locator('svg.qr').waitFor();
  if (audit) await audit(page, '/account/two-factor (set-up)');
  const key = base32Decode(await page.locator('#secret-text').innerText());
  await page.fill('form[action="/account/two-factor/confirm"] input[name="code"]', totp(key));
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/account/two-factor/confirm' && r.request().method() === 'POST'),
    page.click('form[action="/account/two-factor/confirm"] button[type="submit"]'),
  ]);
  await page.locator('#recovery-codes').waitFor();
  if (audit) await audit(page, 'recovery codes');
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  return { key, codes };
}
