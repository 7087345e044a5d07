// Accessibility (issue 14): axe-core (from npm, run inside Debian's chromium) scans every main
// page of the launched demo company, as the organization manager and as a member, at phone
// (390×844) and desktop (1366×900) width, and at phone width in dark mode. Any critical or serious violation fails the test;
// every violation, whatever its impact, is listed in e2e/artifacts/a11y.json and counted on
// the console, page by page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, LAUNCH, axeViolations, signedIn, startServer } from './support.mjs';

const PASSWORD = 'embarq-demo-2026';
const MANAGER = 'admin@aurore.example';
const MEMBER = 'claire.masson@aurore.example';
const WIDTHS = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'desktop', viewport: { width: 1366, height: 900 } },
  // Dark mode follows the system: the same pages, at phone width, with the dark palette.
  { name: 'dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' },
];
/** Pages everyone has; `{sphere}`, `{post}` and `{me}` are found on the way. */
const PAGES = [
  '/',
  '/spheres',
  '/spheres/{sphere}',
  '/spheres/{sphere}/tasks',
  '/posts/{post}',
  '/people',
  '/people/{me}',
  '/messages',
  '/notifications',
  '/tasks',
  '/agenda',
  '/training',
  '/contests',
  '/champions',
  '/search?q=formation',
  '/settings',
  '/settings/notifications',
  '/help',
  '/starter-kit',
  '/checklist',
  '/use-cases',
  '/suggestions',
];
const MANAGER_PAGES = [
  '/admin/members',
  '/admin/analytics',
  '/admin/rollout',
  '/admin/champions',
  '/champions/worklist',
  '/admin/training',
  '/admin/moderation',
  '/admin/audit',
  '/admin/starter-kit',
  '/admin/checklists',
  '/admin/help',
  '/admin/webhooks',
  '/admin/sso',
  '/admin/scim',
  '/admin/video',
];
const GATE = new Set(['critical', 'serious']);

fs.mkdirSync(ARTIFACTS, { recursive: true });

describe('accessibility of the main pages (axe-core, WCAG 2.2 AA)', () => {
  let server, browser;
  const found = [];

  before(async () => {
    server = await startServer('a11y', ['--demo']);
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'a11y.json'), JSON.stringify(found, null, 2));
  });

  /** Signs `email` in at `viewport` and scans `paths`; returns the gating violations. */
  async function scan(role, email, paths, width) {
    // axe is evaluated through the DevTools protocol: the page's CSP stays as served.
    const { context, page } = await signedIn(browser, server.base, email, PASSWORD, { viewport: width.viewport, colorScheme: width.colorScheme || 'light' });
    const ids = {};
    await page.goto(`${server.base}/spheres`);
    ids.sphere = (await page.locator('main a[href^="/spheres/"]').first().getAttribute('href')).split('/')[2];
    await page.goto(`${server.base}/`);
    ids.post = (await page.locator('main a[href^="/posts/"]').first().getAttribute('href')).split('/')[2].split('#')[0];
    ids.me = (await page.locator('a[href^="/people/"]').first().getAttribute('href')).split('/')[2];
    const gating = [];
    for (const template of paths) {
      const p = template.replace(/\{(\w+)\}/g, (_, k) => ids[k]);
      const res = await page.goto(`${server.base}${p}`);
      assert.equal(res.status(), 200, `${p} as ${role}`);
      assert.equal(new URL(page.url()).pathname, p.split('?')[0], `${p} as ${role} stays there`);
      const violations = await axeViolations(page);
      found.push({ role, width: width.name, path: template, violations });
      const counts = {};
      for (const v of violations) counts[v.impact] = (counts[v.impact] || 0) + v.nodes;
      console.log(`${role.padEnd(7)} ${width.name.padEnd(7)} ${template.padEnd(24)} ${JSON.stringify(counts)}`);
      for (const v of violations.filter((v) => GATE.has(v.impact))) gating.push(`${p} (${role}, ${width.name}): ${v.id} — ${v.help}\n    ${v.targets.join('\n    ')}`);
    }
    await context.close();
    return gating;
  }

  for (const width of WIDTHS) {
    it(`has no critical or serious violation at ${width.name} width`, async () => {
      const gating = [
        ...(await scan('member', MEMBER, PAGES, width)),
        ...(await scan('manager', MANAGER, [...PAGES, ...MANAGER_PAGES], width)),
      ];
      assert.deepEqual(gating, [], `violations:\n${gating.join('\n')}`);
    });
  }
});
