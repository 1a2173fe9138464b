// Accessibility checks of every page of the site in headless Chromium, with axe-core
// (WCAG 2.1 A and AA rules, and axe's best practices), at a phone's width and a desktop's.
//
//   node tests/browser/a11y.js [PATH_TO_WBT_SITE [CONTENT_DIR]]
//
// Without PATH_TO_WBT_SITE, asks cargo where it builds the binary (.ci/wbt-site-binary),
// so that CARGO_TARGET_DIR and the like are followed.
// Starts the binary on a free loopback port, reads /sitemap.xml for every page, adds the
// 404 page and a second listing page, and checks each. Prints one line per violation and
// a closing "N passed, M failed" line; exits 1 when anything fails.
'use strict';
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [320, 1280];

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

async function main() {
  const [binary, content] = process.argv.slice(2);
  const program = path.resolve(binary || cargoBinary());
  console.log(`accessibility: checking the pages ${program} serves`);
  const { server, base } = await start(program, content);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--disable-component-update', '--disable-sync'],
  });
  let passed = 0;
  let failed = 0;
  try {
    const page = await browser.newPage();
    const sitemap = await (await fetch(`${base}/sitemap.xml`)).text();
    const paths = [...sitemap.matchAll(/<loc>https?:\/\/[^/<]+([^<]*)<\/loc>/g)].map((m) => m[1]);
    paths.push('/no-such-page/');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const p of paths) {
        const response = await page.goto(base + p);
        // The site's CSP allows no inline script, so axe is evaluated, not injected.
        await page.evaluate(AXE);
        const result = await page.evaluate(() => axe.run(document, {
          runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
        }));
        if (result.violations.length === 0 && response) {
          passed++;
          continue;
        }
        failed++;
        for (const v of result.violations) {
          const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
          console.log(`${p} at ${width}px: ${v.id} (${v.impact}): ${v.help}: ${where}`);
        }
      }
    }
  } finally {
    await browser.close();
    server.kill();
  }
  console.log(`accessibility: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
