// Adoption features through the web UI (playwright-core, Debian's chromium): the manager sets
// up the organization and imports a directory of 12 members (3 departments, 2 sites, several
// birth years and levels, with manager links); proposes and confirms the champions (coverage
// bars, reasons, the secret "Champions" sphere); schedules a champions' training; reads the
// adoption funnel and exports it as CSV; launches a department contest; submits and votes for
// a suggestion.
//
// Needs the server binary (`cargo build`); EMBARQ_BIN overrides its path. Screenshots land in
// e2e/artifacts/adoption-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ftl, startServer, LAUNCH, setupOrganization } from './support.mjs';

const fr = ftl('fr');


/** `YYYY-MM-DDTHH:MM` in the machine's zone (the browser's, which pages read times in), for datetime-local inputs. */
function localInput(msFromNow) {
  const d = new Date(Date.now() + msFromNow);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const DAY = 86_400_000;

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `adoption-${name}.png`), fullPage: true }).catch(() => {});

const ADMIN = { org: 'Boréal', name: 'Agathe Admin', email: 'admin@boreal.test', password: 'correct-horse-battery' };
// 12 members: 3 departments, 2 sites, birth years from 1962 to 1999, levels 1 to 4.
const PEOPLE = [
  ['claire.roux', 'Claire', 'Roux', 'Ventes', 'Paris', 1970, 4, ADMIN.email],
  ['hugo.petit', 'Hugo', 'Petit', 'Ventes', 'Paris', 1988, 2, 'claire.roux@boreal.test'],
  ['ines.moreau', 'Inès', 'Moreau', 'Ventes', 'Lyon', 1995, 1, 'claire.roux@boreal.test'],
  ['jules.blanc', 'Jules', 'Blanc', 'Ventes', 'Lyon', 1981, 3, 'claire.roux@boreal.test'],
  ['karim.faure', 'Karim', 'Faure', 'Informatique', 'Lyon', 1975, 4, ADMIN.email],
  ['lina.garnier', 'Lina', 'Garnier', 'Informatique', 'Lyon', 1992, 2, 'karim.faure@boreal.test'],
  ['marc.chevalier', 'Marc', 'Chevalier', 'Informatique', 'Paris', 1966, 3, 'karim.faure@boreal.test'],
  ['nora.lambert', 'Nora', 'Lambert', 'Informatique', 'Paris', 1999, 1, 'karim.faure@boreal.test'],
  ['olivier.bonnet', 'Olivier', 'Bonnet', 'Finance', 'Paris', 1962, 4, ADMIN.email],
  ['paula.dupuis', 'Paula', 'Dupuis', 'Finance', 'Paris', 1985, 2, 'olivier.bonnet@boreal.test'],
  ['quentin.robin', 'Quentin', 'Robin', 'Finance', 'Lyon', 1978, 3, 'olivier.bonnet@boreal.test'],
  ['rose.fournier', 'Rose', 'Fournier', 'Finance', 'Lyon', 1997, 1, 'olivier.bonnet@boreal.test'],
];
const CSV =
  ['email;first_name;last_name;department;site;birth_year;level;manager_email;title']
    .concat(PEOPLE.map(([e, f, l, d, s, y, lv, m]) => `${e}@boreal.test;${f};${l};${d};${s};${y};${lv};${m};Poste ${lv}`))
    .join('\n') + '\n';

