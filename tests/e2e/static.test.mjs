// Any static host: `python3 -m http.server` in dist/ (its own MIME types,
// served at the root) opens the app, analyses and simulates on sql.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, DIST, analysed } from './harness.mjs';

const require = createRequire(join(ROOT, 'web', 'package.json'));
const { chromium } = require('playwright-core');

test('dist/ works from python3 -m http.server', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], { cwd: DIST, stdio: 'ignore' });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; ; i++) {
      try { await page.goto(url); break; } catch (e) { if (i > 50) throw e; await new Promise((ok) => setTimeout(ok, 100)); }
    }
    await analysed(page);
    assert.match(await page.locator('#severity-summary').innerText(), /1 dangerous/);
    // PostgreSQL itself (PGlite) from a plain static server; the example's
    // generated down cannot bring orders.total back, which PostgreSQL sees.
    await page.click('#simulate');
    const result = page.locator('#simulation .sim-result');
    await result.waitFor({ timeout: 120000 });
    assert.match(await result.innerText(), /on PostgreSQL [\d.]+ \(PGlite [\d.]+\) in this page/);
    assert.match(await page.locator('#sim-checks tr[data-check="data preserved"]').innerText(), /orders\.total/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.kill();
  }
});
