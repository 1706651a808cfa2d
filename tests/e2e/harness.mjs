// Shared set-up for the end-to-end tests: serves the built dist/ under a
// sub-path on loopback and drives Debian's Chromium with playwright-core.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { readFile, mkdir } from 'node:fs/promises';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'target', 'e2e');
export const PREFIX = '/some/prefix/';

const require = createRequire(join(ROOT, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serves dist/ at PREFIX only; everything else is a 404. */
export async function serveDist() {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    if (!path.startsWith(PREFIX)) { res.writeHead(404).end(); return; }
    let rel = normalize(path.slice(PREFIX.length)).replace(/^(\.\.[/\\])+/, '');
    if (rel === '' || rel === '.' || rel.endsWith('/')) rel = join(rel, 'index.html');
    try {
      const body = await readFile(join(DIST, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: origin + PREFIX, requests, close: () => new Promise((ok) => server.close(ok)) };
}

/** Launches Chromium; records page errors, console errors and off-origin requests. */
export async function openApp(site) {
  await mkdir(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('data:') || u.startsWith(site.origin + '/')) return route.continue();
    problems.push(`request outside the origin: ${u}`);
    return route.abort();
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  // What the page itself asked for (the service worker's own caching of
  // the site is not the page's doing).
  const pageRequests = [];
  page.on('request', (r) => pageRequests.push(r.url()));
  // The Content-Security-Policy must never have to block anything.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(site.url);
  return { browser, context, page, problems, pageRequests };
}

/** Replaces an editor's whole text the way a user pasting would. */
export async function setEditor(page, id, text) {
  const area = page.locator(`#${id}`);
  await area.click();
  await area.press('Control+A');
  await area.press('Delete');
  await area.fill(text);
  await analysed(page);
}

/**
 * Puts a large text in an editor as a paste does (one input event).
 * Playwright's fill types through Chromium's editing commands, which takes
 * seconds per thousand lines in any textarea.
 */
export async function pasteEditor(page, id, text) {
  await page.locator(`#${id}`).waitFor();
  await page.evaluate(([id, text]) => {
    const a = document.getElementById(id);
    a.focus();
    a.value = text;
    a.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, [id, text]);
  await analysed(page);
}

/** Waits for the analysis that follows typing (after a short pause), and
 *  for the result panels below the findings, which follow it a frame later. */
export async function analysed(page) {
  await page.waitForFunction(() => document.querySelector('#severity-summary')?.dataset.stale === 'false'
    && document.querySelector('.outputs')?.getAttribute('aria-busy') === 'false');
}

/** Clicks an item of the bar's File menu (`#save-file`, `#reset`),
 *  opening the menu first when it is closed. */
export async function fromFileMenu(page, id) {
  const open = await page.locator('#file-menu').evaluate((menu) => menu.open);
  if (!open) await page.click('#file-menu > summary');
  await page.click(id);
}
