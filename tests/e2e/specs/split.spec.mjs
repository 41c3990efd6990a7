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

test('each lesson, opened straight from a link, starts on the first part too', async ({ browser, page }) => {
  await openLab(page);
  const lessons = await page
    .getByRole('region', { name: 'Lesson' })
    .getByRole('link')
    .evaluateAll((links) => links.map((link) => link.getAttribute('href')).filter((href) => href.startsWith('#/lessons/')));
  expect(lessons.length).toBeGreaterThan(4);
  for (const lesson of lessons) {
    const context = await browser.newContext();
    const visitor = await context.newPage();
    watchPageErrors(visitor);
    await visitor.goto(lesson);
    await expect(visitor.getByRole('region', { name: 'Lesson' }).getByRole('heading', { level: 1 })).toBeVisible();
    await expect
      .poll(() => loadedBy(visitor), { message: `${lesson} ran a function of the second part: run \`cargo xtask split-profile\`` })
      .toBe('prefetch');
    expectNoPageErrors(visitor);
    await context.close();
  }
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
