// Issue 15 in the browser: a Rails project folder opened in the page. Its
// history (Ruby) becomes the schema, its newest migration fills the
// migration editor as Ruby (highlighted as Ruby, with findings on the
// Ruby lines and a "show as SQL" view of what migplan read), and the plan
// is written as Rails migration files in Active Record's own operations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { serveDist, openApp, analysed, SHOTS } from './harness.mjs';

const CREATE_USERS = `class CreateUsers < ActiveRecord::Migration[7.1]
  def change
    create_table :users do |t|
      t.string :email, null: false
      t.string :legacy_code
      t.timestamps
    end
  end
end
`;

const TIDY_USERS = `class TidyUsers < ActiveRecord::Migration[7.1]
  def change
    add_index :users, :email
    remove_column :users, :legacy_code, :string
  end
end
`;

test('a Rails project folder: history as schema, Ruby findings, show as SQL, Rails files out', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'migplan-rails-'));
  await mkdir(join(dir, 'db', 'migrate'), { recursive: true });
  await writeFile(join(dir, 'db', 'migrate', '20260101120000_create_users.rb'), CREATE_USERS);
  await writeFile(join(dir, 'db', 'migrate', '20260102120000_tidy_users.rb'), TIDY_USERS);
  const site = await serveDist();
  const { browser, page, problems } = await openApp(site);
  try {
    await analysed(page);
    await page.setInputFiles('#open-folder', dir);
    await page.waitForFunction(() => /Rails \(Active Record\) project/.test(document.getElementById('notice')?.innerText ?? ''));
    assert.match(await page.locator('#notice').innerText(), /migration db\/migrate\/20260102120000_tidy_users\.rb/);
    await analysed(page);
    assert.equal(await page.inputValue('#framework'), 'rails');
    assert.match(await page.inputValue('#migration-editor'), /remove_column :users, :legacy_code/);
    // The history, read as the SQL Rails runs, is the schema.
    assert.match(await page.inputValue('#schema-editor'), /CREATE TABLE users \(/);
    assert.match(await page.inputValue('#schema-editor'), /legacy_code character varying/);

    // Findings sit on the Ruby lines.
    const drop = page.locator('#findings li.finding[data-rule="dropping-column"]');
    assert.equal(await drop.getAttribute('data-line'), '4');
    assert.match(await drop.innerText(), /dropping users\.legacy_code/);
    const index = page.locator('#findings li.finding[data-rule="adding-index-non-concurrently"]');
    assert.equal(await index.getAttribute('data-line'), '3');
    assert.match(await page.locator('#severity-summary').innerText(), /dangerous/);

    // The editor highlights Ruby: keywords and symbols.
    const editor = page.locator('.editor:has(#migration-editor) .hl');
    assert.ok(await editor.locator('.tk-kw', { hasText: 'def' }).count() >= 1);
    assert.ok(await editor.locator('.tk-par', { hasText: ':users' }).count() >= 1);

    // Show as SQL: what migplan read from the Ruby.
    await page.click('#show-sql');
    const sql = await page.locator('#migration-sql').innerText();
    assert.match(sql, /CREATE INDEX index_users_on_email ON users \(email\);/);
    assert.match(sql, /ALTER TABLE users DROP COLUMN legacy_code;/);

    // The plan comes out as Rails migrations continuing the project.
    const names = await page.locator('#files .file-name').allInnerTexts();
    const rails = names.filter((n) => /^db\/migrate\/\d{14}_.+\.rb$/.test(n));
    assert.ok(rails.length >= 1, names.join('\n'));
    assert.ok(rails.every((n) => n > 'db/migrate/20260102120000'), names.join('\n'));
    // ... in Active Record's own operations, not SQL wrapped in execute.
    const written = await page.locator('#files').textContent();
    assert.match(written, /disable_ddl_transaction!/);
    assert.match(written, /add_index 'users', \['email'\], name: 'index_users_on_email', algorithm: :concurrently/);
    await page.screenshot({ path: join(SHOTS, 'rails-project.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await site.close();
    await rm(dir, { recursive: true, force: true });
  }
});
