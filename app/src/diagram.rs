//! The cluster diagram: nodes as boxes holding their pods (colour, symbol and text for the
//! status), and a tray of pods still waiting for a node with the scheduler's reason.

use crate::lab::Lab;
use crate::layout::{self, CHIP_HEIGHT, CHIP_WIDTH, NODE_WIDTH};
use leptos::prelude::*;
use sim_core::view::{NodeView, PodView, Tone};

#[component]
pub fn Diagram() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let names = Memo::new(move |_| {
        lab.view.with(|v| v.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>())
    });
    let rows = Memo::new(move |_| {
        lab.view.with(|v| v.nodes.iter().map(|n| layout::rows_for(n.pods.len())).max().unwrap_or(0))
    });
    let canvas = Memo::new(move |_| layout::canvas(names.with(Vec::len), rows.get()));
    view! {
        <section class="diagram-panel" aria-label="Cluster diagram">
            <svg
                class="diagram"
                viewBox=move || {
                    let (w, h, _) = canvas.get();
                    format!("0 0 {w} {h}")
                }
                role="group"
                aria-label="Cluster"
            >
                <For
                    each=move || names.get().into_iter().enumerate()
                    key=|entry| entry.clone()
                    children=move |(index, name)| view! { <NodeBox index name rows /> }
                />
                <PendingTray tray_y=Signal::derive(move || canvas.get().2) width=Signal::derive(move || canvas.get().0) />
            </svg>
        </section>
    }
}

#[component]
fn NodeBox(index: usize, name: String, rows: Memo<usize>) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let node = Memo::new({
        let name = name.clone();
        move |_| lab.view.with(|v| v.nodes.iter().find(|n| n.name == name).cloned())
    });
    let pods =
        Memo::new(move |_| node.with(|n| n.as_ref().map(|n| n.pods.clone()).unwrap_or_default()));
    let read = move |f: fn(&NodeView) -> String| {
        move || node.with(|n| n.as_ref().map(f).unwrap_or_default())
    };
    let (x, y) = layout::node_origin(index);
    let not_ready =
        move || node.with(|n| n.as_ref().is_some_and(|n| !n.status.starts_with("Ready")));
    view! {
        <g
            class="node"
            class:node-not-ready=not_ready
            role="region"
            aria-label=format!("Node {name}")
            transform=format!("translate({x} {y})")
        >
            <rect class="node-box" width=NODE_WIDTH height=move || layout::node_height(rows.get()) rx="14" />
            <text class="node-name" x="18" y="30">{name.clone()}</text>
            <text class="node-meta" x="18" y="52">
                {read(|n| format!("{} · {}", if n.roles == "<none>" { "worker" } else { &n.roles }, n.status))}
            </text>
            <text class="node-taints" x="18" y="71">
                <title>{read(|n| n.taints.join("\n"))}</title>
                {read(|n| match n.taints.as_slice() {
                    [] => String::new(),
                    [one] => layout::fit(&format!("taint {}", short_taint(one)), 38),
                    many => format!("{} taints", many.len()),
                })}
            </text>
            <PodChips pods label=format!("Pods on {name}") place=layout::chip_origin />
        </g>
    }
}

/// The well-known taint keys are long; show their last segment.
fn short_taint(taint: &str) -> String {
    taint
        .strip_prefix("node-role.kubernetes.io/")
        .or_else(|| taint.strip_prefix("node.kubernetes.io/"))
        .unwrap_or(taint)
        .to_string()
}

#[component]
fn PendingTray(tray_y: Signal<f64>, width: Signal<f64>) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let pods = Memo::new(move |_| lab.view.with(|v| v.unscheduled.clone()));
    let reason = Memo::new(move |_| {
        lab.view.with(|v| v.unscheduled.iter().find_map(|p| p.reason.clone()).unwrap_or_default())
    });
    view! {
        <g class="tray" role="region" aria-label="Pending pods" transform=move || format!("translate(0 {})", tray_y.get())>
            <rect class="tray-box" x=layout::GAP width=move || width.get() - 2.0 * layout::GAP height=layout::TRAY_HEIGHT rx="14" />
            <text class="tray-title" x=layout::GAP + 18.0 y="30">"Waiting for a node"</text>
            <text class="tray-reason" x=layout::GAP + 170.0 y="30">
                <title>{move || reason.get()}</title>
                {move || {
                    if pods.with(Vec::is_empty) { "none".to_string() } else { layout::fit(&reason.get(), 90) }
                }}
            </text>
            <PodChips pods label="Pods waiting for a node".to_string() place=layout::tray_chip_origin />
        </g>
    }
}

/// The chips of a list of pods, keyed by name so a chip persists (and glides to its new place)
/// while the list around it changes.
#[component]
fn PodChips(
    pods: Memo<Vec<PodView>>,
    label: String,
    place: fn(usize) -> (f64, f64),
) -> impl IntoView {
    let names = Memo::new(move |_| {
        pods.with(|list| list.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
    });
    view! {
        <g role="list" aria-label=label>
            <For
                each=move || names.get()
                key=|name| name.clone()
                children=move |name| {
                    let pod = Memo::new({
                        let name = name.clone();
                        move |_| pods.with(|list| list.iter().find(|p| p.name == name).cloned())
                    });
                    let position = Signal::derive(move || {
                        place(names.with(|list| list.iter().position(|n| *n == name).unwrap_or(0)))
                    });
                    view! { <PodChip pod position /> }
                }
            />
        </g>
    }
}

/// The symbol that goes with a status colour, so colour is never the only cue.
fn symbol(tone: Tone) -> &'static str {
    match tone {
        Tone::Running => "●",
        Tone::Starting => "◔",
        Tone::Failing => "✕",
        Tone::Completed => "✓",
        Tone::Terminating => "◌",
    }
}

#[component]
fn PodChip(pod: Memo<Option<PodView>>, position: Signal<(f64, f64)>) -> impl IntoView {
    let field = move |f: fn(&PodView) -> String| {
        move || pod.with(|p| p.as_ref().map(f).unwrap_or_default())
    };
    let name = field(|p| p.name.clone());
    view! {
        <g
            class=move || format!("pod tone-{}", pod.with(|p| p.as_ref().map_or("starting", |p| p.tone.as_str())))
            role="listitem"
            aria-label=move || format!("Pod {}", name())
            aria-description=field(|p| format!("{}, {} ready, {} restarts", p.status, p.ready, p.restarts))
            data-status=field(|p| p.status.clone())
            style=move || {
                let (x, y) = position.get();
                format!("transform: translate({x}px, {y}px)")
            }
        >
            <title>{field(|p| format!("{}/{} — {}", p.namespace, p.name, p.status))}</title>
            <rect class="pod-box" width=CHIP_WIDTH height=CHIP_HEIGHT rx="9" />
            <text class="pod-name" x="12" y="20">{field(|p| layout::fit(&p.name, 15))}</text>
            <text class="pod-status" x="12" y="38">
                <tspan class="pod-symbol" aria-hidden="true">{field(|p| symbol(p.tone).to_string())}</tspan>
                " "
                {field(|p| layout::fit(&p.status, 15))}
            </text>
            <Show when=move || pod.with(|p| p.as_ref().is_some_and(|p| p.restarts > 0))>
                <g class="restart-badge" transform=format!("translate({} 0)", CHIP_WIDTH - 6.0)>
                    <circle r="10" />
                    <text text-anchor="middle" y="4">{field(|p| p.restarts.to_string())}</text>
                </g>
            </Show>
        </g>
    }
}
