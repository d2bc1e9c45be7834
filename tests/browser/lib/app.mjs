// Starts the real AmpFlux binary on a free port with a fresh data folder, and reads the mails it
// writes as .eml files into <data dir>/mail/.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** tests/browser */
export const SUITE_DIR = path.resolve(HERE, '..');
/** the repository root */
export const REPO_DIR = path.resolve(SUITE_DIR, '..', '..');

/** The app binary: AMPFLUX_BIN, else ../../target/debug/ampflux relative to tests/browser. */
export function appBinary() {
  const bin = process.env.AMPFLUX_BIN
    ? path.resolve(SUITE_DIR, process.env.AMPFLUX_BIN)
    : path.resolve(SUITE_DIR, '..', '..', 'target', 'debug', 'ampflux');
  if (!existsSync(bin) || !statSync(bin).isFile()) {
    throw new Error(
      `AmpFlux binary not found at ${bin}: build it with \`cargo build\` in ${REPO_DIR}, ` +
        'or point AMPFLUX_BIN at it.',
    );
  }
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the app and waits until GET /health/ready answers 200.
 * Returns { baseUrl, dataDir, mailDir, logFile, stop() }.
 */
export async function startApp({ readyTimeoutMs = 60_000 } = {}) {
  const bin = appBinary();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ampflux-browser-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = { ...process.env };
  // Only what the suite sets: a fresh data folder, the port, the base URL for mail links.
  // DATABASE_URL passes through from the environment (PostgreSQL); unset means SQLite in dataDir.
  for (const k of Object.keys(env)) {
    if (k.startsWith('AMPFLUX_')) delete env[k];
  }
  if (!env.DATABASE_URL) delete env.DATABASE_URL;
  Object.assign(env, {
    AMPFLUX_DATA_DIR: dataDir,
    AMPFLUX_BIND: `127.0.0.1:${port}`,
    AMPFLUX_BASE_URL: baseUrl,
    RUST_BACKTRACE: '1',
  });
  const logFile = path.join(dataDir, 'server.log');
  const log = createWriteStream(logFile);
  const child = spawn(bin, ['serve'], { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  child.on('error', (e) => {
    exited = { code: null, signal: null, error: e };
  });
  // Never leave the server behind, even when the test process dies early.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const deadline = Date.now() + readyTimeoutMs;
  let lastError = 'no answer';
  for (;;) {
    if (exited) {
      throw new Error(
        `AmpFlux exited before it was ready (${JSON.stringify(exited)}). Log tail:\n${tail()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
      lastError = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (e) {
      lastError = e.message;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `AmpFlux was not ready within ${readyTimeoutMs} ms (${lastError}). Log tail:\n${tail()}`,
      );
    }
    await sleep(100);
  }

  async function stop({ keepDataDir = false } = {}) {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5000);
      await exitPromise;
      clearTimeout(t);
    }
    process.off('exit', killOnExit);
    log.end();
    if (!keepDataDir && !process.env.AMPFLUX_KEEP_DATA) {
      await rm(dataDir, { recursive: true, force: true });
    } else {
      console.log(`AmpFlux data kept in ${dataDir}`);
    }
  }

  return { baseUrl, dataDir, mailDir: path.join(dataDir, 'mail'), logFile, logTail: tail, stop };
}

// ---------------------------------------------------------------------------------------------
// Mail (.eml) parsing: headers, multipart, and 7bit / 8bit / quoted-printable / base64 bodies.

function splitHeadersBody(raw) {
  const m = raw.match(/\r?\n\r?\n/);
  if (!m) return { headerText: raw, body: '' };
  return { headerText: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

function parseHeaders(headerText) {
  const headers = {};
  // Unfold continuation lines.
  const unfolded = headerText.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

function decodeQuotedPrintable(text) {
  const noSoftBreaks = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < noSoftBreaks.length; i++) {
    const c = noSoftBreaks[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(noSoftBreaks.slice(i + 1, i + 3))) {
      bytes.push(parseInt(noSoftBreaks.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body, encoding) {
  switch ((encoding || '7bit').trim().toLowerCase()) {
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default: // 7bit, 8bit, binary
      return body;
  }
}

/** Decodes an RFC 2047 encoded word header value (=?utf-8?b?...?= / =?utf-8?q?...?=). */
function decodeHeaderValue(value) {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, _charset, enc, text) => {
    if (enc.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
    return decodeQuotedPrintable(text.replace(/_/g, ' '));
  });
}

/** Parses a raw RFC 5322 message into { headers, subject, to, text } (text parts joined). */
export function parseMail(raw) {
  const { headerText, body } = splitHeadersBody(raw);
  const headers = parseHeaders(headerText);
  const texts = [];
  collectText(headers, body, texts);
  return {
    headers,
    subject: decodeHeaderValue(headers.subject || ''),
    to: decodeHeaderValue(headers.to || ''),
    text: texts.join('\n'),
  };
}

function collectText(headers, body, out) {
  const ctype = headers['content-type'] || 'text/plain';
  const boundary = ctype.match(/boundary="?([^";]+)"?/i);
  if (/^multipart\//i.test(ctype) && boundary) {
    const parts = body.split(`--${boundary[1]}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const { headerText, body: partBody } = splitHeadersBody(part.replace(/^\r?\n/, ''));
      collectText(parseHeaders(headerText), partBody, out);
    }
    return;
  }
  if (/^text\//i.test(ctype)) out.push(decodeBody(body, headers['content-transfer-encoding']));
}

/**
 * Waits for the newest mail to `address` in mailDir whose text matches `pattern` (if given).
 * The app sends mail in the background, so this polls. `exclude`: files already seen.
 */
export async function waitForMail(
  mailDir,
  address,
  { pattern, exclude = [], timeoutMs = 10_000 } = {},
) {
  const deadline = Date.now() + timeoutMs;
  const want = address.toLowerCase();
  for (;;) {
    let names = [];
    try {
      names = (await readdir(mailDir)).filter((n) => n.endsWith('.eml'));
    } catch {
      // The folder may not exist yet.
    }
    const found = [];
    for (const name of names) {
      const file = path.join(mailDir, name);
      if (exclude.includes(file)) continue;
      try {
        const [raw, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
        const mail = parseMail(raw);
        if (!mail.to.toLowerCase().includes(want)) continue;
        if (pattern && !pattern.test(mail.text)) continue;
        found.push({ ...mail, file, mtimeMs: st.mtimeMs });
      } catch {
        // Being written: try again on the next round.
      }
    }
    if (found.length) {
      found.sort((a, b) => b.mtimeMs - a.mtimeMs);
      return found[0];
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no mail to ${address}${pattern ? ` matching ${pattern}` : ''} in ${mailDir} ` +
          `within ${timeoutMs} ms (${names.length} .eml files there)`,
      );
    }
    await sleep(100);
  }
}

/** The first link in `text` that starts with `${baseUrl}${pathPrefix}`. */
export function extractLink(text, baseUrl, pathPrefix) {
  const escaped = `${baseUrl}${pathPrefix}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = text.match(new RegExp(`${escaped}[^\\s<>"')\\]]*`));
  if (!m) throw new Error(`no link starting with ${baseUrl}${pathPrefix} in mail:\n${text}`);
  return m[0];
}
