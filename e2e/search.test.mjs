// Search through the web UI (playwright-core, Debian's chromium): the top bar's box shows live,
// highlighted results as one types (French plural and no accents find the accented singular), the
// keyboard reaches them, Enter opens the grouped search page, and FTS operators are plain text.
// Needs the server binary (`cargo build`); screenshots in e2e/artifacts/search-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, LAUNCH, setupOrganization } from './support.mjs';

const fr = ftl('fr');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `search-${name}.png`), fullPage: true }).catch(() => {});

describe('search through the web UI', () => {
  let server, browser, page;

  before(async () => {
    server = await startServer('search');
    browser = await chromium.launch(LAUNCH);
    page = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('finds as you type, from the keyboard, and shows grouped, highlighted results', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(page, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });

    await page.goto(url('/spheres'));
    const form = page.locator('form[action="/spheres"]');
    await form.locator('input[name="name"]').fill('Comité qualité');
    await form.locator('textarea[name="description"]').fill('Suivi des audits');
    await form.locator('input[type="radio"][name="kind"][value="open"]').check();
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((u) => /^\/spheres\/[^/]+$/.test(new URL(u).pathname));
    const composer = page.locator('form.composer');
    await composer.locator('textarea[name="body"]').fill('La réunion <b>mensuelle</b> aura lieu jeudi.');
    await composer.locator('button[type="submit"]').click();
    await page.waitForURL((u) => /^\/posts\/[^/]+$/.test(new URL(u).pathname));
    const postPath = new URL(page.url()).pathname;

    // Type in the top bar's box: live results, plural and without accents.
    await page.goto(url('/'));
    const box = page.locator('header.top input[name="q"]');
    await box.focus();
    await page.keyboard.type('reunions', { delay: 30 });
    const live = page.locator('#search-live');
    const hit = live.locator(`a[href="${postPath}"]`);
    await hit.waitFor();
    assert.equal((await live.locator('mark').first().innerText()).trim(), 'réunion');
    assert.ok(!(await live.innerHTML()).includes('<b>mensuelle'), 'user text is escaped');
    await shot(page, '01-live');

    // The keyboard reaches the results.
    let reached = false;
    for (let i = 0; i < 6 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate((p) => document.activeElement?.getAttribute('href') === p, postPath);
    }
    assert.ok(reached, 'a live result is reachable with Tab');

    // Escape closes the results and returns to the box with the text kept.
    await page.keyboard.press('Escape');
    assert.equal((await live.innerHTML()).trim(), '', 'Escape closes the live results');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'q');
    assert.equal(await box.inputValue(), 'reunions');

    // Enter in the box opens the search page, grouped by kind.
    await box.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => new URL(u).pathname === '/search');
    await page.locator('#search-group-posts').waitFor();
    assert.equal(await page.locator('#search-group-posts').innerText(), fr('search-kind-posts'));
    await shot(page, '02-page');

    // Operators and quotes are plain text: the page answers, with no results or an error message.
    const q = page.locator('#search-q');
    await q.fill('"réunion" AND (x OR y*) NEAR');
    await q.press('Enter');
    await page.waitForURL((u) => new URL(u).searchParams.get('q')?.startsWith('"réunion"'));
    await page.locator('#search-results').waitFor();
    assert.ok((await page.locator('#search-results').innerText()).includes(fr('search-none')));
    await q.fill('   ');
    await q.press('Enter');
    await shot(page, '03-operators');
  });
});
