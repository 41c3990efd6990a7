// The cluster diagram as people use it: pods appear where the scheduler put them, a waiting pod
// dragged onto a node is bound there or refused in the scheduler's words, a node's menu cordons
// it, a node dragged into a new zone is relabelled, and the inspector explains the choice.
// Everything is found by accessible names (PRODUCT.md).
import { test, expect } from '@playwright/test';
import { openLab, watchPageErrors, expectNoPageErrors, run, consoleLog, nodeRegion, podChip } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  watchPageErrors(page);
  await openLab(page, { fresh: true, paused: true });
});

test.afterEach(async ({ page }) => expectNoPageErrors(page));

/// A pod no scheduler will pick up (its schedulerName names none): it waits in the tray.
function waitingPod(name, extra = '') {
  return `kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  schedulerName: nobody${extra}
  containers:
  - name: app
    image: nginx
EOF`;
}

test('a pod run in the Console appears inside a worker, and the inspector says why', async ({ page }) => {
  await run(page, 'kubectl run web --image=nginx');
  const workers = page.getByRole('region', { name: /^Node node0[12]$/ });
  const pod = podChip(workers, 'web');
  await expect(pod).toHaveCount(1);
  await expect(pod).toContainText('ContainerCreating');

  await pod.click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await expect(inspector.getByRole('heading', { name: 'Pod web' })).toBeVisible();
  await expect(inspector.getByRole('table')).toContainText('★');
  await expect(inspector.getByRole('table')).toContainText('node-role.kubernetes.io/control-plane');
  await expect(inspector.getByLabel('Description')).toContainText('Successfully assigned default/web');
});

test('a waiting pod dragged onto a node is bound there, or refused with the reason', async ({ page }) => {
  await run(page, waitingPod('manual'));
  await run(page, waitingPod('picky'));
  const tray = page.getByRole('region', { name: 'Pending pods' });
  const manual = podChip(tray, 'manual');
  await expect(manual).toHaveAttribute('data-status', 'Pending');

  const node01 = nodeRegion(page, 'node01');
  await manual.dragTo(node01.locator('.node-box'));
  await expect(podChip(node01, 'manual')).toHaveCount(1);
  await expect(page.getByRole('status').filter({ hasText: 'bound to node01' })).toBeVisible();

  const picky = podChip(tray, 'picky');
  const controlPlane = nodeRegion(page, 'controlplane');
  await picky.dragTo(controlPlane.locator('.node-box'));
  await expect(page.getByRole('alert')).toContainText("controlplane refused pod picky");
  await expect(page.getByRole('alert')).toContainText('untolerated taint');
  await expect(podChip(tray, 'picky')).toHaveCount(1);
});

