// Rollout plan through the web UI (playwright-core, Debian's chromium): the manager opens the
// rollout page from the administration, plans the launch (with the early-access warning),
// adds a later wave, sees the timeline and the readiness check; an invited member who opens
// the e-mailed link before launch gets "your access opens on <date>" (403) on a phone; the
// manager then launches now, and the same link lets the member in.
//
// Needs the server binary (`cargo build`); EMBARQ_BIN overrides its path. Screenshots land in
// e2e/artifacts/rollout-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, axeViolations, ftl, startServer, inviteLink, LAUNCH, setupOrganization } from './support.mjs';

const fr = ftl('fr');
const en = ftl('en');



function isoDate(daysFromNow) {
  const d = new Date(Date.now() + daysFromNow * 86_400_000);
  return d.toISOString().slice(0, 10);
}

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `rollout-${name}.png`), fullPage: true }).catch(() => {});

describe('rollout plan through the web UI', () => {
  let server, browser, manager, phone;

  before(async () => {
    server = await startServer('rollout');
    browser = await chromium.launch(LAUNCH);
    manager = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
    phone = await (await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('plans the launch, adds a wave, and gates an early member', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(manager, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });

    // From the administration to the rollout page: empty state first.
    await manager.goto(url('/admin/members'));
    await manager.getByRole('link', { name: fr('rollout-nav'), exact: true }).click();
    await manager.waitForURL((u) => new URL(u).pathname === '/admin/rollout');
    await manager.getByText(fr('rollout-no-plan').slice(0, 30)).waitFor();

    // A plan with 12 days of early access: saved, with the 7-10 days warning.
    const plan = manager.locator('form[action="/admin/rollout/plan"]');
    await plan.locator('input[name="launch_date"]').fill(isoDate(20));
    await plan.locator('input[name="early_access_days"]').fill('12');
    await plan.locator('input[name="announcement_title"]').fill('Bienvenue sur Aurore');
    await plan.locator('textarea[name="announcement_body"]').fill('Le réseau **ouvre** aujourd’hui.');
    await plan.locator('button').click();
    await manager.locator('.rollout-warning').waitFor();
    assert.match(await manager.locator('.rollout-warning').innerText(), /7 à 10 jours/);
    assert.equal(await manager.locator('.rollout-step').count(), 4);
    assert.match(await manager.locator('.rollout-step.current').innerText(), new RegExp(fr('rollout-phase-preparation')));
    await manager.locator('.rollout-today').waitFor();

    // A later wave for the Lyon site; a date before launch is refused first.
    const wave = manager.locator('form[action="/admin/rollout/waves"]');
    await wave.locator('select[name="dimension"]').selectOption('site');
    await wave.locator('input[name="value"]').fill('Lyon');
    await wave.locator('input[name="opens_on"]').fill(isoDate(10));
    await wave.locator('button').click();
    await manager.locator('.errors').waitFor();
    const wave2 = manager.locator('form[action="/admin/rollout/waves"]');
    await wave2.locator('input[name="opens_on"]').fill(isoDate(30));
    await wave2.locator('button').click();
    await manager.locator('#waves li', { hasText: 'Lyon' }).waitFor();

    // The readiness check lists what is missing, each with a link to fix it.
    const missing = manager.locator('.rollout-ready li.missing');
    assert.ok((await missing.count()) >= 3, 'several readiness items are missing on a new organization');
    assert.ok((await missing.first().locator('a').count()) === 1);
    await shot(manager, 'page');

    // An invited member opening the link before launch: "your access opens on ..." (403).
    await manager.goto(url('/admin/members'));
    const invite = manager.locator('form[action="/admin/invite"]');
    await invite.locator('input[name="email"]').fill('lea@aurore.test');
    await invite.locator('button').click();
    const link = await inviteLink(server.outbox, 'lea@aurore.test');
    await phone.goto(link);
    await phone.locator('input[name="password"]').fill('lea-secret-password');
    await phone.locator('input[name="confirm"]').fill('lea-secret-password');
    const [response] = await Promise.all([
      phone.waitForResponse((r) => r.request().method() === 'POST'),
      phone.locator('form button[type="submit"]').click(),
    ]);
    assert.equal(response.status(), 403);
    await phone.getByRole('heading', { name: en('rollout-gate-title') }).waitFor();
    assert.match(await phone.locator('.rollout-gate-date').innerText(), /Your access opens on/);
    await shot(phone, 'gate-phone');

    // The manager launches now, behind a confirmation: the member's link then works at once.
    await manager.goto(url('/admin/rollout'));
    const launch = manager.locator('#rollout-launch-now');
    await launch.locator('summary').click();
    assert.match(await launch.innerText(), new RegExp(fr('rollout-launch-now-confirm').slice(0, 30)));
    await shot(manager, 'launch-confirm');
    const serious = (await axeViolations(manager)).filter((v) => ['serious', 'critical'].includes(v.impact));
    assert.deepEqual(serious, [], 'the open confirmation passes axe');
    await launch.getByRole('button', { name: fr('rollout-launch-now-submit') }).click();
    await manager.locator('#rollout-launch-now').waitFor({ state: 'detached' });
    assert.match(await manager.locator('.rollout-step.current').innerText(), new RegExp(fr('rollout-phase-launch')));
    assert.equal(await manager.locator('#rollout-launch-now, #rollout-early-now').count(), 0, 'nothing left to start');
    await manager.locator('.notice', { hasText: fr('rollout-announced') }).waitFor();
    await phone.goto(link);
    await phone.locator('input[name="password"]').fill('lea-secret-password');
    await phone.locator('input[name="confirm"]').fill('lea-secret-password');
    await phone.locator('form button[type="submit"]').click();
    await phone.waitForURL((u) => new URL(u).pathname === '/');
    await shot(phone, 'after-launch-phone');
  });
});
