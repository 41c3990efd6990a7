// Containers in the page: a shell opened with kubectl exec -it, logs -f following a container,
// and a crash loop shown on the diagram.
import { test, expect } from '@playwright/test';
import { openLab, run, consoleLog, podChip } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  await openLab(page);
});

test('kubectl exec -it opens a shell in the container until exit', async ({ page }) => {
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, 'kubectl run box --image=busybox:1.36 -- sleep 3600');
  await expect(podChip(page, 'box')).toHaveAttribute('data-status', 'Running');
  await run(page, 'kubectl exec -it box -- sh');
  const log = consoleLog(page);
  const panel = page.getByRole('region', { name: 'Console panel' });
  await expect(panel.locator('.console-input .prompt')).toHaveText('/ #');
  await run(page, 'cd /tmp');
  await expect(panel.locator('.console-input .prompt')).toHaveText('/tmp #');
  await run(page, 'echo hi > note; cat note; pwd');
  await expect(log).toContainText('hi\n/tmp');
  await run(page, 'exit');
  await expect(panel.locator('.console-input .prompt')).toHaveText('$');
  // Back in the lab shell: the file is still in the container.
  await run(page, 'kubectl exec box -- cat /tmp/note');
  await expect(log.locator('.console-entry').last()).toContainText('hi');
});

test('kubectl logs -f follows a container and a crash loop shows on the diagram', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, "kubectl run ticker --image=busybox:1.36 -- sh -c 'for i in 1 2 3; do echo tick $i; sleep 2; done; exit 1'");
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: 'Step' }).click();
  }
  await run(page, 'kubectl logs -f ticker');
  const log = consoleLog(page);
  const watching = page.getByRole('status').filter({ hasText: 'Ctrl+C stops' });
  await expect(watching).toBeVisible();
  for (let i = 0; i < 6; i++) {
    await page.getByRole('button', { name: 'Step' }).click();
  }
  await expect(log).toContainText('tick 3');
  // The container exited: logs -f ends by itself.
  await expect(watching).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await page.getByRole('button', { name: 'Play' }).click();
  const chip = podChip(page, 'ticker');
  await expect(chip).toHaveAttribute('data-status', 'CrashLoopBackOff', { timeout: 15000 });
});
