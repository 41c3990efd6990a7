//! The lesson pane: the list of lessons (`#/lessons`) and a lesson (`#/lessons/ID`) with its
//! steps, each step's check re-evaluated after every command and tick (✓ once met), hints,
//! "Run solution", and the lesson's progress kept in localStorage with the journal of its
//! cluster, replayed on load so the student finds the cluster they left.

use crate::journal::Journal;
use crate::lab::Lab;
use leptos::prelude::*;
use lessons::Recorder;
use lessons::markdown::{self, Block, Inline};
use serde::{Deserialize, Serialize};
use sim_core::Simulation;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How often a lesson's history is saved while time passes (commands save at once).
const SAVE_EVERY: Duration = Duration::from_secs(3);

/// What the URL's fragment shows: hash routes keep the site hostable under any path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Route {
    List,
    Lesson(String),
}

fn current_route() -> Route {
    let hash = window().location().hash().unwrap_or_default();
    match hash.strip_prefix("#/lessons/").map(|id| id.trim_end_matches('/')) {
        Some(id) if !id.is_empty() => Route::Lesson(id.to_string()),
        _ => Route::List,
    }
}

/// The lesson being worked on.
struct Active {
    /// Its index in the catalogue.
    index: usize,
    recorder: Recorder,
    /// The last console entry the recorder has seen.
    last_entry: Option<usize>,
}

/// What is saved of a lesson: the steps done, the recorder's history, and the journal of
/// everything applied to its cluster. The cluster is rebuilt by replaying the journal on the
/// lesson's fresh cluster (serializing a `Simulation` would add ~160 KB (brotli) of serde code
/// to the page); without a journal (an older save, or one too long to keep), from the
/// reference solutions of the steps done.
#[derive(Default, Serialize, Deserialize)]
struct Progress {
    done: BTreeSet<usize>,
    recorder: Recorder,
    #[serde(default)]
    journal: Journal,
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn progress_key(id: &str) -> String {
    format!("kubelab.lessons.{id}.progress")
}

/// Saved progress, decoded through `&Value` as every object is (another deserializer would
/// grow the WebAssembly by its own copy of the decoders).
fn load_progress(id: &str) -> Option<Progress> {
    let text = storage()?.get_item(&progress_key(id)).ok()??;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    Progress::deserialize(&value).ok()
}

/// The pane's state and what it does.
#[derive(Clone, Copy)]
struct Pane {
    lab: Lab,
    catalogue: StoredValue<Vec<lessons::Lesson>>,
    active: StoredValue<Option<Active>>,
    /// The catalogue index of the lesson shown, if any.
    shown: RwSignal<Option<usize>>,
    /// The route asked for a lesson that does not exist.
    missing: RwSignal<Option<String>>,
    /// The saved journal could not be replayed: the cluster was rebuilt from the solutions.
    rebuilt: RwSignal<bool>,
    done: RwSignal<BTreeSet<usize>>,
    hints: RwSignal<BTreeSet<usize>>,
}

impl Pane {
    fn follow_route(&self) {
        match current_route() {
            Route::List => self.close(),
            Route::Lesson(id) => {
                let index =
                    self.catalogue.with_value(|lessons| lessons.iter().position(|l| l.id == id));
                match index {
                    Some(index) if self.shown.get_untracked() == Some(index) => {}
                    Some(index) => self.open(index),
                    None => {
                        self.close();
                        self.missing.set(Some(id));
                    }
                }
            }
        }
    }

    /// Shows a lesson: on a fresh cluster, or with its saved progress on the cluster the steps
    /// done leave.
    fn open(&self, index: usize) {
        self.save();
        let lesson = self.catalogue.with_value(|lessons| lessons[index].clone());
        let progress = load_progress(&lesson.id).unwrap_or_default();
        let journal = progress.journal;
        let from_journal = !journal.overflowed && !journal.is_empty();
        let done = if from_journal { BTreeSet::new() } else { progress.done.clone() };
        let (sim, shell) = lessons::runner::replay(&lesson, done.iter().copied());
        self.lab.reset(sim, shell.files);
        if from_journal {
            self.lab.replay(&journal);
        }
        self.rebuilt.set(journal.overflowed && !progress.done.is_empty());
        let mut recorder = progress.recorder;
        recorder.start_step(0);
        // The replayed commands are on the console again; the recorder has seen them.
        let last_entry = self.lab.console.with_untracked(|e| e.last().map(|e| e.id));
        self.active.set_value(Some(Active { index, recorder, last_entry }));
        self.done.set(progress.done);
        self.hints.set(BTreeSet::new());
        self.missing.set(None);
        self.shown.set(Some(index));
        self.evaluate();
    }

    /// Back to the list: the lesson is saved, and the lab returns to the default cluster.
    fn close(&self) {
        self.missing.set(None);
        if self.shown.get_untracked().is_none() {
            return;
        }
        self.save();
        self.active.set_value(None);
        self.shown.set(None);
        self.lab.reset(Simulation::new(1), BTreeMap::new());
    }

