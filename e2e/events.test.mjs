// Events through the web UI (playwright-core, Debian's chromium): the manager plans an
// organization-wide event with one seat from the agenda, answers "going"; a member on a phone
// finds it full, answers "maybe", downloads its .ics; the manager makes a calendar feed address
// that answers without a session. Needs the server binary (`cargo build`); screenshots in
// e2e/artifacts/events-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, inviteLink, LAUNCH, setupOrganization } from './support.mjs';

const fr = ftl('fr');
const en = ftl('en');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `events-${name}.png`), fullPage: true }).catch(() => {});

/** `YYYY-MM-DDTHH:MM` a few days from now (local time of the test machine; the zone is Europe/Paris). */
function later(days, hour) {
  const d = new Date(Date.now() + days * 86400000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

describe('events through the web UI', () => {
  let server, browser, manager, phone;

  before(async () => {
    server = await startServer('events');
    browser = await chromium.launch(LAUNCH);
    manager = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
    phone = await (await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, acceptDownloads: true })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('plans an event, answers, finds it full, downloads the ICS and subscribes', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(manager, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });

    // A member to answer later.
    await manager.goto(url('/admin/members'));
    const invite = manager.locator('form[action="/admin/invite"]');
    await invite.locator('input[name="email"]').fill('lea@aurore.test');
    await invite.locator('button').click();
    const link = await inviteLink(server.outbox, 'lea@aurore.test');

    // The manager opens the agenda from the navigation; an end before the start is explained.
    await manager.goto(url('/'));
    await manager.getByRole('link', { name: fr('nav-agenda'), exact: true }).click();
    await manager.waitForURL((u) => new URL(u).pathname === '/agenda');
    const form = () => manager.locator('form.event-form');
    await form().locator('input[name="title"]').fill('Petit-déjeuner des équipes');
    await form().locator('input[name="starts_at"]').fill(later(4, 9));
    await form().locator('input[name="ends_at"]').fill(later(4, 8));
    await form().locator('input[name="place"]').fill('Cafétéria');
    await form().locator('input[name="capacity"]').fill('1');
    await form().locator('input[name="video_room"]').check();
    await form().locator('button[type="submit"]').click();
    await manager.locator('.errors', { hasText: fr('err-training-end-before-start') }).waitFor();
    await form().locator('input[name="ends_at"]').fill(later(4, 10));
    await form().locator('button[type="submit"]').click();
    await manager.waitForURL((u) => /^\/agenda\/[0-9a-f-]{36}$/.test(new URL(u).pathname));
    const eventPath = new URL(manager.url()).pathname;
    await manager.getByRole('link', { name: fr('agenda-join-video') }).waitFor();

    // "Going" takes the only seat.
    await manager.getByRole('button', { name: fr('agenda-going'), exact: true }).click();
    await manager.locator('button[value="going"][aria-pressed="true"]').waitFor();
    await manager.locator('.full-label', { hasText: fr('agenda-full') }).waitFor();
    await shot(manager, 'event-manager');

    // The member, on a phone: full, so "maybe".
    await phone.goto(link);
    await phone.locator('input[name="password"]').fill('lea-secret-password');
    await phone.locator('input[name="confirm"]').fill('lea-secret-password');
    await phone.locator('form button[type="submit"]').click();
    await phone.waitForURL((u) => new URL(u).pathname !== new URL(link).pathname);
    await phone.goto(url('/agenda'));
    await phone.getByRole('link', { name: 'Petit-déjeuner des équipes' }).click();
    await phone.waitForURL((u) => new URL(u).pathname === eventPath);
    assert.ok(await phone.locator('button[value="going"]').isDisabled(), 'a full event refuses "going"');
    await phone.locator('.notice', { hasText: en('agenda-full-help').slice(0, 20) }).waitFor();
    await phone.getByRole('button', { name: en('agenda-maybe'), exact: true }).click();
    await phone.locator('button[value="maybe"][aria-pressed="true"]').waitFor();
    await shot(phone, 'event-phone');

    // The .ics download.
    const [download] = await Promise.all([phone.waitForEvent('download'), phone.getByRole('link', { name: en('agenda-ics') }).click()]);
    const ics = fs.readFileSync(await download.path(), 'utf8');
    assert.match(ics, /BEGIN:VCALENDAR/);
    assert.match(ics, /SUMMARY:Petit-déjeuner des équipes/);
    assert.match(ics, /DTSTART:\d{8}T\d{6}Z/);

    // The manager's calendar feed: shown once, readable without a session.
    await manager.goto(url('/agenda'));
    await manager.getByRole('button', { name: fr('agenda-feed-create') }).click();
    const feedUrl = await manager.locator('#calendar-feed-url').inputValue();
    assert.match(feedUrl, /\/calendar\/[A-Za-z0-9_-]{40,}\.ics$/);
    const res = await fetch(feedUrl);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /SUMMARY:Petit-déjeuner des équipes/);
    await shot(manager, 'agenda-feed');

    // The organizer edits the event (form behind "Modifier cet événement"), then cancels it
    // after confirming: it stays visible, tagged, and the feed carries STATUS:CANCELLED.
    await manager.goto(url(eventPath));
    await manager.locator('#event-edit summary').click();
    const edit = manager.locator(`form[action="${eventPath}/edit"]`);
    await edit.locator('input[name="place"]').fill('Salle 3');
    await edit.locator('button[type="submit"]').click();
    await manager.locator('.training-event', { hasText: 'Salle 3' }).waitFor();
    await manager.locator('#event-cancel summary').click();
    await manager.getByRole('button', { name: fr('event-cancel-submit') }).click();
    await manager.locator('.tag.cancelled', { hasText: fr('event-cancelled') }).waitFor();
    await manager.locator('#cancelled-notice').waitFor();
    await shot(manager, 'event-cancelled');
    const cancelled = await (await fetch(feedUrl)).text();
    assert.match(cancelled, /STATUS:CANCELLED/);
    assert.match(cancelled, /SEQUENCE:2/);
  });
});
