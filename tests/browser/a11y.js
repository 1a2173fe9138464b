// Browser checks of every page of the site in headless Chromium:
//   - axe-core (WCAG 2.1 A and AA rules, and axe's best practices) at a phone's, a
//     tablet's and a desktop's width, in the light and in the dark colour scheme;
//   - no page scrolls sideways (also at 320 px, the narrowest width the site supports);
//   - no page requests anything from another host than the server under test;
//   - the Nu HTML checker (vnu) finds no error in the HTML the server sent.
//
//   node tests/browser/a11y.js [PATH_TO_WBT_SITE [CONTENT_DIR]]
//
// Without PATH_TO_WBT_SITE, asks cargo where it builds the binary (.ci/wbt-site-binary),
// so that CARGO_TARGET_DIR and the like are followed.
// Starts the binary on a free loopback port, reads /sitemap.xml for every page and adds
// those listed in extra-pages.txt beside this file. Each page is loaded once per worker;
// widths and colour schemes are then switched on the loaded page (the site's CSS is all
// there is to re-run: no page needs JavaScript). Each page counts 9 checks: 7 of width
// and scheme (axe and sideways scrolling; 320 px only the latter), other hosts, vnu.
// Prints one line per problem and a closing "N passed, M failed" line; exits 1 when
// anything fails.
//
// Environment: CHROMIUM (default /usr/bin/chromium), JAVA (default java),
// BROWSER_WORKERS (pages checked at once, default 2), BROWSER_PAGES (a regular expression:
// check only the pages whose path matches, when working on a few).
'use strict';
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const VNU = require.resolve('vnu-jar/build/dist/vnu.jar');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
// Widths axe runs at, in each colour scheme.
const AXE_WIDTHS = [375, 768, 1280];
// Widths checked for sideways scrolling only.
const OVERFLOW_ONLY_WIDTHS = [320];
const SCHEMES = ['light', 'dark'];
const HEIGHT = 900;
const WORKERS = Math.max(1, Number(process.env.BROWSER_WORKERS) || 2);

function start(binary, content) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--addr', '127.0.0.1:0'];
    if (content) args.push('--content', content);
    const server = spawn(binary, args, { env: { ...process.env, RUST_LOG: 'warn' } });
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) resolve({ server, base: match[0] });
    });
    server.on('exit', (code) => reject(new Error(`wbt-site exited with ${code}`)));
  });
}

