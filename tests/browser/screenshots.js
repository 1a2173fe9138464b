// Screenshots of a few pages, to look at: light and dark at a phone's and a desktop's
// width, and each page printed to PDF. Not part of CI.
//
//   node tests/browser/screenshots.js PATH_TO_WBT_SITE OUT_DIR [PAGE ...]
//
// Writes OUT_DIR/<page>-<scheme>-<width>.png (full page) and OUT_DIR/<page>.pdf; turn a
// PDF into pictures with `pdftoppm -png -r 60 FILE.pdf PREFIX` (Debian's poppler-utils).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const WIDTHS = [375, 1280];
const DEFAULT_PAGES = ['/', '/projects/retour/', '/offices/', '/tr/news/', '/no-such-page/'];

async function main() {
  const [binary, out, ...pages] = process.argv.slice(2);
  if (!binary || !out) throw new Error('usage: screenshots.js PATH_TO_WBT_SITE OUT_DIR [PAGE ...]');
  fs.mkdirSync(out, { recursive: true });
  const server = spawn(path.resolve(binary), ['serve', '--addr', '127.0.0.1:0'], { env: { ...process.env, RUST_LOG: 'warn' } });
  const base = await new Promise((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (chunk) => {
      text += chunk;
      const match = text.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) resolve(match[0]);
    });
    server.on('exit', (code) => reject(new Error(`wbt-site exited with ${code}`)));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    for (const p of pages.length ? pages : DEFAULT_PAGES) {
      const name = p.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home';
      await page.goto(base + p);
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ media: 'screen', colorScheme: scheme });
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await page.screenshot({ path: path.join(out, `${name}-${scheme}-${width}.png`), fullPage: true });
        }
      }
      await page.emulateMedia({ media: 'print', colorScheme: 'light' });
      await page.pdf({ path: path.join(out, `${name}.pdf`), format: 'A4' });
      console.log(`${p}: ${name}-*.png, ${name}.pdf`);
    }
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
