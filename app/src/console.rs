//! The console: the lab shell in a text box named "Console", with its output above it.
//! Enter runs the input once it is complete (an open here-document or quote continues on a new
//! line, as in bash); ↑ and ↓ walk the history; Ctrl+C ends a running `kubectl get -w`.
//! While `kubectl exec -it POD -- sh` or `ssh NODE` has a shell open, lines go to it, after its
//! prompt; `exit` or Ctrl+D leaves it.

use crate::lab::Lab;
use leptos::html;
use leptos::prelude::*;
use sim_core::shell::{Stream, is_complete};

#[component]
pub fn Console() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let log = NodeRef::<html::Div>::new();
    let history = StoredValue::new(Vec::<String>::new());
    // Where ↑/↓ is in the history; `None` while editing a new line.
    let cursor = StoredValue::new(None::<usize>);

    Effect::new(move |_| {
        lab.console.track();
        if let Some(log) = log.get() {
            log.set_scroll_top(log.scroll_height());
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let text = lab.input.get_untracked();
        match ev.key().as_str() {
            "Enter" if !ev.shift_key() && (lab.reads_raw_lines() || is_complete(&text)) => {
                ev.prevent_default();
                if !text.trim().is_empty() {
                    history.update_value(|h| {
                        if h.last() != Some(&text) {
                            h.push(text.clone());
                        }
                    });
                }
                cursor.set_value(None);
                lab.input.set(String::new());
                lab.run(&text);
            }
            "c" if ev.ctrl_key() && lab.watching.get_untracked() => {
                ev.prevent_default();
                lab.interrupt();
            }
            "d" if ev.ctrl_key() && lab.container_prompt.get_untracked().is_some() => {
                ev.prevent_default();
                lab.end_exec();
            }
            "ArrowUp" | "ArrowDown" if !text.contains('\n') => {
                let len = history.with_value(Vec::len);
                if len == 0 {
                    return;
                }
                ev.prevent_default();
                let next = match (ev.key().as_str(), cursor.get_value()) {
                    ("ArrowUp", None) => Some(len - 1),
                    ("ArrowUp", Some(i)) => Some(i.saturating_sub(1)),
                    ("ArrowDown", Some(i)) if i + 1 < len => Some(i + 1),
                    _ => None,
                };
                cursor.set_value(next);
                lab.input
                    .set(next.map(|i| history.with_value(|h| h[i].clone())).unwrap_or_default());
            }
            _ => {}
        }
    };

    view! {
        <section class="console-panel" aria-label="Console panel">
            <div class="console-log" role="log" aria-label="Console output" node_ref=log>
                <p class="console-hint">
                    "A simulated kubeadm cluster is running. Try "
                    <code>"kubectl get nodes"</code>
                    " or "
                    <code>"help"</code>
                    "."
                </p>
                <For
                    each=move || lab.console.get()
                    // An entry grows while a watch prints into it.
                    key=|entry| (entry.id, entry.output.len())
                    children=|entry| {
                        view! {
                            <div class="console-entry">
                                <pre class="console-command">
                                    <span class="prompt" aria-hidden="true">{entry.prompt}</span>
                                    {entry.command}
                                </pre>
                                {entry
                                    .output
                                    .into_iter()
                                    .map(|(stream, text)| {
                                        let class = match stream {
                                            Stream::Stdout => "console-out",
                                            Stream::Stderr => "console-err",
                                        };
                                        view! { <pre class=class>{text}</pre> }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    }
                />
            </div>
            <Show when=move || lab.watching.get()>
                <p class="console-watching" role="status">
                    "Watching for changes as cluster time passes. Ctrl+C stops."
                </p>
            </Show>
            <div class="console-input">
                <span class="prompt" aria-hidden="true">
                    {move || {
                        lab.container_prompt.get().map_or_else(|| "$".to_string(), |p| p.trim_end().to_string())
                    }}
                </span>
                <textarea
                    aria-label="Console"
                    rows=move || lab.input.with(|t| t.lines().count().clamp(1, 12))
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    placeholder="kubectl run web --image=nginx"
                    prop:value=move || lab.input.get()
                    on:input=move |ev| lab.input.set(event_target_value(&ev))
                    on:keydown=on_keydown
                ></textarea>
            </div>
        </section>
    }
}
