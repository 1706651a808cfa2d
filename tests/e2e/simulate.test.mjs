// Issue 5 in the browser: 10,000 sample rows on sql.js, the checks table,
// and adversarial rows that make an ADD NOT NULL fail at its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, SHOTS } from './harness.mjs';

test('simulate 10,000 rows, then adversarial rows break SET NOT NULL', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await page.locator('#simulation').waitFor();
    await setEditor(page, 'schema-editor', 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), total numeric(10,2));');
    const migration = "SET lock_timeout = '2s';\n\nALTER TABLE users ALTER COLUMN name SET NOT NULL;";
    await setEditor(page, 'migration-editor', migration);
    // sql.js (PostgreSQL itself: pglite.test.mjs).
    await page.selectOption('#sim-engine', 'sqlite');
    await page.fill('#sim-rows', '10000');
    await page.dispatchEvent('#sim-rows', 'change');
    // The worker runs the page's own compiled module: the only wasm a
    // simulation on SQLite fetches is sql.js's.
    const fetched = [];
    const onRequest = (request) => fetched.push(new URL(request.url()).pathname.split('/').pop());
    page.context().on('request', onRequest);
    await page.click('#simulate');
    const ok = page.locator('#simulation .sim-ok');
    await ok.waitFor({ timeout: 60000 });
    page.context().off('request', onRequest);
    assert.ok(fetched.includes('sim-worker.js'), JSON.stringify(fetched));
    assert.deepEqual(fetched.filter((name) => name.endsWith('.wasm')), ['sql-wasm.wasm']);
    assert.match(await ok.innerText(), /All checks passed on SQLite [\d.]+ with 10000 rows per table \(seed 42\)/);
    const checks = await page.locator('#sim-checks tbody tr').evaluateAll((rows) => rows.map((r) => [r.dataset.check, r.className]));
    assert.deepEqual(checks.map((c) => c[0]), ['up applies', 'schema after up', 'data preserved', 'integrity', 'second run', 'down restores']);
    assert.ok(checks.every((c) => c[1] === 'pass'), JSON.stringify(checks));
    assert.match(await page.locator('#sim-counts').innerText(), /users\s+10000\s+10000/);
    await page.screenshot({ path: join(SHOTS, 'simulation-10k.png'), fullPage: true });

    // The same migration with adversarial rows (some NULL names) fails in
    // simulation instead of in production, at its own line.
    await page.check('#sim-adversarial');
    await page.click('#simulate');
    const failed = page.locator('#simulation .sim-failed');
    await failed.waitFor({ timeout: 60000 });
    assert.match(await failed.innerText(), /rejected the migration at line 3, column 1: NOT NULL constraint failed/);
    assert.match(await page.locator('#sim-checks tr[data-check="up applies"]').innerText(), /✖ fail/);
    await page.screenshot({ path: join(SHOTS, 'simulation-adversarial.png'), fullPage: true });

    // A 100,000-row run shows progress, and Cancel stops it.
    await page.uncheck('#sim-adversarial');
    await page.fill('#sim-rows', '100000');
    await page.dispatchEvent('#sim-rows', 'change');
    await page.click('#simulate');
    await page.locator('#sim-progress').waitFor({ timeout: 20000 });
    const value = Number(await page.locator('#sim-progress').getAttribute('value'));
    assert.ok(value > 0, `progress ${value}`);
    await page.click('#sim-cancel');
    await page.locator('#notice').waitFor();
    assert.match(await page.locator('#notice').innerText(), /cancelled/);
    await page.fill('#sim-rows', '1000');
    await page.dispatchEvent('#sim-rows', 'change');

    // Your own rows instead of generated ones: one without a name fails.
    await page.uncheck('#sim-adversarial');
    await page.click('#simulation details.own-rows summary');
    await page.fill('#sim-rows-sql', "INSERT INTO users (id, email, name) VALUES (1, 'a@x', 'Ada'), (2, 'b@x', NULL);");
    await page.click('#simulate');
    await page.locator('#simulation .sim-failed').waitFor({ timeout: 60000 });
    assert.match(await page.locator('#simulation .sim-failed').innerText(), /line 3, column 1: NOT NULL constraint failed/);
    await page.fill('#sim-rows-sql', '');

    // The plan, step by step, with a rollback from every step.
    await page.uncheck('#sim-adversarial');
    await page.fill('#sim-rows', '500');
    await page.dispatchEvent('#sim-rows', 'change');
    await page.check('#sim-plan');
    await page.click('#simulate');
    await page.locator('#simulation .sim-ok').waitFor({ timeout: 60000 });
    const planChecks = await page.locator('#sim-checks tbody tr').evaluateAll((rows) => rows.map((r) => [r.dataset.check, r.className]));
    assert.ok(planChecks.some(([n]) => n === 'rollback from step 1'), JSON.stringify(planChecks));
    assert.ok(planChecks.some(([n]) => /^step \d+: Validate users_name_not_null$/.test(n)), JSON.stringify(planChecks));
    assert.ok(planChecks.every(([, c]) => c === 'pass'), JSON.stringify(planChecks));

    // Cost growth: each statement timed at three sizes, drawn.
    await page.uncheck('#sim-plan');
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ADD COLUMN nickname text;\nUPDATE users SET nickname = name;');
    await page.click('#sim-growth');
    await page.locator('#sim-growth-chart').waitFor({ timeout: 60000 });
    const legend = await page.locator('#sim-growth-chart .growth-legend li').allInnerTexts();
    assert.equal(legend.length, 2, legend.join('\n'));
    for (const l of legend) assert.match(l, /ms → .* ms → .* ms/);
    assert.equal(await page.locator('#sim-growth-chart polyline').count(), 2);
    await page.screenshot({ path: join(SHOTS, 'simulation-growth.png'), fullPage: true });

    // A data change that goes through twice fails "second run" (a retried
    // deploy would apply it again); the other checks still pass.
    await setEditor(page, 'migration-editor', "UPDATE users SET name = name || '!';");
    await page.fill('#sim-rows', '200');
    await page.dispatchEvent('#sim-rows', 'change');
    await page.click('#simulate');
    const again = page.locator('#sim-checks tr[data-check="second run"].fail');
    await again.waitFor({ timeout: 60000 });
    assert.match(await again.innerText(), /changes the data again: users\.name/);
    assert.equal(await page.locator('#sim-checks tr[data-check="data preserved"]').getAttribute('class'), 'pass');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
