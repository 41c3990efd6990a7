// The YAML editor (CodeMirror, loaded on first open): lint marks at the offending line with the
// API server's message, Apply through the lab shell, completion and hover from the explain
// schema, live objects from the picker, workspace files, and the diff against the cluster.
import { test, expect } from '@playwright/test';
import { openLab, run, consoleLog, podChip } from './helpers.mjs';
import { editorText, replaceEditorText } from './editor-helpers.mjs';

test.beforeEach(async ({ page }) => {
  await openLab(page);
});

const BROKEN = `apiVersion: v1
kind: Pod
metadata:
  name: from-editor
spec:
  containers:
  - name: Web
    image: nginx:1.27
`;

test('an invalid manifest is marked at its line with the server message; fixed, it applies', async ({ page }) => {
  const log = consoleLog(page);
  await page.getByRole('button', { name: 'Open YAML editor' }).click();
  const editor = page.getByRole('textbox', { name: 'YAML editor' });
  await expect(editor).toBeFocused();
  await replaceEditorText(page, BROKEN);

  // The mark sits on line 7, from the key to the end of the line.
  const marked = page.locator('.cm-lintRange-error');
  await expect(marked).toHaveText('name: Web');
  await expect(page.locator('.cm-line').nth(6)).toContainText('- name: Web');
  await expect(page.locator('.cm-line').nth(6).locator('.cm-lintRange-error')).toHaveCount(1);
  await marked.hover();
  await expect(page.locator('.cm-tooltip-lint')).toContainText(
    'The Pod "from-editor" is invalid: spec.containers[0].name: Invalid value: "Web"',
  );

  // Apply goes through the lab shell: the Console shows the command and the server's refusal,
  // and the editor stays open with its mark.
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(log).toContainText('$ kubectl apply -f - <<EOF');
  await expect(log).toContainText('The Pod "from-editor" is invalid: spec.containers[0].name: Invalid value: "Web"');
  await expect(editor).toBeVisible();

  await replaceEditorText(page, BROKEN.replace('name: Web', 'name: web'));
  await expect(marked).toHaveCount(0);
  await editor.press('Control+Enter');
  await expect(log).toContainText('pod/from-editor created');
  await expect(editor).toBeHidden();
  await expect(page.getByRole('textbox', { name: 'Console' })).toBeFocused();
  await expect(podChip(page, 'from-editor')).toBeVisible();
});

test('field names and values are completed, and hovering a field describes it', async ({ page }) => {
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Open YAML editor' }).click();
  const editor = page.getByRole('textbox', { name: 'YAML editor' });
  await expect(editor).toBeFocused();
  await replaceEditorText(page, 'apiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: ');
  await page.keyboard.type('On');
  const offered = page.locator('.cm-tooltip-autocomplete');
  await expect(offered.locator('li[aria-selected="true"]')).toContainText('OnFailure');
  // CodeMirror ignores Enter for its interactionDelay (75 ms) after the list opens, so that a
  // key already on its way does not pick an option; a person is never that quick.
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
  await expect.poll(() => editorText(page)).toContain('restartPolicy: OnFailure');

  await page.keyboard.press('Enter');
  await page.keyboard.type('hostN');
  // The list has caught up with the last key (no longer every host… field), and the field a
  // person would pick is the highlighted one.
  await expect(offered).not.toContainText('hostIPC');
  await expect(offered.locator('li[aria-selected="true"]')).toContainText('hostNetwork');
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
  await expect.poll(() => editorText(page)).toContain('\n  hostNetwork: ');

  await page.locator('.cm-line', { hasText: 'restartPolicy' }).getByText('restartPolicy').hover();
  await expect(page.locator('.editor-hover')).toContainText('restartPolicy <string>');
  await expect(page.locator('.editor-hover')).toContainText('Restart policy for all containers within the pod.');
});

test('a live object opens from the picker, shows its diff, and saves as kubectl edit', async ({ page }) => {
  const log = consoleLog(page);
  await run(page, 'kubectl create deployment web --image=nginx');
  await page.getByRole('button', { name: 'Open YAML editor' }).click();
  const picker = page.getByRole('combobox', { name: 'Open' });
  await picker.focus();
  await picker.selectOption({ label: 'deployments/web -n default' });
  await expect(log).toContainText('$ kubectl edit deployments/web -n default');
  const editor = page.getByRole('textbox', { name: 'YAML editor' });
  await expect.poll(() => editorText(page)).toContain('# Please edit the object below.');

  const text = await editorText(page);
  await replaceEditorText(page, text.replace('\n  replicas: 1\n', '\n  replicas: 3\n'));
  await page.getByRole('button', { name: 'Diff' }).click();
  const diff = page.getByLabel('Diff');
  await expect(diff).toContainText('diff -u -N LIVE/apps.v1.Deployment.default.web MERGED/apps.v1.Deployment.default.web');
  await expect(diff).toContainText('-  replicas: 1\n+  replicas: 3');

  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(log).toContainText('deployment.apps/web edited');
  await expect(editor).toBeHidden();
});

test('a workspace file opens from the picker and Apply saves and applies it', async ({ page }) => {
  const log = consoleLog(page);
  await run(page, 'echo "apiVersion: v1" > cm.yaml');
  await page.getByRole('button', { name: 'Open YAML editor' }).click();
  const picker = page.getByRole('combobox', { name: 'Open' });
  await picker.focus();
  await picker.selectOption({ label: 'File cm.yaml' });
  await expect.poll(() => editorText(page)).toBe('apiVersion: v1\n');
  await replaceEditorText(page, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: lab\n');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(log).toContainText('$ kubectl apply -f cm.yaml');
  await expect(log).toContainText('configmap/settings created');
  await run(page, 'cat cm.yaml');
  await expect(log).toContainText('mode: lab');
});