    /// Forgets the lesson's progress and cluster and opens it afresh.
    fn start_over(&self) {
        let Some(index) = self.shown.get_untracked() else { return };
        let id = self.catalogue.with_value(|lessons| lessons[index].id.clone());
        if let Some(storage) = storage() {
            let _ = storage.remove_item(&progress_key(&id));
        }
        self.active.set_value(None);
        self.shown.set(None);
        self.open(index);
    }

    fn save(&self) {
        self.active.with_value(|active| {
            let Some(active) = active else { return };
            let id = self.catalogue.with_value(|lessons| lessons[active.index].id.clone());
            let progress = Progress {
                done: self.done.get_untracked(),
                recorder: active.recorder.clone(),
                journal: self.lab.journal(),
            };
            if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&progress)) {
                let _ = storage.set_item(&progress_key(&id), &json);
            }
        });
    }

    /// Lets the recorder see the latest commands and the cluster, then checks the steps in
    /// order: each met step is done, and starts the next.
    fn evaluate(&self) {
        let lab = self.lab;
        let mut done = self.done.get_untracked();
        let mut changed = false;
        self.active.update_value(|active| {
            let Some(active) = active else { return };
            lab.console.with_untracked(|entries| {
                for entry in entries {
                    if active.last_entry.is_none_or(|last| entry.id > last) {
                        active.recorder.ran(&entry.prompt, &entry.command);
                        active.last_entry = Some(entry.id);
                    }
                }
            });
            self.catalogue.with_value(|lessons| {
                let lesson = &lessons[active.index];
                lab.with_sim(|sim| {
                    active.recorder.observe(lesson, sim);
                    for (index, step) in lesson.steps.iter().enumerate() {
                        if done.contains(&index) {
                            continue;
                        }
                        active.recorder.start_step(index);
                        if step.check.evaluate(sim, active.recorder.record(index)).is_err() {
                            break;
                        }
                        done.insert(index);
                        changed = true;
                    }
                });
            });
        });
        if changed {
            self.done.set(done);
            self.save();
        }
    }
}

#[component]
pub fn Lesson() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let catalogue: Vec<lessons::Lesson> =
        lessons::builtin().into_iter().filter_map(|(_, lesson)| lesson.ok()).collect();
    let pane = Pane {
        lab,
        catalogue: StoredValue::new(catalogue),
        active: StoredValue::new(None),
        shown: RwSignal::new(None),
        missing: RwSignal::new(None),
        rebuilt: RwSignal::new(false),
        done: RwSignal::new(BTreeSet::new()),
        hints: RwSignal::new(BTreeSet::new()),
    };
    pane.follow_route();
    let listener = window_event_listener(leptos::ev::hashchange, move |_| pane.follow_route());
    on_cleanup(move || listener.remove());

    // After every command and every tick: record, then check.
    Effect::new(move |_| {
        lab.console.track();
        lab.view.track();
        lab.elapsed.track();
        pane.evaluate();
    });
    // Commands save at once (the console changes); time passing, every few seconds.
    Effect::new(move |_| {
        lab.console.track();
        pane.save();
    });
    if let Ok(handle) = set_interval_with_handle(move || pane.save(), SAVE_EVERY) {
        on_cleanup(move || handle.clear());
    }

    view! {
        <aside class="lesson" role="region" aria-label="Lesson">
            {move || match pane.shown.get() {
                Some(index) => lesson_view(pane, index),
                None => {
                    pane.missing.track();
                    list_view(pane)
                }
            }}
        </aside>
    }
}

fn list_view(pane: Pane) -> AnyView {
    let missing = pane.missing.get_untracked();
    let items = pane.catalogue.with_value(|lessons| {
        lessons
            .iter()
            .map(|lesson| {
                let done = load_progress(&lesson.id).map_or(0, |p| p.done.len());
                let total = lesson.steps.len();
                let progress = if done == 0 {
                    format!("{total} steps")
                } else if done == total {
                    format!("✓ {done}/{total} steps done")
                } else {
                    format!("{done}/{total} steps done")
                };
                view! {
                    <li>
                        <a href=format!("#/lessons/{}", lesson.id)>{lesson.title.clone()}</a>
                        <span class="lesson-progress">{progress}</span>
                        <p class="lesson-summary">{lesson.summary.clone()}</p>
                    </li>
                }
            })
            .collect_view()
    });
    view! {
        <h1>"Lessons"</h1>
        {missing.map(|id| view! { <p class="note" role="alert">{format!("There is no lesson {id:?}.")}</p> })}
        <p>
            "A Kubernetes cluster is simulated in your browser: a control plane node and two workers, "
            "running v1.34. Each lesson starts its own cluster and keeps it, with your progress, "
            "in this browser. Meanwhile, this cluster is yours to try anything on."
        </p>
        <ol class="lesson-list">{items}</ol>
        <p class="note">
            "The lab simulates containers: images come from a built-in catalogue (nginx, busybox, redis, …), "
            "and anything else fails to pull as a registry would refuse it."
        </p>
    }
    .into_any()
}

