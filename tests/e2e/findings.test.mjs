// Issue 3 in the browser: findings grouped by severity with locks and
// "use instead", a finding jumping to its line, the PostgreSQL version
// changing the verdict, ignores, MySQL algorithms and the schema panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, SHOTS } from './harness.mjs';

test('findings, version picker, ignores and the schema model', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    // The example drops a column: the verdict says so in words.
    const verdict = page.locator('#verdict');
    await verdict.waitFor();
    assert.equal(await verdict.innerText(), '✖ dangerous');
    const dangerous = page.locator('#findings .finding-group[data-severity="dangerous"]');
    assert.match(await dangerous.locator('h3').innerText(), /✖ dangerous \(1\)/);
    const drop = dangerous.locator('li.finding[data-rule="dropping-column"]');
    assert.match(await drop.innerText(), /dropping orders\.total deletes its data/);
    assert.match(await drop.innerText(), /lock: ACCESS EXCLUSIVE/);
    assert.match(await drop.innerText(), /Use instead: First deploy code/);
    const careful = page.locator('#findings .finding-group[data-severity="careful"] li.finding');
    const rules = await careful.evaluateAll((els) => els.map((e) => e.dataset.rule));
    for (const r of ['updating-without-where', 'adding-index-non-concurrently']) {
      assert.ok(rules.includes(r), `${r} not in ${rules}`);
    }
    // A missing lock_timeout is advice (safe) unless the team requires one.
    const advice = page.locator('#findings .finding-group[data-severity="safe"] li.finding[data-rule="missing-lock-timeout"]');
    assert.ok(await advice.count() >= 1, 'missing-lock-timeout is listed as safe advice');
    const index = page.locator('#findings li.finding[data-rule="adding-index-non-concurrently"]');
    assert.match(await index.innerText(), /lock: SHARE/);
    await page.screenshot({ path: join(SHOTS, 'findings-example.png'), fullPage: true });

    // A finding links to its line: the editor gets focus and the line is selected.
    await drop.locator('button.goto').click();
    const sel = await page.evaluate(() => {
      const a = document.getElementById('migration-editor');
      const before = a.value.slice(0, a.selectionStart);
      return { focused: document.activeElement === a, line: before.split('\n').length, text: a.value.slice(a.selectionStart, a.selectionEnd) };
    });
    assert.deepEqual(sel, { focused: true, line: 8, text: 'ALTER TABLE orders DROP COLUMN total;' });

    // The schema panel marks what the migration changes, before and after.
    const orders = page.locator('#schema-model .table-card[data-table="orders"]');
    assert.match(await orders.locator('li.column[data-column="total"]').innerText(), /− removed/);
    const users = page.locator('#schema-model .table-card[data-table="users"]');
    assert.match(await users.locator('li.column[data-column="display_name"]').innerText(), /text.*\+ added/);
    assert.match(await orders.locator('li.index').first().innerText(), /orders_status_idx \(status\)\s*\+ added/);
    await page.click('#schema-before');
    assert.equal(await users.locator('li.column[data-column="display_name"]').count(), 0);
    assert.equal(await orders.locator('li.column[data-column="total"]').innerText(), 'total numeric(10,2), not null');
    await page.click('#schema-after');

    // The target version changes the verdict.
    await setEditor(page, 'migration-editor', "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN active boolean DEFAULT true;");
    await page.waitForFunction(() => document.getElementById('verdict')?.innerText === '✓ safe');
    await page.selectOption('#pg-version', '10');
    await page.waitForFunction(() => document.getElementById('verdict')?.innerText === '⚠ careful');
    assert.equal(await page.locator('#findings li.finding[data-rule="adding-column-with-default-before-pg11"]').count(), 1);
    await page.selectOption('#pg-version', '16');

    // An ignore comment keeps the finding, under "Ignored", with its reason.
    await setEditor(page, 'migration-editor', '-- migplan:ignore dropping-column archived in ticket 42\nALTER TABLE orders DROP COLUMN status;');
    await page.waitForFunction(() => document.querySelector('#findings details.ignored') !== null);
    const ignored = page.locator('#findings details.ignored');
    await ignored.locator(':scope > summary').click();
    assert.match(await ignored.innerText(), /ignored: archived in ticket 42/);
    assert.equal(await page.locator('#findings .finding-group[data-severity="dangerous"]').count(), 0);
    // A typo in the rule id silences nothing and says so, with its place.
    await setEditor(page, 'migration-editor', '-- migplan:ignore droping-column typo\nALTER TABLE orders DROP COLUMN status;');
    await page.locator('#report-errors').waitFor();
    assert.match(await page.locator('#report-errors').innerText(), /line 1, column 1: migplan:ignore names `droping-column`, which is not a rule/);
    assert.equal(await page.locator('#verdict').innerText(), '✖ dangerous');

    // MySQL: no version picker; statements show the InnoDB algorithm.
    await page.selectOption('#dialect', 'mysql');
    await setEditor(page, 'migration-editor', 'ALTER TABLE orders ADD COLUMN note varchar(20) NULL;\nALTER TABLE orders MODIFY total decimal(12,4) NOT NULL;');
    await page.waitForFunction(() => document.querySelectorAll('#migration-statements li.statement').length === 2);
    assert.equal(await page.locator('#pg-version').count(), 0);
    const facts = await page.locator('#migration-statements .statement-facts').allInnerTexts();
    assert.match(facts[0], /INSTANT/);
    assert.match(facts[1], /careful.*COPY/);
    await page.screenshot({ path: join(SHOTS, 'findings-mysql.png'), fullPage: true });

    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
