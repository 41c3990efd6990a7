//! The console: the lab shell in a text box named "Console", with its output above it.
//! Enter runs the input once it is complete (an open here-document or quote continues on a new
//! line, as in bash); ↑ and ↓ walk the history (kept across reloads); Tab completes commands,
//! resource types, flags and object names; Ctrl+C ends a running `kubectl get -w`; Ctrl+L
//! clears the screen.
//! While `kubectl exec -it POD -- sh` or `ssh NODE` has a shell open, lines go to it, after its
//! prompt; `exit` or Ctrl+D leaves it.

use crate::lab::Lab;
use crate::storage;
use leptos::html;
use leptos::prelude::*;
use sim_core::shell::{Stream, is_complete};

/// Where the history is kept, and how many commands.
const HISTORY_KEY: &str = "kubelab.history";
const HISTORY_MAX: usize = 200;

fn load_history() -> Vec<String> {
    storage::get(HISTORY_KEY)
        .map(|text| text.split('\u{1e}').filter(|c| !c.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Commands are separated by the record separator: a command may span lines.
fn save_history(history: &[String]) {
    let start = history.len().saturating_sub(HISTORY_MAX);
    storage::set(HISTORY_KEY, &history[start..].join("\u{1e}"));
}

/// The byte offset in `text` of a caret position counted in UTF-16 units, as the DOM counts.
fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// What Tab does to `text` with the caret at `cursor`: the new text and caret, and the
/// candidates to list when there is more than one.
fn tab(lab: Lab, text: &str, cursor: usize) -> Option<(String, usize, Vec<String>)> {
    let cursor = cursor.min(text.len());
    let line_start = text[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let completion = lab.complete(&text[line_start..], cursor - line_start);
    let start = line_start + completion.start;
    let insert = match completion.candidates.as_slice() {
        [] => return None,
        [only] if only.ends_with('/') || only.ends_with('=') => only.clone(),
        [only] => format!("{only} "),
        _ => completion.common_prefix(),
    };
    let typed = &text[start..cursor];
    let list = if completion.candidates.len() > 1 && insert == typed {
        completion.candidates
    } else {
        Vec::new()
    };
    let new_text = format!("{}{insert}{}", &text[..start], &text[cursor..]);
    Some((new_text, start + insert.len(), list))
}

#[component]
pub fn Console() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let log = NodeRef::<html::Div>::new();
    let area = NodeRef::<html::Textarea>::new();
    let history = StoredValue::new(load_history());
    // What Tab offered when several words fit.
    let offered = RwSignal::new(Vec::<String>::new());
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
        if ev.key() != "Tab" && offered.with_untracked(|o| !o.is_empty()) {
            offered.set(Vec::new());
        }
        match ev.key().as_str() {
            "Tab" if !ev.shift_key() && !lab.reads_raw_lines() => {
                ev.prevent_default();
                let Some(area) = area.get_untracked() else { return };
                let caret = area.selection_start().ok().flatten().unwrap_or(0) as usize;
                if let Some((new_text, new_cursor, list)) =
                    tab(lab, &text, byte_offset(&text, caret))
                {
                    lab.input.set(new_text.clone());
                    area.set_value(&new_text);
                    let caret = new_text[..new_cursor].encode_utf16().count() as u32;
                    let _ = area.set_selection_range(caret, caret);
                    offered.set(list);
                }
            }
            "l" if ev.ctrl_key() => {
                ev.prevent_default();
                lab.console.update(Vec::clear);
            }
            "Enter" if !ev.shift_key() && (lab.reads_raw_lines() || is_complete(&text)) => {
                ev.prevent_default();
                if !text.trim().is_empty() {
                    history.update_value(|h| {
                        if h.last() != Some(&text) {
                            h.push(text.clone());
                        }
                        save_history(h);
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
            <Show when=move || offered.with(|o| !o.is_empty())>
                <p class="console-offered" role="status" aria-label="Completions">
                    {move || offered.get().join("  ")}
                </p>
            </Show>
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
                    aria-description="Enter runs; ↑ and ↓ recall earlier commands; Tab completes; Ctrl+C stops a watch; Ctrl+L clears"
                    node_ref=area
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

#[cfg(test)]
mod tests {
    use super::byte_offset;

    #[test]
    fn carets_count_utf16_units() {
        assert_eq!(byte_offset("kubectl", 4), 4);
        assert_eq!(byte_offset("é get", 2), 3);
        assert_eq!(byte_offset("ab", 9), 2);
    }
}
