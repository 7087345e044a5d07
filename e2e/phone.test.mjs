// On a phone (issue 14), in Debian's chromium at 390×844: a member of the launched demo
// company signs in, reads the feed and reacts, posts from home in one tap, opens Messages
// and the menu from the bottom bar; the app is installable (a valid manifest, an active
// service worker) and says so when the network is gone. Screenshots in
// e2e/artifacts/phone-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, LAUNCH, signedIn, startServer } from './support.mjs';

const fr = ftl('fr');
const PASSWORD = 'embarq-demo-2026';

fs.mkdirSync(ARTIFACTS, { recursive: true });

describe('embarq on a phone', () => {
  let server, browser, context, page;
  const url = (p) => `${server.base}${p}`;
  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `phone-${name}.png`) }).catch(() => {});

  before(async () => {
    server = await startServer('phone', ['--demo']);
    browser = await chromium.launch(LAUNCH);
    ({ context, page } = await signedIn(browser, server.base, 'claire.masson@aurore.example', PASSWORD, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('is signed in, reads and reacts, posts in one tap, finds messages and the menu', async () => {
    // A compact top bar, the bottom bar in view, no sideways scrolling.
    const top = await page.locator('header.top').boundingBox();
    assert.ok(top.height <= 64, `top bar ${top.height}px high`);
    const bottom = page.locator('nav.bottom');
    const bar = await bottom.boundingBox();
    assert.ok(bar.y + bar.height <= 844 && bar.y >= 844 - 90, `bottom bar at ${bar.y}`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
    for (const a of await bottom.locator('a').all()) {
      const b = await a.boundingBox();
      assert.ok(b.height >= 44 && b.width >= 44, 'targets of 44 px at least');
    }
    assert.equal(await page.locator('#site-menu').isVisible(), false, 'the menu waits for the Menu button');
    await shot('home');

    // React to the first publication in place.
    const card = page.locator('#feed article.post').first();
    const choice = card.locator('form.reactions button.reaction:not(.mine)').first();
    const emoji = await choice.getAttribute('value');
    await choice.tap();
    await card.locator(`form.reactions button.reaction.mine[value="${emoji}"]`).waitFor();
    assert.equal(new URL(page.url()).pathname, '/', 'no page load');

    // One tap to write: the composer takes the cursor.
    await page.locator('a.compose-jump').tap();
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'composer-body');
    await page.keyboard.type('Écrit depuis mon téléphone, entre deux livraisons.');
    await page.locator('form.composer button[type="submit"]').tap();
    await page.waitForURL((u) => /^\/posts\//.test(new URL(u).pathname));
    await page.getByText('Écrit depuis mon téléphone').first().waitFor();

    // Messages from the bottom bar.
    await bottom.getByRole('link', { name: fr('nav-messages') }).tap();
    await page.waitForURL((u) => new URL(u).pathname === '/messages');
    await bottom.locator('a[href="/messages"][aria-current="page"]').waitFor();
    await shot('messages');

    // A refused form says why on the field itself.
    await page.goto(url('/suggestions'));
    const idea = page.locator('form[action="/suggestions"]');
    await idea.locator('input[name="title"]').evaluate((el) => el.removeAttribute('required'));
    await idea.locator('button').tap();
    const title = page.locator('form[action="/suggestions"] input[name="title"][aria-invalid="true"]');
    await title.waitFor();
    const described = await title.getAttribute('aria-describedby');
    assert.match(await page.locator(`#${described}`).innerText(), /\S/);

    // The menu opens over the page and closes again.
    await bottom.getByRole('link', { name: fr('nav-menu') }).tap();
    const menu = page.locator('#site-menu');
    await menu.waitFor({ state: 'visible' });
    await menu.getByRole('link', { name: fr('nav-agenda') }).waitFor();
    await shot('menu');
    await menu.getByRole('link', { name: fr('nav-close-menu') }).tap();
    await menu.waitFor({ state: 'hidden' });
  });

  it('is installable and says so when offline', async () => {
    const manifest = await (await fetch(url('/manifest.webmanifest'), { headers: { 'accept-language': 'fr' } })).json();
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.lang, 'fr');
    assert.match(manifest.name, /embarq/);
    const big = manifest.icons.find((i) => i.sizes === '512x512');
    assert.ok(big && manifest.icons.some((i) => i.sizes === '192x192'), 'icons of 192 and 512 px');
    const icon = await fetch(url(big.src));
    assert.equal(icon.headers.get('content-type'), 'image/png');
    const en = await (await fetch(url('/manifest.webmanifest'), { headers: { 'accept-language': 'en' } })).json();
    assert.equal(en.lang, 'en');
    assert.notEqual(en.name, manifest.name);

    // Chromium finds the manifest from the page and activates the service worker.
    await page.goto(url('/'));
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    assert.equal(href, '/manifest.webmanifest');
    const cdp = await context.newCDPSession(page);
    const { errors } = await cdp.send('Page.getAppManifest');
    assert.deepEqual(errors, [], 'the manifest parses without errors');
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.active && reg.active.state;
    });
    assert.equal(state, 'activated');
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    // No network: a page says so (and a signed-in page is not shown from a cache).
    await context.setOffline(true);
    await page.goto(url('/messages')).catch(() => {});
    await page.getByRole('heading', { name: fr('offline-title') }).waitFor();
    assert.equal(await page.locator('nav.bottom').count(), 0);
    await shot('offline');
    await context.setOffline(false);
    await page.goto(url('/messages'));
    await page.locator('nav.bottom').waitFor();
  });
});
