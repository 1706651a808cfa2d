// Issue 18: the page is usable without a mouse and passes axe-core.
// axe-core (npm, pinned in web/package.json) runs on the whole page, every
// panel rendered (findings, plan, a finished simulation, the diagram,
// schema, rollback, files, runbook, the File menu open), in both themes:
// no serious or critical violation. Then the whole flow by keyboard alone:
// paste a migration, analyse, read the findings, go to the plan, simulate,
// copy the share link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { serveDist, openApp, analysed, ROOT, SHOTS } from './harness.mjs';

const AXE = join(ROOT, 'web', 'node_modules', 'axe-core', 'axe.min.js');

/** Serious and critical violations axe finds in the page as it is now. */
async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Evaluated by the test driver, not as a script of the page: the
    // page's Content-Security-Policy stays as it is.
    await page.evaluate(await readFile(AXE, 'utf8'));
  }
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab (Escape first in an editor, where Tab indents) until the
 *  focused element matches `selector`. */
async function tabTo(page, selector, most = 250) {
  for (let i = 0; i < most; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    if (await page.evaluate(() => document.activeElement?.tagName === 'TEXTAREA')) {
      await page.keyboard.press('Escape');
    }
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

test('axe finds no serious or critical violation on any view, light or dark', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await analysed(page);
    await page.selectOption('#sim-engine', 'sqlite').catch(() => {});
    await page.click('#simulate');
    await page.locator('#simulation .sim-result').waitFor({ timeout: 60000 });
    await page.click('#file-menu > summary');
    for (const theme of ['light', 'dark']) {
      await page.selectOption('#theme', theme);
      const bad = await violations(page);
      assert.deepEqual(bad, [], `${theme}: ${JSON.stringify(bad, null, 1)}`);
    }
    // The diagram full screen is a view of its own.
    await page.click('#diagram-full');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

test('the whole flow by keyboard alone', async () => {
  const site = await serveDist();
  const { browser, context, page, problems } = await openApp(site);
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await analysed(page);
    // Paste a migration into the migration editor and run the analysis.
    await tabTo(page, '#migration-editor');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('ALTER TABLE users ADD COLUMN nickname text NOT NULL;\nCREATE INDEX users_nickname ON users (nickname);');
    await page.keyboard.press('Control+Enter');
    await analysed(page);
    // Read the findings: the rail goes there, a finding leads to its line.
    await tabTo(page, '#sections button[data-target="findings"]');
    await page.keyboard.press('Enter');
    const finding = page.locator('#findings .finding').first();
    await finding.waitFor();
    assert.match(await page.locator('#findings').innerText(), /careful|dangerous/);
    // The plan.
    await tabTo(page, '#sections button[data-target="plan"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const top = document.getElementById('plan').getBoundingClientRect().top;
      return top >= 0 && top < window.innerHeight;
    });
    assert.ok(await page.locator('#plan .step').count() > 1);
    // Simulate on SQLite.
    await tabTo(page, '#sim-engine');
    await page.keyboard.press('End');
    await tabTo(page, '#simulate');
    await page.keyboard.press('Enter');
    await page.locator('#simulation .sim-result').waitFor({ timeout: 60000 });
    // Copy the share link.
    await tabTo(page, '#share');
    await page.keyboard.press('Enter');
    await page.locator('#share-link').waitFor();
    assert.match(await page.locator('#share-link').inputValue(), /#v2\./);
    await page.screenshot({ path: join(SHOTS, 'keyboard-flow.png') });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
