// Issue 18 in the browser: the page as people use it, at 1440 px and on a
// 390 px phone, light and dark, with a large dump as the schema. Each view
// is saved under target/e2e/ (layout-<view>-<width>-<theme>.png, linked
// from the README) and the layout facts are asserted: the bar on one row
// that does not shift, a compact header on a phone, the page under
// 6,000 px, a rail to each result with its count, Copy never over code,
// file names broken at separators, and feedback where it was asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serveDist, openApp, setEditor, pasteEditor, analysed, SHOTS } from './harness.mjs';

/** A pg_dump-shaped schema of `tables` tables (about 15,000 lines for 140). */
function bigDump(tables) {
  const lines = ['--', '-- PostgreSQL database dump', '--', '', "SET statement_timeout = 0;", ''];
  for (let t = 0; t < tables; t++) {
    lines.push(`CREATE TABLE public.table_${t} (`);
    lines.push('    id bigint NOT NULL,');
    if (t > 0) lines.push(`    parent_id bigint,`);
    for (let c = 0; c < 96; c++) lines.push(`    column_${c} character varying(${20 + c}),`);
    lines.push('    created_at timestamp without time zone DEFAULT now() NOT NULL');
    lines.push(');', '');
    lines.push(`ALTER TABLE ONLY public.table_${t}`, `    ADD CONSTRAINT table_${t}_pkey PRIMARY KEY (id);`, '');
    lines.push(`CREATE INDEX table_${t}_created_at_idx ON public.table_${t} USING btree (created_at);`, '');
    if (t > 0) {
      lines.push(`ALTER TABLE ONLY public.table_${t}`,
        `    ADD CONSTRAINT table_${t}_parent_fkey FOREIGN KEY (parent_id) REFERENCES public.table_${t - 1}(id);`, '');
    }
  }
  return lines.join('\n') + '\n';
}

const MIGRATION = 'ALTER TABLE public.table_3 ADD COLUMN nickname text;\nCREATE INDEX table_5_column_1_idx ON public.table_5 (column_1);\nALTER TABLE public.table_7 DROP COLUMN column_2;';

const VIEWS = ['findings', 'plan', 'simulation', 'diagram-panel', 'schema-model', 'rollback', 'files', 'runbook'];

/** The rectangles of two elements overlap. */
function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function shoot(page, width, theme) {
  for (const view of VIEWS) {
    await page.locator(`#${view}`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, `layout-${view}-${width}-${theme}.png`) });
  }
}

