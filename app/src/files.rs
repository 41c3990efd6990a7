//! The inspector's file browser: a pod's volumes and each container's filesystem as nested
//! disclosure lists (buttons with `aria-expanded`, so Tab, Enter and Space do everything), a
//! directory listed only once opened, a file's text shown below. Everything is read through
//! `Simulation::volume_files`/`container_files`, which change nothing.

use crate::lab::Lab;
use k8s_openapi::api::core::v1::Pod;
use leptos::prelude::*;
use sim_core::container::{FileEntry, Files};

/// What a tree shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    Container(String),
    Volume(String),
}

/// The pod and the file shown, shared by every level of the trees.
#[derive(Clone)]
struct Browser {
    namespace: String,
    pod: String,
    /// The file shown: its label and its text (or why it cannot be read).
    shown: RwSignal<Option<(String, Result<String, String>)>>,
}

impl Browser {
    fn files(&self, lab: Lab, source: &Source) -> Option<Files> {
        lab.with_sim(|sim| match source {
            Source::Container(c) => sim.container_files(&self.namespace, &self.pod, c),
            Source::Volume(v) => sim.volume_files(&self.namespace, &self.pod, v),
        })
    }
}

#[component]
pub fn PodFiles(namespace: String, name: String) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let sources = Memo::new({
        let (namespace, name) = (namespace.clone(), name.clone());
        move |_| {
            lab.view.track();
            lab.with_sim(|sim| {
                let Ok(pod) = sim.api().get::<Pod>(&namespace, &name) else { return Vec::new() };
                let Some(spec) = pod.spec.as_ref() else { return Vec::new() };
                let volumes = spec.volumes.iter().flatten().map(|v| Source::Volume(v.name.clone()));
                let containers = spec
                    .init_containers
                    .iter()
                    .flatten()
                    .chain(&spec.containers)
                    .map(|c| Source::Container(c.name.clone()));
                volumes.chain(containers).collect::<Vec<_>>()
            })
        }
    });
    let browser = Browser { namespace, pod: name.clone(), shown: RwSignal::new(None) };
    let shown = browser.shown;
    view! {
        <h3>"Files"</h3>
        <ul class="file-tree" aria-label=format!("Files of pod {name}")>
            {move || {
                sources
                    .get()
                    .into_iter()
                    .map(|source| {
                        let label = match &source {
                            Source::Volume(v) => format!("Volume {v}"),
                            Source::Container(c) => format!("Container {c} filesystem"),
                        };
                        let browser = browser.clone();
                        view! {
                            <li>
                                <Folder label=label.clone() text=label>
                                    <Listing browser=browser.clone() source=source.clone() path="/".to_string() />
                                </Folder>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
        {move || {
            shown.get().map(|(path, text)| {
                let failed = text.is_err();
                let text = text.unwrap_or_else(|e| e);
                view! {
                    <h4>{path.clone()}</h4>
                    <pre
                        class="file-text"
                        class:muted=failed
                        tabindex="0"
                        aria-label=format!("Contents of {path}")
                    >
                        {text}
                    </pre>
                }
            })
        }}
    }
}

/// A disclosure: its children exist only while it is open.
#[component]
fn Folder(label: String, text: String, children: ChildrenFn) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            type="button"
            class="file-folder"
            aria-label=label
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || if open.get() { "▾ " } else { "▸ " }}
            {text}
        </button>
        <Show when=move || open.get()>{children()}</Show>
    }
}

/// The names in one directory, re-read as the cluster changes.
#[component]
fn Listing(browser: Browser, source: Source, path: String) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let entries = Memo::new({
        let (browser, source, path) = (browser.clone(), source.clone(), path.clone());
        move |_| {
            lab.view.track();
            lab.console.track();
            lab.elapsed.track();
            match browser.files(lab, &source) {
                Some(files) => files.list(&path),
                None => Err("Not there yet: the kubelet has not set this up.".to_string()),
            }
        }
    });
    view! {
        <ul role="list">
            {move || match entries.get() {
                Err(why) => view! { <li class="muted">{why}</li> }.into_any(),
                Ok(entries) if entries.is_empty() => {
                    view! { <li class="muted">"(empty)"</li> }.into_any()
                }
                Ok(entries) => entries
                    .into_iter()
                    .map(|entry| entry_view(browser.clone(), source.clone(), entry))
                    .collect_view()
                    .into_any(),
            }}
        </ul>
    }
}

fn entry_view(browser: Browser, source: Source, entry: FileEntry) -> AnyView {
    let lab = expect_context::<Lab>();
    if entry.directory {
        let mounted = entry.volume.as_ref().map(|v| format!(" (volume {v})")).unwrap_or_default();
        let label = format!("Directory {}{mounted}", entry.path);
        let text = format!("{}/{mounted}", entry.name);
        return view! {
            <li>
                <Folder label text>
                    <Listing browser=browser.clone() source=source.clone() path=entry.path.clone() />
                </Folder>
            </li>
        }
        .into_any();
    }
    let label = format!("File {}", entry.path);
    let name = entry.name.clone();
    let open = move |_| {
        let text = browser
            .files(lab, &source)
            .map_or_else(|| Err("gone".to_string()), |files| files.read(&entry.path));
        browser.shown.set(Some((entry.path.clone(), text)));
    };
    view! {
        <li>
            <button type="button" class="file" aria-label=label on:click=open>
                {name}
            </button>
        </li>
    }
    .into_any()
}
