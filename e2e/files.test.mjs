// File box and widgets through the web UI (playwright-core, Debian's chromium): an upload with
// its progress bar, a disguised file refused with the reason, an image thumbnail, and the side
// panel's widgets ordered with keyboard-reachable buttons. Needs the server binary
// (`cargo build`); screenshots in e2e/artifacts/files-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, LAUNCH, setupOrganization } from './support.mjs';

const en = ftl('en');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `files-${name}.png`), fullPage: true }).catch(() => {});

// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('file box and widgets through the web UI', () => {
  let server, browser, page;

  before(async () => {
    server = await startServer('files');
    browser = await chromium.launch(LAUNCH);
    page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('uploads with a progress bar, refuses a disguised file, orders widgets', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(page, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });
    await page.goto(url('/spheres'));
    const form = page.locator('form[action="/spheres"]');
    await form.locator('input[name="name"]').fill('Team');
    await form.locator('input[type="radio"][name="kind"][value="open"]').check();
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((u) => /^\/spheres\/[^/]+$/.test(new URL(u).pathname));
    const spherePath = new URL(page.url()).pathname;

    // The Files tab, empty at first.
    await page.locator('nav.sphere-tabs a', { hasText: en('files-title') }).click();
    await page.waitForURL((u) => new URL(u).pathname === `${spherePath}/files`);
    await page.locator('p.empty', { hasText: en('files-empty') }).waitFor();

    // Upload 3 MB: the progress bar is fed by htmx's upload progress events.
    await page.evaluate(() => {
      window.__progress = 0;
      window.__bar = 0;
      // Bubbles from the form, whose own handler has already moved the bar.
      document.body.addEventListener('htmx:xhr:progress', (e) => {
        if (e.detail.total) window.__progress = Math.max(window.__progress, e.detail.loaded / e.detail.total);
        const bar = document.getElementById('upload-progress');
        if (bar && !bar.hidden) window.__bar = Math.max(window.__bar, bar.value);
      });
    });
    await page.locator('#file-input').setInputFiles({ name: 'rapport annuel.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 * 1024 * 1024, 65)]) });
    await page.locator('#upload-form button[type="submit"]').click();
    await page.locator('table.files a', { hasText: 'rapport annuel.pdf' }).waitFor();
    assert.ok((await page.evaluate(() => window.__progress)) > 0.9, 'upload progress events');
    assert.ok((await page.evaluate(() => window.__bar)) > 90, 'the progress bar followed the upload');
    assert.match(await page.locator('table.files').innerText(), /3\.0 MiB/);

    // An image gets a thumbnail.
    await page.locator('#file-input').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('#upload-form button[type="submit"]').click();
    await page.locator('table.files img.thumb').waitFor();
    assert.ok(await page.locator('table.files img.thumb').evaluate((img) => img.complete && img.naturalWidth > 0));
    await shot(page, '01-list');

    // A web page named .png is refused with the reason.
    await page.locator('#file-input').setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><script>alert(1)</script>') });
    await page.locator('#upload-form button[type="submit"]').click();
    await page.getByText(/does not match its name/).waitFor();
    await shot(page, '02-disguised');

    // Widgets: a note and links, then the links moved up with the keyboard.
    await page.goto(url(`${spherePath}/widgets`));
    const addNote = page.locator('form', { has: page.locator('input[name="kind"][value="note"]') });
    await addNote.locator('input[name="title"]').fill('Welcome');
    await addNote.locator('textarea[name="body"]').fill('**Read** the charter');
    await addNote.locator('button').click();
    // The form posts back to this same page: wait for the new widget, not for the URL.
    await page.locator('ol.widgets-order li', { hasText: 'Welcome' }).waitFor();
    const addLinks = page.locator('form', { has: page.locator('input[name="kind"][value="links"]') });
    await addLinks.locator('input[name="title"]').fill('Useful links');
    await addLinks.locator('textarea[name="links"]').fill('Intranet | https://intranet.example.com');
    await addLinks.locator('button').click();
    await page.locator('ol.widgets-order li').nth(1).waitFor();
    const up = page.locator('ol.widgets-order li').nth(1).locator('button', { hasText: en('widgets-up') });
    await up.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('ol.widgets-order li strong')?.textContent === 'Useful links');

    await page.goto(url(spherePath));
    const titles = await page.locator('aside.sphere-widgets h2').allInnerTexts();
    assert.deepEqual(titles, ['Useful links', 'Welcome']);
    assert.equal(await page.locator('aside.sphere-widgets .note strong').innerText(), 'Read');
    await shot(page, '03-panel');
  });
});
