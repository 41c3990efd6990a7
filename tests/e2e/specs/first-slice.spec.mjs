// The foundation's end-to-end slice: a pod created from the Console shows up on the cluster
// diagram, inside a worker node, and runs. Everything is found by the accessible names that
// PRODUCT.md promises ("Console", "Node NAME", "Pod NAME", "Play", "Pause", "Step", "Speed").
import { test, expect } from '@playwright/test';
import { openLab, watchPageErrors, expectNoPageErrors, run, consoleLog, nodeRegion, podChip, stepUntilStatus } from './helpers.mjs';
import { fileURLToPath } from 'node:url';

const screenshot = fileURLToPath(new URL('../../../target/e2e/lab.png', import.meta.url));

test.beforeEach(async ({ page }) => {
  watchPageErrors(page);
  await openLab(page);
});

test.afterEach(async ({ page }) => expectNoPageErrors(page));

test('the page shows the default cluster from a sub-path', async ({ page }) => {
  expect(new URL(page.url()).pathname).toBe('/lab/');
  for (const name of ['controlplane', 'node01', 'node02']) {
    await expect(page.getByRole('region', { name: `Node ${name}`, exact: true })).toBeVisible();
  }
  const controlPlane = nodeRegion(page, 'controlplane');
  await expect(controlPlane).toContainText('control-plane · Ready');
  await expect(controlPlane).toContainText('taint control-plane:NoSchedule');
  await expect(page.getByRole('region', { name: 'Lesson' })).toBeVisible();
});

test('a pod created in the Console runs on a worker when time is stepped', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Pause' })).toHaveAttribute('aria-pressed', 'true');
  await run(page, 'kubectl run web --image=nginx');
  await expect(consoleLog(page)).toContainText('pod/web created');

  const pod = podChip(page, 'web');
  await expect(pod).toHaveAttribute('data-status', 'ContainerCreating');
  await expect(pod).toContainText('ContainerCreating');

  await stepUntilStatus(page, pod, 'Running');
  await expect(pod).toContainText('Running');

  const workers = page.getByRole('region', { name: /^Node node0[12]$/ });
  await expect(podChip(workers, 'web')).toHaveCount(1);
  const controlPlane = nodeRegion(page, 'controlplane');
  await expect(podChip(controlPlane, 'web')).toHaveCount(0);

  await run(page, 'kubectl get pods');
  await expect(consoleLog(page)).toContainText(/web\s+1\/1\s+Running\s+0/);
  await page.screenshot({ path: screenshot });
});

test('Play at 100× brings a pod up without stepping', async ({ page }) => {
  await page.getByRole('button', { name: 'Play' }).click();
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, 'kubectl run fast --image=nginx:1.27');
  await expect(podChip(page, 'fast')).toHaveAttribute('data-status', 'Running');
});

test('a missing image tag backs off, shown in words as well as colour', async ({ page }) => {
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, 'kubectl run broken --image=nginx:9.9');
  const pod = podChip(page, 'broken');
  await expect(pod).toHaveAttribute('data-status', 'ImagePullBackOff');
  await expect(pod).toContainText('ImagePullBackOff');
  await expect(pod).toHaveClass(/tone-failing/);
});

test('kubectl mistakes get kubectl errors and leave the page working', async ({ page }) => {
  await run(page, 'kubectl foo');
  const log = consoleLog(page);
  await expect(log).toContainText('error: unknown command "foo" for "kubectl"');
  await run(page, 'kubectl get pods --bogus');
  await expect(log).toContainText('error: unknown flag: --bogus');
  await run(page, 'kubectl get nodes');
  await expect(log).toContainText(/node01\s+Ready\s+<none>/);
});

test('an open here-document continues on the next line, and ↑ recalls history', async ({ page }) => {
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill('cat <<EOF');
  await console.press('Enter');
  await expect(console).toHaveValue('cat <<EOF\n');
  await console.pressSequentially('hello from a here-document\nEOF');
  await console.press('Enter');
  await expect(console).toHaveValue('');
  await expect(consoleLog(page)).toContainText('hello from a here-document');

  await run(page, 'kubectl get nodes');
  await console.press('ArrowUp');
  await expect(console).toHaveValue('kubectl get nodes');
});
