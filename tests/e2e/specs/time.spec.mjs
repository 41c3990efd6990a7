// Cluster time: Play, Pause, Step and "Next event" move it; the timeline goes back to an earlier
// moment (the cluster as it was) and acting from there forks history.
import { test, expect } from '@playwright/test';
import { openLab, watchPageErrors, expectNoPageErrors, run, podChip, clock, clockPlus, stepUntilStatus } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  watchPageErrors(page);
  await openLab(page);
});

test.afterEach(async ({ page }) => expectNoPageErrors(page));

test('play, pause and step move cluster time', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await clock(page).textContent();
  await page.waitForTimeout(1500);
  await expect(clock(page)).toHaveText(paused);
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(clock(page)).toHaveText(clockPlus(paused, 1));
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(clock(page)).not.toHaveText(await clock(page).textContent(), { timeout: 5000 });
});

test('next event runs to the next change', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, 'kubectl run web --image=nginx');
  const pod = podChip(page, 'web');
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
  const pod = podChip(page, 'web');
  await stepUntilStatus(page, pod, 'Running');
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
  await expect(podChip(page, 'other')).toHaveCount(1);
  await expect(pod).toHaveCount(0);
  await expect(timeline).toHaveAttribute('max', '1');
});
