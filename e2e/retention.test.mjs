// Adoption measured as it happens (issue 15), in Debian's chromium at phone width, on the
// `--demo` company and its seeded history (activations 35 to 45 days ago, then visits,
// posts, comments and reactions day by day): the headline, cohort retention and "what moves
// people" views show the figures the API gives, and the figures hold together (the cohorts
// hold every activated member, champions and others add up, so do the trained and the others,
// week 8 has not come yet); the
// demo contest's leaderboard history is drawn with the API's figures.
// Screenshots in e2e/artifacts/retention-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, LAUNCH, axeViolations, signedIn, startServer } from './support.mjs';

fs.mkdirSync(ARTIFACTS, { recursive: true });

const number = (text) => Number(text.replace(/[^\d.]/g, ''));

describe('adoption figures on the demo company', () => {
  let server, browser, page, api;

  before(async () => {
    server = await startServer('retention', ['--demo']);
    browser = await chromium.launch(LAUNCH);
    ({ page } = await signedIn(browser, server.base, 'admin@aurore.example', 'embarq-demo-2026', {
      viewport: { width: 390, height: 844 },
    }));
    const res = await page.request.get(`${server.base}/api/v1/analytics`);
    assert.equal(res.status(), 200);
    api = await res.json();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('shows the headline: active this week out of invited, and stickiness', async () => {
    await page.goto(`${server.base}/admin/analytics`);
    const rate = await page.locator('#active-rate').innerText();
    assert.equal(number(rate), api.overall.active_rate);
    assert.ok(api.overall.active_rate > 0, 'the demo company has people active this week');
    assert.equal(number(await page.locator('#weekly-active').innerText()), api.presence.weekly_active);
    assert.equal(number(await page.locator('#monthly-active').innerText()), api.presence.monthly_active);
    assert.equal(number(await page.locator('#stickiness').innerText()), api.presence.stickiness);
    assert.ok(api.presence.stickiness > 0 && api.presence.stickiness <= 100);
    assert.ok(api.presence.weekly_active <= api.presence.monthly_active);
    await page.locator('#presence').screenshot({ path: path.join(ARTIFACTS, 'retention-01-headline.png') });
  });

  it('shows cohort retention that holds every activated member', async () => {
    const rows = page.locator('#retention-overall tbody tr');
    const cohorts = api.retention.overall;
    assert.ok(cohorts.length >= 1);
    assert.equal(await rows.count(), cohorts.length);
    let total = 0;
    for (const [i, c] of cohorts.entries()) {
      const cells = rows.nth(i).locator('th, td');
      assert.equal(await cells.nth(0).innerText(), c.week_of);
      assert.equal(number(await cells.nth(1).innerText()), c.size);
      for (const [k, share] of c.retention.entries()) {
        const text = (await cells.nth(2 + k).innerText()).trim();
        if (share === null) assert.equal(text, '—');
        else assert.equal(number(text), share);
      }
      // Activated 35 to 45 days ago: weeks 1, 2 and 4 are reached, week 8 is not.
      assert.notEqual(c.retention[0], null);
      assert.equal(c.retention[3], null);
      // Champions and the others make up the cohort.
      const part = (list) => list.find((x) => x.week_of === c.week_of)?.size ?? 0;
      assert.equal(part(api.retention.champions) + part(api.retention.others), c.size);
      assert.equal(part(api.retention.trained) + part(api.retention.untrained), c.size);
      total += c.size;
    }
    // The funnel counts the same activated people by another query.
    assert.equal(total, api.overall.activated);
    const average = page.locator('#retention-average .adoption-bar').first();
    assert.match(await average.getAttribute('aria-label'), /\d+(\.\d)? %/);
    await page.locator('#retention-h').scrollIntoViewIfNeeded();
    await page.locator('#retention-h').locator('..').screenshot({ path: path.join(ARTIFACTS, 'retention-02-cohorts.png') });
  });

  it('compares teams with and without a champion', async () => {
    const rows = page.locator('#levers-teams tbody tr');
    assert.equal(await rows.count(), 2);
    for (const [i, t] of api.levers.teams.entries()) {
      const cells = rows.nth(i).locator('td');
      assert.equal(number(await cells.nth(0).innerText()), t.people);
      assert.equal(number(await cells.nth(1).innerText()), t.activation_rate);
      assert.equal(number(await cells.nth(2).innerText()), t.active_rate);
    }
    const people = api.levers.teams.reduce((n, t) => n + t.people, 0);
    assert.ok(people > 0 && people < api.overall.invited, 'everyone with a manager is in one team');
    // Nothing is wider than the phone.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `page is ${wide} px wide`);
    await page.locator('#levers-h').scrollIntoViewIfNeeded();
    await page.locator('#levers-h').locator('..').screenshot({ path: path.join(ARTIFACTS, 'retention-03-levers.png') });
  });

  it("draws the demo contest's leaderboard history with the API's figures", async () => {
    const contests = await (await page.request.get(`${server.base}/api/v1/contests`)).json();
    const contest = contests.find((c) => c.name === 'Défi des sites');
    assert.ok(contest, 'the demo company runs a contest');
    const history = await (await page.request.get(`${server.base}/api/v1/contests/${contest.id}/history`)).json();
    const board = await (await page.request.get(`${server.base}/api/v1/contests/${contest.id}`)).json();
    assert.ok(history.days.length >= 21, `three weeks of days: ${history.days.length}`);
    assert.ok(history.teams.length >= 2, 'several sites');
    // The last day is today's leaderboard; every line only goes up (contributions add up).
    for (const t of history.teams) {
      const now = board.scores.find((s) => s.team === t.team);
      assert.equal(t.scores[t.scores.length - 1], now.score, t.team);
      assert.ok(t.scores.every((s, i) => i === 0 || s >= t.scores[i - 1]), `${t.team} never goes down`);
    }
    await page.goto(`${server.base}/contests/${contest.id}`);
    assert.equal(await page.locator('#history polyline').count(), history.teams.length);
    const legend = await page.locator('#history .chart-legend li').allInnerTexts();
    history.teams.forEach((t, i) => assert.ok(legend[i].includes(t.team), `${legend[i]} is ${t.team}`));
    await page.locator('#history summary').click();
    const rows = page.locator('#history-table tbody tr');
    assert.equal(await rows.count(), history.days.length);
    const last = rows.nth(history.days.length - 1).locator('td');
    for (const [i, t] of history.teams.entries()) {
      assert.equal(number(await last.nth(i).innerText()), t.scores[t.scores.length - 1]);
    }
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `page is ${wide} px wide`);
    const serious = (await axeViolations(page)).filter((v) => ['serious', 'critical'].includes(v.impact));
    assert.deepEqual(serious, [], 'the contest page passes axe');
    await page.locator('#history-h').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'retention-04-contest.png'), fullPage: true });
  });
});
