// Single sign-on against a real OpenID provider (npm `oidc-provider`, started in this process
// on a free port, with its development login and consent pages) driven by Chromium:
// the manager configures SSO in /admin/sso; a new person signs in and is created just in time
// with department/site/level from the provider's claims; an invited member with the same
// verified e-mail is linked and activated; local passwords are turned off (only after the
// manager signed in with SSO) and password sign-in is refused; a forged state is refused.
//
// Needs the server binary (`cargo build`); EMBARQ_BIN overrides its path. Screenshots land in
// e2e/artifacts/oidc-*.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { chromium } from 'playwright-core';
import Provider from 'oidc-provider';
import { ARTIFACTS, ftl, startServer, inviteLink, LAUNCH, setupOrganization } from './support.mjs';

const en = ftl('en');
const ORG = 'Boréal';
const PASSWORD = 'correct-horse-battery';
const CLIENT_SECRET = 'e2e-client-secret-0123456789';

// The provider's people, by the login typed on its development sign-in form.
const PEOPLE = {
  boss: { email: 'boss@boreal.test', email_verified: true, name: 'Berthe Boss' },
  newbie: { email: 'newbie@boreal.test', email_verified: true, name: 'Noé Nouveau', department: 'Logistics', site: 'Lyon', level: 'L2' },
  invitee: { email: 'invitee@boreal.test', email_verified: true, name: 'Inès Invitée', department: 'Finance', site: 'Paris', level: 'L3' },
};

fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `oidc-${name}.png`), fullPage: true }).catch(() => {});