test('a node is cordoned from its menu, with the keyboard as well', async ({ page }) => {
  await page.getByRole('button', { name: 'Actions for node01' }).click();
  await page.getByRole('menuitem', { name: 'Cordon' }).click();
  const node01 = nodeRegion(page, 'node01');
  await expect(node01).toContainText('Ready,SchedulingDisabled');
  await expect(consoleLog(page)).toContainText('node/node01 cordoned');

  await page.getByRole('button', { name: 'Actions for node01' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Uncordon' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(node01).not.toContainText('SchedulingDisabled');
});

test('a node dragged into the new zone region is relabelled, and the layout is kept', async ({ page }) => {
  const node02 = nodeRegion(page, 'node02');
  const fresh = page.getByRole('group', { name: 'Zone zone-b' });
  const from = await node02.locator('.node-name').boundingBox();
  const to = await fresh.boundingBox();
  await page.mouse.move(from.x + 5, from.y + 5);
  await page.mouse.down();
  await page.mouse.move(to.x + 40, to.y + 50, { steps: 10 });
  await page.mouse.up();
  await expect(consoleLog(page)).toContainText('node/node02 labeled');
  await run(page, 'kubectl get node node02 -L topology.kubernetes.io/zone');
  await expect(consoleLog(page)).toContainText(/node02\s+Ready\s+<none>\s+\S+\s+v1\.34\.\d+\s+zone-b/);
  const moved = await node02.getAttribute('transform');
  await page.reload();
  await expect(nodeRegion(page, 'node02')).toHaveAttribute('transform', moved);
});

test('Tab completes in the Console, and history survives a reload', async ({ page }) => {
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill('kubectl desc');
  await console.press('Tab');
  await expect(console).toHaveValue('kubectl describe ');
  await console.pressSequentially('node node0');
  await console.press('Tab');
  await expect(console).toHaveValue('kubectl describe node node0');
  await console.press('Tab');
  await expect(page.getByRole('status', { name: 'Completions' })).toContainText('node01  node02');
  await console.fill('kubectl get nodes');
  await console.press('Enter');
  await page.reload();
  await page.getByRole('textbox', { name: 'Console' }).press('ArrowUp');
  await expect(page.getByRole('textbox', { name: 'Console' })).toHaveValue('kubectl get nodes');
});

test('the view zooms around the pointer, pans by the background, and answers the keyboard', async ({ page }) => {
  const view = page.getByRole('group', { name: 'Cluster view' });
  const fit = page.getByRole('button', { name: 'Fit' });
  const name = nodeRegion(page, 'node01').locator('.node-name');
  await expect(fit).toHaveAttribute('aria-pressed', 'true');
  const fitted = await name.boundingBox();

  // The wheel zooms in around the pointer: the point under it stays put.
  const at = { x: fitted.x + 4, y: fitted.y + 4 };
  await page.mouse.move(at.x, at.y);
  await page.mouse.wheel(0, -300);
  await expect(fit).toHaveAttribute('aria-pressed', 'false');
  const zoomed = await name.boundingBox();
  expect(zoomed.width).toBeGreaterThan(fitted.width * 1.3);
  expect(Math.abs(zoomed.x + 4 * (zoomed.width / fitted.width) - at.x)).toBeLessThan(3);

  // Dragging the background pans; it selects nothing.
  const box = await view.boundingBox();
  const start = { x: box.x + 10, y: box.y + box.height - 10 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 60, start.y - 40, { steps: 6 });
  await page.mouse.up();
  const panned = await name.boundingBox();
  expect(Math.abs(panned.x - zoomed.x - 60)).toBeLessThan(2);
  expect(Math.abs(panned.y - zoomed.y + 40)).toBeLessThan(2);
  await expect(page.getByRole('region', { name: 'Inspector' }).getByRole('heading', { name: 'Node node01' })).toHaveCount(0);

  // Keys on the focused view: 0 fits, + and − zoom, arrows pan.
  await view.focus();
  await page.keyboard.press('0');
  await expect(fit).toHaveAttribute('aria-pressed', 'true');
  expect((await name.boundingBox()).width).toBeCloseTo(fitted.width, 0);
  await page.keyboard.press('+');
  expect((await name.boundingBox()).width).toBeCloseTo(fitted.width * 1.25, 0);
  await page.keyboard.press('-');
  expect((await name.boundingBox()).width).toBeCloseTo(fitted.width, 0);
  const before = await name.boundingBox();
  await page.keyboard.press('ArrowRight');
  expect((await name.boundingBox()).x).toBeLessThan(before.x - 20);

  // And the buttons.
  await page.getByRole('button', { name: 'Zoom in' }).click();
  expect((await name.boundingBox()).width).toBeGreaterThan(before.width * 1.2);
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await fit.click();
  expect((await name.boundingBox()).x).toBeCloseTo(fitted.x, 0);
});

test('the diagram fits a phone and a projector', async ({ page }) => {
  for (const [width, height] of [[390, 844], [2560, 1440]]) {
    await page.setViewportSize({ width, height });
    await expect.poll(async () => {
      const view = await page.getByRole('group', { name: 'Cluster view' }).boundingBox();
      const boxes = await Promise.all(['controlplane', 'node01', 'node02'].map((n) => nodeRegion(page, n).locator('.node-box').boundingBox()));
      return boxes.every((b) => b.x >= view.x - 1 && b.x + b.width <= view.x + view.width + 1 && b.y >= view.y - 1);
    }, `every node in view at ${width}×${height}`).toBe(true);
  }
});
