// Share links: the state round-trips through the URL fragment into a
// fresh browser context; a tampered link shows a message and keeps the
// work; a link made by the CLI opens in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, pasteEditor, ROOT, fromFileMenu } from './harness.mjs';

test('share links round-trip, refuse tampering and open CLI links', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await page.locator('#migration-editor').waitFor();
    await page.selectOption('#dialect', 'sqlite');
    const migration = 'ALTER TABLE users ADD COLUMN nickname TEXT; -- shared ✓';
    await setEditor(page, 'migration-editor', migration);
    await page.click('#share');
    const link = await page.locator('#share-link').inputValue();
    assert.ok(link.startsWith(site.url + '#v2.'), link);
    assert.ok(link.length < 8000, `${link.length}`);

    // Every edit is saved in the browser, the down too, after a pause in
    // typing (not only when the page is left): a reload brings it back.
    await page.waitForTimeout(600); // the migration's own save is done
    const before = await page.evaluate(() => localStorage.getItem('migplan.draft'));
    const down = 'ALTER TABLE users DROP COLUMN nickname;';
    await setEditor(page, 'down-editor', down);
    await page.waitForFunction((b) => localStorage.getItem('migplan.draft') !== b, before);
    // A second tab of the same browser (this one still open) finds it.
    const twin = await page.context().newPage();
    await twin.goto(site.url);
    await twin.locator('#migration-statements li.statement').first().waitFor();
    assert.equal(await twin.locator('#down-editor').inputValue(), down);
    await twin.close();
    await page.reload();
    await page.locator('#migration-statements li.statement').first().waitFor();
    await page.waitForFunction((m) => document.getElementById('migration-editor').value === m, migration);
    assert.equal(await page.locator('#dialect').inputValue(), 'sqlite');
    assert.equal(await page.locator('#down-editor').inputValue(), down);

    // A fresh context (no shared storage) opens exactly that.
    const other = await browser.newContext();
    const fresh = await other.newPage();
    await fresh.goto(link);
    await fresh.locator('#migration-editor').waitFor();
    assert.equal(await fresh.locator('#migration-editor').inputValue(), migration);
    assert.equal(await fresh.locator('#dialect').inputValue(), 'sqlite');
    await fresh.locator('#migration-statements li.statement').first().waitFor();
    assert.equal(await fresh.locator('#notice').count(), 0);

    // The link carries the panel in view: it opens scrolled there.
    await page.locator('#diagram-panel').evaluate((e) => e.scrollIntoView());
    await page.click('#share');
    const atDiagram = await page.locator('#share-link').inputValue();
    const fifth = await (await browser.newContext()).newPage();
    await fifth.goto(atDiagram);
    await fifth.waitForFunction(() => {
      const top = document.getElementById('diagram-panel')?.getBoundingClientRect().top;
      return top !== undefined && top > -60 && top < 200;
    });

    // A state too big for a link says so and offers the plan file instead.
    const noise = Array.from({ length: 1500 }, (_, i) => `CREATE TABLE t${i}_${(i * 7919) % 104729} (c${(i * 31) % 997} int);`).join('\n');
    await pasteEditor(page, 'schema-editor', noise);
    await page.click('#share');
    await page.locator('#long-link').waitFor();
    assert.match(await page.locator('#long-link').innerText(), /many chat and review tools cut links over 8000/);
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#long-link button')]);
    assert.equal(file.suggestedFilename(), 'plan.migplan.json');
    await pasteEditor(page, 'schema-editor', '');

    // Tampered: a message, and the page keeps its own work (the example).
    const cut = link.slice(0, link.length - 12) + 'AAAAxxxx____';
    const third = await (await browser.newContext()).newPage();
    await third.goto(cut);
    await third.locator('#notice').waitFor();
    assert.match(await third.locator('#notice').innerText(), /could not be opened: what it carries is damaged/);
    assert.match(await third.locator('#migration-editor').inputValue(), /^-- Add a display name/);

    // A link made by the CLI.
    const cliLink = execFileSync('cargo', ['run', '-q', '-p', 'migplan-cli', '--', 'link', '--base-url', site.url,
      '--dialect', 'mysql', '--schema', join(ROOT, 'tests/fixtures/rules/schema.mysql.sql'),
      '--up', join(ROOT, 'tests/fixtures/plans/rename-column/mysql.sql')], { cwd: ROOT }).toString().trim();
    assert.ok(cliLink.startsWith(site.url + '#v2.'), cliLink);
    const fourth = await (await browser.newContext()).newPage();
    await fourth.goto(cliLink);
    await fourth.locator('#migration-editor').waitFor();
    assert.match(await fourth.locator('#migration-editor').inputValue(), /RENAME COLUMN `name` TO `full_name`/);
    assert.equal(await fourth.locator('#dialect').inputValue(), 'mysql');
    await fourth.locator('#plan .deploy-point').first().waitFor();
    // Reset to example asks first; declining keeps the work.
    page.once('dialog', (d) => d.dismiss());
    await fromFileMenu(page, '#reset');
    assert.equal(await page.locator('#migration-editor').inputValue(), migration);
    page.once('dialog', (d) => d.accept());
    await fromFileMenu(page, '#reset');
    await page.waitForFunction(() => document.getElementById('migration-editor').value.startsWith('-- Add a display name'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
