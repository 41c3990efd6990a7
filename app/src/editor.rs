//! The YAML editor: a CodeMirror view (`app/js/editor.js`, loaded the first time the editor
//! opens) over a manifest — a live object `kubectl edit` opened, a workspace file or a new
//! manifest — checked as you type by sim-core (`kubectl::lint`), completed and described from
//! the explain schema (`kubectl::schema_help`), diffed against the cluster (`kubectl::diff`).
//! Apply (or Ctrl+Enter) saves an edit as kubectl edit does, and applies anything else through
//! the lab shell as `kubectl apply -f`, so the Console shows the command and its output.
//! Escape closes it; focus returns to the console.

use crate::lab::Lab;
use leptos::html;
use leptos::prelude::*;
use sim_core::kubectl::{diff, lint, schema_help};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::js_sys;

/// The bundle `cargo xtask` builds from `app/js/editor.js`, beside index.html.
const BUNDLE: &str = "editor.js";

/// What a new manifest starts as.
const NEW_MANIFEST: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \nspec:\n  containers:\n  - name: \n    image: \n";

/// Kinds the picker lists live objects of (resource names, as `kubectl edit` takes them).
const PICKABLE: &[&str] = &[
    "pods",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "services",
    "configmaps",
    "secrets",
    "persistentvolumeclaims",
    "persistentvolumes",
    "nodes",
];

#[wasm_bindgen(
    inline_js = "export function load_module(name) { return import(new URL(name, document.baseURI).href); }"
)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn load_module(name: &str) -> Result<js_sys::Promise, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// The bundle's exports (see `app/js/editor.js`).
    #[derive(Clone)]
    type EditorModule;
    #[wasm_bindgen(method)]
    fn create(
        this: &EditorModule,
        parent: &web_sys::HtmlElement,
        text: &str,
        label: &str,
        callbacks: &js_sys::Object,
    ) -> JsValue;
    #[wasm_bindgen(method, js_name = setDoc)]
    fn set_doc(this: &EditorModule, view: &JsValue, text: &str);
    #[wasm_bindgen(method, js_name = getDoc)]
    fn get_doc(this: &EditorModule, view: &JsValue) -> String;
    #[wasm_bindgen(method)]
    fn focus(this: &EditorModule, view: &JsValue);
}

/// What Apply does with the text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// Saves the object `kubectl edit` opened.
    Edit,
    /// Saves the workspace file, then `kubectl apply -f FILE`.
    File(String),
    /// `kubectl apply -f -` with the text.
    Manifest,
}

/// The loaded CodeMirror module and its view.
#[derive(Clone)]
struct Loaded {
    module: EditorModule,
    view: JsValue,
}

/// The place shared by the component and the callbacks CodeMirror calls.
#[derive(Clone, Copy)]
struct EditorState {
    lab: Lab,
    target: RwSignal<Target>,
    loaded: StoredValue<Option<Loaded>, LocalStorage>,
    /// The bundle is on its way.
    loading: StoredValue<bool>,
    /// The unified diff shown under the editor, when asked for.
    diff: RwSignal<Option<String>>,
    /// A problem loading the editor's bundle.
    failure: RwSignal<Option<String>>,
}

impl EditorState {
    fn text(&self) -> String {
        self.loaded
            .with_value(|l| l.as_ref().map(|l| l.module.get_doc(&l.view)))
            .unwrap_or_default()
    }

    /// What kubectl calls the manifest in its messages: the file, or `STDIN` for a
    /// here-document.
    fn source(&self) -> String {
        match self.target.get_untracked() {
            Target::File(name) => name,
            Target::Edit | Target::Manifest => "STDIN".to_string(),
        }
    }

