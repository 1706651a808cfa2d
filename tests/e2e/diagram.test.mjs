// The schema diagram: an added column highlighted after the migration and
// absent before; zoom and pan; a 60-table schema laid out without overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, serveDist, openApp, setEditor, analysed, SHOTS } from './harness.mjs';

const viewBox = (page) => page.getAttribute('#diagram', 'viewBox').then((v) => v.split(' ').map(Number));

test('the diagram highlights what the migration changes; zoom, pan, 60 tables', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await analysed(page);
    const panel = page.locator('#diagram-panel');
    await panel.scrollIntoViewIfNeeded();
    // After: the example's added column is marked (sign and colour), the
    // dropped one struck through, and the foreign key drawn.
    const users = page.locator('#diagram g.er-table[data-table="users"]');
    const added = users.locator('text.er-row.added');
    assert.match(await added.textContent(), /\+ display_name\s*text/);
    assert.equal(await added.evaluate((e) => getComputedStyle(e).fill), 'rgb(30, 125, 60)');
    const dropped = page.locator('#diagram g.er-table[data-table="orders"] text.er-row.removed');
    assert.match(await dropped.textContent(), /− total/);
    assert.equal(await page.locator('#diagram path.er-edge').count(), 1);
    assert.match(await page.locator('#diagram path.er-edge title').textContent(), /orders → users/);
    await panel.screenshot({ path: join(SHOTS, 'diagram-after.png') });
    // Before: no added column yet; the one to be dropped is marked.
    await page.click('#diagram-before');
    await page.waitForFunction(() => !document.querySelector('#diagram text.er-row.added'));
    assert.match(await page.locator('#diagram g.er-table[data-table="orders"] text.er-row.removed').textContent(), /total/);
    await page.click('#diagram-after');

    // Zoom (buttons, keys) and pan (drag) move the view box.
    await page.click('#diagram-fit');
    const fit = await viewBox(page);
    await page.click('#diagram-zoom-in');
    const zoomed = await viewBox(page);
    assert.ok(zoomed[2] < fit[2], `${zoomed} vs ${fit}`);
    const box = await page.locator('#diagram').boundingBox();
    await page.mouse.move(box.x + 200, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 100, box.y + 50, { steps: 4 });
    await page.mouse.up();
    const panned = await viewBox(page);
    assert.ok(panned[0] > zoomed[0] && panned[1] > zoomed[1], `${panned} vs ${zoomed}`);
    await page.locator('#diagram').focus();
    await page.keyboard.press('0');
    assert.deepEqual(await viewBox(page), fit);
    await page.keyboard.press('-');
    assert.ok((await viewBox(page))[2] > fit[2]);

    // 60 tables with foreign keys: every box apart from every other.
    const schema = Array.from({ length: 60 }, (_, i) =>
      `CREATE TABLE t${i} (id bigint PRIMARY KEY, parent_id bigint${i ? ` REFERENCES t${Math.floor(i / 3)}(id)` : ''}, note text);`).join('\n');
    await setEditor(page, 'schema-editor', schema);
    await setEditor(page, 'migration-editor', 'ALTER TABLE t42 ADD COLUMN flagged boolean;');
    await page.waitForFunction(() => document.querySelectorAll('#diagram g.er-table').length === 60);
    const rects = await page.locator('#diagram g.er-table').evaluateAll((gs) => gs.map((g) => {
      const [x, y] = g.getAttribute('transform').match(/-?[\d.]+/g).map(Number);
      const r = g.querySelector('rect.er-box');
      return { x, y, w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) };
    }));
    for (let i = 0; i < rects.length; i++) {
      for (let j = i + 1; j < rects.length; j++) {
        const [a, b] = [rects[i], rects[j]];
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        assert.ok(apart, `boxes ${i} and ${j} overlap`);
      }
    }
    assert.equal(await page.locator('#diagram path.er-edge').count(), 59);
    assert.match(await page.locator('#diagram g.er-table[data-table="t42"] text.er-row.added').textContent(), /flagged/);
    await panel.screenshot({ path: join(SHOTS, 'diagram-60-tables.png') });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

// A real schema of about twenty tables (authelia's PostgreSQL history up
// to V0008, from the corpus beside the project) reads whole at "Fit" on a
// 1440 px screen: every table in view, its name at least 11 px high.
test('a twenty-table schema is legible whole at Fit', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    const dir = join(ROOT, '..', 'shared', 'corpus', 'authelia__authelia', 'internal', 'storage', 'migrations', 'postgres');
    const ups = (await readdir(dir)).filter((f) => f.endsWith('.up.sql')).sort();
    const upTo = (version) => Promise.all(ups.filter((f) => f < version).map((f) => readFile(join(dir, f), 'utf8')));
    await page.setViewportSize({ width: 1440, height: 900 });
    await setEditor(page, 'schema-editor', (await upTo('V0009')).join('\n'));
    await setEditor(page, 'migration-editor', await readFile(join(dir, ups.find((f) => f.startsWith('V0009'))), 'utf8'));
    await analysed(page);
    const panel = page.locator('#diagram-panel');
    await panel.scrollIntoViewIfNeeded();
    const count = await page.locator('#diagram g.er-table').count();
    assert.ok(count >= 15 && count <= 20, `${count} tables`);
    await page.click('#diagram-fit');
    const { svg, names } = await page.evaluate(() => {
      const box = (el) => el.getBoundingClientRect();
      return {
        svg: box(document.getElementById('diagram')),
        names: [...document.querySelectorAll('#diagram .er-name')].map((t) => ({ name: t.textContent, ...box(t).toJSON() })),
      };
    });
    await panel.screenshot({ path: join(SHOTS, 'diagram-20-tables-fit.png') });
    assert.ok(svg.height <= 2 * 900, `a box ${svg.height}px high`);
    assert.equal(names.length, count);
    for (const n of names) {
      assert.ok(n.height >= 11, `${n.name}: ${n.height}px high at Fit`);
      assert.ok(n.left >= svg.x - 1 && n.right <= svg.x + svg.width + 1
        && n.top >= svg.y - 1 && n.bottom <= svg.y + svg.height + 1, `${n.name} outside the box at Fit`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
