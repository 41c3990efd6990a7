// The YAML editor's CodeMirror 6 view. It knows nothing of Kubernetes: the page (Rust) hands it
// callbacks that lint, complete and describe from sim-core, and what Apply and Escape do.
// Bundled by `cargo xtask` (esbuild) into dist/editor.js and loaded when the editor first opens.

import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
  hoverTooltip,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  indentOnInput,
  bracketMatching,
  syntaxHighlighting,
  defaultHighlightStyle,
} from "@codemirror/language";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { autocompletion } from "@codemirror/autocomplete";
import { yaml } from "@codemirror/lang-yaml";

// How long typing must pause before the manifest is checked again.
const LINT_DELAY_MS = 300;

// 1-based line and column (in characters) of a document position, as sim-core counts them.
function lineColumn(doc, pos) {
  const line = doc.lineAt(pos);
  return [line.number, pos - line.from + 1];
}

function position(doc, line, column) {
  const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(at.from + Math.max(column - 1, 0), at.to);
}

// callbacks: lint(text) -> JSON [{line, column, message}]; complete(text, line, column) ->
// JSON {typed_chars, options: [{label, insert, detail, info}]}; hover(text, line, column) ->
// string or undefined; apply(); cancel(). (Completion's own keys, Escape among them, come first
// while its list is open.)
export function create(parent, text, label, callbacks) {
  const lintSource = (view) => {
    const doc = view.state.doc;
    const found = JSON.parse(callbacks.lint(doc.toString()));
    return found.map((d) => {
      const from = position(doc, d.line, d.column);
      const to = Math.max(doc.lineAt(from).to, from);
      return { from, to, severity: "error", message: d.message };
    });
  };
  const completionSource = (context) => {
    const [line, column] = lineColumn(context.state.doc, context.pos);
    const offered = JSON.parse(callbacks.complete(context.state.doc.toString(), line, column));
    if (offered.options.length === 0) return null;
    return {
      from: context.pos - offered.typed_chars,
      options: offered.options.map((o) => ({
        label: o.label,
        apply: o.insert,
        detail: o.detail || undefined,
        info: o.info || undefined,
        type: o.detail ? "property" : "enum",
      })),
      validFor: /^[\w.-]*$/,
    };
  };
  const hoverSource = (view, pos) => {
    const [line, column] = lineColumn(view.state.doc, pos);
    const text = callbacks.hover(view.state.doc.toString(), line, column);
    if (!text) return null;
    return {
      pos,
      above: true,
      create() {
        const dom = document.createElement("div");
        dom.className = "editor-hover";
        dom.textContent = text;
        return { dom };
      },
    };
  };
  const run = (action) => () => {
    action();
    return true;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        lintGutter(),
        linter(lintSource, { delay: LINT_DELAY_MS }),
        autocompletion({ override: [completionSource] }),
        hoverTooltip(hoverSource),
        keymap.of([
          { key: "Mod-Enter", run: run(callbacks.apply) },
          { key: "Mod-s", run: run(callbacks.apply), preventDefault: true },
          { key: "Escape", run: run(callbacks.cancel) },
          ...defaultKeymap,
          ...historyKeymap,
          indentWithTab,
        ]),
        EditorState.tabSize.of(2),
        EditorView.contentAttributes.of({ "aria-label": label }),
      ],
    }),
  });
  return view;
}

// Replaces the whole text (a newly opened object or file) and checks it at once.
export function setDoc(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  forceLinting(view);
}

export function getDoc(view) {
  return view.state.doc.toString();
}

export function focus(view) {
  view.focus();
}

// The text of the editor whose DOM is `element` (for tests and tools that see only the page).
export function textOf(element) {
  return EditorView.findFromDOM(element)?.state.doc.toString() ?? null;
}
