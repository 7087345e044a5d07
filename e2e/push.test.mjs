// Push notifications in Chromium (issue 14), at phone width. A member turns pushes on in
// Settings; a colleague writes to her; the push arrives at a real push service
// (tests/support/push_service.py, which checks VAPID with py_vapid and decrypts with http_ece);
// its decrypted payload is handed to the page's service worker as Chromium's push service
// would (DevTools' ServiceWorker.deliverPushMessage), the worker shows the notification, and a
// click on it shows the conversation in the open window.
// Chromium's own push service (Google's FCM) is out of reach offline, so the one thing
// replaced is `pushManager.subscribe`: it answers a subscription of the Python service, made
// with its keys exactly as a browser's would be.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, freePort, ftl, LAUNCH, REPO, signedIn as signIn, sleep, startServer } from './support.mjs';

const fr = ftl('fr');
const PASSWORD = 'embarq-demo-2026';

describe('push notifications on a phone', () => {
  let server, browser, pushService, pushBase;

  before(async () => {
    process.env.EMBARQ_WEBHOOK_ALLOW_PRIVATE = 'true';
    server = await startServer('push', ['--demo']);
    delete process.env.EMBARQ_WEBHOOK_ALLOW_PRIVATE;
    const port = await freePort();
    pushService = spawn('python3', [path.join(REPO, 'tests/support/push_service.py'), String(port)], { stdio: 'ignore' });
    pushBase = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${pushBase}/received`)).ok) break;
      } catch {
        /* starting */
      }
      await sleep(100);
    }
    browser = await chromium.launch(LAUNCH);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    pushService?.kill();
    if (server && !process.env.E2E_KEEP_DATA) fs.rmSync(server.dir, { recursive: true, force: true });
  });

  const signedIn = (email, viewport) => signIn(browser, server.base, email, PASSWORD, { viewport });

  it('turns pushes on, receives a message and opens it from the notification', async () => {
    const subscription = await (await fetch(`${pushBase}/new`)).json();
    const { context, page } = await signedIn('claire.masson@aurore.example', { width: 390, height: 844 });
    await context.grantPermissions(['notifications'], { origin: server.base });
    // Chromium's push service stands in for by the Python one (see the header).
    await context.addInitScript((sub) => {
      if (!self.PushManager) return;
      let current = null;
      PushManager.prototype.subscribe = async function (options) {
        if (!options || !options.userVisibleOnly || !options.applicationServerKey) throw new Error('bad subscribe options');
        window.__applicationServerKey = Array.from(new Uint8Array(options.applicationServerKey));
        current = { endpoint: sub.endpoint, toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }), unsubscribe: async () => true };
        return current;
      };
      PushManager.prototype.getSubscription = async function () { return current; };
    }, subscription);

    await page.goto(`${server.base}/settings/notifications#push-prefs`);
    const box = page.locator('#push-prefs');
    await box.getByRole('button', { name: fr('push-turn-on'), exact: true }).click();
    await box.getByText(fr('push-status-on')).waitFor();
    // The key the page subscribed with is the server's.
    const key = (await (await page.request.get(`${server.base}/api/v1/push/key`)).json()).public_key;
    const sent = await page.evaluate(() => window.__applicationServerKey.length);
    assert.equal(sent, 65);
    assert.equal(key.length, 87);
    await page.screenshot({ path: path.join(ARTIFACTS, 'push-settings-phone.png') });
    await page.reload();
    await box.locator('.push-devices li').first().waitFor();

    // A colleague writes to Claire.
    const writer = await signedIn('admin@aurore.example', { width: 1280, height: 900 });
    const people = await (await writer.page.request.get(`${server.base}/api/v1/people/suggest?q=claire%20masson`)).json();
    const token = await writer.page.evaluate(() => JSON.parse(document.getElementById('app').getAttribute('hx-headers'))['X-CSRF-Token']);
    const conv = await (await writer.page.request.post(`${server.base}/api/v1/conversations`, { headers: { 'X-CSRF-Token': token }, data: { members: [people[0].id] } })).json();
    const said = await writer.page.request.post(`${server.base}/api/v1/conversations/${conv.id}/messages`, { headers: { 'X-CSRF-Token': token }, data: { body: 'Claire, la réunion est avancée à 10 h.' } });
    assert.equal(said.status(), 201);

    // The push service received it, signed with the server's key, and decrypted it.
    let push = null;
    for (let i = 0; i < 150 && !push; i++) {
      const got = await (await fetch(`${pushBase}/received`)).json();
      push = got.find((r) => subscription.endpoint.endsWith(r.id));
      if (!push) await sleep(100);
    }
    assert.ok(push, 'the push reached the push service');
    assert.equal(push.error, undefined, push.error);
    assert.equal(push.public_key, key);
    assert.equal(push.payload.url, `/messages/${conv.id}`);

    // Chromium's push service would now hand the payload to the worker: DevTools does it here.
    await page.goto(`${server.base}/`);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const cdp = await context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    const registrationId = await new Promise((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const r = registrations.find((x) => x.scopeURL === `${server.base}/` && !x.isDeleted);
        if (r) resolve(r.registrationId);
      });
    });
    // Delivered again every 3 s until shown (a busy machine may start the worker late); the
    // notification's tag is the notification's id, so a repeat replaces it.
    let shown = [];
    for (let attempt = 0; attempt < 5 && !shown.length; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.base, registrationId, data: JSON.stringify(push.payload) });
      shown = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        for (let i = 0; i < 30; i++) {
          const list = await reg.getNotifications();
          if (list.length) return list.map((n) => ({ title: n.title, body: n.body, url: n.data && n.data.url }));
          await new Promise((r) => setTimeout(r, 100));
        }
        return [];
      });
    }
    assert.equal(shown.length, 1, 'the worker showed the notification');
    assert.equal(shown[0].url, `/messages/${conv.id}`);
    assert.match(shown[0].body, /Élodie|vous a envoyé/);

    // A tap on it shows the conversation, in the window already open.
    const [worker] = context.serviceWorkers();
    assert.ok(worker, 'the service worker is running');
    await worker.evaluate(async () => {
      const [n] = await self.registration.getNotifications();
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
    });
    const conversation = page;
    await conversation.waitForURL((u) => new URL(u).pathname === `/messages/${conv.id}`);
    await conversation.getByText('la réunion est avancée').waitFor();
    await conversation.screenshot({ path: path.join(ARTIFACTS, 'push-opened-conversation.png') });
  });
});
