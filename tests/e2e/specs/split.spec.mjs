// The page's WebAssembly comes in two parts (`xtask/src/split.rs`): start-up runs on the first
// alone, the second arrives in the background, and a function of the second part that runs
// before then loads it on the spot.
import { test, expect } from '@playwright/test';
import { openLab, watchPageErrors, expectNoPageErrors, run, consoleLog } from './helpers.mjs';

const loadedBy = (page) => page.evaluate(() => window.kubelabSplit?.loadedBy);

test.beforeEach(async ({ page }) => watchPageErrors(page));
test.afterEach(async ({ page }) => expectNoPageErrors(page));

test('start-up runs on the first part; the second arrives in the background', async ({ page }) => {
  const requested = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await openLab(page);
  await expect
    .poll(() => loadedBy(page), {
      message: 'start-up ran a function of the second part: refresh the profile with `cargo xtask split-profile`',
    })
    .toBe('prefetch');
  const wasm = requested.filter((path) => path.endsWith('.wasm'));
  expect(wasm).toHaveLength(2);
  expect(wasm[0]).toMatch(/_bg\.wasm$/);
  expect(wasm[1]).toMatch(/_split\.wasm$/);
  // The cluster runs on with both parts joined.
  await run(page, 'kubectl describe node node01');
  await expect(consoleLog(page)).toContainText('Taints:             <none>');
});

test('a command that needs the second part before it arrives loads it at once', async ({ page }) => {
  // Keep the background fetch from ever arriving.
  await page.route(/_split\.wasm$/, (route) =>
    route.request().resourceType() === 'fetch' ? route.abort() : route.continue(),
  );
  await openLab(page);
  expect(await loadedBy(page)).toBeUndefined();
  await run(page, 'kubectl describe node node01');
  await expect(consoleLog(page)).toContainText('Taints:             <none>');
  expect(await loadedBy(page)).toBe('demand');
});
