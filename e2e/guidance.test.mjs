// Starter kit, checklist, help button and suggestions through the web UI (playwright-core,
// Debian's chromium): the manager fills the kit; a new member is welcomed once on a phone, sees
// their checklist tick, reaches the help sphere from the keyboard, submits a suggestion that the
// manager answers. Needs the server binary (`cargo build`); screenshots in e2e/artifacts/guidance-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, inviteLink, LAUNCH, setupOrganization } from './support.mjs';

const fr = ftl('fr');
const en = ftl('en');




fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `guidance-${name}.png`), fullPage: true }).catch(() => {});

describe('starter kit, checklist, help and suggestions through the web UI', () => {
  let server, browser, manager, phone;

  before(async () => {
    server = await startServer('guidance');
    browser = await chromium.launch(LAUNCH);
    manager = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
    phone = await (await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('welcomes a new member once, ticks their checklist and leads to help', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(manager, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });
    await manager.goto(url('/'));

    // The manager fills the starter kit from the footer link; a bad link is refused first.
    await manager.getByRole('link', { name: fr('starter-admin-title'), exact: true }).click();
    await manager.waitForURL((u) => new URL(u).pathname === '/admin/starter-kit');
    const add = manager.locator('form[action="/admin/starter-kit"]');
    await add.locator('input[name="title"]').fill('Premiers pas');
    await add.locator('input[name="url"]').evaluate((el) => { el.type = 'text'; el.value = 'javascript:alert(1)'; });
    await add.locator('button').click();
    await manager.locator('.errors').waitFor();
    const again = manager.locator('form[action="/admin/starter-kit"]');
    await again.locator('input[name="url"]').fill('https://docs.aurore.test/premiers-pas');
    await again.locator('button').click();
    await manager.locator('.g-admin-list li', { hasText: 'Premiers pas' }).waitFor();
    await shot(manager, 'admin-kit');

    // A new member: invitation, password, then the welcome page (once) with the kit.
    await manager.goto(url('/admin/members'));
    const invite = manager.locator('form[action="/admin/invite"]');
    await invite.locator('input[name="email"]').fill('lea@aurore.test');
    await invite.locator('button').click();
    const link = await inviteLink(server.outbox, 'lea@aurore.test');
    await phone.goto(link);
    await phone.locator('input[name="password"]').fill('lea-secret-password');
    await phone.locator('input[name="confirm"]').fill('lea-secret-password');
    await phone.locator('form button[type="submit"]').click();
    await phone.waitForURL((u) => new URL(u).pathname === '/welcome');
    await phone.getByRole('heading', { name: en('starter-welcome-title') }).waitFor();
    await phone.getByRole('link', { name: 'Premiers pas' }).waitFor();
    await shot(phone, 'welcome-phone');
    await phone.goto(url('/'));
    assert.equal(new URL(phone.url()).pathname, '/', 'the welcome page is shown once');

    // The checklist starts empty; setting a job title ticks a step.
    await phone.goto(url('/checklist'));
    assert.equal(await phone.locator('.g-checklist .g-bar').first().getAttribute('aria-valuenow'), '0');
    await phone.goto(url('/settings'));
    await phone.locator('input[name="title"]').fill('Comptable');
    // Wait for the profile to be saved before leaving the page (leaving could abort the post).
    await Promise.all([
      phone.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/settings/profile'),
      phone.locator('form[action="/settings/profile"] button').first().click(),
    ]);
    await phone.goto(url('/checklist'));
    assert.notEqual(await phone.locator('.g-checklist .g-bar').first().getAttribute('aria-valuenow'), '0');
    await shot(phone, 'checklist-phone');

    // The help button is reachable from the keyboard and leads to the help sphere.
    const help = phone.locator('#need-help');
    assert.equal(await help.innerText(), en('help-button'));
    await help.focus();
    await phone.keyboard.press('Enter');
    await phone.waitForURL((u) => new URL(u).pathname.startsWith('/spheres/'));
    await phone.getByRole('heading', { name: 'Aide / Help' }).waitFor();

    // A suggestion, voted, then answered by the manager: the author is notified.
    await phone.goto(url('/suggestions'));
    const form = phone.locator('form[action="/suggestions"]');
    await form.locator('input[name="title"]').fill('Un mode sombre');
    await form.locator('button').click();
    await phone.waitForURL((u) => /\/suggestions\/[0-9a-f-]+$/.test(new URL(u).pathname));
    await phone.locator('button.g-vote').click();
    await phone.locator('button.g-vote.mine').waitFor();
    const suggestion = new URL(phone.url()).pathname;
    await manager.goto(url(suggestion));
    await manager.locator('select[name="status"]').selectOption('planned');
    await manager.getByRole('button', { name: fr('suggestions-set-status') }).click();
    await manager.locator('.tag', { hasText: fr('suggestions-status-planned') }).first().waitFor();
    await phone.goto(url('/notifications'));
    await phone.getByText(en('notif-suggestion-status')).waitFor();

    // The managers' aggregate shows bars per role.
    await manager.goto(url('/admin/checklists'));
    assert.ok((await manager.locator('.g-stat-list .g-bar').count()) >= 10);
    await shot(manager, 'admin-checklists');
  });
});