    /// The manifest as Apply will send it: an edit goes without its resourceVersion, as
    /// `kubectl edit` sends a patch (status updates made meanwhile do not conflict); the line
    /// is commented out so every other line keeps its number.
    fn as_sent(&self, text: &str) -> String {
        if self.target.get_untracked() != Target::Edit {
            return text.to_string();
        }
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                if line.starts_with("  resourceVersion: ") {
                    format!("# {line}")
                } else {
                    line.to_string()
                }
            })
            .collect();
        lines.join("\n")
    }

    fn problems(&self, text: &str) -> Vec<lint::Diagnostic> {
        let (source, text) = (self.source(), self.as_sent(text));
        self.lab
            .inspect(|sim, shell| lint::lint(sim, namespace(shell), &source, &text))
            .unwrap_or_default()
    }

    fn lint(&self, text: &str) -> String {
        let found: Vec<serde_json::Value> = self
            .problems(text)
            .into_iter()
            .map(|d| serde_json::json!({"line": d.line, "column": d.column, "message": d.message}))
            .collect();
        serde_json::Value::Array(found).to_string()
    }

    fn complete(&self, text: &str, line: usize, column: usize) -> String {
        let offered =
            self.lab
                .inspect(|sim, shell| {
                    shell.schema.as_ref().map(|schema| {
                        schema_help::completions(schema, sim.api(), text, line, column)
                    })
                })
                .flatten()
                .unwrap_or_default();
        let options: Vec<serde_json::Value> = offered
            .options
            .into_iter()
            .map(|o| {
                serde_json::json!({"label": o.label, "insert": o.insert, "detail": o.detail, "info": o.info})
            })
            .collect();
        serde_json::json!({"typed_chars": offered.typed_chars, "options": options}).to_string()
    }

    fn hover(&self, text: &str, line: usize, column: usize) -> Option<String> {
        self.lab
            .inspect(|sim, shell| {
                let schema = shell.schema.as_ref()?;
                schema_help::description(schema, sim.api(), text, line, column)
            })
            .flatten()
    }

    fn show_diff(&self) {
        let text = self.as_sent(&self.text());
        let shown = self
            .lab
            .inspect(|sim, shell| diff::against_live(sim, namespace(shell), &text))
            .unwrap_or_else(|| Ok(String::new()));
        self.diff.set(Some(match shown {
            Ok(diff) if diff.is_empty() => "No changes.".to_string(),
            Ok(diff) => diff,
            Err(message) => message,
        }));
    }

    /// Apply: what the target calls for. The editor stays open, with its marks, when the
    /// manifest has problems.
    fn apply(&self) {
        let text = self.text();
        match self.target.get_untracked() {
            Target::Edit => self.lab.save_edit(&text),
            Target::File(name) => {
                let problems = !self.problems(&text).is_empty();
                self.lab.save_file(&name, &text);
                self.lab.run(&format!("kubectl apply -f {name}"));
                if !problems {
                    self.lab.close_editor();
                }
            }
            Target::Manifest => {
                let problems = !self.problems(&text).is_empty();
                self.lab.run(&here_document("kubectl apply -f -", &text));
                if !problems {
                    self.lab.close_editor();
                }
            }
        }
        self.diff.set(None);
    }

    fn cancel(&self) {
        self.diff.set(None);
        if self.target.get_untracked() == Target::Edit {
            self.lab.cancel_edit();
        } else {
            self.lab.close_editor();
        }
    }

    /// Shows `text`: loads the bundle and creates the view the first time (with the text open
    /// by then).
    fn show(&self, host: web_sys::HtmlElement, text: String) {
        if let Some(loaded) = self.loaded.get_value() {
            loaded.module.set_doc(&loaded.view, &text);
            loaded.module.focus(&loaded.view);
            return;
        }
        if self.loading.get_value() {
            return;
        }
        self.loading.set_value(true);
        let state = *self;
        leptos::task::spawn_local(async move {
            match load().await {
                Ok(module) => {
                    let text = state.lab.editor.get_untracked().unwrap_or(text);
                    let view = module.create(&host, &text, "YAML editor", &state.callbacks());
                    module.focus(&view);
                    state.loaded.set_value(Some(Loaded { module, view }));
                }
                Err(error) => {
                    state.loading.set_value(false);
                    state.failure.set(Some(error));
                }
            }
        });
    }

    /// The functions CodeMirror calls. They live as long as the page, as the view does.
    fn callbacks(&self) -> js_sys::Object {
        let state = *self;
        let callbacks = js_sys::Object::new();
        let set = |name: &str, function: &JsValue| {
            let _ = js_sys::Reflect::set(&callbacks, &name.into(), function);
        };
        let lint = Closure::<dyn Fn(String) -> String>::new(move |text: String| state.lint(&text));
        set("lint", lint.as_ref());
        lint.forget();
        let complete = Closure::<dyn Fn(String, usize, usize) -> String>::new(
            move |text: String, line, column| state.complete(&text, line, column),
        );
        set("complete", complete.as_ref());
        complete.forget();
        let hover = Closure::<dyn Fn(String, usize, usize) -> Option<String>>::new(
            move |text: String, line, column| state.hover(&text, line, column),
        );
        set("hover", hover.as_ref());
        hover.forget();
        let apply = Closure::<dyn Fn()>::new(move || state.apply());
        set("apply", apply.as_ref());
        apply.forget();
        let cancel = Closure::<dyn Fn()>::new(move || state.cancel());
        set("cancel", cancel.as_ref());
        cancel.forget();
        callbacks
    }
}

