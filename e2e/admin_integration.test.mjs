// Administration integrations through the web UI (playwright-core, Debian's chromium): a manager
// subscribes a webhook to a receiver started by the test, sees the ping and the member's
// activation delivered in the log with their attempts, and pauses it; a member downloads "my
// data" (a zip with data.json); the manager erases the member (anonymized) and finds it in the
// audit log by free-text search. Role and label locators only, and the keyboard for the search
// and the pause. Needs the server binary (`cargo build`); screenshots in
// e2e/artifacts/admin-integration-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, inviteLink, LAUNCH, setupOrganization, sleep } from './support.mjs';

const en = ftl('en');
const fr = ftl('fr');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `admin-integration-${name}.png`), fullPage: true }).catch(() => {});

/** The content of `name` in a zip archive (central directory, stored or deflated). */
function unzipEntry(buf, name) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a zip archive');
  let at = buf.readUInt32LE(eocd + 16);
  const entries = buf.readUInt16LE(eocd + 10);
  for (let i = 0; i < entries; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const [nameLen, extraLen, commentLen] = [buf.readUInt16LE(at + 28), buf.readUInt16LE(at + 30), buf.readUInt16LE(at + 32)];
    const local = buf.readUInt32LE(at + 42);
    if (buf.toString('utf8', at + 46, at + 46 + nameLen) === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return method === 8 ? zlib.inflateRawSync(data) : data;
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} not in the archive`);
}

describe('administration integrations through the web UI', () => {
  let server, browser, admin, member, receiver;
  const received = [];

  before(async () => {
    // The receiver is on loopback: allow private webhook addresses for this server only.
    process.env.EMBARQ_WEBHOOK_ALLOW_PRIVATE = 'true';
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    server = await startServer('admin-integration');
    browser = await chromium.launch(LAUNCH);
    admin = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } })).newPage();
    member = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, acceptDownloads: true })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    receiver?.close();
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('webhook log and pause, my data, erasure found in the audit log', async () => {
    const url = (p) => `${server.base}${p}`;
    const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
    await setupOrganization(admin, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });

    // The manager subscribes the receiver from the footer's administration links.
    await admin.getByRole('link', { name: en('webhooks-title'), exact: true }).click();
    await admin.waitForURL((u) => new URL(u).pathname === '/admin/webhooks');
    await admin.getByLabel(en('webhooks-url'), { exact: true }).fill(hookUrl);
    await admin.getByRole('checkbox', { name: 'member.activated' }).check();
    await admin.getByRole('button', { name: en('webhooks-add') }).click();
    const secretBox = admin.getByRole('status').filter({ hasText: 'whsec_' });
    const secret = /whsec_\S+/.exec(await secretBox.innerText())[0];
    await shot(admin, '01-subscribed');
    await admin.getByRole('link', { name: hookUrl }).click();
    await admin.waitForURL((u) => /^\/admin\/webhooks\/[^/]+$/.test(new URL(u).pathname));
    const hookPath = new URL(admin.url()).pathname;
    await admin.getByRole('button', { name: en('webhooks-ping') }).click();
    await admin.getByRole('status').filter({ hasText: en('webhooks-queued') }).waitFor();

    // A member joins (member.activated) and downloads her data.
    await admin.goto(url('/admin/members'));
    await admin.getByRole('textbox', { name: en('field-email'), exact: true }).fill('lea@aurore.test');
    await admin.getByRole('textbox', { name: en('field-display-name'), exact: true }).fill('Léa Martin');
    await admin.getByRole('button', { name: en('admin-invite-submit') }).click();
    const link = await inviteLink(server.outbox, 'lea@aurore.test');
    await member.goto(link);
    await member.locator('input[name="password"]').fill('lea-secret-password');
    await member.locator('input[name="confirm"]').fill('lea-secret-password');
    await member.locator('form button[type="submit"]').click();
    await member.waitForURL((u) => new URL(u).pathname !== new URL(link).pathname);
    await member.goto(url('/settings'));
    const [download] = await Promise.all([
      member.waitForEvent('download'),
      member.getByRole('link', { name: fr('gdpr-export-button') }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'embarq-my-data.zip');
    const zip = fs.readFileSync(await download.path());
    assert.equal(zip.readUInt32LE(0), 0x04034b50, 'a zip archive');
    const data = unzipEntry(zip, 'data.json').toString('utf8');
    assert.match(data, /lea@aurore\.test/);
    assert.match(data, /Léa Martin/);
    await shot(member, '02-my-data');

    // The manager erases her, keeping her content anonymized.
    await admin.goto(url('/people'));
    await admin.getByRole('link', { name: 'Léa Martin' }).click();
    await admin.getByRole('link', { name: en('gdpr-erase'), exact: true }).click();
    await admin.getByRole('radio', { name: en('gdpr-mode-anonymize') }).check();
    await admin.getByRole('checkbox', { name: en('gdpr-erase-confirm') }).check();
    await shot(admin, '03-erase');
    await admin.getByRole('button', { name: en('gdpr-erase'), exact: true }).click();
    await admin.waitForURL((u) => new URL(u).pathname === '/admin/members');

    // ...and finds it in the audit log by free-text search, from the keyboard.
    await admin.goto(url('/admin/audit'));
    const search = admin.getByRole('form', { name: en('audit-filter') }).getByRole('searchbox', { name: en('audit-search') });
    await search.focus();
    await admin.keyboard.type('anonymize');
    await admin.keyboard.press('Enter');
    await admin.waitForURL((u) => new URL(u).searchParams.get('q') === 'anonymize');
    const rows = admin.getByRole('row').filter({ hasText: 'gdpr.erase' });
    await rows.first().waitFor();
    assert.equal(await admin.getByRole('row').filter({ hasText: 'webhook.create' }).count(), 0, 'the search filters');
    await shot(admin, '04-audit');

    // The sender, woken by each commit that queued them, delivers the ping and the activation at once, signed.
    const deadline = Date.now() + 75_000;
    while (received.length < 2 && Date.now() < deadline) await sleep(500);
    assert.deepEqual(received.map((r) => r.headers['x-embarq-event']).sort(), ['member.activated', 'ping']);
    for (const r of received) {
      const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(`${r.headers['x-embarq-timestamp']}.${r.body}`).digest('hex');
      assert.equal(r.headers['x-embarq-signature'], expected);
    }

    // The log shows them delivered; the ping's page lists its attempt.
    await admin.goto(url(hookPath));
    const log = admin.getByRole('table');
    await log.getByRole('row').filter({ hasText: 'HTTP 200' }).nth(1).waitFor();
    await log.getByRole('link', { name: 'ping' }).click();
    await admin.waitForURL((u) => /\/deliveries\/[^/]+$/.test(new URL(u).pathname));
    await admin.getByRole('heading', { name: en('webhooks-attempts') }).waitFor();
    const attempts = admin.getByRole('table', { name: en('webhooks-attempts') }).getByRole('row');
    assert.equal(await attempts.count(), 2, 'a header and one attempt');
    assert.match(await attempts.nth(1).innerText(), /HTTP 200/);
    await shot(admin, '05-attempts');

    // Paused from the keyboard: the page says so and offers "Resume".
    await admin.getByRole('link', { name: en('webhooks-back') }).click();
    await admin.getByRole('button', { name: en('webhooks-pause'), exact: true }).focus();
    await admin.keyboard.press('Enter');
    await admin.getByRole('status').filter({ hasText: en('webhooks-paused-notice') }).waitFor();
    await admin.getByRole('button', { name: en('webhooks-resume'), exact: true }).waitFor();
    assert.match(await admin.locator('#main').innerText(), new RegExp(en('webhooks-state-paused')));
    await shot(admin, '06-paused');

    // Paused in the list too, and the action is in the audit log.
    await admin.goto(url('/admin/webhooks'));
    assert.match(await admin.getByRole('row').filter({ hasText: hookUrl }).innerText(), new RegExp(en('webhooks-state-paused')));
    await admin.goto(url('/admin/audit?q=webhook'));
    await admin.getByRole('row').filter({ hasText: 'webhook.paused' }).first().waitFor();
  });
});
