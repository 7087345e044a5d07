// Lighthouse-style figures for the home page on a phone (issue 14), measured in Debian's
// chromium against the demo company: 390×844, CPU slowed down 4×, the cache emptied before
// each run.
// Prints, over N runs (default 5), p50 and worst of first contentful paint, DOMContentLoaded
// and load, and the bytes transferred (compressed, headers included) with their breakdown.
//
//   cargo build --release --bin embarq
//   cd e2e && EMBARQ_BIN=../target/release/embarq node bench-home.mjs [runs]
//
// Not a test: figures depend on the machine; the README's Benchmarks section keeps some.
import { chromium } from 'playwright-core';
import { LAUNCH, signedIn, startServer } from './support.mjs';

const RUNS = Number(process.argv[2] || 5);
const server = await startServer('bench-home', ['--demo']);
const browser = await chromium.launch(LAUNCH);
try {
  const { context, page } = await signedIn(browser, server.base, 'claire.masson@aurore.example', 'embarq-demo-2026', {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // The service worker would serve the static files from its cache: a cold visit has none.
  await cdp.send('Network.setBypassServiceWorker', { bypass: true });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const sizes = new Map();
    const types = new Map();
    const onResponse = (e) => types.set(e.requestId, `${e.type} ${new URL(e.response.url).pathname}`);
    const onFinished = (e) => sizes.set(e.requestId, e.encodedDataLength);
    cdp.on('Network.responseReceived', onResponse);
    cdp.on('Network.loadingFinished', onFinished);
    await page.goto('about:blank');
    // Cold: nothing cached before the visit (the page's own repeats, such as the icon sprite, are).
    await cdp.send('Network.clearBrowserCache');
    sizes.clear();
    types.clear();
    await page.goto(`${server.base}/`, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    cdp.off('Network.responseReceived', onResponse);
    cdp.off('Network.loadingFinished', onFinished);
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { fcp: fcp ? fcp.startTime : NaN, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
    });
    const parts = [...sizes].map(([id, bytes]) => ({ what: types.get(id) || id, bytes }));
    runs.push({ ...timing, bytes: parts.reduce((n, p) => n + p.bytes, 0), parts });
  }
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];
  const ms = (k) => `p50 ${pct(runs.map((r) => r[k]), 0.5).toFixed(0)} ms, worst ${Math.max(...runs.map((r) => r[k])).toFixed(0)} ms`;
  console.log(`home page, phone 390×844, CPU ×4, cold cache, ${RUNS} runs`);
  console.log(`first contentful paint: ${ms('fcp')}`);
  console.log(`DOMContentLoaded:       ${ms('dcl')}`);
  console.log(`load:                   ${ms('load')}`);
  const last = runs[runs.length - 1];
  console.log(`transferred: ${(last.bytes / 1024).toFixed(1)} KB`);
  const byWhat = new Map();
  for (const p of last.parts) {
    const seen = byWhat.get(p.what) || { bytes: 0, n: 0 };
    byWhat.set(p.what, { bytes: seen.bytes + p.bytes, n: seen.n + 1 });
  }
  for (const [what, p] of [...byWhat].sort((a, b) => b[1].bytes - a[1].bytes)) {
    console.log(`  ${(p.bytes / 1024).toFixed(1).padStart(7)} KB  ${what.slice(0, 80)}${p.n > 1 ? ` (${p.n} requests)` : ''}`);
  }
} finally {
  await browser.close();
  server.proc.kill('SIGTERM');
}
