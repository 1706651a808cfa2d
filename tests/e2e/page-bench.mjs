// Page budgets for `cargo xtask bench` (not a test: it measures, it does not
// assert). Prints `BENCH|what|input|ms` lines, medians of several runs:
// - time to interactive: navigation start to the app's `migplan-interactive`
//   mark (the header, the editors and the findings rendered with the example
//   analysed), each load cold in a fresh browser context; then until
//   `migplan-drawn` (the result panels below, drawn one per task after it)
//   and the longest main-thread task in between. The page announces its
//   marks on the console, so the bench does not poll (Playwright's polling
//   script would run on the throttled main thread it measures);
// - the same on a 390 px phone with the CPU throttled four times;
// - analysis of the built-in example, and of the 20,000-line dump in
//   target/bench/ (written by xtask), as the page itself times it;
// - a real paste (clipboard, Ctrl+V) of 15,000 lines of that dump into the
//   schema editor, until the frame that draws its results has been painted
//   (timed inside the page by an observer set up before the paste);
// - PostgreSQL in the page (PGlite): its start (download, compile, initdb
//   of both databases) cold and from the service worker's cache, and the
//   column backfill of the simulation benchmarks at 100,000 rows, as the
//   page reports them (#sim-timing).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, serveDist, openApp } from './harness.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const site = await serveDist();
const { browser, page, problems } = await openApp(site);
try {
  // One cold load in a fresh context: the marks and the longest task
  // between them, in ms from navigation start.
  const load = async (options, rate) => {
    const context = await browser.newContext(options);
    const p = await context.newPage();
    if (rate) {
      const cdp = await context.newCDPSession(p);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    }
    await p.addInitScript(() => {
      window.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) console.log(`mark ${e.name}`);
      }).observe({ type: 'mark' });
      new PerformanceObserver((list) => {
        const interactive = performance.getEntriesByName('migplan-interactive')[0];
        for (const e of list.getEntries()) {
          if (interactive && e.startTime > interactive.startTime) {
            window.__longest = Math.max(window.__longest, e.duration);
          }
        }
      }).observe({ type: 'longtask' });
    });
    const drawn = p.waitForEvent('console', { predicate: (m) => m.text() === 'mark migplan-drawn', timeout: 120000 });
    await p.goto(site.url);
    await drawn;
    const times = await p.evaluate(() => ({
      interactive: performance.getEntriesByName('migplan-interactive')[0].startTime,
      drawn: performance.getEntriesByName('migplan-drawn')[0].startTime,
      longest: window.__longest,
    }));
    await context.close();
    return times;
  };
  const report = (what, runs) => {
    console.log(`BENCH|time to interactive (${what})|built-in example|${median(runs.map((r) => r.interactive)).toFixed(1)}`);
    console.log(`BENCH|every result panel drawn (${what})|built-in example|${median(runs.map((r) => r.drawn)).toFixed(1)}`);
    console.log(`BENCH|longest task after interactive (${what})|built-in example|${median(runs.map((r) => r.longest)).toFixed(1)}`);
  };
  const desk = [];
  for (let i = 0; i < 7; i++) desk.push(await load({ viewport: { width: 1280, height: 800 } }));
  report('cold, loopback', desk);

  // A phone: 390 px, the CPU four times slower (Chromium's throttling).
  const phone = [];
  for (let i = 0; i < 7; i++) {
    phone.push(await load({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, 4));
  }
  report('390 px phone, CPU 4x slower', phone);

  const timed = async () => {
    await page.waitForSelector('#severity-summary:not(:has(.hint))');
    return Number(await page.getAttribute('#analysis-time', 'data-ms'));
  };
  // As a paste: one input event (Playwright's fill types line by line),
  // then Ctrl+Enter analyses at once.
  const analyse = async (id, text) => {
    await page.evaluate(([id, text]) => {
      const a = document.getElementById(id);
      a.value = text;
      a.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    }, [id, text]);
    await page.locator(`#${id}`).press('Control+Enter');
    return timed();
  };
  const example = { schema: await page.inputValue('#schema-editor'), migration: await page.inputValue('#migration-editor') };
  const ex = [];
  for (let i = 0; i < 9; i++) {
    ex.push(await analyse('migration-editor', example.migration + `\n-- run ${i}\n`));
  }
  console.log(`BENCH|analysis in the page|built-in example|${median(ex).toFixed(1)}`);

  const dump = await readFile(join(ROOT, 'target', 'bench', 'dump-20000.sql'), 'utf8');
  const big = [];
  for (let i = 0; i < 5; i++) {
    big.push(await analyse('schema-editor', dump + `\n-- run ${i}\n`));
  }
  console.log(`BENCH|analysis in the page|20,000-line pg_dump + example migration|${median(big).toFixed(1)}`);

  // A real paste: the dump on the clipboard, Ctrl+A and Ctrl+V in the
  // schema editor (replacing the previous paste), until the results of the
  // pasted text are shown (each paste has one statement more than the one
  // before), and until the editor's text area holds it.
  const lines = dump.split('\n');
  const pasted = lines.slice(0, 15000).join('\n');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
  const [paste, settled] = [[], []];
  for (let i = 0; i < 8; i++) {
    const extra = Array.from({ length: i + 1 }, (_, k) => `CREATE TABLE pasted_${k} (id int);`).join('\n');
    const text = `${pasted}\n${extra}\n`;
    await page.evaluate((t) => navigator.clipboard.writeText(t), text);
    // The draft of the previous run saved first (it is saved after a pause).
    await page.waitForTimeout(4000);
    const before = Number(await page.getAttribute('#analysis-time', 'data-statements'));
    await page.locator('#schema-editor').focus();
    await page.keyboard.press('Control+A');
    // The first replaces the example (whose count differs).
    const expected = i === 0 ? -before : before + 1;
    // Watched from inside the page, set up before the paste: the results
    // are shown when the frame that draws them has been painted (a task
    // queued from that frame's animation callbacks runs after its paint).
    // Polling from the test would add its own round trip and a frame.
    const start = await page.evaluate((n) => {
      const shown = () => {
        const count = Number(document.getElementById('analysis-time')?.dataset.statements);
        const fresh = document.querySelector('#severity-summary')?.dataset.stale === 'false';
        return fresh && (n < 0 ? count !== -n : count === n);
      };
      window.__shown = new Promise((resolve) => {
        const watch = new MutationObserver(() => {
          if (!shown()) return;
          watch.disconnect();
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
        });
        watch.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-statements', 'data-stale'] });
      });
      return performance.now();
    }, expected);
    await page.keyboard.press('Control+V');
    const shown = await page.evaluate(() => window.__shown);
    paste.push(shown - start);
    const held = await page.waitForFunction((n) => document.getElementById('schema-editor').value.length === n && performance.now(), text.length, { timeout: 60000 });
    settled.push((await held.jsonValue()) - start);
  }
  // The first paste replaces the example; the medians are of the others.
  const replacing = (xs) => median(xs.slice(1));
  console.log(`BENCH|paste to results (real Ctrl+V)|15,000-line pg_dump|${replacing(paste).toFixed(1)}`);
  console.log(`BENCH|paste until the editor holds the text (real Ctrl+V)|15,000-line pg_dump|${replacing(settled).toFixed(1)}`);
  await pgliteBench(page);
  if (problems.length) console.error(problems.join('\n'));
} finally {
  await browser.close();
  await site.close();
}