/// The kubeconfig context's namespace, which manifests without one go to.
fn namespace(shell: &sim_core::shell::Shell) -> &str {
    shell.kubeconfig.namespace.as_deref().unwrap_or("default")
}

async fn load() -> Result<EditorModule, String> {
    let promise = load_module(BUNDLE).map_err(|e| format!("{e:?}"))?;
    let module = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| format!("the editor could not be loaded: {e:?}"))?;
    Ok(module.unchecked_into())
}

/// `COMMAND <<EOF` … `EOF`, with a delimiter the text does not hold as a line.
fn here_document(command: &str, text: &str) -> String {
    let mut delimiter = "EOF".to_string();
    while text.lines().any(|line| line == delimiter) {
        delimiter.push('_');
    }
    let body = text.trim_end_matches('\n');
    format!("{command} <<{delimiter}\n{body}\n{delimiter}")
}

/// What the picker offers: workspace files and live objects, as (value, label).
fn choices(lab: &Lab) -> Vec<(String, String)> {
    lab.inspect(|sim, shell| {
        let mut choices: Vec<(String, String)> = shell
            .files
            .keys()
            .filter(|name| [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext)))
            .map(|name| (format!("file:{name}"), format!("File {name}")))
            .collect();
        for plural in PICKABLE {
            let Some(kind) = sim.api().kinds().into_iter().find(|k| k.plural() == *plural) else {
                continue;
            };
            for object in kind.list(sim.api(), None) {
                let field = |pointer: &str| {
                    object.pointer(pointer).and_then(serde_json::Value::as_str).unwrap_or_default()
                };
                let (namespace, name) = (field("/metadata/namespace"), field("/metadata/name"));
                let label = match namespace {
                    "" => format!("{plural}/{name}"),
                    namespace => format!("{plural}/{name} -n {namespace}"),
                };
                choices.push((format!("object:{label}"), label));
            }
        }
        choices
    })
    .unwrap_or_default()
}

