// Issue 14 in the browser: a PostgreSQL migration with PL/pgSQL triggers
// simulated on PostgreSQL itself (PGlite, loaded from the site's own files
// only when the simulation starts), the locks each statement took shown
// next to the analysis's prediction; then, offline, the same again from
// the service worker's cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, analysed, SHOTS } from './harness.mjs';

const SCHEMA = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, updated_at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();`;

const MIGRATION = `SET lock_timeout = '2s';

ALTER TABLE users ADD COLUMN nickname text;

CREATE OR REPLACE FUNCTION audit_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.email IS DISTINCT FROM OLD.email THEN
    NEW.nickname := split_part(NEW.email, '@', 1);
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_audit_email BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION audit_email();

ALTER TABLE users ALTER COLUMN email TYPE varchar(320);`;

async function simulateOnPostgres(page) {
  await page.click('#simulate');
  const result = page.locator('#simulation .sim-result');
  await result.waitFor({ timeout: 180000 });
  return result;
}

test('a PL/pgSQL migration on PGlite: measured locks, then offline', async () => {
  const site = await serveDist();
  const { browser, context, page, problems, pageRequests } = await openApp(site);
  try {
    await analysed(page);
    // PGlite is not part of the first load.
    await page.evaluate(() => navigator.serviceWorker.ready);
    assert.ok(!pageRequests.some((u) => u.includes('/pglite/')), 'PGlite loaded before it was needed');
    assert.ok(!site.requests.some((u) => u.includes('/pglite/')), 'PGlite fetched on the first visit');

    await setEditor(page, 'schema-editor', SCHEMA);
    await setEditor(page, 'migration-editor', MIGRATION);
    await analysed(page);
    assert.equal(await page.inputValue('#sim-engine'), 'postgres');
    await page.fill('#sim-rows', '200');
    await page.dispatchEvent('#sim-rows', 'change');
    await page.click('#simulate');
    // While PGlite starts, the page says so (downloading: #sim-loading).
    await page.locator('#sim-booting').waitFor({ timeout: 60000 });
    const result = page.locator('#simulation .sim-result');
    await result.waitFor({ timeout: 180000 });
    const headline = await result.innerText();
    assert.match(await page.locator('#sim-timing').innerText(), /PostgreSQL started in [\d.]+ s; the simulation took [\d.]+ s\./);
    assert.match(headline, /✔ All checks passed on PostgreSQL 1[89][.\d]* \(PGlite [\d.]+\) in this page with 200 rows per table/, headline);
    assert.ok(site.requests.some((u) => u.endsWith('/pglite/pglite.wasm')), 'PGlite came from the site');

    // pg_catalog read back: the down restores it exactly.
    assert.match(await page.locator('#sim-checks tr[data-check="down restores the schema"]').innerText(), /identical to before/);
    assert.match(await page.locator('#sim-checks tr[data-check="locks as predicted"]').innerText(), /✔ pass/);

    // The locks PostgreSQL really took, next to the prediction.
    const trace = page.locator('#sim-trace');
    const add = await trace.locator('tr[data-line="3"]').innerText();
    assert.match(add, /ACCESS EXCLUSIVE on users/, add);
    assert.match(add, /as predicted/, add);
    const retype = await trace.locator('tr[data-line="16"]').innerText();
    assert.match(retype, /ACCESS EXCLUSIVE on users/, retype);
    assert.match(retype, /as predicted/, retype);
    assert.match(await trace.locator('tr[data-line="14"]').innerText(), /SHARE ROW EXCLUSIVE on users/);
    await page.screenshot({ path: join(SHOTS, 'pglite-trace.png'), fullPage: true });

    // A migration PostgreSQL rejects fails at its own line, with
    // PostgreSQL's words.
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ADD COLUMN n int;\n\nALTER TABLE users ALTER COLUMN email TYPE int;');
    const failed = await simulateOnPostgres(page);
    assert.match(await failed.innerText(), /rejected the migration at line 3, column 1: column "email" cannot be cast automatically to type integer/);

    // The plan of a type change (a PL/pgSQL sync trigger, a batched
    // backfill, a swap) runs on PostgreSQL step by step and back down.
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ALTER COLUMN email TYPE varchar(320);');
    await page.check('#sim-plan');
    const planned = await simulateOnPostgres(page);
    assert.match(await planned.innerText(), /✔ All checks passed on PostgreSQL/, await page.locator('#sim-checks').innerText());
    const steps = await page.locator('#sim-checks tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.check));
    assert.ok(steps.some((c) => /trigger/i.test(c)), `${steps}`);
    assert.ok(steps.includes('rollback from the last step'), `${steps}`);
    await page.uncheck('#sim-plan');

    // A runaway statement: PGlite has no working statement_timeout (one
    // thread), so the page ends the worker and says where it stopped.
    await page.fill('#sim-seconds', '3');
    await page.dispatchEvent('#sim-seconds', 'change');
    await setEditor(page, 'migration-editor', 'ALTER TABLE users ADD COLUMN m int;\n\nWITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r;');
    const stopped = await simulateOnPostgres(page);
    assert.match(await stopped.innerText(), /stopped at line \d+(, column \d+)?: stopped: took longer than 3 s/);
    await page.fill('#sim-seconds', '30');
    await page.dispatchEvent('#sim-seconds', 'change');

    // Offline: PGlite comes from the service worker's cache.
    const cached = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('migplan-pglite-')));
    assert.equal(cached.length, 1, `${cached}`);
    await setEditor(page, 'migration-editor', MIGRATION);
    await context.setOffline(true);
    await site.close();
    await page.reload();
    await analysed(page);
    const again = await simulateOnPostgres(page);
    assert.match(await again.innerText(), /✔ All checks passed on PostgreSQL/);
    await context.setOffline(false);
    const left = problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p));
    assert.deepEqual(left, []);
  } finally {
    await browser.close();
  }
});
