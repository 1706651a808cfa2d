// Issue 16 in the browser: the team's .migplan.toml typed, imported and
// exported; a mistake shown with its line; pasted table sizes changing the
// verdict; the settings carried by a share link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { serveDist, openApp, analysed, SHOTS } from './harness.mjs';

async function typeInto(page, id, text) {
  await page.fill(`#${id}`, text);
  await analysed(page);
}

test('team settings: .migplan.toml and table sizes', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await analysed(page);
    const summary = page.locator('#severity-summary');
    assert.equal(await summary.innerText(), '✖ 1 dangerous, ⚠ 2 careful');
    await page.click('#team-settings summary');

    // A team that requires a lock_timeout: the nullable column is careful.
    await typeInto(page, 'settings-text', 'lock_timeout = "require"\n[rules]\ndropping-column = "careful"\n');
    assert.equal(await summary.innerText(), '⚠ 4 careful');
    assert.match(await page.locator('#team-summary').innerText(), /lock_timeout require, 1 rule change/);

    // A mistake names its line; the text stays; the settings do not apply.
    await typeInto(page, 'settings-text', 'lock_timeout = "require"\n\n[rules]\ndropping-colum = "off"\n');
    assert.match(await page.locator('#settings-error').innerText(), /line 4, column 1: \[rules\]: `dropping-colum` is not a rule/);
    assert.match(await page.inputValue('#settings-text'), /dropping-colum/);
    assert.equal(await summary.innerText(), '✖ 1 dangerous, ⚠ 2 careful');

    // Import a file: its version is taken.
    const file = join(SHOTS, 'team.migplan.toml');
    await writeFile(file, 'dialect = "postgres"\npg_version = 10\n');
    await page.setInputFiles('#settings-file', file);
    await page.waitForFunction(() => document.getElementById('settings-text').value.includes('pg_version = 10'));
    await analysed(page);
    assert.equal(await page.inputValue('#pg-version'), '10');
    assert.equal(await page.locator('#settings-error').count(), 0);

    // Export writes the same text.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#settings-export')]);
    // Browsers drop a leading dot; the button's title says to restore it.
    assert.equal(download.suggestedFilename(), 'migplan.toml');
    const exported = join(SHOTS, 'exported.migplan.toml');
    await download.saveAs(exported);
    assert.equal(await readFile(exported, 'utf8'), 'dialect = "postgres"\npg_version = 10\n');

    // Pasted sizes: the index on a very large orders table is dangerous,
    // and the finding says which size it assumed.
    await typeInto(page, 'settings-text', '');
    await typeInto(page, 'stats-text', 'table,rows\norders,50000000\n');
    const index = page.locator('#findings li.finding[data-rule="adding-index-non-concurrently"]');
    assert.equal(await index.getAttribute('class'), 'finding dangerous');
    assert.match(await index.innerText(), /assumed orders: 50000000 rows, from the sizes pasted in the page, a very large table/);
    await typeInto(page, 'stats-text', 'table,rows\norders,lots\n');
    assert.match(await page.locator('#stats-error').innerText(), /line 2, column 1: `lots` is not a row count/);
    await typeInto(page, 'stats-text', 'table,rows\norders,500\n');
    assert.equal(await index.getAttribute('class'), 'finding safe');
    await page.locator('#team-settings').screenshot({ path: join(SHOTS, 'team-settings.png') });

    // A share link carries the settings and the sizes.
    await typeInto(page, 'settings-text', 'lock_timeout = "require"\n');
    await page.click('#share');
    const link = await page.inputValue('#share-link');
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(link);
    await analysed(fresh);
    assert.equal(await fresh.inputValue('#settings-text'), 'lock_timeout = "require"\n');
    assert.equal(await fresh.inputValue('#stats-text'), 'table,rows\norders,500\n');
    assert.equal(await fresh.locator('#severity-summary').innerText(), '✖ 1 dangerous, ⚠ 2 careful');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