describe('adoption features through the web UI', () => {
  let server, browser, page;
  const url = (p) => `${server.base}${p}`;
  const atPath = (re) => (u) => re.test(new URL(u).pathname);

  before(async () => {
    server = await startServer('adoption');
    browser = await chromium.launch(LAUNCH);
    page = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } })).newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  it('1. sets up the organization and imports 12 members', async () => {
    await setupOrganization(page, server.base, ADMIN);

    const csvFile = path.join(server.dir, 'annuaire.csv');
    fs.writeFileSync(csvFile, CSV);
    await page.goto(url('/admin/members'));
    const form = page.locator('form#import-form');
    await form.locator('input[type="file"][name="file"]').setInputFiles(csvFile);
    await form.locator('button[name="mode"][value="apply"]').click();
    await page.waitForURL(atPath(/^\/admin\/import$/));
    assert.equal((await page.locator('h1').innerText()).trim(), fr('import-done-title'));
    assert.equal((await page.locator('#n-create').innerText()).trim(), String(PEOPLE.length));
    await shot(page, '01-import');
  });

  it('2. proposes and confirms the champions; the secret Champions sphere exists', async () => {
    await page.goto(url('/admin/champions'));
    const coverage = page.locator('#coverage');
    await coverage.waitFor();
    assert.ok((await coverage.locator('meter').count()) >= 2, 'coverage meters are shown');
    assert.ok((await coverage.locator('progress').count()) >= 1, 'the achieved share has a bar');
    const picks = page.locator('#confirm-form fieldset').first().locator('li');
    const n = await picks.count();
    assert.ok(n >= 1, 'at least one champion is proposed');
    const reasons = await page.locator('#confirm-form .reasons').allInnerTexts();
    assert.ok(reasons.some((r) => r.trim().length > 0), 'the proposal explains its picks');
    await shot(page, '02-champions-proposal');

    await page.locator('#confirm-form button').last().click();
    await page.locator('#champions-list').waitFor();
    assert.equal(await page.locator('#champions-list > li').count(), n);
    await shot(page, '03-champions-confirmed');

    await page.goto(url('/spheres'));
    const sphere = page.locator('li.sphere-card', { has: page.getByRole('link', { name: fr('champions-sphere-name'), exact: true }) }).first();
    await sphere.waitFor();
    assert.match(await sphere.innerText(), new RegExp(fr('secret')), 'the Champions sphere is secret');
    await shot(page, '04-spheres');
  });

  it('3. schedules a champions training with a seats bar', async () => {
    await page.goto(url('/training'));
    const form = page.locator('form[action="/training"]');
    await form.locator('input[name="title"]').fill('Atelier des champions');
    await form.locator('textarea[name="description"]').fill('Prise en main **du réseau**.');
    await form.locator('select[name="audience"]').selectOption('champions');
    await form.locator('input[name="place"]').fill('Salle Jura');
    await form.locator('input[name="capacity"]').fill('10');
    const start = localInput(7 * DAY);
    await form.locator('input[name="starts_at"]').fill(start);
    await form.locator('input[name="ends_at"]').fill(localInput(7 * DAY + 3_600_000));
    await form.locator('button[type="submit"]').click();
    await page.waitForURL(atPath(/^\/training\/[^/]+$/));

    await page.goto(url('/training'));
    const row = page.locator('.training-list li.training-row', { hasText: 'Atelier des champions' });
    await row.waitFor();
    await row.locator('.seats[role="progressbar"]').waitFor();
    assert.match(await row.innerText(), /\/10/);
    await shot(page, '05-training');
  });

  it('4. shows the adoption funnel and exports it as CSV', async () => {
    await page.goto(url('/admin/analytics'));
    const funnel = page.locator('#funnel');
    await funnel.waitFor();
    const bars = funnel.locator('.adoption-bar');
    assert.equal(await bars.count(), 5, 'five funnel stages');
    const invitedLabel = await bars.first().getAttribute('aria-label');
    const invited = Number(/:\s*(\d+)/.exec(invitedLabel)[1]);
    // The directory: the 12 imported members plus the manager.
    assert.equal(invited, PEOPLE.length + 1, `invited ${invited} matches the directory`);
    const byDept = page.locator('table[id^="table-"]', { hasText: 'Informatique' }).first();
    for (const d of ['Ventes', 'Informatique', 'Finance']) {
      assert.match(await byDept.locator('tbody tr', { hasText: d }).locator('td').first().innerText(), /^\s*4\s*$/, `4 invited in ${d}`);
    }
    await page.locator('.adoption-chart svg').waitFor();
    await shot(page, '06-analytics');

    const href = await page.locator('a[href^="/admin/analytics.csv?by=overall"]').getAttribute('href');
    const res = await page.request.get(url(href));
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /^text\/csv/);
    const body = await res.text();
    assert.ok(body.includes(String(invited)), 'the CSV carries the invited count');
  });

  it('5. launches a department contest and shows the leaderboard', async () => {
    await page.goto(url('/contests'));
    const form = page.locator('form[action="/contests"]');
    await form.locator('input[name="name"]').fill('Défi des départements');
    await form.locator('select[name="dimension"]').selectOption('department');
    await form.locator('select[name="metric"]').selectOption('activation_rate');
    await form.locator('input[name="starts_at"]').fill(localInput(60_000));
    await form.locator('input[name="ends_at"]').fill(localInput(14 * DAY));
    await form.locator('button').click();
    await page.waitForURL(atPath(/^\/contests\/[^/]+$/), { timeout: 10_000 }).catch(async (e) => {
      throw new Error(`contest not created: ${await page.locator('.errors').innerText().catch(() => '?')}`, { cause: e });
    });
    await page.locator('#leaderboard').waitFor();
    const teams = await page.locator('#leaderboard tbody th').allInnerTexts();
    for (const d of ['Ventes', 'Informatique', 'Finance']) assert.ok(teams.some((t) => t.includes(d)), `${d} on the leaderboard`);
    await shot(page, '07-contest');
  });

  it('6. submits a suggestion and votes for it', async () => {
    await page.goto(url('/suggestions'));
    const form = page.locator('form[action="/suggestions"]');
    await form.locator('input[name="title"]').fill('Un canal pour les nouveaux arrivants');
    await form.locator('textarea[name="body"]').fill('Pour poser des questions sans gêne.');
    await form.locator('button').click();
    await page.goto(url('/suggestions'));
    const item = page.locator('.g-suggestions li', { hasText: 'Un canal pour les nouveaux arrivants' });
    await item.waitFor();
    const vote = item.locator('button.g-vote');
    const before = await vote.getAttribute('aria-pressed');
    const count = Number(/(\d+)/.exec(await vote.innerText())[1]);
    await vote.click();
    await page.waitForURL(atPath(/^\/suggestions\/[^/]+$/));
    const button = page.locator('button.g-vote');
    await button.waitFor();
    assert.notEqual(await button.getAttribute('aria-pressed'), before, 'the vote toggled');
    const after = Number(/(\d+)\s*$/.exec((await button.innerText()).trim())[1]);
    assert.equal(after, before === 'true' ? count - 1 : count + 1);
    await shot(page, '08-suggestion-voted');
  });
});
