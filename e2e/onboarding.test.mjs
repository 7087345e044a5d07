// End-to-end onboarding scenario through the real web UI, in Debian's chromium driven by
// playwright-core: set-up of the organization, directory import (dry run, then for real),
// sphere creation, a second member activated from the e-mailed invitation link, live feed
// update over Server-Sent Events, a comment seen by the other member, and a phone viewport.
//
// The server binary must already be built (`cargo build`); it is started here on a free port
// with a fresh data directory. EMBARQ_BIN overrides its path (default ../target/debug/embarq).
// Screenshots land in e2e/artifacts/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, LAUNCH } from './support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const BIN = path.resolve(HERE, process.env.EMBARQ_BIN || '../target/debug/embarq');
const ARTIFACTS = path.join(HERE, 'artifacts');
const LIVE_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------
// Translations: read the simple one-line `key = value` messages of the UI's Fluent files,
// so the assertions follow the wording actually shipped.
function loadFtl(lang) {
  const file = path.join(REPO, 'crates/app/locales', lang, 'main.ftl');
  const map = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([a-z][a-z0-9-]*)\s*=\s*(\S.*)$/.exec(line);
    if (m) map.set(m[1], m[2].trim());
  }
  return (key) => {
    const v = map.get(key);
    assert.ok(v, `missing one-line message "${key}" in ${file}`);
    return v;
  };
}
const fr = loadFtl('fr');
const en = loadFtl('en');

// ---------------------------------------------------------------------------------------
// The server under test.

class Server {
  constructor() {
    this.log = [];
    this.proc = null;
    this.exited = null;
  }

