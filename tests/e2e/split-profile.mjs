// For `cargo xtask split-profile`: loads the instrumented page in Debian's headless Chromium,
// lets the default cluster run for a while, opens each lesson (a docs page may link straight to
// one), and prints the indices of the functions that ran (as JSON, on stdout).
import { chromium } from '@playwright/test';

const url = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
await page.goto(url);
await page.getByRole('region', { name: 'Node node01', exact: true }).waitFor();
// Start-up includes the cluster settling: the addons' probes, heartbeats, controllers' resyncs.
await page.waitForTimeout(30_000);
const lessons = await page
  .getByRole('region', { name: 'Lesson' })
  .getByRole('link')
  .evaluateAll((links) => links.map((link) => link.getAttribute('href')).filter((href) => href.startsWith('#/lessons/')));
if (lessons.length === 0) throw new Error('the lesson list shows no lessons');
for (const lesson of lessons) {
  // A hash route: the same document, so the instrumentation keeps counting.
  await page.goto(new URL(lesson, url).href);
  await page.getByRole('region', { name: 'Lesson' }).getByRole('heading', { level: 1 }).waitFor();
  await page.waitForTimeout(3_000);
}
const hits = await page.evaluate(() => window.kubelabSplitHits);
await browser.close();
process.stdout.write(JSON.stringify(hits));
