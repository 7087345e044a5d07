// Polls and tasks through the web UI (playwright-core, Debian's chromium): a publication with a
// poll from the composer, a vote that redraws the chart in place (htmx), and a task assigned to
// oneself whose status changes inline on "My tasks". Needs the server binary (`cargo build`);
// screenshots in e2e/artifacts/polls-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, LAUNCH, setupOrganization } from './support.mjs';

const en = ftl('en');

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `polls-${name}.png`), fullPage: true }).catch(() => {});

describe('polls and tasks through the web UI', () => {
  let server, browser, page;

  before(async () => {
    server = await startServer('polls');
    browser = await chromium.launch(LAUNCH);
    page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('publishes a poll, votes and sees the chart; changes a task status inline', async () => {
    const url = (p) => `${server.base}${p}`;
    await setupOrganization(page, server.base, { org: 'Aurore', name: 'Agathe Admin', email: 'admin@aurore.test', password: 'correct-horse-battery' });

    await page.goto(url('/spheres'));
    const form = page.locator('form[action="/spheres"]');
    await form.locator('input[name="name"]').fill('Team');
    await form.locator('input[type="radio"][name="kind"][value="open"]').check();
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((u) => /^\/spheres\/[^/]+$/.test(new URL(u).pathname));
    const spherePath = new URL(page.url()).pathname;

    // The composer's poll.
    const composer = page.locator('form.composer');
    await composer.locator('textarea[name="body"]').fill('Friday lunch');
    await composer.locator('summary', { hasText: en('poll-add') }).click();
    await composer.locator('input[name="poll_question"]').fill('Where shall we eat?');
    await composer.locator('textarea[name="poll_options"]').fill('Pizza\nSushi\nSalad');
    await composer.locator('button[type="submit"]').click();
    await page.waitForURL((u) => /^\/posts\/[^/]+$/.test(new URL(u).pathname));
    const poll = page.locator('section.poll');
    await poll.waitFor();
    assert.match(await poll.locator('h2').innerText(), /Where shall we eat\?/);
    await shot(page, '01-poll');

    // Vote with the keyboard-reachable radio; the poll is redrawn in place with the chart.
    await poll.getByRole('radio', { name: 'Sushi' }).check();
    await poll.locator('button', { hasText: en('poll-vote') }).click();
    await page.locator('section.poll p.notice').waitFor();
    const sushi = page.locator('section.poll .poll-row', { hasText: 'Sushi' });
    assert.match(await sushi.locator('.poll-figures').innerText(), /1 · 100 %/);
    assert.match(await sushi.locator('.poll-bar').getAttribute('aria-label'), /Sushi: 1 \(100 %\)/);
    const width = await sushi.locator('.poll-bar > span').evaluate((el) => el.getBoundingClientRect().width);
    const full = await sushi.locator('.poll-bar').evaluate((el) => el.getBoundingClientRect().width);
    assert.ok(width > 0.95 * full, `bar drawn at 100 % (${width}/${full})`);
    assert.match(await page.locator('section.poll .poll-row', { hasText: 'Pizza' }).locator('.poll-figures').innerText(), /0 · 0 %/);
    await shot(page, '02-voted');

    // Change of mind: the named poll accepts a new vote.
    await page.locator('section.poll').getByRole('radio', { name: 'Pizza' }).check();
    await page.locator('section.poll button', { hasText: en('poll-change-vote') }).click();
    await page.locator('section.poll .poll-row', { hasText: 'Pizza' }).locator('.poll-figures', { hasText: '1 · 100 %' }).waitFor();

    // Tasks: a list, a task assigned to oneself, its status changed inline on "My tasks".
    await page.goto(url(`${spherePath}/tasks`));
    await page.locator('input[name="name"]').first().fill('Launch');
    await page.locator('button', { hasText: en('tasks-create-list') }).click();
    await page.locator('section.task-list').waitFor();
    await page.locator('summary', { hasText: en('tasks-add-task') }).click();
    const add = page.locator('section.task-list form[action$="/tasks"]');
    await add.locator('input[name="title"]').fill('Book the room');
    // The assignee is searched by name and chosen from the keyboard.
    await add.locator('[data-picker="assignee"] input[type="text"]').click();
    await page.keyboard.type('Agathe', { delay: 20 });
    await page.locator('ul.suggest li[role="option"]', { hasText: 'Agathe Admin' }).waitFor();
    await page.keyboard.press('Enter');
    await add.locator('input[name="assignee"]:checked').waitFor({ state: 'attached' });
    await add.locator('button', { hasText: en('tasks-create-task') }).click();
    await page.locator('li.task', { hasText: 'Book the room' }).waitFor();
    await page.goto(url('/tasks'));
    const row = page.locator('li.task', { hasText: 'Book the room' });
    await row.waitFor();
    await row.locator('select[name="status"]').selectOption('in_progress');
    await page.waitForFunction(() => document.querySelector('li.task select[name="status"]')?.value === 'in_progress'
      && document.querySelector('li.task option[value="in_progress"]')?.hasAttribute('selected'));
    await shot(page, '03-tasks');
  });
});
