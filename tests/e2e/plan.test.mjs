// Issue 4 in the browser: a rename-column migration becomes a plan with
// deploy points; the golang-migrate files are previewed and downloaded as
// a zip whose names and contents are checked; a project folder is detected
// and its numbering continued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { serveDist, openApp, setEditor, SHOTS, ROOT } from './harness.mjs';

/** Names and texts of the entries of a zip file, read with Python's zipfile. */
function readZip(path) {
  const py = 'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({n: z.read(n).decode() for n in z.namelist()}))';
  return JSON.parse(execFileSync('python3', ['-c', py, path]).toString());
}

test('plan a rename, download golang-migrate files, continue a project', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await page.locator('#plan').waitFor();
    await setEditor(page, 'migration-editor', 'ALTER TABLE users RENAME COLUMN name TO full_name;');
    await page.waitForFunction(() => document.querySelectorAll('#plan .deploy-point').length === 2);

    // Phases in order, with deploy points between them.
    const phases = await page.locator('#plan li.phase').evaluateAll((els) => els.map((e) => e.dataset.phase));
    assert.deepEqual(phases, ['expand', 'migrate', 'contract']);
    const deploys = await page.locator('#plan .deploy-point').allInnerTexts();
    assert.match(deploys[0], /Deploy: code that reads users\.full_name/);
    assert.match(deploys[1], /Deploy: code that no longer uses users\.name/);
    // Steps and deploy points are numbered 1..n with no gap.
    const numbers = await page.locator('#plan li.step .num, #plan li.deploy-point .num').allInnerTexts();
    assert.deepEqual(numbers, numbers.map((_, at) => `${at + 1}.`));
    const first = page.locator('#plan li.step').first();
    assert.match(await first.innerText(), /Add users\.full_name next to name/);
    assert.match(await first.innerText(), /lock: ACCESS EXCLUSIVE/);
    assert.match(await first.locator('pre').innerText(), /SET lock_timeout = '2s';\s+ALTER TABLE users ADD COLUMN full_name text/);
    // A step jumps to the migration line it comes from.
    await first.locator('button.goto').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'migration-editor');
    // The down toggle shows each step's rollback.
    await page.click('#plan-toggle');
    assert.match(await first.locator('pre').innerText(), /ALTER TABLE users DROP COLUMN full_name/);
    await page.click('#plan-toggle');
    // Batch size reaches the backfill SQL.
    await page.fill('#batch-size', '250');
    await page.dispatchEvent('#batch-size', 'change');
    await page.waitForFunction(() => document.getElementById('plan').innerText.includes('LIMIT 250'));
    // Lock timeout and IF [NOT] EXISTS are settings of the page too.
    await page.fill('#lock-timeout', '5s');
    await page.dispatchEvent('#lock-timeout', 'change');
    await page.waitForFunction(() => document.getElementById('plan').innerText.includes("lock_timeout = '5s'"));
    assert.match(await page.locator('#plan').innerText(), /DROP CONSTRAINT IF EXISTS users_full_name_not_null/);
    await page.uncheck('#idempotent');
    await page.waitForFunction(() => !document.getElementById('plan').innerText.includes('DROP CONSTRAINT IF EXISTS'));
    await page.check('#idempotent');
    await page.screenshot({ path: join(SHOTS, 'plan-rename.png'), fullPage: true });

    // The rollback of the migration as written.
    assert.match(await page.locator('#rollback-sql').innerText(), /ALTER TABLE users RENAME COLUMN full_name TO name/);

    // A hand-written down migration is compared with the generated one.
    await page.click('#rollback details.compare summary');
    await page.fill('#down-editor', 'SELECT 1;');
    assert.match(await page.locator('#down-comparison').innerText(), /differs \(\d+\)/);
    await page.fill('#down-editor', 'ALTER TABLE users RENAME COLUMN full_name TO name;');
    assert.match(await page.locator('#down-comparison').innerText(), /leaves the same schema/);

    // golang-migrate files: preview, then the zip.
    await page.selectOption('#framework', 'golang-migrate');
    const names = await page.locator('#files .file-name').allInnerTexts();
    assert.ok(names.some((n) => /^migrations\/\d{14}_migplan_1_add_users_full_name_next_to_name\.up\.sql$/.test(n)), names.join('\n'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-zip')]);
    assert.equal(download.suggestedFilename(), 'migplan-golang-migrate.zip');
    const zipPath = join(SHOTS, 'migplan-golang-migrate.zip');
    await download.saveAs(zipPath);
    const entries = readZip(zipPath);
    const paths = Object.keys(entries);
    // The preview and the zip are the same files, byte for byte.
    assert.deepEqual([...names].sort(), [...paths].sort());
    for (const at of [0, names.length - 1]) {
      await page.locator('#files .file-name').nth(at).click();
      assert.equal(await page.locator('#files .file-path').innerText(), names[at]);
      assert.equal(await page.locator('#file-preview').textContent(), entries[names[at]]);
    }
    const ups = paths.filter((p) => p.endsWith('.up.sql')).sort();
    const downs = paths.filter((p) => p.endsWith('.down.sql')).sort();
    assert.ok(ups.length >= 3, paths.join('\n'));
    assert.equal(ups.length, downs.length, 'every up has a down');
    assert.ok(paths.includes('RUNBOOK.md') && paths.includes('progress.txt'));
    assert.match(entries[ups[0]], /ADD COLUMN full_name text/);
    const backfill = ups.find((p) => entries[p].includes('EXIT WHEN n = 0'));
    assert.ok(backfill, 'the backfill loops until done');
    assert.match(entries[backfill], /LIMIT 250/);
    assert.match(entries[ups[ups.length - 1]], /DROP COLUMN name/);
    assert.match(entries['RUNBOOK.md'], /Deploy point/);

    // A project folder: detected, and its numbering continued.
    await page.setInputFiles('#project-folder', join(ROOT, 'tests/fixtures/projects/golang-migrate'));
    await page.locator('#detection').waitFor();
    assert.match(await page.locator('#detection').innerText(), /Detected golang-migrate from 3 files/);
    assert.match(await page.locator('#detection').innerText(), /2 existing migrations \(1 without a down\)/);
    const continued = await page.locator('#files .file-name').allInnerTexts();
    assert.ok(continued.some((n) => n.startsWith('migrations/000003_migplan_1_')), continued.join('\n'));
    await page.screenshot({ path: join(SHOTS, 'plan-files.png'), fullPage: true });

    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

test('a dedupe before a unique index keeps its order; kept copies make it reversible', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await page.locator('#plan').waitFor();
    await setEditor(page, 'migration-editor',
      "DELETE FROM users a USING users b WHERE a.id > b.id AND a.email = b.email;\nCREATE UNIQUE INDEX users_email_key ON users (email);");
    await page.waitForFunction(() => document.getElementById('plan').innerText.includes('users_email_key'));
    const steps = await page.locator('#plan li.step').allInnerTexts();
    const del = steps.findIndex((s) => s.includes('DELETE FROM users'));
    const index = steps.findIndex((s) => s.includes('CREATE UNIQUE INDEX CONCURRENTLY'));
    assert.ok(del >= 0 && index > del, steps.join('\n---\n'));
    assert.match(await page.locator('#plan .notes').innerText(), /line 2: kept after line 1/);
    assert.match(steps[del], /irreversible/);
    assert.doesNotMatch(steps[del], /Safe to run as written/);

    await page.check('#keep-copies');
    await page.waitForFunction(() => document.getElementById('plan').innerText.includes('Keep a copy of the rows line 1 changes'));
    await page.click('#plan-toggle');
    assert.match(await page.locator('#plan').innerText(), /INSERT INTO users SELECT \* FROM users_deleted_1/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
