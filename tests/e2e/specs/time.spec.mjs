// Cluster time: Play, Pause, Step and "Next event" move it; the timeline goes back to an earlier
// moment (the cluster as it was) and acting from there forks history.
import { test, expect } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.errors = errors;
  await page.goto('./');
  await expect(page.getByRole('region', { name: 'Node node01', exact: true })).toBeVisible();
});

test.afterEach(async ({ page }) => {
  expect(page.errors, 'the page threw').toEqual([]);
});

async function run(page, command) {
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill(command);
  await console.press('Enter');
}

const clock = (page) => page.locator('.clock-value');

test('play, pause and step move cluster time', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await clock(page).textContent();
  await page.waitForTimeout(1500);
  await expect(clock(page)).toHaveText(paused);
  const [m, s] = paused.split(':').map(Number);
  await page.getByRole('button', { name: 'Step' }).click();
  const next = m * 60 + s + 1;
  await expect(clock(page)).toHaveText(`${String(Math.floor(next / 60)).padStart(2, '0')}:${String(next % 60).padStart(2, '0')}`);
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(clock(page)).not.toHaveText(await clock(page).textContent(), { timeout: 5000 });
});

test('next event runs to the next change', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, 'kubectl run web --image=nginx');
  const pod = page.getByRole('listitem', { name: 'Pod web', exact: true });
  await expect(pod).toHaveAttribute('data-status', 'ContainerCreating');
  for (let i = 0; i < 10 && (await pod.getAttribute('data-status')) !== 'Running'; i++) {
    await page.getByRole('button', { name: 'Next event' }).click();
  }
  await expect(pod).toHaveAttribute('data-status', 'Running');
});

test('the timeline goes back to before a pod existed, and a command forks history from there', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  const step = page.getByRole('button', { name: 'Step' });
  for (let i = 0; i < 3; i++) await step.click();
  await run(page, 'kubectl run web --image=nginx');
  const pod = page.getByRole('listitem', { name: 'Pod web', exact: true });
  for (let i = 0; i < 30 && (await pod.getAttribute('data-status')) !== 'Running'; i++) {
    await step.click();
  }
  await expect(pod).toHaveAttribute('data-status', 'Running');
  const timeline = page.getByRole('slider', { name: 'Timeline' });
  const end = await timeline.getAttribute('max');

  await timeline.fill('1');
  await expect(pod).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Back at 00:01' })).toBeVisible();

  await timeline.fill(end);
  await expect(pod).toHaveAttribute('data-status', 'Running');

  await timeline.fill('1');
  await expect(pod).toHaveCount(0);
  await run(page, 'kubectl run other --image=nginx');
  await expect(page.getByRole('listitem', { name: 'Pod other', exact: true })).toHaveCount(1);
  await expect(pod).toHaveCount(0);
  await expect(timeline).toHaveAttribute('max', '1');
});
