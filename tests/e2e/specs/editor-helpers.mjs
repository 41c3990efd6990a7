// Reading and replacing the YAML editor's text. CodeMirror draws only the lines in view, so the
// whole text is read through the editor bundle's `textOf` (the page has already loaded it; a
// second import returns the same module).
export async function editorText(page) {
  return page.evaluate(async () => {
    const module = await import(new URL('editor.js', document.baseURI).href);
    return module.textOf(document.querySelector('.cm-editor'));
  });
}

export async function replaceEditorText(page, text) {
  const editor = page.getByRole('textbox', { name: 'YAML editor' });
  await editor.focus();
  await editor.press('Control+a');
  await page.keyboard.insertText(text);
}
