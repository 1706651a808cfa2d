// Offline and locked down: the service worker caches the whole site on the
// first visit, so a reload with the network off opens and works (analysis
// and a sql.js simulation); the Content-Security-Policy is present and
// never has to block anything; the page is usable 390 px wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, analysed, SHOTS } from './harness.mjs';

test('offline reload works; CSP; 390 px', async () => {
  const site = await serveDist();
  const { browser, context, page, problems } = await openApp(site);
  try {
    await analysed(page);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /'wasm-unsafe-eval'/);
    // The worker is installed and has cached the site.
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith('migplan-')));
      return (await cache.keys()).map((r) => new URL(r.url).pathname.split('/').pop());
    });
    for (const f of ['', 'sql-wasm.js', 'sql-wasm.wasm']) assert.ok(cached.includes(f), `${f} not cached: ${cached}`);
    assert.ok(cached.some((f) => f.endsWith('_bg.wasm')), `${cached}`);
    assert.ok(cached.some((f) => f.endsWith('.css')), `${cached}`);

    // Network off: the page still opens, analyses and simulates.
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ADD COLUMN offline_ok boolean;');
    await context.setOffline(true);
    await site.close();
    await page.reload();
    await analysed(page);
    assert.match(await page.inputValue('#migration-editor'), /offline_ok/);
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ADD COLUMN still_offline text;\nCREATE INDEX users_still_offline ON users (still_offline);');
    assert.match(await page.locator('#severity-summary').innerText(), /1 careful/);
    // sql.js is cached on the first visit (PGlite on its first use:
    // pglite.test.mjs).
    await page.selectOption('#sim-engine', 'sqlite');
    await page.click('#simulate');
    await page.locator('#simulation .sim-ok').waitFor({ timeout: 30000 });
    await page.screenshot({ path: join(SHOTS, 'offline.png') });
    await context.setOffline(false);

    // A phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `page is ${overflow} px wide`);
    await page.screenshot({ path: join(SHOTS, 'phone-390.png') });
    await page.locator('#findings').screenshot({ path: join(SHOTS, 'phone-390-findings.png') });
    const offline = problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p));
    assert.deepEqual(offline, []);
  } finally {
    await browser.close();
  }
});