  async start() {
    assert.ok(fs.existsSync(BIN), `server binary not found at ${BIN}: run \`cargo build\` first (or set EMBARQ_BIN)`);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embarq-e2e-'));
    this.dataDir = path.join(this.dir, 'data');
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const env = { ...process.env, EMBARQ_DATA_DIR: this.dataDir, EMBARQ_BIND: `127.0.0.1:${this.port}`, EMBARQ_BASE_URL: this.base, NO_COLOR: '1' };
    // SQLite in the fresh data directory, and e-mails written to its outbox.
    for (const k of Object.keys(env)) if (k === 'EMBARQ_DATABASE_URL' || k.startsWith('EMBARQ_SMTP_')) delete env[k];
    // The temp dir as working directory: no stray embarq.toml is picked up.
    this.proc = spawn(BIN, ['serve'], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (stream) => (chunk) => {
      // eslint-disable-next-line no-control-regex
      const text = chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
      for (const line of text.split('\n')) if (line.trim()) this.log.push(`[${stream}] ${line}`);
      if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
    };
    this.proc.stdout.on('data', keep('out'));
    this.proc.stderr.on('data', keep('err'));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.proc.on('exit', (code, signal) => this.log.push(`[server exited: code=${code} signal=${signal}]`));

    const deadline = Date.now() + 60_000;
    let last = '';
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`server exited before answering /healthz\n${this.tail()}`);
      }
      try {
        const r = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) return;
        last = `status ${r.status}`;
      } catch (e) {
        last = String(e.cause?.code || e.message);
      }
      await sleep(200);
    }
    throw new Error(`server did not answer 200 on /healthz within 60 s (last: ${last})\n${this.tail()}`);
  }

  tail(n = 60) {
    return `--- server log (last ${n} lines) ---\n${this.log.slice(-n).join('\n')}\n--- end of server log ---`;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const done = await Promise.race([this.exited, sleep(5000).then(() => null)]);
    if (!done) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }

  cleanup() {
    if (this.dir && !process.env.E2E_KEEP_DATA) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------
// E-mails from the outbox (.eml files written by lettre).
function decodeQuotedPrintable(s) {
  const bytes = [];
  const soft = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseEml(raw) {
  const sep = raw.search(/\r?\n\r?\n/);
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  let body = sep >= 0 ? raw.slice(sep).replace(/^\r?\n\r?\n/, '') : '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
  if (cte === 'quoted-printable') body = decodeQuotedPrintable(body);
  else if (cte === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body };
}

/** The newest outbox message addressed to `to` and written after `since` (ms). */
async function waitForMail(outbox, to, since, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = [];
    if (fs.existsSync(outbox)) {
      for (const name of fs.readdirSync(outbox)) {
        if (!name.endsWith('.eml')) continue;
        const file = path.join(outbox, name);
        const st = fs.statSync(file);
        if (st.mtimeMs + 1000 < since) continue;
        const mail = parseEml(fs.readFileSync(file, 'utf8'));
        if ((mail.headers.to || '').toLowerCase().includes(to.toLowerCase())) found.push({ name, mtime: st.mtimeMs, ...mail });
      }
    }
    if (found.length) {
      found.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
      return found[found.length - 1];
    }
    await sleep(200);
  }
  const listing = fs.existsSync(outbox) ? fs.readdirSync(outbox).join(', ') : '(no outbox directory)';
  throw new Error(`no e-mail to ${to} in ${outbox} within ${timeoutMs} ms; outbox holds: ${listing}`);
}

// ---------------------------------------------------------------------------------------
// Diagnostics and screenshots.
fs.mkdirSync(ARTIFACTS, { recursive: true });

async function shot(page, name) {
  try {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  } catch (e) {
    console.error(`(screenshot ${name} failed: ${e.message})`);
  }
}

async function describePage(label, page) {
  if (!page || page.isClosed()) return `${label}: (no page)`;
  let text = '';
  try {
    text = await page.evaluate(() => (document.body ? document.body.innerText : document.documentElement.outerHTML));
  } catch (e) {
    text = `(could not read the page: ${e.message})`;
  }
  text = text.replace(/\n{3,}/g, '\n\n').slice(0, 1500);
  return `${label}: URL ${page.url()}\n${text}`;
}

// ---------------------------------------------------------------------------------------
// The scenario.
const run = `${Date.now().toString(36)}`;
const ADMIN = { org: `Acme ${run}`, name: 'Agathe Admin', email: 'admin@acme.test', password: 'correct-horse-battery' };
const ALICE = { first: 'Alice', last: 'Martin', email: 'alice.martin@acme.test', password: 'alice-secret-pw-42' };
const SPHERE = { name: `Onboarding ${run}`, description: 'Tout pour bien démarrer.' };
const POST_TEXT = `Bienvenue à tous ! live-${run}`;
const COMMENT_TEXT = `Merci, ravie d'être là. comment-${run}`;
const CSV = [
  'email;first_name;last_name;department;site;birth_year;level;manager_email;title',
  `${ALICE.email};${ALICE.first};${ALICE.last};Ventes;Paris;1990;3;${ADMIN.email};Chargée de clientèle`,
  `bob.durand@acme.test;Bob;Durand;Informatique;Lyon;1985;2;${ALICE.email};Ingénieur`,
  'not-an-email;Carl;Faux;Informatique;Lyon;1980;1;;Stagiaire',
].join('\n') + '\n';
const BAD_LINE = '4';

describe('onboarding through the web UI', () => {
  const server = new Server();
  let browser;
  let ctxA, ctxB, pageA, pageB;
  let sphereUrl, postUrl, aliceProfileUrl;
  let broken = null;

  before(async () => {
    await server.start();
    browser = await chromium.launch(LAUNCH);
    ctxA = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    // Member B uses a phone.
    ctxB = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    for (const ctx of [ctxA, ctxB]) {
      ctx.setDefaultTimeout(15_000);
      ctx.setDefaultNavigationTimeout(20_000);
    }
    pageA = await ctxA.newPage();
    pageB = await ctxB.newPage();
    for (const [label, page] of [['A', pageA], ['B', pageB]]) {
      page.on('pageerror', (e) => console.error(`[browser ${label}] page error: ${e.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400) console.error(`[browser ${label}] HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
      });
      page.on('console', (m) => {
        if (m.type() === 'error') console.error(`[browser ${label}] console: ${m.text()}`);
      });
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server.stop();
    if (broken) console.error(server.tail(40));
    server.cleanup();
  });

  /** One step of the scenario: skipped after a failure, with diagnostics when it fails. */
  function step(name, fn) {
    it(name, async (t) => {
      if (broken) {
        t.skip(`an earlier step failed (${broken})`);
        return;
      }
      try {
        await fn();
      } catch (e) {
        broken = name;
        const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 40);
        await shot(pageA, `FAILED-${slug}-A`);
        await shot(pageB, `FAILED-${slug}-B`);
        console.error(`\n===== step failed: ${name} =====\n${e.stack || e}\n`);
        console.error(await describePage('page A (manager, fr-FR)', pageA));
        console.error(await describePage('page B (member, en-US, phone)', pageB));
        console.error(server.tail());
        throw e;
      }
    });
  }

  const url = (p) => `${server.base}${p}`;
  const atPath = (re) => (u) => re.test(new URL(u).pathname);

  step('1. the first visitor sets up the organization (French UI)', async () => {
    await pageA.goto(url('/'));
    await pageA.waitForURL(atPath(/^\/setup$/));
    const form = pageA.locator('form[action="/setup"]');
    await form.locator('input[name="org_name"]').fill(ADMIN.org);
    await form.locator('input[name="display_name"]').fill(ADMIN.name);
    await form.locator('input[name="email"]').fill(ADMIN.email);
    await form.locator('input[name="password"]').fill(ADMIN.password);
    await shot(pageA, '01-setup');
    await form.locator('button[type="submit"]').click();
    await pageA.waitForURL(atPath(/^\/$/));
    await pageA.getByRole('navigation').getByRole('link', { name: fr('nav-home'), exact: true }).waitFor();
    assert.equal(await pageA.getAttribute('html', 'lang'), 'fr');
    await shot(pageA, '02-home-after-setup');
  });

  step('2. the manager imports the directory: dry run shows the bad row, then the real import', async () => {
    const csvFile = path.join(server.dir, 'annuaire.csv');
    fs.writeFileSync(csvFile, CSV);
    await pageA.goto(url('/admin/members'));
    const form = pageA.locator('form#import-form');
    await form.locator('input[type="file"][name="file"]').setInputFiles(csvFile);
    await form.locator('button[name="mode"][value="dry_run"]').click();
    await pageA.waitForURL(atPath(/^\/admin\/import$/));
    await assertText(pageA.locator('h1'), fr('import-dry-run-title'));
    const badRow = pageA.locator('table.import-errors tbody tr').filter({ has: pageA.locator('td:first-child', { hasText: new RegExp(`^\\s*${BAD_LINE}\\s*$`) }) });
    assert.equal(await badRow.count(), 1, `expected one error row for line ${BAD_LINE} in table.import-errors`);
    assert.match(await badRow.innerText(), /not-an-email/);
    assert.equal((await pageA.locator('#n-errors').innerText()).trim(), '1');
    assert.equal((await pageA.locator('#n-create').innerText()).trim(), '2', 'the dry run plans two creations');
    await shot(pageA, '03-import-dry-run');

    // Nothing was written by the dry run: the real import still creates both members.
    await pageA.goBack();
    await pageA.waitForURL(atPath(/^\/admin\/members$/));
    const form2 = pageA.locator('form#import-form');
    await form2.locator('input[type="file"][name="file"]').setInputFiles(csvFile);
    await form2.locator('button[name="mode"][value="apply"]').click();
    await pageA.waitForURL(atPath(/^\/admin\/import$/));
    await assertText(pageA.locator('h1'), fr('import-done-title'));
    assert.equal((await pageA.locator('#n-create').innerText()).trim(), '2');
    await shot(pageA, '04-import-done');
  });

  step('3. the manager creates an open sphere', async () => {
    await pageA.goto(url('/spheres'));
    const form = pageA.locator('form[action="/spheres"]');
    await form.locator('input[name="name"]').fill(SPHERE.name);
    await form.locator('textarea[name="description"]').fill(SPHERE.description);
    await form.locator('input[type="radio"][name="kind"][value="open"]').check();
    await form.locator('button[type="submit"]').click();
    await pageA.waitForURL(atPath(/^\/spheres\/[^/]+$/));
    sphereUrl = new URL(pageA.url()).pathname;
    await assertText(pageA.locator('h1'), SPHERE.name);
    await shot(pageA, '05-sphere-created');
  });

  step('4. an imported member is invited again and activates the account from the e-mail', async () => {
    await pageA.goto(url('/people'));
    await pageA.getByRole('link', { name: `${ALICE.first} ${ALICE.last}` }).first().click();
    await pageA.waitForURL(atPath(/^\/people\/[^/]+$/));
    aliceProfileUrl = new URL(pageA.url()).pathname;
    await assertText(pageA.locator('h1'), `${ALICE.first} ${ALICE.last}`);
    await shot(pageA, '06-member-profile');
    const since = Date.now();
    const resend = pageA.locator(`form[action="/admin/members/${aliceProfileUrl.split('/').pop()}/invite"] button`);
    await resend.click();

    const mail = await waitForMail(path.join(server.dataDir, 'outbox'), ALICE.email, since);
    const m = /https?:\/\/[^\s"<>]+\/invite\/[A-Za-z0-9_-]+/.exec(mail.body);
    assert.ok(m, `no invitation link in the e-mail ${mail.name}:\n${mail.body}`);
    const link = m[0];
    assert.ok(link.startsWith(server.base), `the link ${link} does not use EMBARQ_BASE_URL ${server.base}`);

    await pageB.goto(link);
    const form = pageB.locator('form[action^="/invite/"]');
    await form.locator('input[name="password"]').fill(ALICE.password);
    await form.locator('input[name="confirm"]').fill(ALICE.password);
    await shot(pageB, '07-invite-set-password');
    await form.locator('button[type="submit"]').click();
    await pageB.waitForURL(atPath(/^\/$/));
    await pageB.getByRole('navigation').getByRole('link', { name: en('nav-home'), exact: true }).waitFor({ state: 'attached' });
    assert.equal(await pageB.getAttribute('html', 'lang'), 'en');
    await shot(pageB, '08-member-home-first-visit');
  });

  step('5. the member finds the sphere and joins it', async () => {
    await pageB.goto(url('/spheres'));
    await pageB.getByRole('link', { name: SPHERE.name }).first().click();
    await pageB.waitForURL(atPath(new RegExp(`^${sphereUrl}$`)));
    await pageB.locator('form[action$="/join"] button').click();
    await pageB.waitForURL(atPath(new RegExp(`^${sphereUrl}$`)));
    // Once a member: the leave button replaces the join button, and the composer is there.
    await pageB.locator('form[action$="/leave"] button').waitFor({ state: 'attached' });
    assert.equal(await pageB.locator('form[action$="/join"]').count(), 0, 'the join button is still shown after joining');
    await assertNoHorizontalOverflow(pageB, 'sphere page');
    await shot(pageB, '09-member-joined-sphere');
  });

  step('6. a post published by the manager appears live on the member\'s home feed', async () => {
    const eventsOpen = pageB.waitForResponse((r) => new URL(r.url()).pathname === '/events', { timeout: 10_000 }).catch(() => null);
    await pageB.goto(url('/'));
    await pageB.locator('#feed').waitFor({ state: 'attached' });
    await assertNoHorizontalOverflow(pageB, 'home page');
    const events = await eventsOpen;
    assert.ok(events, 'the home page did not open its live stream on /events');
    assert.equal(events.status(), 200, 'GET /events did not answer 200');
    // A marker that only survives if the page is neither reloaded nor navigated.
    await pageB.evaluate(() => {
      window.__e2eMarker = 'still-here';
    });
    const urlBefore = pageB.url();
    assert.equal(await pageB.locator('#feed').getByText(POST_TEXT).count(), 0);

    await pageA.goto(url(sphereUrl));
    const composer = pageA.locator('form.composer');
    await composer.locator('textarea[name="body"]').fill(POST_TEXT);
    await composer.locator('button[type="submit"]').click();
    await pageA.waitForURL(atPath(/^\/posts\/[^/]+$/));
    postUrl = new URL(pageA.url()).pathname;
    await shot(pageA, '10-post-published');

    try {
      await pageB.locator('#feed').getByText(POST_TEXT).first().waitFor({ state: 'visible', timeout: LIVE_TIMEOUT_MS });
    } catch (e) {
      throw new Error(`the member's home feed did not show the new post within ${LIVE_TIMEOUT_MS} ms without reload (${e.message.split('\n')[0]})`);
    }
    assert.equal(pageB.url(), urlBefore, 'the page navigated');
    assert.equal(await pageB.evaluate(() => window.__e2eMarker), 'still-here', 'the page was reloaded');
    await assertNoHorizontalOverflow(pageB, 'home page with a post');
    await shot(pageB, '11-member-home-live-post');
  });

  step('7. the member comments on the post and the manager sees the comment', async () => {
    const card = pageB.locator('#feed article.post').filter({ hasText: POST_TEXT }).first();
    await card.locator(`a[href="${postUrl}"]`).first().click();
    await pageB.waitForURL(atPath(new RegExp(`^${postUrl}$`)));
    const form = pageB.locator(`form[action="${postUrl}/comments"]`);
    await form.locator('textarea[name="body"]').fill(COMMENT_TEXT);
    await form.locator('button[type="submit"]').click();
    await pageB.waitForURL(atPath(new RegExp(`^${postUrl}$`)));
    await pageB.locator('#comments .comment').filter({ hasText: COMMENT_TEXT }).first().waitFor({ state: 'visible' });
    await assertNoHorizontalOverflow(pageB, 'post page');
    await shot(pageB, '12-member-commented');

    await pageA.goto(url(postUrl));
    const comment = pageA.locator('#comments .comment').filter({ hasText: COMMENT_TEXT });
    await comment.first().waitFor({ state: 'visible' });
    assert.match(await comment.first().innerText(), new RegExp(`${ALICE.first} ${ALICE.last}`));
    await shot(pageA, '13-manager-sees-comment');
  });
});

async function assertText(locator, expected) {
  await locator.first().waitFor({ state: 'attached' });
  const got = (await locator.first().innerText()).replace(/\s+/g, ' ').trim();
  assert.ok(got.includes(expected.replace(/\s+/g, ' ').trim()), `expected "${expected}" in "${got}"`);
}

async function assertNoHorizontalOverflow(page, what) {
  const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  if (m.scroll > m.inner + 1) {
    const culprits = await page.evaluate(() => {
      const w = window.innerWidth;
      return [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > w + 1)
        .slice(0, 8)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} (right=${Math.round(el.getBoundingClientRect().right)})`);
    });
    assert.fail(`horizontal overflow on the ${what} at ${m.inner}px wide: scrollWidth ${m.scroll}; widest elements: ${culprits.join(', ')}`);
  }
}