/** PGlite's start (cold, then cached) and a 100,000-row backfill. */
async function pgliteBench(page) {
  const set = async (id, text) => {
    await page.evaluate(([id, text]) => {
      const a = document.getElementById(id);
      a.value = text;
      a.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    }, [id, text]);
  };
  await set('schema-editor', 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text, age integer);');
  await set('migration-editor', 'ALTER TABLE users ADD COLUMN full_name text;\nUPDATE users SET full_name = name;');
  await page.locator('#migration-editor').press('Control+Enter');
  await page.selectOption('#sim-engine', 'postgres');
  await page.fill('#sim-rows', '100000');
  await page.dispatchEvent('#sim-rows', 'change');
  const runs = [];
  for (let i = 0; i < 3; i++) {
    await page.click('#simulate');
    const timing = page.locator('#sim-timing');
    await timing.waitFor({ timeout: 900000 });
    const ok = await page.locator('#simulation .sim-ok').count();
    if (!ok) throw new Error(`the PGlite simulation failed: ${await page.locator('#simulation').innerText()}`);
    runs.push([Number(await timing.getAttribute('data-start-ms')), Number(await timing.getAttribute('data-simulate-ms'))]);
  }
  console.log(`BENCH|start (PGlite, first load)|download, compile, initdb and a copy|${runs[0][0].toFixed(0)}`);
  console.log(`BENCH|start (PGlite, from the service worker's cache)|compile, initdb and a copy|${median(runs.slice(1).map((r) => r[0])).toFixed(0)}`);
  console.log(`BENCH|simulate a column backfill (up, checks, down) (PGlite)|100000 rows|${median(runs.map((r) => r[1])).toFixed(0)}`);
}
