// Editing: highlighting and markers, Tab and Ctrl+Enter, live analysis,
// files dropped or picked (a project folder fills the inputs), named
// drafts and the plan file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { serveDist, openApp, setEditor, pasteEditor, analysed, SHOTS, ROOT, fromFileMenu } from './harness.mjs';

/** Drops files (path → text) on `selector`, as a drag from the desktop. */
async function dropFiles(page, selector, files) {
  const dt = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const [name, text] of Object.entries(files)) dt.items.add(new File([text], name, { type: 'text/plain' }));
    return dt;
  }, files);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: dt });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt });
}

/**
 * Drops files or folders from the disk as the operating system does
 * (Chromium's own drag and drop, with real entries for folders), at the
 * middle of `selector`.
 */
async function dropPaths(page, selector, paths) {
  const cdp = await page.context().newCDPSession(page);
  const box = await page.locator(selector).boundingBox();
  const at = { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 40) };
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop']) {
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  }
  await cdp.detach();
}

test('the editors highlight, mark, indent and analyse as you type', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await analysed(page);
    // Highlighting from the tokenizer, and the findings in the gutter.
    const line8 = page.locator('#migration-editor').locator('xpath=..').locator('.hl .cl').nth(7);
    assert.equal(await line8.innerText(), 'ALTER TABLE orders DROP COLUMN total;');
    assert.equal(await line8.locator('.tk-kw').first().innerText(), 'ALTER');
    assert.equal(await line8.locator('.mk-dangerous').count() > 0, true);
    const gutter = page.locator('.editor:has(#migration-editor) .gutter .gm-dangerous');
    assert.equal(await gutter.getAttribute('data-line'), '8');
    assert.match(await gutter.getAttribute('title'), /dangerous: dropping orders\.total deletes its data/);
    assert.equal(await page.locator('#severity-summary').innerText(), '✖ 1 dangerous, ⚠ 2 careful');

    // A parse error is marked at its line, with the parser's message.
    await setEditor(page, 'migration-editor', "SELECT 1;\nALTER TABLE users ADD COLUMN x int,,;\nSELECT 'unterminated");
    const error = page.locator('.editor:has(#migration-editor) .gutter .gm-error').first();
    assert.equal(await error.getAttribute('data-line'), '2');
    assert.match(await error.getAttribute('title'), /does not parse/);
    assert.equal(await page.locator('.editor:has(#migration-editor) .hl .cl:has(.tk-err)').count(), 1);
    assert.match(await page.locator('#severity-summary').innerText(), /⊘ 2 not parsed/);
    // What was not read is never counted as safe: the verdict says it is incomplete.
    assert.equal(await page.locator('#incomplete').innerText(), '⊘ incomplete: 2 not analysed');
    assert.match(await page.locator('#findings .incomplete-note').innerText(), /2 statements migplan did not analyse .* not counted as safe/);
    assert.equal(await page.locator('#findings p.empty').count(), 0);

    // Tab indents with spaces (and undo still works); Ctrl+Enter analyses at once.
    await setEditor(page, 'migration-editor', '');
    const area = page.locator('#migration-editor');
    await area.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type('ALTER TABLE users DROP COLUMN name;');
    assert.equal(await area.inputValue(), '  ALTER TABLE users DROP COLUMN name;');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(() => document.querySelector('#severity-summary').innerText.includes('1 dangerous'));
    // Escape, then Tab leaves the editor (keyboard users are never trapped).
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'migration-editor');

    // Typing alone analyses after a short pause.
    await area.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nCREATE INDEX i ON users (email);');
    await page.waitForFunction(() => [...document.querySelectorAll('#findings li.finding')].some((f) => f.dataset.rule === 'adding-index-non-concurrently'));

    // A 20,000-line dump pasted stays fluid: only the lines in view are drawn.
    const dump = Array.from({ length: 20000 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY);`).join('\n');
    await pasteEditor(page, 'schema-editor', dump);
    const drawn = await page.locator('.editor:has(#schema-editor) .hl .cl').count();
    assert.ok(drawn < 200, `${drawn} lines drawn`);
    await page.locator('#schema-editor').evaluate((a) => { a.scrollTop = 19000 * 19; a.dispatchEvent(new Event('scroll')); });
    await page.waitForFunction(() => [...document.querySelectorAll('.editor:has(#schema-editor) .gutter .ln')].some((l) => l.innerText === '19001'));
    await page.screenshot({ path: join(SHOTS, 'editor-markers.png') });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

test('files and folders fill the inputs; drafts and plan files keep work', async () => {
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await analysed(page);
    // A folder dragged from the disk, even onto an editor, opens as a
    // project (walked through Chromium's entries API); a single file
    // dropped on the page becomes the migration.
    await dropPaths(page, '#migration-editor', [join(ROOT, 'tests/fixtures/projects/dbmate')]);
    await page.waitForFunction(() => /Opened your dbmate project/.test(document.getElementById('notice')?.innerText ?? ''));
    assert.match(await page.locator('#notice').innerText(), /migration db\/migrations\/20260102120000_add_email\.sql/);
    assert.equal(await page.inputValue('#framework'), 'dbmate');
    assert.match(await page.inputValue('#migration-editor'), /ADD COLUMN email/);
    assert.match(await page.inputValue('#schema-editor'), /CREATE TABLE users/);
    await dropPaths(page, '#findings', [join(ROOT, 'tests/fixtures/projects/goose/migrations/00001_create_users.sql')]);
    await page.waitForFunction(() => /00001_create_users\.sql is now the migration/.test(document.getElementById('notice')?.innerText ?? ''));
    assert.match(await page.inputValue('#migration-editor'), /CREATE TABLE users/);

    // A file dropped on an editor replaces its text.
    await dropFiles(page, '.editor:has(#down-editor) .editor-body', { 'down.sql': 'ALTER TABLE users DROP COLUMN display_name;\n' });
    await page.waitForFunction(() => document.getElementById('down-editor').value.startsWith('ALTER TABLE users DROP COLUMN display_name'));

    // A project folder (picked): its latest migration and down, and the
    // earlier migrations as the schema; the framework is detected.
    await page.setInputFiles('#open-folder', join(ROOT, 'tests/fixtures/projects/golang-migrate'));
    await page.waitForFunction(() => /golang-migrate project/.test(document.getElementById('notice')?.innerText ?? ''));
    assert.match(await page.locator('#notice').innerText(), /Opened your golang-migrate project: .*migration migrations\/000002_add_email\.up\.sql/);
    await analysed(page);
    assert.match(await page.inputValue('#migration-editor'), /email/);
    assert.match(await page.inputValue('#schema-editor'), /CREATE TABLE users/);
    assert.equal(await page.inputValue('#framework'), 'golang-migrate');

    // What the folder replaced was kept under "Replaced work".
    await page.click('#drafts summary');
    const previous = page.locator('#drafts li.replaced').first();
    await previous.waitFor();
    assert.match(await previous.innerText(), /replaced by a folder/);
    // Named drafts: save this one, open the previous one, come back.
    await page.fill('#draft-name', 'email column');
    await page.click('#draft-save');
    await page.locator('#drafts li[data-draft="email column"]').waitFor();
    await previous.locator('.replaced-open').click();
    await page.waitForFunction(() => document.getElementById('down-editor').value.includes('display_name'));
    await page.locator('#drafts li[data-draft="email column"] .draft-open').click();
    await page.waitForFunction(() => document.getElementById('migration-editor').value.includes('email'));
    page.once('dialog', (d) => d.accept());
    await page.locator('#drafts li[data-draft="email column"] .draft-delete').click();
    await page.waitForFunction(() => !document.querySelector('#drafts li[data-draft="email column"]'));
    await page.click('#drafts summary');

    // The plan file: downloaded, then dropped on a fresh page, opens the same work.
    await page.selectOption('#dialect', 'mysql');
    await analysed(page);
    const [download] = await Promise.all([page.waitForEvent('download'), fromFileMenu(page, '#save-file')]);
    assert.equal(download.suggestedFilename(), 'plan.migplan.json');
    const path = join(SHOTS, 'plan.migplan.json');
    await download.saveAs(path);
    const file = await readFile(path, 'utf8');
    assert.match(file, /"migplan": "migplan-plan-v1"/);
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(site.url);
    await analysed(fresh);
    await dropFiles(fresh, 'main', { 'plan.migplan.json': file });
    await fresh.waitForFunction(() => document.getElementById('migration-editor').value.includes('email'));
    assert.equal(await fresh.inputValue('#dialect'), 'mysql');
    assert.equal(await fresh.inputValue('#framework'), 'golang-migrate');
    // A damaged plan file says so and changes nothing.
    await dropFiles(fresh, 'main', { 'plan.migplan.json': file.slice(0, 100) });
    await fresh.locator('#notice').waitFor();
    assert.match(await fresh.locator('#notice').innerText(), /could not be opened: what it carries is damaged/);
    assert.match(await fresh.inputValue('#migration-editor'), /email/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});

// Real clipboard pastes (Ctrl+V): a large text over a large selection is
// put in place by the page (the browser's own command takes seconds), and
// replaces exactly the selection; a small paste over a large selection
// too; a small paste elsewhere stays the browser's (with its undo step).
test('pastes replace the selection, large or small, with the caret after them', async () => {
  const site = await serveDist();
  const { browser, context, page, problems } = await openApp(site);
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
    const table = (i) => `CREATE TABLE t_${i} (\n  id bigint PRIMARY KEY,\n  note text -- é😀\n);\n`;
    const big = (from, n) => Array.from({ length: n }, (_, i) => table(from + i)).join('');
    const paste = async (text) => {
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await page.keyboard.press('Control+V');
    };
    const editor = page.locator('#schema-editor');
    const statements = () => page.getAttribute('#analysis-time', 'data-statements').then(Number);
    const settled = (text) => page.waitForFunction((n) => document.getElementById('schema-editor').value.length === n, text.length);

    // Large over the whole example.
    const first = big(0, 3200);
    await editor.focus();
    await page.keyboard.press('Control+A');
    await paste(first);
    await page.waitForFunction(() => Number(document.getElementById("analysis-time").dataset.statements) >= 3200);
    await settled(first);
    assert.equal(await editor.inputValue(), first);
    assert.equal(await editor.evaluate((t) => t.selectionStart), first.length);
    assert.ok(await statements() >= 3200);

    // Large over a large selection in the middle (from table 1000 to 2400).
    const from = first.indexOf('CREATE TABLE t_1000 ');
    const to = first.indexOf('CREATE TABLE t_2400 ');
    await editor.evaluate((t, [a, b]) => t.setSelectionRange(a, b), [from, to]);
    const middle = big(90000, 3200);
    await paste(middle);
    const second = first.slice(0, from) + middle + first.slice(to);
    await settled(second);
    assert.equal(await editor.inputValue(), second);
    assert.equal(await editor.evaluate((t) => t.selectionStart), from + middle.length);
    await page.waitForFunction(() => document.querySelector('#severity-summary').dataset.stale === 'false');

    // Small over a large selection: replaced too. (Selected by script:
    // Chromium's own select-all over 20,000 lines takes many seconds.)
    await editor.evaluate((t) => t.setSelectionRange(0, 30000));
    const one = 'CREATE TABLE only_one (id int);';
    await paste(one);
    const third = one + second.slice(30000);
    await settled(third);
    assert.equal(await editor.inputValue(), third);
    assert.equal(await editor.evaluate((t) => t.selectionStart), one.length);

    // Small at the caret: the browser's own paste, undone by Ctrl+Z.
    await paste('\nCREATE TABLE two (id int);');
    await page.waitForFunction(() => document.getElementById('schema-editor').value.includes('TABLE two'));
    assert.ok((await editor.inputValue()).startsWith(`${one}\nCREATE TABLE two (id int);`));
    await page.keyboard.press('Control+Z');
    await page.waitForFunction(() => !document.getElementById('schema-editor').value.includes('TABLE two'));

    // A Ctrl+V whose paste never comes (a keydown sent by script pastes
    // nothing) keeps the selection it collapsed only until the next key:
    // a later paste goes at the caret, not over that old selection.
    const now = await editor.inputValue();
    await editor.evaluate((t) => t.setSelectionRange(0, 25000));
    await editor.dispatchEvent('keydown', { key: 'v', ctrlKey: true });
    assert.equal(await editor.evaluate((t) => t.selectionStart), 25000, 'the selection is collapsed at its end');
    await page.keyboard.type('x');
    await paste('-- z\n');
    const fourth = `${now.slice(0, 25000)}x-- z\n${now.slice(25000)}`;
    await page.waitForFunction((n) => document.getElementById('schema-editor').value.length === n, fourth.length);
    assert.equal(await editor.inputValue(), fourth);

    // While a large paste is held (until the frame with its results is
    // painted, the text area keeps its old text, or none when that text is
    // itself large), an edit would replace the pasted text, so none is
    // taken; once it is in place, edits are taken again.
    // The paste and the edit are sent in one task, so the edit lands inside
    // the hold whatever the machine's speed.
    const held = big(500000, 3300);
    const during = await editor.evaluate(async (area, text) => {
      const edit = () => {
        const typed = new InputEvent('beforeinput', { inputType: 'insertText', data: 'x', bubbles: true, cancelable: true });
        area.dispatchEvent(typed);
        return typed.defaultPrevented;
      };
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
      const data = new DataTransfer();
      data.setData('text/plain', text);
      area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      const atOnce = edit();
      // Yew draws the hold in microtasks of this task, and may yield to
      // the browser between that render and its effects.
      for (let i = 0; i < 50; i++) await Promise.resolve();
      const again = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
      area.dispatchEvent(again);
      return { refused: [atOnce, edit(), again.defaultPrevented], shown: area.value.length };
    }, held);
    assert.deepEqual(during.refused, [true, true, true], 'an edit or a second paste during the hold is refused');
    assert.ok(during.shown < fourth.length + held.length, 'the pasted text is not in place yet');
    const fifth = fourth + held;
    await page.waitForFunction((n) => document.getElementById('schema-editor').value.length === n, fifth.length);
    assert.equal(await editor.inputValue(), fifth);
    assert.equal(await editor.evaluate((t) => t.selectionStart), fifth.length);
    const after = await editor.evaluate((area) => {
      const edit = new InputEvent('beforeinput', { inputType: 'insertText', data: 'x', bubbles: true, cancelable: true });
      area.dispatchEvent(edit);
      return edit.defaultPrevented;
    });
    assert.equal(after, false, 'edits are taken once the paste is in place');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
