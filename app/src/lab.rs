//! The lab on the page: the simulation and shell sessions, the signals the views read, and the
//! real-time clock that plays virtual time. Every view is derived from the simulation; every
//! user action is a command to it.

use crate::console::Console;
use crate::controls::TimeControls;
use crate::diagram::Diagram;
use crate::editor::Editor;
use crate::lesson::Lesson;
use leptos::prelude::*;
use sim_core::Simulation;
use sim_core::kubectl::Saved;
use sim_core::shell::{Shell, Stream};
use sim_core::view::ClusterView;
use std::time::Duration;

/// The seed of a fresh lab; a later issue lets lessons and share links choose one.
const SEED: u64 = 1;
/// How often the page advances virtual time while playing.
const TICK: Duration = Duration::from_millis(100);
/// Real time longer than this between ticks (a hidden tab) is not replayed all at once.
const MAX_TICK_MS: f64 = 1000.0;
/// What the Step button advances.
pub const STEP: Duration = Duration::from_secs(1);

/// One command typed in the console, with what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleEntry {
    pub id: usize,
    pub command: String,
    /// The prompt the command was typed at (`$ `, or a container shell's).
    pub prompt: String,
    pub output: Vec<(Stream, String)>,
}

/// Handles to the lab's state; cheap to copy into every component and closure.
#[derive(Clone, Copy)]
pub struct Lab {
    sim: StoredValue<Simulation, LocalStorage>,
    shell: StoredValue<Shell, LocalStorage>,
    /// The API's resourceVersion when the view was last derived.
    seen_version: StoredValue<u64>,
    last_tick_ms: StoredValue<Option<f64>>,
    next_entry_id: StoredValue<usize>,
    pub view: RwSignal<ClusterView>,
    /// Virtual time since the lab started.
    pub elapsed: RwSignal<Duration>,
    pub playing: RwSignal<bool>,
    /// How many virtual seconds pass per real second while playing.
    pub speed: RwSignal<u32>,
    pub console: RwSignal<Vec<ConsoleEntry>>,
    /// The console's input text (lessons can fill it in).
    pub input: RwSignal<String>,
    /// A `kubectl get -w` is running: its lines go to the last console entry.
    pub watching: RwSignal<bool>,
    /// The console's prompt: the lab shell's, or that of a container shell `kubectl exec -it`
    /// opened (`None` for the lab shell).
    pub container_prompt: RwSignal<Option<String>>,
    /// The text in the YAML editor while `kubectl edit` has it open.
    pub editor: RwSignal<Option<String>>,
    /// What is being edited: the `kubectl edit` command line.
    pub editing: RwSignal<String>,
}

impl Lab {
    fn new() -> Self {
        let sim = Simulation::new(SEED);
        let view = ClusterView::of(&sim);
        let elapsed = sim.elapsed();
        let version = sim.api().resource_version();
        Lab {
            sim: StoredValue::new_local(sim),
            shell: StoredValue::new_local(Shell { interactive: true, ..Shell::new() }),
            seen_version: StoredValue::new(version),
            last_tick_ms: StoredValue::new(None),
            next_entry_id: StoredValue::new(0),
            view: RwSignal::new(view),
            elapsed: RwSignal::new(elapsed),
            playing: RwSignal::new(true),
            speed: RwSignal::new(1),
            console: RwSignal::new(Vec::new()),
            input: RwSignal::new(String::new()),
            watching: RwSignal::new(false),
            container_prompt: RwSignal::new(None),
            editor: RwSignal::new(None),
            editing: RwSignal::new(String::new()),
        }
    }

    /// Fetches the API schema `kubectl explain` reads (half a megabyte of descriptions, so it
    /// is not part of the WebAssembly the page waits for).
    fn load_schema(&self) {
        let shell = self.shell;
        leptos::task::spawn_local(async move {
            if let Some(text) = fetch_text(SCHEMA_URL).await
                && let Ok(schema) = sim_core::kubectl::Schema::from_json(&text)
            {
                shell.update_value(|shell| shell.schema = Some(std::sync::Arc::new(schema)));
            }
        });
    }

    /// Runs console input through the lab shell and shows what it printed.
    pub fn run(&self, input: &str) {
        let shell = self.shell;
        let ran = self
            .sim
            .try_update_value(|sim| shell.try_update_value(|shell| shell.run_script(sim, input)));
        for ran in ran.flatten().unwrap_or_default() {
            if ran.clear {
                self.console.update(Vec::clear);
                continue;
            }
            let id = self.next_entry_id.get_value();
            self.next_entry_id.set_value(id + 1);
            let command = ran.first_line.clone();
            let entry = ConsoleEntry {
                id,
                command: ran.first_line,
                prompt: ran.prompt,
                output: ran.output.chunks,
            };
            self.console.update(|entries| entries.push(entry));
            if let Some(text) =
                shell.with_value(|shell| shell.edit.as_ref().map(|e| e.text().to_string()))
            {
                self.editing.set(command);
                self.editor.set(Some(text));
            }
        }
        self.watching.set(shell.with_value(|shell| shell.watch.is_some()));
        self.container_prompt.set(shell.with_value(|shell| {
            (shell.exec.is_some() || shell.node.is_some()).then(|| shell.prompt())
        }));
        self.refresh();
    }

    /// Ctrl+D in a container's or a node's shell: leaves it, as `exit` would.
    pub fn end_exec(&self) {
        let ended = self
            .shell
            .try_update_value(|shell| shell.exec.take().is_some() | shell.node.take().is_some());
        if ended == Some(true) {
            self.container_prompt.set(None);
        }
    }

