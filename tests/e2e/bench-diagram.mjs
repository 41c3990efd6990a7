// Frame times while dragging a node on a big cluster (100 nodes, 1,000 pods), in Debian's
// headless Chromium. A measurement, never a test: run it against a served build with
//   node bench-diagram.mjs http://127.0.0.1:PORT/lab/
// and read the frames per second it prints (the goal is 50 or more).
import { chromium } from '@playwright/test';

const url = process.argv[2];
const nodes = Number(process.env.BENCH_NODES || 100);
const pods = Number(process.env.BENCH_PODS || 1000);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(url);
await page.evaluate(() => localStorage.clear());
await page.reload();
await page.getByRole('region', { name: 'Node node01', exact: true }).waitFor();
await page.getByRole('button', { name: 'Pause' }).click();

let started = performance.now();
const addNode = page.getByRole('button', { name: 'Add node' });
for (let i = 3; i < nodes; i++) await addNode.click();
await page.getByRole('region', { name: `Node node${String(nodes - 1).padStart(2, '0')}`, exact: true }).waitFor();
console.log(`${nodes} nodes joined in ${(performance.now() - started).toFixed(0)} ms`);

started = performance.now();
const console_ = page.getByRole('textbox', { name: 'Console' });
await console_.fill(`kubectl create deployment big --image=nginx --replicas=${pods}`);
await console_.press('Enter');
await page.waitForFunction((n) => document.querySelectorAll('[data-node] [role=listitem]').length >= n, pods, { timeout: 600_000 });
console.log(`${pods} pods scheduled and drawn in ${(performance.now() - started).toFixed(0)} ms`);
await page.getByRole('button', { name: 'Step' }).click();

async function drag(label, zoomIns) {
  for (let i = 0; i < zoomIns; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  const node = page.getByRole('region', { name: 'Node node01', exact: true });
  await node.scrollIntoViewIfNeeded();
  const box = await node.locator('.node-name').boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => {
      window.__frames.push(t);
      if (window.__frames.length < 100_000 && !window.__stop) requestAnimationFrame(tick);
    };
    window.__stop = false;
    requestAnimationFrame(tick);
  });
  await page.mouse.move(box.x + 5, box.y + 5);
  await page.mouse.down();
  const moves = 180;
  for (let i = 1; i <= moves; i++) {
    const angle = (i / moves) * 2 * Math.PI;
    await page.mouse.move(box.x + 5 + 150 * Math.sin(angle), box.y + 5 + 80 * (1 - Math.cos(angle)));
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    window.__stop = true;
    return window.__frames;
  });
  const deltas = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
  const seconds = (frames[frames.length - 1] - frames[0]) / 1000;
  const pick = (q) => deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * q))];
  console.log(
    `drag (${label}): ${(deltas.length / seconds).toFixed(1)} fps over ${seconds.toFixed(1)} s; ` +
      `frame time median ${pick(0.5).toFixed(1)} ms, p95 ${pick(0.95).toFixed(1)} ms, worst ${deltas[deltas.length - 1].toFixed(1)} ms`,
  );
}

await drag('whole cluster in view', 0);
await drag('zoomed in 4 steps', 4);
await browser.close();
