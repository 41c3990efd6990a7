// kubectl in the page's Console: manifests through here-documents, and explain (whose schema the
// page fetches after start-up).
import { test, expect } from '@playwright/test';
import { openLab, run, consoleLog, podChip } from './helpers.mjs';
import { editorText, replaceEditorText } from './editor-helpers.mjs';

test.beforeEach(async ({ page }) => {
  await openLab(page);
});

test('a manifest applied through a here-document becomes a pod on the diagram', async ({ page }) => {
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  const console = page.getByRole('textbox', { name: 'Console' });
  await console.fill('kubectl apply -f - <<EOF');
  await console.press('Enter');
  for (const line of ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: from-yaml', 'spec:', '  containers:', '  - name: web', '    image: nginx:1.27']) {
    await console.press('End');
    await console.pressSequentially(line);
    await console.press('Shift+Enter');
  }
  await console.pressSequentially('EOF');
  await console.press('Enter');
  const log = consoleLog(page);
  await expect(log).toContainText('pod/from-yaml created');
  await expect(podChip(page, 'from-yaml')).toHaveAttribute('data-status', 'Running');

  await run(page, 'kubectl delete pod from-yaml');
  await expect(log).toContainText('pod "from-yaml" deleted from default namespace');
  await expect(podChip(page, 'from-yaml')).toHaveCount(0);
});

test('kubectl explain answers from the schema the page loads', async ({ page }) => {
  await page.waitForLoadState('networkidle');
  await run(page, 'kubectl explain pod.spec.containers.image');
  const log = consoleLog(page);
  await expect(log).toContainText('FIELD: image <string>');
  await expect(log).toContainText('Container image name.');
});

test('kubectl get -w prints each change as cluster time passes, until Ctrl+C', async ({ page }) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await run(page, 'kubectl run web --image=nginx');
  await run(page, 'kubectl get pods -w');
  const log = consoleLog(page);
  const watching = page.getByRole('status').filter({ hasText: 'Ctrl+C stops' });
  await expect(watching).toBeVisible();
  await expect(log).toContainText(/web\s+0\/1\s+ContainerCreating/);
  for (let i = 0; i < 5; i++) {
    await page.getByRole('button', { name: 'Step' }).click();
  }
  await expect(log).toContainText(/web\s+1\/1\s+Running\s+0\s+\ds/);
  await page.getByRole('textbox', { name: 'Console' }).press('Control+c');
  await expect(log).toContainText('^C');
  await expect(watching).toHaveCount(0);
  // Once stopped, time passing prints nothing more.
  const before = await log.textContent();
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(log).toHaveText(before);
});

test('kubectl edit opens the YAML editor: Apply saves, a refused edit reopens, Escape cancels', async ({ page }) => {
  const log = consoleLog(page);
  await run(page, 'kubectl run web --image=nginx:1.27');
  await run(page, 'kubectl edit pod web');
  const editor = page.getByRole('textbox', { name: 'YAML editor' });
  await expect(editor).toBeFocused();
  const text = await editorText(page);
  expect(text).toContain('# Please edit the object below.');
  expect(text).toContain('image: nginx:1.27');
  await replaceEditorText(page, text.replace('image: nginx:1.27', 'image: nginx:1.28'));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(editor).toHaveCount(0);
  await expect(log).toContainText('pod/web edited');
  await run(page, "kubectl get pod web -o jsonpath='{.spec.containers[0].image}'");
  await expect(log).toContainText('nginx:1.28');

  await run(page, 'kubectl edit pod web');
  await expect.poll(() => editorText(page)).toContain('image: nginx:1.28');
  const again = await editorText(page);
  await replaceEditorText(page, again.replace('\n    name: web\n', '\n    name: renamed\n'));
  await editor.press('Control+s');
  await expect.poll(() => editorText(page)).toMatch(/# pods "web" was not valid:\n# \* spec: Forbidden: pod updates may not change fields/);
  await expect.poll(() => editorText(page)).toMatch(/name: renamed/);
  await editor.press('Escape');
  await expect(editor).toHaveCount(0);
  await expect(log).toContainText('error: Edit cancelled, no valid changes were saved.');
  await expect(page.getByRole('textbox', { name: 'Console' })).toBeFocused();
});
