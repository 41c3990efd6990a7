//! The inspector: the selected node's or pod's `kubectl describe` (with its events), the node's
//! actions, and for a pod the scheduler's table for its latest attempt — every node, each
//! filter's verdict in the scheduler's words, each plugin's score, the winner. A waiting pod can
//! be bound to a node from here too (the keyboard's way to drag and drop). Charts (`charts.rs`)
//! show the selection's history.

use crate::charts::{self, Chart};
use crate::diagram::node_actions;
use crate::files::PodFiles;
use crate::lab::{Lab, Selected};
use crate::layout::next_zone_name;
use crate::timeline::clock;
use k8s_openapi::api::core::v1::Pod;
use leptos::prelude::*;
use sim_core::Simulation;
use sim_core::podutil;
use sim_core::scheduler::explanation::{Explanation, Outcome};
use sim_core::sim::SESSION_START;
use sim_core::view::ZONE_LABEL;
use std::collections::BTreeSet;

#[component]
pub fn Inspector() -> impl IntoView {
    let lab = expect_context::<Lab>();
    view! {
        <aside class="inspector" role="region" aria-label="Inspector">
            {move || match lab.selected.get() {
                None => view! {
                    <p class="inspector-empty">
                        "Select a node or a pod on the diagram (click it, or focus it and press Enter) "
                        "to see its description, its events and why the scheduler placed it."
                    </p>
                }
                    .into_any(),
                Some(Selected::Node(name)) => view! { <NodeDetails name /> }.into_any(),
                Some(Selected::Pod { namespace, name }) => {
                    view! { <PodDetails namespace name /> }.into_any()
                }
            }}
        </aside>
    }
}

/// `kubectl describe` of the selection, refreshed when the cluster changes.
#[component]
fn Describe(selected: Selected) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let text = Memo::new(move |_| {
        lab.view.track();
        lab.describe(&selected)
    });
    view! {
        <h3>"kubectl describe"</h3>
        <pre class="describe" tabindex="0" aria-label="Description">{move || text.get()}</pre>
    }
}

#[component]
fn NodeDetails(name: String) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let node = Memo::new({
        let name = name.clone();
        move |_| lab.view.with(|v| v.nodes.iter().find(|n| n.name == name).cloned())
    });
    view! {
        <header class="inspector-head">
            <h2>{format!("Node {name}")}</h2>
            <button type="button" class="close" aria-label="Close the inspector" on:click=move |_| lab.selected.set(None)>"×"</button>
        </header>
        <div class="inspector-actions" role="group" aria-label=format!("Node {name} actions")>
            {move || {
                node.get()
                    .map(|node| {
                        let name = node.name.clone();
                        node_actions(&node)
                            .into_iter()
                            .map(|(label, action)| {
                                let name = name.clone();
                                view! {
                                    <button type="button" on:click=move |_| lab.node_action(&name, action)>
                                        {label}
                                    </button>
                                }
                            })
                            .collect_view()
                    })
            }}
        </div>
        <ZoneChoice node=name.clone() />
        <Show when=move || node.with(Option::is_some) fallback=|| view! { <p>"This node is gone."</p> }>
            <Charts charts=Memo::new({
                let name = name.clone();
                move |_| {
                    lab.elapsed.track();
                    lab.with_sim(|sim| charts::node(sim, &name))
                }
            }) />
            <Describe selected=Selected::Node(name.clone()) />
        </Show>
    }
}

