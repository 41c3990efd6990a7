// The cluster diagram as people use it: pods appear where the scheduler put them, a waiting pod
// dragged onto a node is bound there or refused in the scheduler's words, a node's menu cordons
// it, a node dragged into a new zone is relabelled, and the inspector explains the choice.
// Everything is found by accessible names (PRODUCT.md).
import { test, expect } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.errors = errors;
  await page.goto('./');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await expect(page.getByRole('region', { name: 'Node node01', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Pause' }).click();
});

test.afterEach(async ({ page }) => {
  expect(page.errors, 'the page threw').toEqual([]);
});

async function run(page, command) {
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill(command);
  await console.press('Enter');
}

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
  const pod = workers.getByRole('listitem', { name: 'Pod web', exact: true });
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
  const manual = tray.getByRole('listitem', { name: 'Pod manual', exact: true });
  await expect(manual).toHaveAttribute('data-status', 'Pending');

  const node01 = page.getByRole('region', { name: 'Node node01', exact: true });
  await manual.dragTo(node01.locator('.node-box'));
  await expect(node01.getByRole('listitem', { name: 'Pod manual', exact: true })).toHaveCount(1);
  await expect(page.getByRole('status').filter({ hasText: 'bound to node01' })).toBeVisible();

  const picky = tray.getByRole('listitem', { name: 'Pod picky', exact: true });
  const controlPlane = page.getByRole('region', { name: 'Node controlplane', exact: true });
  await picky.dragTo(controlPlane.locator('.node-box'));
  await expect(page.getByRole('alert')).toContainText("controlplane refused pod picky");
  await expect(page.getByRole('alert')).toContainText('untolerated taint');
  await expect(tray.getByRole('listitem', { name: 'Pod picky', exact: true })).toHaveCount(1);
});

test('a node is cordoned from its menu, with the keyboard as well', async ({ page }) => {
  await page.getByRole('button', { name: 'Actions for node01' }).click();
  await page.getByRole('menuitem', { name: 'Cordon' }).click();
  const node01 = page.getByRole('region', { name: 'Node node01', exact: true });
  await expect(node01).toContainText('Ready,SchedulingDisabled');
  await expect(page.getByRole('log', { name: 'Console output' })).toContainText('node/node01 cordoned');

  await page.getByRole('button', { name: 'Actions for node01' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Uncordon' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(node01).not.toContainText('SchedulingDisabled');
});

test('a node dragged into the new zone region is relabelled, and the layout is kept', async ({ page }) => {
  const node02 = page.getByRole('region', { name: 'Node node02', exact: true });
  const fresh = page.getByRole('group', { name: 'Zone zone-b' });
  const from = await node02.locator('.node-name').boundingBox();
  const to = await fresh.boundingBox();
  await page.mouse.move(from.x + 5, from.y + 5);
  await page.mouse.down();
  await page.mouse.move(to.x + 40, to.y + 50, { steps: 10 });
  await page.mouse.up();
  await expect(page.getByRole('log', { name: 'Console output' })).toContainText('node/node02 labeled');
  await run(page, 'kubectl get node node02 -L topology.kubernetes.io/zone');
  await expect(page.getByRole('log', { name: 'Console output' })).toContainText(/node02\s+Ready\s+<none>\s+\S+\s+v1\.34\.\d+\s+zone-b/);
  const moved = await node02.getAttribute('transform');
  await page.reload();
  await expect(page.getByRole('region', { name: 'Node node02', exact: true })).toHaveAttribute('transform', moved);
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
