// Page load figures for `cargo xtask measure`: time from navigation until the cluster diagram
// shows node01, cold (empty cache) and warm, and until the WebAssembly's second part has joined
// the first (`xtask/src/split.rs`), in Debian's headless Chromium.
import { chromium } from '@playwright/test';

const url = process.argv[2];
const runs = 5;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function load(page) {
  const start = performance.now();
  await page.goto(url);
  await page.getByRole('region', { name: 'Node node01', exact: true }).waitFor();
  return performance.now() - start;
}

/// When the second part joined (ms since navigation), and how it came.
async function joined(page) {
  await page.waitForFunction(() => window.kubelabSplit?.loadedBy !== undefined);
  return page.evaluate(() => [window.kubelabSplit.loadedAt, window.kubelabSplit.loadedBy]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cold = [];
const warm = [];
const second = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  cold.push(await load(page));
  second.push(await joined(page));
  warm.push(await load(page));
  await context.close();
}
await browser.close();
console.log(`cold load to diagram: median ${median(cold).toFixed(0)} ms (${cold.map((t) => t.toFixed(0)).join(', ')})`);
const how = [...new Set(second.map(([, by]) => by))].join(', ');
console.log(`second part joined, cold: median ${median(second.map(([at]) => at)).toFixed(0)} ms after navigation (by ${how})`);
console.log(`warm load to diagram: median ${median(warm).toFixed(0)} ms (${warm.map((t) => t.toFixed(0)).join(', ')})`);