test('the page at 1440 px and 390 px, light and dark, with a 140-table dump', async () => {
  const site = await serveDist();
  const { browser, context, page, problems } = await openApp(site);
  try {
    const dump = bigDump(140);
    assert.ok(dump.split('\n').length > 14000, 'a dump of about 15,000 lines');
    await page.setViewportSize({ width: 1440, height: 900 });
    await pasteEditor(page, 'schema-editor', dump);
    await setEditor(page, 'migration-editor', MIGRATION);
    await analysed(page);
    await page.locator('#plan .step').first().waitFor();

    for (const theme of ['light', 'dark']) {
      await page.selectOption('#theme', theme);
      // The bar: one row at 1440 px, and the same place for every button
      // whatever the dialect.
      const bar = await page.locator('.topbar').boundingBox();
      assert.ok(bar.height < 64, `bar ${bar.height}px high`);
      const share = await page.locator('#share').boundingBox();
      await page.selectOption('#dialect', 'mysql');
      assert.deepEqual(await page.locator('#share').boundingBox(), share, 'the bar shifts with the dialect');
      await page.selectOption('#dialect', 'postgres');
      await analysed(page);

      // The page stays short: untouched tables are one line each.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      assert.ok(height < 6000, `page ${height}px high`);
      assert.equal(await page.locator('#schema-model .tables > .table-card:not(.compact)').count(), 3);

      // The rail names each result with its count and goes to it.
      const rail = await page.locator('#sections').innerText();
      assert.match(rail, /Findings\s*\d+/);
      assert.match(rail, /Schema\s*140/);
      await page.click('#sections button[data-target="runbook"]');
      await page.waitForFunction(() => {
        const top = document.getElementById('runbook').getBoundingClientRect().top;
        return top >= 0 && top < window.innerHeight - 100;
      });

      // Copy buttons never sit on the code they copy.
      for (const block of await page.locator('.sql-block').all()) {
        const copy = await block.locator('.copy').boundingBox();
        const code = await block.locator('pre').boundingBox();
        if (copy && code) assert.ok(!overlaps(copy, code), 'a Copy button covers code');
      }
      // The diagram opens on the touched tables, legible.
      await page.locator('#sections button[data-target="diagram-panel"]').click();
      const touched = page.locator('#diagram .er-table[data-table="table_3"] .er-name');
      await touched.waitFor();
      const text = await touched.boundingBox();
      assert.ok(text.height >= 11, `diagram text ${text.height}px high at open`);
      // Find a table: centred, highlighted, legible.
      const option = await page.locator('#diagram-tables option').nth(1).getAttribute('value');
      await page.fill('#diagram-find', option);
      await page.dispatchEvent('#diagram-find', 'change');
      const found = page.locator(`#diagram .er-table.found[data-table="${option}"] .er-name`);
      await found.waitFor();
      assert.ok((await found.boundingBox()).height >= 11);
      // Full screen, and Escape back.
      await page.click('#diagram-full');
      const full = await page.locator('#diagram-panel').boundingBox();
      assert.ok(full.width >= 1400 && full.height >= 850, JSON.stringify(full));
      await page.screenshot({ path: join(SHOTS, `layout-diagram-full-1440-${theme}.png`) });
      await page.keyboard.press('Escape');
      assert.equal(await page.locator('#diagram-panel.fullscreen').count(), 0);

      // Form controls follow the theme.
      const scheme = await page.evaluate(() => getComputedStyle(document.getElementById('dialect')).colorScheme);
      assert.match(scheme, theme === 'dark' ? /dark/ : /light|normal/);

      await shoot(page, 1440, theme);
    }

    // Feedback next to the action: the copied link shows under the bar,
    // in view, wherever the page was scrolled to.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('#sections button[data-target="files"]');
    await page.click('#share');
    const link = page.locator('#share-link');
    await link.waitFor();
    const box = await link.boundingBox();
    assert.ok(box.y >= 0 && box.y < 200, `the link shows at ${box.y}px`);

    // File names wrap at their separators, never inside a word.
    const names = await page.locator('#files .file-name').evaluateAll((buttons) => buttons.map((b) => b.querySelectorAll('wbr').length));
    assert.ok(names.length > 0 && names.every((n) => n > 0), JSON.stringify(names));

    // A phone: one column, a header in the top quarter of the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    for (const theme of ['light', 'dark']) {
      await page.selectOption('#theme', theme);
      const top = await page.locator('.topbar').boundingBox();
      assert.ok(top.height <= 844 / 4, `phone header ${top.height}px high`);
      const editor = await page.locator('#schema-editor').boundingBox();
      const findings = await page.locator('#findings').boundingBox();
      assert.ok(findings.y > editor.y, 'one column: the results under the editors');
      assert.ok(findings.x + findings.width <= 390 + 1, 'nothing wider than the screen');
      await shoot(page, 390, theme);
    }
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

test('a phone draws the first screen first; the rail goes to a panel even during start', async () => {
  const site = await serveDist();
  const { browser, problems } = await openApp(site);
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.addInitScript(() => {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) console.log(`mark ${e.name}`);
      }).observe({ type: 'mark' });
    });
    const interactive = page.waitForEvent('console', { predicate: (m) => m.text() === 'mark migplan-interactive', timeout: 60000 });
    await page.goto(site.url);
    await interactive;
    // Interactive: the editors and the findings are there; the rail takes
    // the reader to the last panel, drawn or not yet.
    assert.ok(await page.evaluate(() => !!document.getElementById('schema-editor') && !!document.getElementById('findings')));
    // (At 4x throttling the runbook is not drawn yet when this click lands.)
    await page.evaluate(() => document.querySelector('#sections button[data-target="runbook"]').click());
    await page.waitForFunction(() => {
      const runbook = document.getElementById('runbook');
      const top = runbook && runbook.getBoundingClientRect().top;
      return runbook && top >= 0 && top < window.innerHeight - 100;
    }, null, { timeout: 30000 });
    // Every panel is drawn in the end, and the page still answers input.
    for (const id of ['plan', 'migration-statements', 'simulation', 'diagram-panel', 'schema-model', 'rollback', 'files']) {
      await page.locator(`#${id}`).waitFor({ state: 'attached' });
    }
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    // (The example has four statements; the typed migration one.)
    assert.equal(await page.locator('#migration-statements li.statement').count(), 4);
    await page.locator('#migration-editor').fill('ALTER TABLE users DROP COLUMN name;');
    await page.waitForFunction(() => document.querySelectorAll('#migration-statements li.statement').length === 1);
    await context.close();
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