fn lesson_view(pane: Pane, index: usize) -> AnyView {
    let lesson = pane.catalogue.with_value(|lessons| lessons[index].clone());
    let total = lesson.steps.len();
    let steps = lesson
        .steps
        .iter()
        .enumerate()
        .map(|(number, step)| {
            let done = move || pane.done.with(|done| done.contains(&number));
            let current = move || {
                pane.done.with(|done| !done.contains(&number) && (0..number).all(|k| done.contains(&k)))
            };
            let hint_shown = move || pane.hints.with(|hints| hints.contains(&number));
            let solution = step.solution.clone();
            let hint = step.hint.clone();
            view! {
                <li
                    class="step"
                    class:done=done
                    class:current=current
                    aria-label=format!("Step {}: {}", number + 1, step.title)
                >
                    <h2>
                        <span class="step-number">{format!("{}.", number + 1)}</span>
                        " "
                        {step.title.clone()}
                    </h2>
                    <p class="step-status" aria-live="polite">
                        {move || if done() { "✓ Done" } else if current() { "Your turn" } else { "Not yet" }}
                    </p>
                    {markdown_view(&step.text)}
                    <div class="step-actions">
                        <button
                            type="button"
                            aria-expanded=move || hint_shown().to_string()
                            on:click=move |_| {
                                pane.hints.update(|hints| {
                                    if !hints.remove(&number) {
                                        hints.insert(number);
                                    }
                                })
                            }
                        >
                            {move || if hint_shown() { "Hide hint" } else { "Show hint" }}
                        </button>
                        <button
                            type="button"
                            title="Type this step's commands into the console"
                            on:click=move |_| pane.lab.run(&solution)
                        >
                            "Run solution"
                        </button>
                    </div>
                    {move || hint_shown().then(|| view! { <div class="hint">{markdown_view(&hint)}</div> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="lesson-nav">
            <a href="#/lessons">"← All lessons"</a>
        </nav>
        <h1>{lesson.title.clone()}</h1>
        <p class="lesson-progress" aria-live="polite">
            {move || format!("{} of {total} steps done", pane.done.with(BTreeSet::len))}
        </p>
        {move || {
            pane.rebuilt.get().then(|| view! {
                <p class="note" role="status">
                    "Your cluster's story grew too long to keep in this browser: it was rebuilt "
                    "from the solutions of the steps you had done."
                </p>
            })
        }}
        {markdown_view(&lesson.intro)}
        <ol class="steps">{steps}</ol>
        <p>
            <button type="button" class="start-over" on:click=move |_| pane.start_over()>
                "Start over"
            </button>
        </p>
    }
    .into_any()
}

/// Lesson Markdown as elements: text is always text, so raw HTML in content stays inert.
fn markdown_view(text: &str) -> AnyView {
    markdown::parse(text).into_iter().map(block_view).collect_view().into_any()
}

fn block_view(block: Block) -> AnyView {
    match block {
        // Steps are the pane's second level: headings inside them start at the third.
        Block::Heading(level, text) if level <= 3 => {
            view! { <h3>{inline_view(text)}</h3> }.into_any()
        }
        Block::Heading(_, text) => view! { <h4>{inline_view(text)}</h4> }.into_any(),
        Block::Paragraph(text) => view! { <p>{inline_view(text)}</p> }.into_any(),
        Block::Quote(text) => view! { <blockquote>{inline_view(text)}</blockquote> }.into_any(),
        Block::List { ordered, items } => {
            let items =
                items.into_iter().map(|item| view! { <li>{inline_view(item)}</li> }).collect_view();
            if ordered {
                view! { <ol>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Code { info, text } => {
            view! { <pre class="code" data-lang=info><code>{text}</code></pre> }.into_any()
        }
    }
}

fn inline_view(inlines: Vec<Inline>) -> AnyView {
    inlines
        .into_iter()
        .map(|inline| match inline {
            Inline::Text(text) => text.into_any(),
            Inline::Code(text) => view! { <code>{text}</code> }.into_any(),
            Inline::Strong(text) => view! { <strong>{text}</strong> }.into_any(),
            Inline::Emphasis(text) => view! { <em>{text}</em> }.into_any(),
            Inline::Link { text, href } if href.starts_with('#') => {
                view! { <a href=href>{text}</a> }.into_any()
            }
            Inline::Link { text, href } => {
                view! { <a href=href target="_blank" rel="noopener noreferrer">{text}</a> }
                    .into_any()
            }
        })
        .collect_view()
        .into_any()
}
