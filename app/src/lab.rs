//! The lab on the page: the simulation and shell sessions, the signals the views read, and the
//! real-time clock that plays virtual time. Every view is derived from the simulation; every
//! user action is a command to it.

use crate::console::Console;
use crate::controls::TimeControls;
use crate::diagram::Diagram;
use crate::editor::Editor;
use crate::inspector::Inspector;
use crate::journal::{Entry, Journal};
use crate::lesson::Lesson;
use crate::timeline::{History, Mark, Timeline};
use k8s_openapi::api::core::v1::{Event, Pod};
use leptos::prelude::*;
use sim_core::Simulation;
use sim_core::kubectl::Saved;
use sim_core::scheduler::explanation::Explanation;
use sim_core::shell::{Shell, Stream};
use sim_core::sim::SESSION_START;
use sim_core::time::SimTime;
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
/// How far "Next event" looks ahead before giving up on a quiet cluster.
const NEXT_EVENT_LIMIT: Duration = Duration::from_secs(3600);

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected {
    Node(String),
    Pod { namespace: String, name: String },
}

/// A node menu's (or the inspector's) action on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeAction {
    Cordon,
    Uncordon,
    Drain,
    StopKubelet,
    StartKubelet,
    Remove,
}

/// What an action on the diagram answered, shown over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// A refusal (the scheduler said no): shown as an alert.
    pub refused: bool,
}

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
    /// The node or pod the inspector shows.
    pub selected: RwSignal<Option<Selected>>,
    /// The answer to the last drag and drop or node action.
    pub notice: RwSignal<Option<Notice>>,
    /// Snapshots of the cluster to go back in time to.
    history: StoredValue<History, LocalStorage>,
    /// The latest cluster time reached (the end of the timeline).
    pub horizon: RwSignal<Duration>,
    /// The cluster shown is a past moment: the next command or Play continues from it and
    /// forgets what came after.
    pub in_past: RwSignal<bool>,
    /// The cluster's events, placed on the timeline.
    pub marks: RwSignal<Vec<Mark>>,
    /// The resourceVersion the marks were read at.
    marks_version: StoredValue<u64>,
    /// Everything applied to the cluster since it was set (a lesson keeps it to rebuild the
    /// cluster on reload), and the cluster time it starts at.
    journal: StoredValue<Journal>,
    journal_start: StoredValue<Duration>,
}

