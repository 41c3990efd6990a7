// The inspector's history and files: a crash-looping pod's restart back-off chart read through
// its data table, a file written with kubectl exec found in the file browser, and a lesson's
// cluster rebuilt exactly after a reload from the journal of what was done to it.
import { test, expect } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.errors = errors;
});

test.afterEach(async ({ page }) => {
  expect(page.errors, 'the page threw').toEqual([]);
});

async function run(page, command) {
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill(command);
  await console.press('Enter');
}

test("a crash-looping pod's chart shows the kubelet's back-off delays", async ({ page }) => {
  await page.goto('./');
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, "kubectl run crasher --image=busybox:1.36 -- sh -c 'exit 1'");
  await run(page, 'sleep 200');
  await page.getByRole('listitem', { name: 'Pod crasher', exact: true }).click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  const chart = inspector.getByRole('group', { name: 'Restart back-off' });
  await expect(chart.getByRole('img')).toHaveAttribute('aria-label', /5 restarts recorded for pod crasher/);
  await expect(chart.locator('svg')).toHaveCount(1);
  const toggle = chart.getByRole('button', { name: 'Show the data of Restart back-off' });
  await toggle.click();
  await expect(chart.getByRole('button', { name: 'Hide the data of Restart back-off' })).toHaveAttribute('aria-expanded', 'true');
  const waited = chart.getByRole('table').locator('tbody tr td:nth-child(4)');
  await expect(waited).toHaveText(['1s', '10s', '20s', '40s', '1m20s']);
});

test('a file written with kubectl exec into an emptyDir is found in the file browser', async ({ page }) => {
  await page.goto('./');
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, `kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: box
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sleep, "3600"]
    volumeMounts:
    - name: scratch
      mountPath: /scratch
  volumes:
  - name: scratch
    emptyDir: {}
EOF`);
  await run(page, 'sleep 20');
  await run(page, "kubectl exec box -- sh -c 'echo hello from exec > /scratch/note.txt'");
  await page.getByRole('listitem', { name: 'Pod box', exact: true }).click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  const files = inspector.getByRole('list', { name: 'Files of pod box' });

  // The volume on its own.
  const volume = files.getByRole('button', { name: 'Volume scratch', exact: true });
  await volume.focus();
  await page.keyboard.press('Enter');
  await expect(volume).toHaveAttribute('aria-expanded', 'true');
  await files.getByRole('button', { name: 'File /note.txt', exact: true }).click();
  await expect(inspector.getByLabel('Contents of /note.txt')).toHaveText('hello from exec\n');

  // The container's filesystem, with the volume at its mount point, by keyboard alone.
  await files.getByRole('button', { name: 'Container app filesystem' }).focus();
  await page.keyboard.press('Enter');
  const mount = files.getByRole('button', { name: 'Directory /scratch (volume scratch)' });
  await mount.focus();
  await page.keyboard.press('Space');
  const note = files.getByRole('button', { name: 'File /scratch/note.txt', exact: true });
  await note.focus();
  await page.keyboard.press('Enter');
  await expect(inspector.getByLabel('Contents of /scratch/note.txt')).toHaveText('hello from exec\n');
  await expect(files.getByRole('button', { name: 'Directory /etc' })).toBeVisible();
});

test("a lesson's cluster comes back after a reload as the student left it", async ({ page }) => {
  await page.goto('./#/lessons/architecture');
  const lesson = page.getByRole('region', { name: 'Lesson' });
  await expect(lesson.getByText('0 of 7 steps done')).toBeVisible();
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await run(page, "kubectl run crasher --image=busybox:1.36 -- sh -c 'exit 1'");
  await run(page, 'kubectl create deployment web --image=nginx --replicas=2');
  // Time played in real time, then by the lab shell.
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, 'sleep 97');
  await page.getByRole('button', { name: 'Step' }).click();
  await run(page, 'kubectl get pods');
  const log = page.getByRole('log', { name: 'Console output' });
  const before = await log.locator('.console-entry').last().innerText();
  expect(before).toMatch(/crasher\s+0\/1\s+CrashLoopBackOff\s+\d+/);
  expect(before).toMatch(/web-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running/);

  await page.reload();
  await expect(lesson.getByRole('heading', { name: "The cluster's architecture", level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Pause' }).click();
  // The journal replayed every command at the cluster time it ran: the same answer, to the
  // second — names, restart counts and ages.
  await expect.poll(() => log.locator('.console-entry').last().innerText()).toBe(before);
  for (const line of before.split('\n').slice(2)) {
    const name = line.split(/\s+/)[0];
    if (name) {
      await expect(page.getByRole('listitem', { name: `Pod ${name}`, exact: true })).toHaveCount(1);
    }
  }
});
