// Shared by the browser tests: paths, translations, a server on a free port, the outbox.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..');
export const BIN = path.resolve(HERE, process.env.EMBARQ_BIN || '../target/debug/embarq');
export const ARTIFACTS = path.join(HERE, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Messages of a locale file, looked up by key (a missing key fails the test). */
export function ftl(lang) {
  const map = new Map();
  for (const line of fs.readFileSync(path.join(REPO, 'crates/app/locales', lang, 'main.ftl'), 'utf8').split('\n')) {
    const m = /^([a-z][a-z0-9-]*)\s*=\s*(\S.*)$/.exec(line);
    if (m) map.set(m[1], m[2].trim());
  }
  return (key) => {
    assert.ok(map.has(key), `missing message ${key}`);
    return map.get(key);
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** A new context of `browser` (French, Paris time, `options` such as the viewport) signed in as `email`; its first page. */
export async function signedIn(browser, base, email, password, options = {}) {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', ...options });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  const form = page.locator('form[action="/login"]');
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  await form.locator('button[type="submit"]').click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
  return { context, page };
}

/** Starts `embarq serve` (with `args`, e.g. `--demo`) on a free port with a fresh data directory (SQLite, e-mails to the outbox). */
export async function startServer(name, args = []) {
  const port = await freePort();
  assert.ok(fs.existsSync(BIN), `server binary not found at ${BIN}: run \`cargo build\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `embarq-e2e-${name}-`));
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, EMBARQ_DATA_DIR: path.join(dir, 'data'), EMBARQ_BIND: `127.0.0.1:${port}`, EMBARQ_BASE_URL: base, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k === 'EMBARQ_DATABASE_URL' || k.startsWith('EMBARQ_SMTP_')) delete env[k];
  const proc = spawn(BIN, ['serve', ...args], { cwd: dir, env, stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return { proc, dir, base, outbox: path.join(dir, 'data', 'outbox') };
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  proc.kill('SIGKILL');
  throw new Error('server did not start');
}

/** The invitation link mailed to `to` (quoted-printable soft breaks removed). */
export async function inviteLink(outbox, to) {
  for (let i = 0; i < 50; i++) {
    for (const name of fs.existsSync(outbox) ? fs.readdirSync(outbox) : []) {
      const raw = fs.readFileSync(path.join(outbox, name), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      if (!raw.toLowerCase().includes(`to: ${to}`)) continue;
      const m = /https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+/.exec(raw);
      if (m) return m[0];
    }
    await sleep(200);
  }
  throw new Error(`no invitation to ${to}`);
}

/** Chromium launch options: Debian's browser, no sandbox as root, no background traffic. */
export const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/** Fills the first-run setup form on `page` and waits for the home page. */
export async function setupOrganization(page, base, admin) {
  await page.goto(`${base}/setup`);
  const setup = page.locator('form[action="/setup"]');
  await setup.locator('input[name="org_name"]').fill(admin.org);
  await setup.locator('input[name="display_name"]').fill(admin.name);
  await setup.locator('input[name="email"]').fill(admin.email);
  await setup.locator('input[name="password"]').fill(admin.password);
  await setup.locator('button[type="submit"]').click();
  await page.waitForURL((u) => new URL(u).pathname === '/');
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.2 A/AA and best practices) on the page as it is now. */
export async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }),
  );
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(1, 2).join('')}`),
  }));
}
