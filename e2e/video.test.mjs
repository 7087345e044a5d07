// Video meetings through the web UI (playwright-core, Debian's chromium with fake camera and
// microphone): a manager and a member join the same sphere's built-in room — one on a
// desktop, one on a phone, joining from the keyboard — and each sees the other's stream
// playing; muting toggles, leaving removes the tile on the other side. Needs the server
// binary (`cargo build`); screenshots in e2e/artifacts/video-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, inviteLink, LAUNCH, setupOrganization } from './support.mjs';

const fr = ftl('fr');
const en = ftl('en');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `video-${name}.png`), fullPage: true }).catch(() => {});

/** Waits until the page shows a remote participant's video that is really playing. */
async function remotePlaying(page) {
  await page.waitForFunction(
    () => {
      const v = document.querySelector('#video-grid .video-tile[data-peer] video');
      if (!v || v.paused || v.videoWidth === 0 || v.readyState < 2) return false;
      const seen = Number(v.dataset.e2eTime || -1);
      v.dataset.e2eTime = String(v.currentTime);
      return seen >= 0 && v.currentTime > seen;
    },
    null,
    { timeout: 45_000, polling: 300 },
  );
  return page.evaluate(() => {
    const v = document.querySelector('#video-grid .video-tile[data-peer] video');
    return { width: v.videoWidth, height: v.videoHeight, paused: v.paused, name: v.closest('figure').querySelector('figcaption').textContent };
  });
}

describe('built-in video room between two browsers', () => {
  let server, browser, desk, phone;

  before(async () => {
    server = await startServer('video');
    browser = await chromium.launch({
      ...LAUNCH,
      args: [...LAUNCH.args, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    const perms = { permissions: ['camera', 'microphone'] };
    desk = await (await browser.newContext({ ...perms, locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
    phone = await (await browser.newContext({ ...perms, locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('two members see and hear each other', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(desk, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });

    // A member joins the organization from her invitation, on her phone.
    await desk.goto(url('/admin/members'));
    const invite = desk.locator('form[action="/admin/invite"]');
    await invite.locator('input[name="email"]').fill('lea@aurore.test');
    await invite.locator('input[name="display_name"]').fill('Léa Martin');
    await invite.locator('button').click();
    const link = await inviteLink(server.outbox, 'lea@aurore.test');
    await phone.goto(link);
    await phone.locator('input[name="password"]').fill('lea-secret-password');
    await phone.locator('input[name="confirm"]').fill('lea-secret-password');
    await phone.locator('form button[type="submit"]').click();
    await phone.waitForURL((u) => !new URL(u).pathname.startsWith('/invite'));

    // The manager creates an open sphere and opens its video tab.
    await desk.goto(url('/spheres'));
    const form = desk.locator('form[action="/spheres"]');
    await form.locator('input[name="name"]').fill('Comité visio');
    await form.locator('input[type="radio"][name="kind"][value="open"]').check();
    await form.locator('button[type="submit"]').click();
    await desk.waitForURL((u) => /^\/spheres\/[^/]+$/.test(new URL(u).pathname));
    const sphereId = new URL(desk.url()).pathname.split('/').pop();
    await desk.getByRole('link', { name: fr('video-tab'), exact: true }).click();
    await desk.waitForURL((u) => new URL(u).pathname === `/video/sphere/${sphereId}`);
    await desk.getByRole('heading', { name: 'Comité visio' }).waitFor();
    await desk.getByRole('button', { name: fr('video-join') }).click();
    await desk.locator('#video-status', { hasText: fr('video-status-alone') }).waitFor();
    const self = await desk.evaluate(() => {
      const v = document.getElementById('video-self');
      return { muted: v.muted, live: !!v.srcObject && v.srcObject.getTracks().length };
    });
    assert.ok(self.muted, 'one\'s own preview is muted');
    assert.equal(self.live, 2, 'camera and microphone are in the preview');

    // The member joins the same room from the keyboard.
    await phone.goto(url(`/video/sphere/${sphereId}`));
    await phone.getByRole('button', { name: en('video-join') }).focus();
    await phone.keyboard.press('Enter');
    await phone.locator('#video-status', { hasText: en('video-status-connected') }).waitFor();

    // Each sees the other's stream playing.
    const onPhone = await remotePlaying(phone);
    const onDesk = await remotePlaying(desk);
    assert.ok(onPhone.width > 0 && !onPhone.paused, `remote video on the phone: ${JSON.stringify(onPhone)}`);
    assert.ok(onDesk.width > 0 && !onDesk.paused, `remote video on the desk: ${JSON.stringify(onDesk)}`);
    assert.equal(onPhone.name, 'Agathe Admin');
    assert.equal(onDesk.name, 'Léa Martin');
    const remoteAudio = await desk.evaluate(() => document.querySelector('.video-tile[data-peer] video').srcObject.getAudioTracks().length);
    assert.equal(remoteAudio, 1, 'the remote sound arrives too');
    await shot(desk, 'desk');
    await shot(phone, 'phone');

    // The phone stays readable: nothing wider than the screen.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling on a phone (${overflow}px)`);

    // Mute and camera toggles say what they do.
    const mic = phone.locator('#video-mic');
    await mic.click();
    assert.equal(await mic.getAttribute('aria-pressed'), 'true');
    assert.equal((await mic.innerText()).trim(), en('video-mic-on'));
    assert.equal(await phone.evaluate(() => window.embarqVideoRoom.stream.getAudioTracks()[0].enabled), false);
    await mic.click();
    assert.equal(await mic.getAttribute('aria-pressed'), 'false');
    const cam = desk.locator('#video-cam');
    await cam.click();
    assert.equal((await cam.innerText()).trim(), fr('video-cam-on'));

    // Leaving removes the tile on the other side.
    await phone.getByRole('button', { name: en('video-leave') }).click();
    await phone.locator('#video-status', { hasText: en('video-status-left') }).waitFor();
    await desk.locator('#video-grid .video-tile[data-peer]').waitFor({ state: 'detached', timeout: 15_000 });
    await desk.locator('#video-status', { hasText: fr('video-status-alone') }).waitFor();
  });
});