/** The provider on a free port, its client registered for embarq's callback. */
async function startProvider(embarqBase) {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'embarq',
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${embarqBase}/sso/callback`],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'org'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], org: ['department', 'site', 'level'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['e2e-cookie-key-0123456789abcdef'] },
    async findAccount(_ctx, id) {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...person }; } };
    },
  });
  server.on('request', provider.callback());
  return { server, issuer };
}

describe('single sign-on with a real OpenID provider', () => {
  let server, idp, browser;
  const contexts = [];

  before(async () => {
    process.env.EMBARQ_OIDC_ALLOW_HTTP = 'true'; // the test provider is plain http on loopback
    server = await startServer('oidc');
    idp = await startProvider(server.base);
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    idp?.server.close();
    server?.proc.kill('SIGTERM');
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  /** A fresh browser (its own cookies) that only talks to this machine. */
  async function newPage() {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    await ctx.route((u) => !['127.0.0.1', 'localhost'].includes(new URL(u).hostname), (r) => r.abort());
    return ctx.newPage();
  }

  const url = (p) => `${server.base}${p}`;
  const ssoButton = () => en('login-sso-button').replace('{ $org }', ORG);

  /** From embarq's sign-in page through the provider's login and consent, back signed in. */
  async function ssoSignIn(page, login) {
    await page.goto(url('/login'));
    await page.getByRole('link', { name: ssoButton() }).click();
    await page.locator('input[name="login"]').waitFor({ timeout: 10_000 }).catch(async (e) => {
      await shot(page, `failed-${login}`);
      throw new Error(`no provider login form at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: e });
    });
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    const consent = page.locator('button', { hasText: 'Continue' });
    const back = (u) => u.href.startsWith(`${server.base}/`) && !u.pathname.startsWith('/sso/');
    await Promise.race([consent.waitFor({ timeout: 15_000 }), page.waitForURL(back, { timeout: 15_000 })]);
    if (!page.url().startsWith(server.base)) await consent.click();
    await page.waitForURL(back, { timeout: 15_000 }).catch(async (e) => {
      await shot(page, `failed-${login}`);
      throw new Error(`not back from the provider: ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: e });
    });
  }

  it('configures SSO, creates and links members, turns passwords off, refuses forged states', async () => {
    const manager = await newPage();
    await setupOrganization(manager, server.base, { org: ORG, name: 'Berthe Boss', email: PEOPLE.boss.email, password: PASSWORD });

    // An invited member (same e-mail as at the provider) and a member who sets a password.
    await manager.goto(url('/admin/members'));
    for (const [email, name] of [[PEOPLE.invitee.email, 'Inès'], ['pat@boreal.test', 'Pat']]) {
      const invite = manager.locator('form[action="/admin/invite"]');
      await invite.locator('input[name="email"]').fill(email);
      await invite.locator('input[name="display_name"]').fill(name);
      await invite.locator('button').click();
      // The mail is written before the answer reaches the browser: wait for the answered page
      // (it names the invitee), or the next form is filled on the page being replaced.
      await manager.getByText(email).first().waitFor();
      await inviteLink(server.outbox, email);
    }
    const pat = await newPage();
    await pat.goto(await inviteLink(server.outbox, 'pat@boreal.test'));
    await pat.locator('input[name="password"]').fill(PASSWORD);
    await pat.locator('input[name="confirm"]').fill(PASSWORD);
    await pat.locator('form[action^="/invite/"] button').click();
    await pat.waitForURL((u) => new URL(u).pathname === '/');

    // The manager opens the settings from the administration footer, tests, then saves.
    await manager.goto(url('/'));
    await manager.getByRole('link', { name: en('sso-title'), exact: true }).click();
    await manager.waitForURL((u) => new URL(u).pathname === '/admin/sso');
    assert.equal(await manager.locator('#sso-redirect-uri').innerText(), `${server.base}/sso/callback`);
    await manager.locator('#sso-enabled').check();
    await manager.locator('#sso-issuer').fill(idp.issuer);
    await manager.locator('#sso-client-id').fill('embarq');
    await manager.locator('#sso-client-secret').fill(CLIENT_SECRET);
    await manager.locator('#sso-scopes').fill('openid email profile org');
    await manager.locator('#sso-claim-department').fill('department');
    await manager.locator('#sso-claim-site').fill('site');
    await manager.locator('#sso-claim-level').fill('level');
    await manager.locator('#sso-jit').check();
    await manager.locator('#sso-link').check();
    await manager.locator('#sso-test').click();
    await manager.locator('.notice', { hasText: `${idp.issuer}/auth` }).waitFor();
    // The typed secret is not shown back after the test: typed again before saving.
    await manager.locator('#sso-secret-retype').waitFor();
    assert.equal(await manager.locator('#sso-client-secret').inputValue(), '');
    await manager.locator('#sso-client-secret').fill(CLIENT_SECRET);
    await manager.locator('#sso-save').click();
    await manager.waitForURL((u) => new URL(u).search === '?saved=1');
    await manager.locator('.notice', { hasText: en('sso-saved') }).waitFor();
    assert.equal(await manager.locator('#sso-client-secret').inputValue(), '', 'the secret is write-only');
    await shot(manager, '01-settings');

    // A new person: created just in time, profile filled from the provider's claims.
    const newbie = await newPage();
    await ssoSignIn(newbie, 'newbie');
    await newbie.locator('a.top-me', { hasText: PEOPLE.newbie.name }).click();
    const profile = newbie.locator('main');
    for (const v of ['Logistics', 'Lyon', 'L2']) await profile.getByText(v, { exact: true }).waitFor();
    await shot(newbie, '02-jit-profile');
    const newbieProfile = new URL(newbie.url()).pathname;

    // The invited member: linked by verified e-mail and activated (sessions exist for active
    // accounts only, so being signed in shows it), claims copied.
    const invitee = await newPage();
    await ssoSignIn(invitee, 'invitee');
    await invitee.locator('a.top-me').click();
    for (const v of ['Finance', 'Paris', 'L3']) await invitee.locator('main').getByText(v, { exact: true }).waitFor();

    // Passwords off: refused until the manager has signed in with the provider once.
    await manager.goto(url('/admin/sso'));
    await manager.locator('#sso-passwords-off').check();
    await manager.locator('#sso-save').click();
    await manager.locator('.errors').waitFor();
    assert.match(await manager.locator('.errors').innerText(), /at least once/);
    await shot(manager, '03-passwords-off-refused');
    const boss = await newPage();
    await ssoSignIn(boss, 'boss');
    await boss.goto(url('/admin/sso'));
    await boss.locator('#sso-passwords-off').check();
    await boss.locator('#sso-save').click();
    await boss.waitForURL((u) => new URL(u).search === '?saved=1');

    // Pat's password no longer opens a session; the page points to the SSO button.
    const patAgain = await newPage();
    await patAgain.goto(url('/login'));
    await patAgain.locator('input[name="email"]').fill('pat@boreal.test');
    await patAgain.locator('input[name="password"]').fill(PASSWORD);
    await patAgain.locator('form[action="/login"] button[type="submit"]').click();
    await patAgain.locator('.errors', { hasText: 'single sign-on' }).waitFor();
    assert.equal(new URL(patAgain.url()).pathname, '/login');
    await patAgain.getByRole('link', { name: ssoButton() }).waitFor();
    await shot(patAgain, '04-password-refused');

    // Claims changed at the provider reach the profile at the next sign-in.
    PEOPLE.invitee.department = 'Audit';
    const inviteeAgain = await newPage();
    await ssoSignIn(inviteeAgain, 'invitee');
    await inviteeAgain.locator('a.top-me').click();
    await inviteeAgain.locator('main').getByText('Audit', { exact: true }).waitFor();

    // A deactivated member is refused by SSO too.
    await boss.goto(url(newbieProfile));
    await boss.locator(`form[action$="/deactivate"] button`).click();
    await boss.waitForLoadState();
    const gone = await newPage();
    await gone.goto(url('/login'));
    await gone.getByRole('link', { name: ssoButton() }).click();
    await gone.locator('input[name="login"]').fill('newbie');
    await gone.locator('input[name="password"]').fill('anything');
    await gone.locator('button[type="submit"]').click();
    const consent = gone.locator('button', { hasText: 'Continue' });
    await Promise.race([consent.waitFor({ timeout: 15_000 }), gone.locator('#sso-error').waitFor({ timeout: 15_000 })]);
    if (await consent.isVisible()) await consent.click();
    assert.equal(await gone.locator('#sso-error').innerText(), en('error-sso-account-deactivated'));
    await shot(gone, '05-deactivated');

    // A forged state in the callback URL: a clear refusal, not signed in.
    const forger = await newPage();
    const res = await forger.goto(url('/sso/callback?code=stolen&state=forged'));
    assert.equal(res.status(), 403);
    assert.equal(await forger.locator('#sso-error').innerText(), en('error-sso-state-invalid'));
    await shot(forger, '06-forged-state');
  });
});
