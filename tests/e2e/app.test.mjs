// The thin slice end to end: the built site under a sub-path, the example
// analysed at load, pasted SQL parsed with positions, and simulation in sql.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, SHOTS } from './harness.mjs';

test('paste SQL, see statements and parse errors, simulate', async () => {
  const site = await serveDist();
  const { browser, page, problems, pageRequests } = await openApp(site);
  try {
    // The built-in example is analysed on arrival.
    const items = page.locator('#migration-statements li.statement');
    await items.first().waitFor();
    assert.equal(await items.count(), 4);
    await page.screenshot({ path: join(SHOTS, 'slice-example.png') });

    // sql.js is loaded lazily: the page does not ask for it before the
    // first simulation (the service worker caches it in the background).
    assert.ok(!pageRequests.some((u) => u.endsWith('sql-wasm.wasm')), 'sql.js loaded before it was needed');

    // SQLite, fast and approximate (PostgreSQL itself: pglite.test.mjs).
    await page.selectOption('#sim-engine', 'sqlite');
    await page.click('#simulate');
    const ok = page.locator('#simulation .sim-ok');
    await ok.waitFor({ timeout: 20000 });
    assert.match(await ok.innerText(), /All checks passed on SQLite 3\.\d+(\.\d+)? with 1000 rows per table \(seed 42\)/);
    assert.match(await page.locator('#simulation').innerText(), /Tables after the migration: orders, users/);

    // A pasted migration with a typo: the bad statement is kept, with its position.
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ADD COLUMN bio text;\n\nCREATE TABLE t (id int,,);\nSELECT 1;');
    await page.locator('#migration-statements li.statement').nth(2).waitFor();
    assert.equal(await items.count(), 3);
    const bad = page.locator('#migration-statements li.unparsed');
    assert.equal(await bad.count(), 1);
    assert.match(await bad.innerText(), /line 3, column 24/);
    assert.equal(await page.locator('#simulation .sim-result').count(), 0, 'an edit clears the stale simulation');

    // A migration SQLite rejects: the error is reported at the user's line.
    await setEditor(page, 'migration-editor', 'SELECT 1;\nALTER TABLE missing ADD COLUMN x text;');
    await page.click('#simulate');
    const failed = page.locator('#simulation .sim-failed');
    await failed.waitFor({ timeout: 20000 });
    assert.match(await failed.innerText(), /line 2, column 1: no such table: missing/);
    await page.screenshot({ path: join(SHOTS, 'slice-simulation-error.png') });

    // The dark theme, chosen in the page, is kept across a reload.
    await page.selectOption('#theme', 'dark');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(bg, 'rgb(22, 24, 27)');
    await page.reload();
    await page.locator('#migration-editor').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.screenshot({ path: join(SHOTS, 'theme-dark.png'), fullPage: false });
    await page.selectOption('#theme', 'system');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);

    // Every request stayed under the sub-path of this origin.
    assert.ok(site.requests.every((p) => p.startsWith('/some/prefix/')), site.requests.join(', '));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