// The wbt-site binary as cargo reports it, built if need be.
function cargoBinary() {
  const root = path.join(__dirname, '..', '..');
  const helper = path.join(root, '.ci', 'wbt-site-binary');
  return execFileSync(helper, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

// extra-pages.txt: one path a line, '#' comments.
function extraPages() {
  return fs.readFileSync(path.join(__dirname, 'extra-pages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

async function pagesToCheck(base) {
  const sitemap = await (await fetch(`${base}/sitemap.xml`)).text();
  const paths = [...sitemap.matchAll(/<loc>https?:\/\/[^/<]+([^<]*)<\/loc>/g)].map((m) => m[1]);
  if (paths.length === 0) throw new Error('the sitemap lists no page');
  // As the browser will ask for it (non-ASCII query percent-encoded), so duplicates drop.
  const all = [...paths, ...extraPages()].map((p) => {
    const url = new URL(p, base);
    return url.pathname + url.search;
  });
  const only = process.env.BROWSER_PAGES ? new RegExp(process.env.BROWSER_PAGES) : null;
  return {
    paths: [...new Set(all)].filter((p) => !only || only.test(p)),
    listed: new Set(all.slice(0, paths.length)),
  };
}

class Tally {
  constructor() { this.passed = 0; this.failed = 0; }
  pass() { this.passed++; }
  fail(line) { this.failed++; if (line) console.log(line); }
}

// Loads one page, then checks it at every width in both colour schemes; a page in the
// sitemap must answer 200, one from extra-pages.txt 200 or 404. Returns the HTML the
// server sent, for vnu.
async function checkPage(page, base, p, listed, tally, requests) {
  requests.length = 0;
  const response = await page.goto(base + p, { waitUntil: 'load' });
  const status = response ? response.status() : 0;
  if (status === 404 && !listed) {
    console.log(`note: ${p} answered 404; the 404 page is checked`);
  } else if (status !== 200) {
    tally.fail(`${p}: answered ${status || 'nothing'}${listed ? ' (listed in the sitemap)' : ''}`);
    if (!response) return null;
  }
  const html = await response.text();
  // The site's CSP allows no inline script, so axe is evaluated, not injected.
  await page.evaluate(AXE);
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    // Sideways scrolling does not depend on the colour scheme: 320 px is seen once.
    const widths = scheme === SCHEMES[0] ? [...OVERFLOW_ONLY_WIDTHS, ...AXE_WIDTHS] : AXE_WIDTHS;
    for (const width of widths) {
      await page.setViewportSize({ width, height: HEIGHT });
      const where = `${p} at ${width}px, ${scheme}`;
      const problems = [];
      const sizes = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      if (sizes.scroll > sizes.inner) {
        problems.push(`${where}: scrolls sideways (${sizes.scroll}px wide in a ${sizes.inner}px window)`);
      }
      if (AXE_WIDTHS.includes(width)) {
        // Only violations: collecting the passes too takes axe about as long again.
        const options = { runOnly: AXE_TAGS, resultTypes: ['violations'] };
        const result = await page.evaluate((o) => axe.run(document, o), options);
        for (const v of result.violations) {
          const nodes = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
          problems.push(`${where}: ${v.id} (${v.impact}): ${v.help}: ${nodes}`);
        }
      }
      if (problems.length === 0) tally.pass();
      else tally.fail(problems.join('\n'));
    }
  }
  const server = new URL(base).host;
  const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).host !== server);
  if (foreign.length === 0) tally.pass();
  else tally.fail(`${p}: requests another host: ${[...new Set(foreign)].join(', ')}`);
  return html;
}

// One JVM over all the saved pages. Errors fail their page; warnings are printed.
function checkHtml(dir, files, tally) {
  const java = process.env.JAVA || 'java';
  const json = execFileSync(java, ['-jar', VNU, '--format', 'json', '--stdout', '--exit-zero-always', dir],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const byFile = new Map();
  for (const m of JSON.parse(json).messages) {
    const file = m.url ? decodeURIComponent(path.basename(new URL(m.url).pathname)) : '';
    if (!files.has(file)) {
      if (m.type === 'info') console.log(`vnu: ${m.message}`);
      else tally.fail(`vnu: ${m.type}: ${m.message}`);
      continue;
    }
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file).push(m);
  }
  for (const [file, p] of files) {
    const messages = byFile.get(file) || [];
    const line = (m) => `${p}:${m.lastLine || '?'}.${m.firstColumn || m.lastColumn || '?'}: ${m.message}` +
      (m.extract ? ` [${m.extract.replace(/\s+/g, ' ').trim()}]` : '');
    for (const m of messages.filter((m) => m.type !== 'error')) {
      console.log(`vnu ${m.subType || m.type}: ${line(m)}`);
    }
    const errors = messages.filter((m) => m.type === 'error');
    if (errors.length === 0) tally.pass();
    else tally.fail(errors.map((m) => `vnu error: ${line(m)}`).join('\n'));
  }
}

async function main() {
  const [binary, content] = process.argv.slice(2);
  const program = path.resolve(binary || cargoBinary());
  const began = Date.now();
  console.log(`browser: the pages ${program} serves`);
  const { server, base } = await start(program, content);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--disable-component-update', '--disable-sync'],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbt-site-html-'));
  const tally = new Tally();
  const files = new Map(); // saved file name -> page path
  try {
    const { paths, listed } = await pagesToCheck(base);
    console.log(`browser: ${paths.length} pages, axe at ${AXE_WIDTHS.join(', ')} px in ${SCHEMES.join(' and ')}`
      + `, ${WORKERS} at a time`);
    let next = 0;
    const worker = async () => {
      const context = await browser.newContext({ viewport: { width: AXE_WIDTHS[0], height: HEIGHT } });
      const page = await context.newPage();
      const requests = [];
      page.on('request', (request) => requests.push(request.url()));
      while (next < paths.length) {
        const index = next++;
        const p = paths[index];
        const html = await checkPage(page, base, p, listed.has(p), tally, requests);
        if (html === null) continue;
        const file = `${String(index).padStart(4, '0')}.html`;
        fs.writeFileSync(path.join(dir, file), html);
        files.set(file, p);
      }
      await context.close();
    };
    await Promise.all(Array.from({ length: Math.min(WORKERS, paths.length) }, worker));
    console.log(`browser: pages done in ${Math.round((Date.now() - began) / 1000)} s; the Nu HTML checker next`);
    await browser.close();
    server.kill();
    checkHtml(dir, new Map([...files].sort()), tally);
  } finally {
    await browser.close();
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`browser: done in ${Math.round((Date.now() - began) / 1000)} s`);
  console.log(`browser: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