    /// Whether a container's shell takes each line as typed (a node's shell, like the lab
    /// shell, waits for an open here-document to end).
    pub fn reads_raw_lines(&self) -> bool {
        self.shell.with_value(|shell| shell.exec.is_some())
    }

    /// The YAML editor's Apply: saves the edit, or shows it again with the reasons it failed.
    pub fn save_edit(&self, text: &str) {
        let Some(mut session) = self.shell.try_update_value(|shell| shell.edit.take()).flatten()
        else {
            return;
        };
        let saved = self.sim.try_update_value(|sim| session.save(sim, text));
        match saved {
            Some(Saved::Done(output)) => {
                self.append_to_last_entry(output.chunks);
                self.editor.set(None);
                focus_console();
            }
            Some(Saved::Reopened) | None => {
                self.editor.set(Some(session.text().to_string()));
                self.shell.update_value(|shell| shell.edit = Some(session));
            }
        }
        self.refresh();
    }

    /// The YAML editor's Cancel.
    pub fn cancel_edit(&self) {
        if let Some(session) = self.shell.try_update_value(|shell| shell.edit.take()).flatten() {
            self.append_to_last_entry(session.cancel().chunks);
        }
        self.editor.set(None);
        focus_console();
    }

    /// Lets virtual time pass; a running watch reports each change on the way.
    pub fn advance(&self, by: Duration) {
        let shell = self.shell;
        let watched = self.sim.try_update_value(|sim| {
            shell.try_update_value(|shell| match shell.watch.as_mut() {
                Some(watch) => {
                    let text = watch.follow(sim, by);
                    // `logs -f` ends by itself when its container stops.
                    if watch.is_finished() {
                        shell.watch = None;
                    }
                    text
                }
                None => {
                    sim.advance(by);
                    String::new()
                }
            })
        });
        let text = watched.flatten().unwrap_or_default();
        if !text.is_empty() {
            self.print_to_last_entry(text);
        }
        if self.watching.get_untracked() && shell.with_value(|shell| shell.watch.is_none()) {
            self.watching.set(false);
        }
        self.refresh();
    }

    /// Ctrl+C in the console: ends a running watch.
    pub fn interrupt(&self) {
        if self.shell.try_update_value(|shell| shell.watch.take()).flatten().is_some() {
            self.print_to_last_entry("^C\n".into());
            self.watching.set(false);
        }
    }

    fn print_to_last_entry(&self, text: String) {
        self.append_to_last_entry(vec![(Stream::Stdout, text)]);
    }

    fn append_to_last_entry(&self, chunks: Vec<(Stream, String)>) {
        self.console.update(|entries| {
            if let Some(last) = entries.last_mut() {
                last.output.extend(chunks);
            }
        });
    }

    /// Called every tick: while playing, moves virtual time by the real time that passed.
    fn tick(&self, real_now_ms: f64) {
        let last = self.last_tick_ms.get_value().unwrap_or(real_now_ms);
        self.last_tick_ms.set_value(Some(real_now_ms));
        if !self.playing.get_untracked() {
            return;
        }
        let real_ms = (real_now_ms - last).clamp(0.0, MAX_TICK_MS);
        let virtual_ms = real_ms * f64::from(self.speed.get_untracked());
        self.advance(Duration::from_millis(virtual_ms.round() as u64));
    }

    /// Reads the simulation (the lesson pane evaluates its checks against it).
    pub fn with_sim<R>(&self, read: impl FnOnce(&Simulation) -> R) -> R {
        self.sim.with_value(read)
    }

    /// Continues on another cluster (a lesson's, fresh or saved): a new shell session with
    /// `files` in its workspace, an empty console.
    pub fn reset(&self, sim: Simulation, files: std::collections::BTreeMap<String, String>) {
        let schema = self.shell.with_value(|shell| shell.schema.clone());
        self.shell.set_value(Shell { interactive: true, files, schema, ..Shell::new() });
        self.sim.set_value(sim);
        // Whatever the new cluster's resourceVersion, the view is derived again.
        self.seen_version.set_value(u64::MAX);
        self.console.set(Vec::new());
        self.watching.set(false);
        self.container_prompt.set(None);
        self.editor.set(None);
        self.refresh();
    }

    /// Re-derives what the page shows, touching the signals only when something changed.
    fn refresh(&self) {
        let (version, elapsed) =
            self.sim.with_value(|sim| (sim.api().resource_version(), sim.elapsed()));
        if version != self.seen_version.get_value() {
            self.seen_version.set_value(version);
            let view = self.sim.with_value(ClusterView::of);
            self.view.set(view);
        }
        if elapsed != self.elapsed.get_untracked() {
            self.elapsed.set(elapsed);
        }
    }
}

/// Where `cargo xtask dist` puts the schema (relative: the site may live under any path).
const SCHEMA_URL: &str = "public/schema-v1.34.json";

async fn fetch_text(url: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(url)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?).await.ok()?;
    text.as_string()
}

/// Back to the console after the editor closes, as a terminal returns to its prompt.
fn focus_console() {
    use wasm_bindgen::JsCast;
    let console = document().query_selector("textarea[aria-label='Console']").ok().flatten();
    if let Some(console) = console.and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = console.focus();
    }
}

fn performance_now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

#[component]
pub fn App() -> impl IntoView {
    let lab = Lab::new();
    provide_context(lab);
    lab.load_schema();
    if let Ok(handle) = set_interval_with_handle(move || lab.tick(performance_now()), TICK) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <header class="topbar">
            <a class="brand" href="./" aria-label="kubelab home">
                <img src="public/favicon.svg" alt="" width="28" height="28" />
                <span>"kubelab"</span>
            </a>
            <TimeControls />
        </header>
        <main class="lab">
            <Lesson />
            <Diagram />
            <Console />
        </main>
        <Editor />
    }
}
