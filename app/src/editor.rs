//! The YAML editor, where `kubectl edit` opens an object: Apply (or Ctrl+S, Ctrl+Enter) saves
//! it as kubectl would, reopening it with the server's reasons if they refuse it; Cancel (or
//! Escape) closes it unchanged. Focus returns to the console either way.

use crate::lab::Lab;
use leptos::html;
use leptos::prelude::*;

#[component]
pub fn Editor() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let area = NodeRef::<html::Textarea>::new();
    // What the user has typed; the signal only changes when the editor (re)opens, so typing
    // never resets the caret.
    let draft = StoredValue::new(String::new());

    Effect::new(move |_| {
        if let Some(text) = lab.editor.get() {
            draft.set_value(text);
            if let Some(area) = area.get() {
                let _ = area.focus();
            }
        }
    });

    let apply = move || lab.save_edit(&draft.get_value());
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        if (ev.ctrl_key() || ev.meta_key()) && (key == "s" || key == "Enter") {
            ev.prevent_default();
            apply();
        } else if key == "Escape" {
            ev.prevent_default();
            lab.cancel_edit();
        }
    };

    view! {
        <Show when=move || lab.editor.with(Option::is_some)>
            <div class="editor-backdrop">
                <section class="editor" role="dialog" aria-modal="true" aria-label="Edit object">
                    <h2 class="editor-title">{move || lab.editing.get()}</h2>
                    <textarea
                        class="editor-text"
                        aria-label="YAML editor"
                        spellcheck="false"
                        autocomplete="off"
                        autocapitalize="off"
                        node_ref=area
                        prop:value=move || lab.editor.get().unwrap_or_default()
                        on:input=move |ev| draft.set_value(event_target_value(&ev))
                        on:keydown=on_keydown
                    ></textarea>
                    <div class="editor-actions">
                        <span class="editor-hint">"Ctrl+S applies, Escape cancels"</span>
                        <button type="button" on:click=move |_| lab.cancel_edit()>
                            "Cancel"
                        </button>
                        <button type="button" class="primary" on:click=move |_| apply()>
                            "Apply"
                        </button>
                    </div>
                </section>
            </div>
        </Show>
    }
}