#[component]
pub fn Editor() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let state = EditorState {
        lab,
        target: RwSignal::new(Target::Manifest),
        loaded: StoredValue::new_local(None),
        loading: StoredValue::new(false),
        diff: RwSignal::new(None),
        failure: RwSignal::new(None),
    };
    let host = NodeRef::<html::Div>::new();
    let picker_choices = RwSignal::new(Vec::<(String, String)>::new());

    // `kubectl edit` (or the picker) put text in the editor: show it.
    Effect::new(move |_| {
        let Some(text) = lab.editor.get() else { return };
        if lab.inspect(|_, shell| shell.edit.is_some()) == Some(true) {
            state.target.set(Target::Edit);
        }
        if let Some(host) = host.get_untracked() {
            state.show(host.into(), text);
        }
    });

    let open = move |value: String| {
        state.diff.set(None);
        if value == "new" {
            state.target.set(Target::Manifest);
            lab.open_editor("New manifest", NEW_MANIFEST.to_string());
        } else if let Some(name) = value.strip_prefix("file:") {
            let text = lab.inspect(|_, shell| shell.files.get(name).cloned()).flatten();
            state.target.set(Target::File(name.to_string()));
            lab.open_editor(name, text.unwrap_or_default());
        } else if let Some(object) = value.strip_prefix("object:") {
            // A live object is edited as `kubectl edit` edits it, in the Console's sight.
            lab.run(&format!("kubectl edit {object}"));
        }
    };
    let is_open = move || lab.editor.with(Option::is_some);
    // The same keys outside the text (CodeMirror handles its own and marks them handled).
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.default_prevented() {
            return;
        }
        if (ev.ctrl_key() || ev.meta_key()) && (ev.key() == "Enter" || ev.key() == "s") {
            ev.prevent_default();
            state.apply();
        } else if ev.key() == "Escape" {
            ev.prevent_default();
            state.cancel();
        }
    };

    view! {
        <button
            type="button"
            class="editor-launcher"
            aria-haspopup="dialog"
            hidden=is_open
            on:click=move |_| {
                state.target.set(Target::Manifest);
                lab.open_editor("New manifest", NEW_MANIFEST.to_string());
            }
        >
            "Open YAML editor"
        </button>
        <div class="editor-backdrop" hidden=move || !is_open()>
            <section
                class="editor"
                role="dialog"
                aria-modal="true"
                aria-label="Edit object"
                on:keydown=on_keydown
            >
                <div class="editor-head">
                    <h2 class="editor-title">{move || lab.editing.get()}</h2>
                    <select
                        aria-label="Open"
                        on:focus=move |_| picker_choices.set(choices(&lab))
                        on:change=move |ev| {
                            open(event_target_value(&ev));
                            // Back to "Open…", so the same choice can be made again.
                            let picker = event_target::<web_sys::HtmlSelectElement>(&ev);
                            picker.set_value("");
                        }
                    >
                        <option value="" selected>"Open…"</option>
                        <option value="new">"New manifest"</option>
                        <For
                            each=move || picker_choices.get()
                            key=|(value, _)| value.clone()
                            children=|(value, label)| view! { <option value=value>{label}</option> }
                        />
                    </select>
                </div>
                <Show when=move || state.failure.with(Option::is_some)>
                    <p class="editor-failure" role="alert">{move || state.failure.get()}</p>
                </Show>
                <div class="editor-code" node_ref=host></div>
                <Show when=move || state.diff.with(Option::is_some)>
                    <pre class="editor-diff" aria-label="Diff">{move || state.diff.get()}</pre>
                </Show>
                <div class="editor-actions">
                    <span class="editor-hint">"Ctrl+Enter applies, Escape closes"</span>
                    <button type="button" on:click=move |_| state.cancel()>
                        "Cancel"
                    </button>
                    <button type="button" on:click=move |_| state.show_diff()>
                        "Diff"
                    </button>
                    <button type="button" class="primary" on:click=move |_| state.apply()>
                        "Apply"
                    </button>
                </div>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn here_documents_end_with_a_delimiter_the_text_does_not_use() {
        assert_eq!(
            here_document("kubectl apply -f -", "a: 1\n"),
            "kubectl apply -f - <<EOF\na: 1\nEOF"
        );
        assert_eq!(here_document("cat", "EOF\nx\n"), "cat <<EOF_\nEOF\nx\nEOF_");
    }
}
