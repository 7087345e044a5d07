// Moderation and notification preferences through the web UI (playwright-core, Debian's
// chromium): a member reports a publication from her phone, the sphere's administrator hides it
// from the moderation queue, the member no longer sees it and is told the outcome; then the
// administrator chooses e-mail for mentions and a weekly digest. Needs the server binary
// (`cargo build`); screenshots in e2e/artifacts/moderation-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, inviteLink, LAUNCH, setupOrganization } from './support.mjs';

const en = ftl('en');
const fr = ftl('fr');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `moderation-${name}.png`), fullPage: true }).catch(() => {});

describe('moderation through the web UI', () => {
  let server, browser, admin, phone;

  before(async () => {
    server = await startServer('moderation');
    browser = await chromium.launch(LAUNCH);
    admin = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } })).newPage();
    phone = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('reports, hides from the queue, tells the reporter, and saves preferences', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(admin, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });
    await admin.goto(url('/admin/members'));
    const invite = admin.locator('form[action="/admin/invite"]');
    await invite.locator('input[name="email"]').fill('lea@aurore.test');
    await invite.locator('button').click();
    const link = await inviteLink(server.outbox, 'lea@aurore.test');

    // The administrator's sphere and a doubtful publication.
    await admin.goto(url('/spheres'));
    const form = admin.locator('form[action="/spheres"]');
    await form.locator('input[name="name"]').fill('Team');
    await form.locator('input[type="radio"][name="kind"][value="open"]').check();
    await form.locator('button[type="submit"]').click();
    await admin.waitForURL((u) => /^\/spheres\/[^/]+$/.test(new URL(u).pathname));
    const spherePath = new URL(admin.url()).pathname;
    await admin.locator('form.composer textarea[name="body"]').fill('Buy cheap watches now!');
    await admin.locator('form.composer button[type="submit"]').click();
    await admin.waitForURL((u) => /^\/posts\/[^/]+$/.test(new URL(u).pathname));
    const postPath = new URL(admin.url()).pathname;

    // Léa joins on her phone and reports it.
    await phone.goto(link);
    await phone.locator('input[name="password"]').fill('lea-secret-password');
    await phone.locator('input[name="confirm"]').fill('lea-secret-password');
    await phone.locator('form button[type="submit"]').click();
    await phone.waitForURL((u) => new URL(u).pathname !== new URL(link).pathname);
    await phone.goto(url(spherePath));
    await phone.getByRole('button', { name: fr('sphere-join') }).click();
    await phone.goto(url(postPath));
    await phone.getByRole('link', { name: fr('report-link'), exact: true }).first().click();
    await phone.getByRole('radio', { name: fr('report-reason-spam') }).check();
    await phone.locator('textarea[name="details"]').fill('Publicité');
    await shot(phone, '01-report');
    await phone.getByRole('button', { name: fr('report-submit') }).click();
    await phone.locator('.notice', { hasText: fr('report-sent') }).waitFor();

    // The administrator opens the queue from the sphere page and hides it.
    await admin.goto(url(spherePath));
    await admin.locator('#main').getByRole('link', { name: en('moderation-link'), exact: true }).click();
    await admin.waitForURL((u) => new URL(u).pathname === `${spherePath}/moderation`);
    const item = admin.locator('.moderation-queue > li').first();
    await item.getByText('Buy cheap watches now!').waitFor();
    assert.match(await item.innerText(), /1 report/);
    await shot(admin, '02-queue');
    await item.getByRole('button', { name: en('moderation-action-hide'), exact: true }).click();
    await admin.locator('.empty', { hasText: en('moderation-empty') }).waitFor();
    await admin.getByRole('button', { name: en('moderation-action-unhide') }).waitFor();
    await shot(admin, '03-hidden');

    // Léa no longer sees it and is told.
    const r = await phone.goto(url(postPath));
    assert.equal(r.status(), 404);
    await phone.goto(url('/notifications'));
    await phone.getByText(fr('notif-moderation-hidden')).waitFor();

    // The audit log shows the action.
    await admin.goto(url('/admin/audit'));
    await admin.locator('table.audit code', { hasText: 'moderation.hide' }).waitFor();

    // Preferences: e-mail for mentions, a weekly digest on Friday at 17:00.
    await admin.goto(url('/settings'));
    await admin.getByRole('link', { name: en('settings-notifications-link') }).click();
    await admin.getByRole('radio', { name: `${en('prefs-category-mentions')}: ${en('prefs-channel-email')}` }).check();
    await admin.locator('select[name="frequency"]').selectOption('weekly');
    await admin.locator('select[name="weekday"]').selectOption('4');
    await admin.locator('select[name="hour"]').selectOption('17');
    await admin.getByRole('button', { name: en('save'), exact: true }).click();
    await admin.locator('.notice', { hasText: en('prefs-saved') }).waitFor();
    assert.equal(await admin.locator('select[name="frequency"]').inputValue(), 'weekly');
    await shot(admin, '04-preferences');
  });
});