impl Lab {
    fn new() -> Self {
        let sim = Simulation::new(SEED);
        let sim_for_history = sim.clone();
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
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            history: StoredValue::new_local(History::new(&sim_for_history)),
            horizon: RwSignal::new(elapsed),
            in_past: RwSignal::new(false),
            marks: RwSignal::new(Vec::new()),
            marks_version: StoredValue::new(0),
            journal: StoredValue::new(Journal::default()),
            journal_start: StoredValue::new(elapsed),
        }
    }

    /// Journals an action about to be applied (from the present: a past moment has been
    /// continued from by now).
    fn record(&self, entry: Entry) {
        let at =
            self.sim.with_value(Simulation::elapsed).saturating_sub(self.journal_start.get_value());
        self.journal.update_value(|journal| journal.push(entry, at));
    }

    /// The story of the cluster since it was set.
    pub fn journal(&self) -> Journal {
        self.journal.get_value()
    }

    /// Applies a journal's entries in order, as they were first applied (the console shows
    /// them again; the timeline gets its snapshots again).
    pub fn replay(&self, journal: &Journal) {
        for entry in journal.entries() {
            match entry {
                Entry::Run(input) => self.run(input),
                Entry::Advance(ms) => self.advance(Duration::from_millis(*ms)),
                Entry::Bind { namespace, pod, node } => self.bind(namespace, pod, node),
                Entry::Node { node, action } => {
                    let action = match action.as_str() {
                        "StopKubelet" => NodeAction::StopKubelet,
                        "StartKubelet" => NodeAction::StartKubelet,
                        _ => NodeAction::Remove,
                    };
                    self.node_action(node, action);
                }
                Entry::AddNode => self.add_node(),
                Entry::SaveEdit(text) => self.save_edit(text),
                Entry::CancelEdit => self.cancel_edit(),
                Entry::SaveFile { name, text } => self.save_file(name, text),
                Entry::Interrupt => self.interrupt(),
                Entry::EndExec => self.end_exec(),
            }
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
        self.continue_from_here();
        self.record(Entry::Run(input.to_string()));
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
        self.snapshot();
        self.refresh();
    }

    /// A line in the console for something done on the diagram rather than typed.
    fn note(&self, what: String, output: Vec<(Stream, String)>) {
        let id = self.next_entry_id.get_value();
        self.next_entry_id.set_value(id + 1);
        let entry = ConsoleEntry { id, command: what, prompt: "# ".into(), output };
        self.console.update(|entries| entries.push(entry));
    }

    /// A pending pod dropped on a node: the scheduler's filters for that node decide.
    pub fn bind(&self, namespace: &str, name: &str, node: &str) {
        self.continue_from_here();
        self.record(Entry::Bind {
            namespace: namespace.to_string(),
            pod: name.to_string(),
            node: node.to_string(),
        });
        let result = self.sim.try_update_value(|sim| sim.bind_pod(namespace, name, node));
        let what = format!("bind pod {name} to {node} (dragged on the diagram)");
        match result {
            Some(Ok(())) => {
                self.note(what, vec![(Stream::Stdout, format!("pod/{name} bound to {node}\n"))]);
                self.notice.set(Some(Notice {
                    text: format!("Pod {name} is bound to {node}."),
                    refused: false,
                }));
            }
            Some(Err(reasons)) => {
                let text = format!("{node} refused pod {name}: {}", reasons.join("; "));
                self.note(what, vec![(Stream::Stderr, format!("{text}\n"))]);
                self.notice.set(Some(Notice { text, refused: true }));
            }
            None => {}
        }
        self.snapshot();
        self.refresh();
    }

    /// A node menu's action: kubectl's where kubectl has one (so the console shows it), the
    /// node's machine otherwise.
    pub fn node_action(&self, node: &str, action: NodeAction) {
        let command = match action {
            NodeAction::Cordon => Some(format!("kubectl cordon {node}")),
            NodeAction::Uncordon => Some(format!("kubectl uncordon {node}")),
            NodeAction::Drain => Some(format!("kubectl drain {node} --ignore-daemonsets")),
            _ => None,
        };
        if let Some(command) = command {
            return self.run(&command);
        }
        self.continue_from_here();
        self.record(Entry::Node { node: node.to_string(), action: format!("{action:?}") });
        let node = node.to_string();
        let (what, done) = match action {
            NodeAction::StopKubelet => (
                format!("systemctl stop kubelet (on {node})"),
                self.sim.try_update_value(|sim| sim.stop_kubelet(&node)),
            ),
            NodeAction::StartKubelet => (
                format!("systemctl start kubelet (on {node})"),
                self.sim.try_update_value(|sim| sim.start_kubelet(&node)),
            ),
            _ => (
                format!("remove node {node} (its machine shuts down)"),
                self.sim.try_update_value(|sim| sim.remove_node(&node)),
            ),
        };
        let output = if done == Some(true) {
            Vec::new()
        } else {
            vec![(Stream::Stderr, format!("no node named {node}\n"))]
        };
        self.note(what, output);
        if action == NodeAction::Remove
            && self.selected.get_untracked() == Some(Selected::Node(node))
        {
            self.selected.set(None);
        }
        self.snapshot();
        self.refresh();
    }

    /// The diagram's "Send requests": one request from `source` to `url` through the cluster
    /// network at the current cluster time (not a console command, so no console line).
    pub fn send_request(
        &self,
        source: &sim_core::network::client::Source,
        url: &str,
    ) -> Option<sim_core::network::client::Sent> {
        self.continue_from_here();
        let sent = self
            .sim
            .try_update_value(|sim| sim_core::network::client::send_request(sim, source, url));
        self.refresh();
        sent
    }

    /// "Add node": a worker joins with the next free name (`node03`…).
    pub fn add_node(&self) {
        self.continue_from_here();
        self.record(Entry::AddNode);
        let taken = self.view.with_untracked(|v| {
            v.nodes.iter().map(|n| n.name.clone()).collect::<std::collections::BTreeSet<_>>()
        });
        let Some(name) = (1..).map(|i| format!("node{i:02}")).find(|n| !taken.contains(n)) else {
            return;
        };
        let joined = self.sim.try_update_value(|sim| sim.add_node(&name));
        let output = match joined {
            Some(Err(error)) => vec![(Stream::Stderr, format!("{error}\n"))],
            _ => Vec::new(),
        };
        self.note(format!("kubeadm join (a new worker, {name})"), output);
        self.snapshot();
        self.refresh();
    }

    /// `kubectl describe` of the selected object, as the console would print it.
    pub fn describe(&self, selected: &Selected) -> String {
        let script = match selected {
            Selected::Node(name) => format!("kubectl describe node {name}"),
            Selected::Pod { namespace, name } => {
                format!("kubectl describe pod {name} -n {namespace}")
            }
        };
        let ran = self.sim.try_update_value(|sim| Shell::new().run_script(sim, &script));
        ran.unwrap_or_default().into_iter().map(|ran| ran.output.combined()).collect()
    }

    /// The scheduler's latest attempt for a pod.
    pub fn explanation(&self, namespace: &str, name: &str) -> Option<Explanation> {
        self.sim.with_value(|sim| {
            let pod = sim.api().get::<Pod>(namespace, name).ok()?;
            sim.scheduler().explanation(sim_core::podutil::uid(pod))
        })
    }

    /// The earliest cluster time the timeline can go back to.
    pub fn history_start(&self) -> Duration {
        self.history.with_value(History::start)
    }

    /// Keeps a snapshot of the cluster as it is now, for the timeline.
    fn snapshot(&self) {
        let sim = self.sim;
        self.history.update_value(|history| sim.with_value(|sim| history.record(sim)));
    }

    /// Shows the cluster as it was at `at` (cluster time): the closest earlier snapshot, moved
    /// on to `at`. The future is kept until something changes the cluster.
    pub fn scrub_to(&self, at: Duration) {
        self.playing.set(false);
        if self.shell.try_update_value(|shell| shell.watch.take()).flatten().is_some() {
            self.print_to_last_entry("^C\n".into());
            self.watching.set(false);
        }
        let at = at.min(self.horizon.get_untracked());
        let Some(past) = self.history.with_value(|history| history.at(at)) else { return };
        self.sim.set_value(past);
        self.in_past.set(at < self.horizon.get_untracked());
        self.seen_version.set_value(u64::MAX);
        self.refresh();
    }

    /// After going back in time, acting on the cluster forks its history: what came after
    /// the moment shown is forgotten.
    fn continue_from_here(&self) {
        if self.in_past.get_untracked() {
            let now = self.sim.with_value(Simulation::elapsed);
            self.history.update_value(|history| history.forget_after(now));
            let start = self.journal_start.get_value();
            self.journal.update_value(|journal| journal.fork_at(now.saturating_sub(start)));
            self.in_past.set(false);
            self.horizon.set(now);
        }
    }

    /// "Next event": pauses, then lets time run to the next moment a pod changes or an
    /// event is recorded (wake-ups that change nothing visible are passed through).
    pub fn skip_to_next_event(&self) {
        self.playing.set(false);
        self.continue_from_here();
        let start = self.sim.with_value(|sim| (sim.now(), sim.api().resource_version()));
        loop {
            let next = self.sim.with_value(|sim| sim.next_wakeup().map(|at| at.since(sim.now())));
            let now = self.sim.with_value(Simulation::now);
            let Some(by) = next.filter(|_| now.since(start.0) < NEXT_EVENT_LIMIT) else {
                break;
            };
            self.advance(by.max(Duration::from_millis(1)));
            let changed = self.sim.with_value(|sim| {
                sim.api().kind_changed_since::<Pod>(start.1)
                    || sim.api().kind_changed_since::<Event>(start.1)
            });
            if changed {
                break;
            }
        }
    }

    /// Tab in the console: what the word before the cursor can become.
    pub fn complete(&self, line: &str, cursor: usize) -> sim_core::shell::Completion {
        self.sim.with_value(|sim| sim_core::shell::complete(sim, line, cursor))
    }

    /// Ctrl+D in a container's or a node's shell: leaves it, as `exit` would.
    pub fn end_exec(&self) {
        let ended = self
            .shell
            .try_update_value(|shell| shell.exec.take().is_some() | shell.node.take().is_some());
        if ended == Some(true) {
            self.record(Entry::EndExec);
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
        self.record(Entry::SaveEdit(text.to_string()));
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
            self.record(Entry::CancelEdit);
            self.append_to_last_entry(session.cancel().chunks);
        }
        self.editor.set(None);
        focus_console();
    }

    /// Reads the simulation and the lab shell (the editor's checks, completion and picker).
    pub fn inspect<R>(&self, read: impl FnOnce(&Simulation, &Shell) -> R) -> Option<R> {
        let shell = self.shell;
        self.sim.try_with_value(|sim| shell.try_with_value(|shell| read(sim, shell))).flatten()
    }

    /// Saves a workspace file (the editor's Apply, before `kubectl apply -f FILE`).
    pub fn save_file(&self, name: &str, text: &str) {
        self.record(Entry::SaveFile { name: name.to_string(), text: text.to_string() });
        self.shell.update_value(|shell| {
            shell.files.insert(name.to_string(), text.to_string());
        });
    }

    /// Opens the YAML editor on `text` (a workspace file, a new manifest), titled `title`.
    pub fn open_editor(&self, title: &str, text: String) {
        self.editing.set(title.to_string());
        self.editor.set(Some(text));
    }

    /// Closes the YAML editor and returns to the console.
    pub fn close_editor(&self) {
        self.editor.set(None);
        focus_console();
    }

    /// Lets virtual time pass; a running watch reports each change on the way.
    pub fn advance(&self, by: Duration) {
        self.continue_from_here();
        self.record(Entry::Advance(by.as_millis() as u64));
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
        let sim = self.sim;
        self.history.update_value(|history| sim.with_value(|sim| history.record_if_due(sim)));
        self.refresh();
    }

    /// Ctrl+C in the console: ends a running watch.
    pub fn interrupt(&self) {
        if self.shell.try_update_value(|shell| shell.watch.take()).flatten().is_some() {
            self.record(Entry::Interrupt);
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
        // The timeline starts again with the new cluster: its past is not this one's.
        self.history.set_value(History::new(&sim));
        self.journal.set_value(Journal::default());
        self.journal_start.set_value(sim.elapsed());
        self.horizon.set(sim.elapsed());
        self.in_past.set(false);
        self.marks.set(Vec::new());
        self.marks_version.set_value(0);
        self.selected.set(None);
        self.notice.set(None);
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
        if !self.in_past.get_untracked() {
            let done_at = elapsed.saturating_sub(self.journal_start.get_value());
            self.journal.update_value(|journal| journal.done_at(done_at));
            if elapsed > self.horizon.get_untracked() {
                self.horizon.set(elapsed);
            }
            self.read_marks();
        }
    }

    /// Puts the cluster's events on the timeline when new ones were recorded.
    fn read_marks(&self) {
        let seen = self.marks_version.get_value();
        let marks = self.sim.with_value(|sim| {
            let api = sim.api();
            api.kind_changed_since::<Event>(seen).then(|| {
                api.list::<Event>(None)
                    .filter_map(|event| {
                        let at =
                            event.last_timestamp.as_ref().or(event.first_timestamp.as_ref())?;
                        let at = SimTime::from_k8s(at);
                        (at >= SESSION_START).then(|| Mark {
                            at: at.since(SESSION_START),
                            warning: event.type_.as_deref() == Some("Warning"),
                            text: format!(
                                "{} {}: {}",
                                event.involved_object.kind.as_deref().unwrap_or_default(),
                                event.involved_object.name.as_deref().unwrap_or_default(),
                                event.reason.as_deref().unwrap_or_default()
                            ),
                        })
                    })
                    .collect::<Vec<_>>()
            })
        });
        self.marks_version.set_value(self.sim.with_value(|sim| sim.api().resource_version()));
        if let Some(mut marks) = marks {
            sim_core::sort::sort_by_key(&mut marks, |m| m.at);
            self.marks.set(marks);
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
        <Timeline />
        <main class="lab">
            <Lesson />
            <Diagram />
            <Inspector />
            <Console />
        </main>
        <Editor />
    }
}
