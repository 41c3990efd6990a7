// The lesson engine in the page: the first lesson is completed by typing its steps' commands in
// the Console, each step's check turns to ✓, and a reload keeps both the progress and the
// lesson's cluster. Found by the accessible names of PRODUCT.md ("Lesson", "Console").
import { test, expect } from '@playwright/test';
import { watchPageErrors, expectNoPageErrors, run, consoleLog } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  watchPageErrors(page);
});

test.afterEach(async ({ page }) => expectNoPageErrors(page));

function step(page, number, title) {
  return page
    .getByRole('region', { name: 'Lesson' })
    .getByRole('listitem', { name: `Step ${number}: ${title}`, exact: true });
}

const STEPS = [
  ['Meet the nodes', ['kubectl get nodes']],
  ['The control plane runs as pods', ['kubectl get pods -n kube-system -o wide']],
  ['Static pods', ['ssh controlplane', 'ls /etc/kubernetes/manifests', 'exit']],
  ['A mirror pod comes back', ['kubectl delete pod kube-scheduler-controlplane -n kube-system']],
  ['The kubelet on every node', ['ssh node01', 'systemctl status kubelet', 'exit']],
  ['Without its kubelet, a node goes silent', ['ssh node01', 'systemctl stop kubelet', 'exit', 'sleep 60']],
];

test('the lesson list links to each lesson under a hash route', async ({ page }) => {
  await page.goto('./');
  const lesson = page.getByRole('region', { name: 'Lesson' });
  await expect(lesson.getByRole('heading', { name: 'Lessons' })).toBeVisible();
  await lesson.getByRole('link', { name: "The cluster's architecture" }).click();
  expect(new URL(page.url()).hash).toBe('#/lessons/architecture');
  await expect(lesson.getByRole('heading', { name: "The cluster's architecture", level: 1 })).toBeVisible();
  await lesson.getByRole('link', { name: '← All lessons' }).click();
  await expect(lesson.getByRole('heading', { name: 'Lessons' })).toBeVisible();
});

test('complete the first lesson by following its steps; a reload keeps the progress and the cluster', async ({ page }) => {
  await page.goto('./#/lessons/architecture');
  const lesson = page.getByRole('region', { name: 'Lesson' });
  await expect(lesson.getByText('0 of 7 steps done')).toBeVisible();

  for (const [index, [title, commands]] of STEPS.entries()) {
    await expect(step(page, index + 1, title)).toContainText('Your turn');
    for (const command of commands) {
      await run(page, command);
    }
    await expect(step(page, index + 1, title)).toContainText('✓ Done');
  }
  await expect(lesson.getByText('6 of 7 steps done')).toBeVisible();

  // Reload: the progress and the cluster (node01's kubelet is still stopped) come back.
  await page.reload();
  await expect(lesson.getByText('6 of 7 steps done')).toBeVisible();
  await expect(step(page, 1, 'Meet the nodes')).toContainText('✓ Done');
  await run(page, 'kubectl get nodes');
  await expect(consoleLog(page)).toContainText(/node01\s+NotReady/);

  // The last step, with its hint and the reference solution run from the pane.
  const last = step(page, 7, 'Bring it back');
  await last.getByRole('button', { name: 'Show hint' }).click();
  await expect(last).toContainText('systemctl start kubelet');
  await last.getByRole('button', { name: 'Run solution' }).click();
  await expect(consoleLog(page)).toContainText('root@node01:~# systemctl start kubelet');
  await expect(last).toContainText('✓ Done');
  await expect(lesson.getByText('7 of 7 steps done')).toBeVisible();

  await lesson.getByRole('link', { name: '← All lessons' }).click();
  await expect(lesson.getByRole('listitem').filter({ hasText: "The cluster's architecture" })).toContainText('✓ 7/7 steps done');
});