/// The node's zone, changed with `kubectl label` (the keyboard's way to drag it into a zone).
#[component]
fn ZoneChoice(node: String) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let zones = Memo::new({
        let node = node.clone();
        move |_| {
            lab.view.with(|v| {
                let used: BTreeSet<String> =
                    v.nodes.iter().filter_map(|n| n.zone.clone()).collect();
                let current = v.nodes.iter().find(|n| n.name == node).and_then(|n| n.zone.clone());
                let fresh = next_zone_name(&used);
                (used.into_iter().chain([fresh]).collect::<Vec<_>>(), current)
            })
        }
    });
    view! {
        <label class="zone-choice">
            "Zone "
            <select on:change=move |ev| {
                let zone = event_target_value(&ev);
                lab.run(&format!("kubectl label node {node} {ZONE_LABEL}={zone} --overwrite"));
            }>
                {move || {
                    let (zones, current) = zones.get();
                    zones
                        .into_iter()
                        .map(|zone| {
                            let selected = current.as_deref() == Some(zone.as_str());
                            view! { <option value=zone.clone() selected=selected>{zone.clone()}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

#[component]
fn PodDetails(namespace: String, name: String) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let pending = Memo::new({
        let (namespace, name) = (namespace.clone(), name.clone());
        move |_| {
            lab.view
                .with(|v| v.unscheduled.iter().any(|p| p.namespace == namespace && p.name == name))
        }
    });
    let explanation = Memo::new({
        let (namespace, name) = (namespace.clone(), name.clone());
        move |_| {
            lab.view.track();
            lab.explanation(&namespace, &name)
        }
    });
    let nodes = Memo::new(move |_| {
        lab.view.with(|v| v.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>())
    });
    let selected = Selected::Pod { namespace: namespace.clone(), name: name.clone() };
    let charts = Memo::new({
        let (namespace, name) = (namespace.clone(), name.clone());
        move |_| {
            lab.view.track();
            lab.elapsed.track();
            lab.with_sim(|sim| pod_charts(sim, &namespace, &name))
        }
    });
    let files = (namespace.clone(), name.clone());
    view! {
        <header class="inspector-head">
            <h2>{format!("Pod {name}")}</h2>
            <button type="button" class="close" aria-label="Close the inspector" on:click=move |_| lab.selected.set(None)>"×"</button>
        </header>
        <Show when=move || pending.get()>
            <div class="inspector-actions" role="group" aria-label="Bind to a node">
                <span>"Bind to:"</span>
                <For
                    each=move || nodes.get()
                    key=|n| n.clone()
                    children={
                        let (namespace, name) = (namespace.clone(), name.clone());
                        move |node| {
                            let (namespace, name) = (namespace.clone(), name.clone());
                            view! {
                                <button
                                    type="button"
                                    aria-label=format!("Bind {name} to {node}")
                                    on:click={
                                        let node = node.clone();
                                        move |_| lab.bind(&namespace, &name, &node)
                                    }
                                >
                                    {node.clone()}
                                </button>
                            }
                        }
                    }
                />
            </div>
        </Show>
        <h3>"The scheduler's decision"</h3>
        {move || match explanation.get() {
            Some(explanation) => view! { <SchedulerTable explanation /> }.into_any(),
            None => view! {
                <p class="muted">
                    "No scheduling attempt is on record for this pod (it named its node itself, or the attempt is too old)."
                </p>
            }
                .into_any(),
        }}
        <Charts charts />
        <PodFiles namespace=files.0 name=files.1 />
        <Describe selected />
    }
}

/// A pod's charts: its restarts, its rollout, the requests its namespace's pods served.
fn pod_charts(sim: &Simulation, namespace: &str, name: &str) -> Vec<Chart> {
    let Ok(pod) = sim.api().get::<Pod>(namespace, name) else { return Vec::new() };
    let replica_set = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true) && o.kind == "ReplicaSet");
    [
        charts::restarts(sim, podutil::uid(pod)),
        replica_set.and_then(|rs| charts::replicas(sim, namespace, &rs.name)),
        charts::requests(sim, namespace, name),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Charts with their text alternatives; each one's data table opens on demand. A chart keeps
/// its place (and the focus in it) while its data changes.
#[component]
fn Charts(charts: Memo<Vec<Chart>>) -> impl IntoView {
    let titles =
        Memo::new(move |_| charts.with(|c| c.iter().map(|c| c.title.clone()).collect::<Vec<_>>()));
    view! {
        <Show when=move || titles.with(|t| !t.is_empty())>
            <h3>"Charts"</h3>
        </Show>
        <For each=move || titles.get() key=|title| title.clone() let:title>
            <ChartFigure
                chart=Memo::new({
                    let title = title.clone();
                    move |_| charts.with(|c| c.iter().find(|c| c.title == title).cloned())
                })
                title
            />
        </For>
    }
}

#[component]
fn ChartFigure(chart: Memo<Option<Chart>>, title: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let svg = Memo::new(move |_| {
        chart.with(|c| c.as_ref().map(|c| charts::svg(&c.plot)).unwrap_or_default())
    });
    let summary = move || chart.with(|c| c.as_ref().map(|c| c.summary.clone()).unwrap_or_default());
    let table = {
        let title = title.clone();
        move || {
            let (headers, rows) =
                chart.with(|c| c.as_ref().map(|c| (c.headers.clone(), c.rows.clone())))?;
            Some(view! {
                <div class="table-scroll">
                    <table class="chart-data">
                        <caption>{title.clone()}</caption>
                        <thead>
                            <tr>{headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|row| view! { <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr> })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            })
        }
    };
    let button = {
        let title = title.clone();
        move || format!("{} the data of {title}", if open.get() { "Hide" } else { "Show" })
    };
    view! {
        <figure class="chart" role="group" aria-label=title.clone()>
            <figcaption>
                <strong>{title.clone()}</strong>
                " "
                <span class="muted">{summary}</span>
            </figcaption>
            <div class="chart-svg" role="img" aria-label=summary inner_html=move || svg.get()></div>
            <button
                type="button"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {button}
            </button>
            <Show when=move || open.get()>{table.clone()}</Show>
        </figure>
    }
}

/// The scheduler's latest attempt as a table.
#[component]
fn SchedulerTable(explanation: Explanation) -> impl IntoView {
    let at = clock(explanation.at.since(SESSION_START));
    let (winner, outcome) = match &explanation.outcome {
        Outcome::Bound { node } => (Some(node.clone()), format!("bound to {node}")),
        Outcome::Nominated { node, victims } => (
            Some(node.clone()),
            format!("no node fit; preempting {} on {node}", victims.join(", ")),
        ),
        Outcome::Unschedulable { message } => (None, message.clone()),
    };
    let checked = if explanation.nodes.len() < explanation.nodes_total {
        format!(" ({} of {} nodes checked)", explanation.nodes.len(), explanation.nodes_total)
    } else {
        String::new()
    };
    let plugins = explanation.score_plugins.clone();
    view! {
        <div class="table-scroll">
            <table class="scheduler-table">
                <caption>{format!("Attempt {} at {at}{checked}: {outcome}", explanation.attempt)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Node"</th>
                        <th scope="col">"Filters"</th>
                        {plugins
                            .iter()
                            .map(|p| view! { <th scope="col" title=format!("{} (weight {})", p.name, p.weight)>{p.name.to_string()}</th> })
                            .collect_view()}
                        <th scope="col">"Total"</th>
                    </tr>
                </thead>
                <tbody>
                    {explanation
                        .nodes
                        .into_iter()
                        .map(|verdict| {
                            let won = winner.as_deref() == Some(verdict.node.as_str());
                            let filters = match &verdict.rejected {
                                None => "✓ passed".to_string(),
                                Some(r) => format!("✕ {}: {}", r.plugin, r.reasons.join("; ")),
                            };
                            view! {
                                <tr class:winner=won class:rejected=verdict.rejected.is_some()>
                                    <th scope="row">{if won { format!("★ {}", verdict.node) } else { verdict.node.clone() }}</th>
                                    <td>{filters}</td>
                                    {verdict
                                        .scores
                                        .iter()
                                        .map(|s| view! { <td title=format!("raw {}, normalized {}", s.raw, s.normalized)>{s.weighted}</td> })
                                        .collect_view()}
                                    {(verdict.scores.is_empty() && !plugins.is_empty())
                                        .then(|| view! { <td colspan=plugins.len()>"—"</td> })}
                                    <td>{verdict.total.map_or("—".to_string(), |t| t.to_string())}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
