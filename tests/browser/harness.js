// Real processes for the browser tests: `uwh mock-clockify` (the simulated Clockify, which
// installs the add-on and sends signed webhooks), `uwh serve` (SQLite in a temporary directory),
// tokens minted with `uwh dev token` from a development key both trust, and Debian's Chromium
// driven by playwright-core.
//
// Environment: UWH_BIN (default <repo>/build/src/app/uwh), UWH_SHARED_DIR (default
// <repo>/../shared), CHROMIUM (default /usr/bin/chromium), UWH_ARTIFACTS (default
// <repo>/artifacts).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const UWH_BIN = path.resolve(process.env.UWH_BIN || path.join(REPO, 'build/src/app/uwh'));
export const SHARED = path.resolve(process.env.UWH_SHARED_DIR || path.join(REPO, '..', 'shared'));
export const OPENAPI = path.join(SHARED, 'clockify', 'openapi.json');
export const ARTIFACTS = path.resolve(process.env.UWH_ARTIFACTS || path.join(REPO, 'artifacts'));
export const ADDON_KEY = 'universal-webhook';

// Every line any process printed, for the no-secrets check at the end.
export const LOG_LINES = [];
export const SECRETS = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts `uwh <args>` and resolves once it logs {"msg":"listening","port":…}.
function startProcess(name, args, env, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(UWH_BIN, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 30 s:\n${lines.slice(-20).join('\n')}`));
    }, 30000);
    const onLine = (line) => {
      lines.push(line);
      LOG_LINES.push(line);
      if (settled) return;
      let obj;
      try { obj = JSON.parse(line); } catch { return; }
      if (obj && obj.msg === 'listening' && obj.port) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, lines, port: Number(obj.port), info: obj });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited ${code} before listening:\n${lines.slice(-20).join('\n')}`));
    });
  });
}

function stopProcess(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('UNIVERSAL_WEBHOOK_')) env[k] = v;
  return { ...env, ...extra };
}

export class Stack {
  // options.sidebarAccess: 'ADMINS' | 'EVERYONE'; options.mock: an existing Stack's mock to share.
  static async start({ sidebarAccess = 'ADMINS', shareMockOf = null, name = 'stack' } = {}) {
    const s = new Stack();
    s.dir = mkdtempSync(path.join(tmpdir(), `uwh-browser-${name}-`));
    if (shareMockOf) {
      s.keys = shareMockOf.keys;
      s.mock = shareMockOf.mock;
      s.mockUrl = shareMockOf.mockUrl;
      s.ownsMock = false;
    } else {
      mkdirSync(path.join(s.dir, 'keys'));
      execFileSync(UWH_BIN, ['dev', 'keygen', '--out', path.join(s.dir, 'keys')], { env: cleanEnv({}) });
      s.keys = { private: path.join(s.dir, 'keys', 'private.pem'), public: path.join(s.dir, 'keys', 'public.pem') };
      s.mock = await startProcess('mock-clockify', ['mock-clockify', '--host', '127.0.0.1', '--port', '0',
        '--key', s.keys.private, '--openapi', OPENAPI, '--log-level', 'info'], cleanEnv({}), s.dir);
      s.mockUrl = `http://127.0.0.1:${s.mock.port}`;
      s.ownsMock = true;
    }
    const port = await freePort();
    s.baseUrl = `http://127.0.0.1:${port}`;
    s.server = await startProcess('serve', ['serve'], cleanEnv({
      UNIVERSAL_WEBHOOK_HOST: '127.0.0.1',
      UNIVERSAL_WEBHOOK_PORT: String(port),
      UNIVERSAL_WEBHOOK_BASE_URL: s.baseUrl,
      UNIVERSAL_WEBHOOK_DATABASE_URL: `sqlite:///${path.join(s.dir, 'uwh.db')}`,
      UNIVERSAL_WEBHOOK_ENCRYPTION_KEY_FILE: path.join(s.dir, 'encryption.key'),
      UNIVERSAL_WEBHOOK_CLOCKIFY_PUBLIC_KEY_PATH: s.keys.public,
      UNIVERSAL_WEBHOOK_OPENAPI_PATH: OPENAPI,
      UNIVERSAL_WEBHOOK_SIDEBAR_ACCESS: sidebarAccess,
      UNIVERSAL_WEBHOOK_LOG_LEVEL: 'info',
      // The tests start the bootstrap from the dashboard, to watch its progress bar from the
      // first state to the last.
      UNIVERSAL_WEBHOOK_BOOTSTRAP_RUN_ON_INSTALL: 'false',
    }), s.dir);
    return s;
  }

  // Installs the add-on into a workspace of the mock like Clockify does; returns the workspace id.
  async install(workspaceId = '') {
    const res = await fetch(`${this.mockUrl}/_mock/install`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ manifest_url: `${this.baseUrl}/manifest`, workspace_id: workspaceId }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`install failed: ${res.status} ${JSON.stringify(body)}`);
    this.workspace = body.workspace_id;
    return this.workspace;
  }

  // A Clockify user token for the UI: role ADMIN/OWNER/USER, theme DEFAULT/DARK, ttl like "30m"
  // or "-5m" (already expired).
  token({ role = 'ADMIN', theme = 'DEFAULT', ttl = '30m', workspace = this.workspace, key = this.keys.private } = {}) {
    const out = execFileSync(UWH_BIN, ['dev', 'token', '--kind', 'user', '--workspace', workspace,
      '--role', role, '--ttl', ttl, '--key', key, '--backend-url', `${this.mockUrl}/api`,
      '--reports-url', `${this.mockUrl}/reports`, '--claim', `theme=${theme}`], { env: cleanEnv({}) });
    const token = out.toString().trim();
    SECRETS.add(token);
    return token;
  }

  uiUrl(token, hash = '') {
    return `${this.baseUrl}/ui?auth_token=${encodeURIComponent(token)}${hash}`;
  }

  // The mock sends `event` (signed, like Clockify) to the add-on; resolves with the emit answer.
  async emit(event, entityId = '') {
    const res = await fetch(`${this.mockUrl}/_mock/emit`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace_id: this.workspace, event, entity_id: entityId }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`emit failed: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async mockState() {
    const res = await fetch(`${this.mockUrl}/_mock/state?workspace=${encodeURIComponent(this.workspace)}`);
    return res.json();
  }

  // GET on the UI API with a token, outside the browser (to check what the page shows).
  async ui(pathAndQuery, token, init = {}) {
    const res = await fetch(`${this.baseUrl}${pathAndQuery}`, {
      ...init, headers: { 'X-Addon-Token': token, 'Content-Type': 'application/json', ...(init.headers || {}) },
    });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: res.status, body, headers: res.headers };
  }

  // Waits until `probe()` returns a truthy value (polling), or fails after `ms`.
  static async until(probe, what, ms = 15000) {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
      last = await probe();
      if (last) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async stop() {
    await stopProcess(this.server && this.server.child);
    if (this.ownsMock) await stopProcess(this.mock && this.mock.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Debian's Chromium, headless, with everything that would reach the network switched off (the
// machine has no network beyond the package registries). Playwright gives each launch a fresh
// temporary profile (user-data-dir).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page that records console errors, failed requests and CSP violations.
export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return page;
}

export function screenshotPath(name) {
  const dir = path.join(ARTIFACTS, 'screenshots');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}
